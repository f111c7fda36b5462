# level: 2 — threading.local: each thread sees its own attributes; a subclass provides defaults
import threading
import time

local = threading.local()
local.name = "main's value"


def worker(i):
    local.name = f"worker {i}"
    local.items = []
    for k in range(i + 1):
        local.items.append(k)
        time.sleep(0.005)
    time.sleep(0.02 * i)
    print(threading.current_thread().name, "->", local.name, local.items)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("main still sees:", local.name, hasattr(local, "items"))


def inspector():
    print("fresh thread has name?", hasattr(local, "name"))


t = threading.Thread(target=inspector)
t.start()
t.join()


class Context(threading.local):
    def __init__(self):
        self.depth = 0


ctx = Context()


def nest(levels):
    for _ in range(levels):
        ctx.depth += 1
    print(f"{threading.current_thread().name}: depth {ctx.depth}")


for n in (2, 5):
    t = threading.Thread(target=nest, args=(n,), name=f"nest-{n}")
    t.start()
    t.join()
print("main depth:", ctx.depth)
