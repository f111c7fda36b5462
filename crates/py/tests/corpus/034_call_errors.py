# level: 2 — TypeError and friends from bad calls, unpacking, unhashable keys and unbound locals
def add(a, b):
    return a + b

class Box:
    def __init__(self, size):
        self.size = size

    def grow(self, by):
        self.size += by

def check(label, action):
    try:
        action()
        print(f"{label}: no error")
    except Exception as e:
        print(f"{label}: {type(e).__name__}: {e}")

def unpack_many():
    a, b = [1, 2, 3]

def unpack_few():
    a, b, c = (1, 2)

def unbound():
    print(value)
    value = 1

def assign_tuple():
    t = (1, 2)
    t[0] = 5

def call_int():
    n = 5
    n()

check("add(1)", lambda: add(1))
check("add(1, 2, 3)", lambda: add(1, 2, 3))
check("add(1, c=2)", lambda: add(1, c=2))
check("add(1, 2, a=3)", lambda: add(1, 2, a=3))
check("Box()", lambda: Box())
check("Box(1).grow()", lambda: Box(1).grow())
check("Box(1).shrink(1)", lambda: Box(1).shrink(1))
check("Box(1).grow(2)", lambda: Box(1).grow(2))
check("len()", lambda: len())
check("unpack too many", unpack_many)
check("unpack too few", unpack_few)
check("unbound local", unbound)
check("tuple item assignment", assign_tuple)
check("calling an int", call_int)
check("hash([])", lambda: hash([]))
check("{[]: 1}", lambda: {[]: 1})
check("None + 1", lambda: None + 1)
check("sum(['a'])", lambda: sum(["a"]))
check("max([])", lambda: max([]))
check("iter(5)", lambda: iter(5))
check("int('3.5')", lambda: int("3.5"))
