# level: 2 — context managers whose __exit__ sees, suppresses or passes on exceptions
class Suppress:
    def __init__(self, *types):
        self.types = types
        self.caught = None
    def __enter__(self):
        return self
    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, self.types):
            self.caught = exc
            return True
        return False

class Transaction:
    def __init__(self, store):
        self.store = store
    def __enter__(self):
        self.snapshot = dict(self.store)
        print("begin")
        return self.store
    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            print("commit")
        else:
            self.store.clear()
            self.store.update(self.snapshot)
            print(f"rollback because {exc_type.__name__}: {exc}")
        return False

with Suppress(KeyError, IndexError) as s:
    {}["nope"]
print("suppressed:", repr(s.caught))
with Suppress(KeyError) as s:
    pass
print("nothing caught:", s.caught)
try:
    with Suppress(KeyError):
        int("x")
except ValueError as e:
    print("escaped:", e)

store = {"a": 1}
with Transaction(store) as st:
    st["b"] = 2
print(store)
try:
    with Transaction(store) as st:
        st["c"] = 3
        st["a"] = st["a"] / 0
except ZeroDivisionError:
    print("handled outside")
print(store)

def early():
    with Transaction(store):
        return "returned inside with"

print(early())
