# level: 1 — decorators: plain, with arguments, stacked, call counting and a registry
def trace(func):
    def wrapper(*args, **kwargs):
        print(f"-> {func.__name__}{args}")
        result = func(*args, **kwargs)
        print(f"<- {func.__name__} = {result}")
        return result
    return wrapper

def repeat(times):
    def deco(func):
        def wrapper(*args):
            return [func(*args) for _ in range(times)]
        return wrapper
    return deco

def counted(func):
    def wrapper(*args):
        wrapper.calls += 1
        return func(*args)
    wrapper.calls = 0
    return wrapper

@trace
def add(a, b):
    return a + b

@repeat(3)
def shout(word):
    return word.upper()

@counted
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

@trace
@repeat(2)
def pair(x):
    return x * 10

add(2, 3)
print(shout("hey"))
print(fib(10), fib.calls)
pair(4)

registry = {}

def register(name):
    def deco(f):
        registry[name] = f
        return f
    return deco

@register("sq")
def square(x): return x * x

@register("neg")
def negate(x): return -x

print({k: f(6) for k, f in registry.items()}, square(3))
