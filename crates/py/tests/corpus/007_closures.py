# level: 1 — closures, nonlocal, lambda and late binding in loops
def make_counter(start=0):
    count = start

    def step(by=1):
        nonlocal count
        count += by
        return count

    return step

c1 = make_counter()
c2 = make_counter(100)
print(c1(), c1(), c1(5), c2(), c1())

def make_multiplier(k):
    return lambda x: x * k

double, triple = make_multiplier(2), make_multiplier(3)
print(double(21), triple(7), list(map(double, [1, 2, 3])))

late = [lambda: i for i in range(3)]
early = [lambda i=i: i for i in range(3)]
print([f() for f in late], [f() for f in early])

def accumulator():
    items = []

    def add(x):
        items.append(x)
        return len(items)

    def get():
        return list(items)

    return add, get

add, get = accumulator()
add("a")
add("b")
print(add("c"), get())

square = lambda n: n * n
compose = lambda f, g: lambda x: f(g(x))
print(compose(square, double)(5), compose(double, square)(5))
pairs = [(1, "one"), (3, "three"), (2, "two")]
print(sorted(pairs, key=lambda p: p[1]))
print((lambda *a, **k: (a, k))(1, 2, z=3))

def outer():
    x = "outer"

    def inner():
        nonlocal x
        x = "changed by inner"

    inner()
    return x

print(outer())
