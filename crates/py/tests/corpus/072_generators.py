# level: 3 — generators: yield, send(), yield from with a return value, close() and throw()
def running_average():
    total = count = 0
    average = None
    while True:
        value = yield average
        total += value
        count += 1
        average = total / count

avg = running_average()
print(next(avg))
for v in [10, 20, 30, 40]:
    print("sent", v, "average now", avg.send(v))

def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b

def take(n, it):
    for _ in range(n):
        yield next(it)

print(list(take(10, fib())))

def inner():
    received = yield "inner ready"
    return received * 2

def outer():
    result = yield from inner()
    yield f"inner returned {result}"

g = outer()
print(next(g), "|", g.send(21))

def pipeline(lines):
    stripped = (line.strip() for line in lines)
    nonempty = (line for line in stripped if line)
    yield from (line.upper() for line in nonempty)

print(list(pipeline(["  a ", "", " b", "   ", "c  "])))

def guarded():
    try:
        while True:
            try:
                yield "working"
            except ValueError as e:
                yield f"handled {e}"
    finally:
        print("generator closed")

gen = guarded()
print(next(gen), gen.throw(ValueError("oops")), next(gen))
gen.close()
print("exhausted:", next(gen, "nothing left"))
