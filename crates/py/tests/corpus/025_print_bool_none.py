# level: 1 — print with sep and end, None, booleans, truthiness and short-circuit evaluation
print("a", "b", "c")
print("a", "b", "c", sep="-")
print("no newline", end="")
print(" ...continued", end="!\n")
print(1, 2, 3, sep="", end="\n\n")
print()
print(*range(5), sep=", ")
print("x", None, True, False, 3 > 2, sep="|")


def nothing():
    pass


result = nothing()
print(result, result is None, type(result).__name__)
print(True and "yes", False and "never", 0 or "fallback", "" or [] or None, "first" or "second")
print(not 0, not "text", not None, True + 1, False * 5)
calls = []


def check(name, value):
    calls.append(name)
    return value


check("a", False) and check("b", True)
check("c", True) or check("d", True)
check("e", 0) or check("f", 1)
print(calls)
values = [0, 1, "", "s", [], [0], {}, None, 0.0]
print([bool(v) for v in values])
x = 5
print(1 < x < 10, 1 < x > 10, x == 5 == 5.0, x != 5)
name = None
print(name or "anonymous", name is not None, "y" if name else "n")
a, b = [], []
print(None == None, a == b, a is b, a is a)
print("done", flush=True)
