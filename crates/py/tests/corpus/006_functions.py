# level: 1 — function parameters: defaults, keywords, *args, **kwargs, keyword-only, mutable defaults
def greet(name, greeting="Hello", punct="!"):
    return f"{greeting}, {name}{punct}"


def total(*nums, start=0):
    result = start
    for n in nums:
        result += n
    return result


def describe(**info):
    return ", ".join(f"{k}={v}" for k, v in info.items())


def mixed(a, b=2, *rest, flag=False, **extra):
    return (a, b, rest, flag, extra)


def appender(item, bucket=None):
    if bucket is None:
        bucket = []
    bucket.append(item)
    return bucket


def bad_default(item, bucket=[]):
    bucket.append(item)
    return bucket


def pos_only(a, b, /, c):
    return a + b + c


print(greet("Ann"))
print(greet("Bob", "Hi"))
print(greet(punct="?", name="Cy"))
print(total(), total(1, 2, 3), total(1, 2, start=10))
nums = [4, 5, 6]
print(total(*nums), total(*nums, *nums))
print(describe(lang="py", level=1))
opts = {"x": 1, "y": 2}
print(describe(**opts, z=3))
print(mixed(1))
print(mixed(1, 3, 5, 7, flag=True, mode="fast"))
print(appender(1), appender(2))
print(bad_default(1), bad_default(2))
print(pos_only(1, 2, c=3), pos_only(1, 2, 3))
print(greet.__name__, greet.__defaults__)


def no_return():
    x = 1


print(no_return(), (lambda: None)(), total.__name__)
