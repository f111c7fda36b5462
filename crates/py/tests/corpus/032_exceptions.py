# level: 2 — exception flow: try/except/else/finally, re-raise, nested handlers, exception args
def divide(a, b):
    try:
        result = a / b
    except ZeroDivisionError:
        print(f"  {a}/{b}: cannot divide by zero")
        return None
    else:
        print(f"  {a}/{b}: ok")
        return result
    finally:
        print(f"  {a}/{b}: finally runs")
print(divide(6, 3))
print(divide(1, 0))

def parse_all(items):
    good, bad = [], []
    for item in items:
        try:
            good.append(int(item))
        except ValueError as e:
            bad.append((item, str(e)))
    return good, bad
print(parse_all(["1", "x", "3", "4.5"]))

def finally_wins():
    try:
        return "try"
    finally:
        print("  cleanup before return")
print(finally_wins())

def reraise():
    try:
        [][0]
    except IndexError:
        print("  logging and re-raising")
        raise
try:
    reraise()
except IndexError as e:
    print("caught again:", e)

for exc in (KeyError("k"), ValueError("v"), RuntimeError("r")):
    try:
        try:
            raise exc
        except (KeyError, ValueError) as inner:
            print("inner handled", type(inner).__name__)
    except Exception as outer:
        print("outer handled", type(outer).__name__, outer)

try:
    raise ValueError("bad", 42)
except ValueError as e:
    print(e.args, e, repr(e))
try:
    print(e)
except NameError as err:
    print("after the handler:", err)
