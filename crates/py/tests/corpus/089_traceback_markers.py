# level: 2 — a traceback points at the failing expression, as CPython 3.11 marks it (~~^~~)
import threading


def divide(a, b):
    return a / b + 1


def lookup(table, key):
    value = table[key]["inner"]
    return value


def attribute(obj):
    total = obj.count * 2
    return total


def check(x):
    assert x > 0, f"x must be positive, got {x}"


def store(t):
    t[0] = "new"


def call_nothing():
    handler = None
    result = handler(1)
    return result


def bump(counts):
    counts["missing"] += 1


jobs = [
    (divide, (1, 0)),
    (lookup, ({"a": {}}, "a")),
    (lookup, ({"a": {}}, "b")),
    (attribute, (None,)),
    (check, (-3,)),
    (store, ((1, 2),)),
    (call_nothing, ()),
    (bump, ({},)),
]
for fn, args in jobs:
    t = threading.Thread(target=fn, args=args, name=fn.__name__)
    t.start()
    t.join()


def outer():
    return [divide(i, i - 2) for i in range(4)]


print("before")
values = outer()
