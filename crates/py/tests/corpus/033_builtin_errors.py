# level: 2 — messages of built-in exceptions, printed via print(e), repr(e) and type(e).__name__
import math


def attempt(label, func):
    try:
        value = func()
    except Exception as e:
        print(f"{label:<20} {type(e).__name__}: {e}")
    else:
        print(f"{label:<20} ok -> {value!r}")


attempt("1 / 0", lambda: 1 / 0)
attempt("1 // 0", lambda: 1 // 0)
attempt("1 % 0", lambda: 1 % 0)
attempt("1.0 / 0", lambda: 1.0 / 0)
attempt("{}['k']", lambda: {}["k"])
attempt("[1][5]", lambda: [1][5])
attempt("'ab'[9]", lambda: "ab"[9])
attempt("(1,)[2]", lambda: (1,)[2])
attempt("int('abc')", lambda: int("abc"))
attempt("float('x')", lambda: float("x"))
attempt("1 + 'a'", lambda: 1 + "a")
attempt("'a' + 1", lambda: "a" + 1)
attempt("len(5)", lambda: len(5))
attempt("(5).foo", lambda: (5).foo)
attempt("[].push", lambda: [].push)
attempt("[].remove(3)", lambda: [].remove(3))
attempt("[].pop()", lambda: [].pop())
attempt("[1].index(2)", lambda: [1].index(2))
attempt("undefined_name", lambda: undefined_name)  # noqa: F821
attempt("'abc'.index('z')", lambda: "abc".index("z"))
attempt("sorted([1, 'a'])", lambda: sorted([1, "a"]))
attempt("math.sqrt(-1)", lambda: math.sqrt(-1))
attempt("{}.popitem()", lambda: {}.popitem())
attempt("next(iter([]))", lambda: next(iter([])))
attempt("chr(-1)", lambda: chr(-1))
attempt("'x' * 'y'", lambda: "x" * "y")
attempt("int(None)", lambda: int(None))
attempt("int('7')", lambda: int("7"))
print(repr(KeyError("k")), repr(IndexError("list index out of range")), repr(ZeroDivisionError()))
try:
    {"a": 1}["b"]
except LookupError as e:
    print("LookupError caught a", type(e).__name__, repr(e), e.args)
print(issubclass(KeyError, LookupError), issubclass(ZeroDivisionError, ArithmeticError))
