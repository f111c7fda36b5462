import asyncio
import contextvars
import json
import threading
import time

FLAVOR = "asyncio"  # param flavor: "asyncio" or "thread"
UNITS = 5  # param units
SLEEP_MS = 1000.0  # param sleep_ms
PAUSE = SLEEP_MS / 1000
INNER_AS_TASK = False  # param inner_as_task

var = contextvars.ContextVar("var", default=42)
inner_get, inner_set, outer_get = [None] * UNITS, [None] * UNITS, [None] * UNITS


async def inner_async(n):
    inner_get[n] = var.get()
    await asyncio.sleep(PAUSE)
    var.set(n * n)
    inner_set[n] = var.get()


async def consumer_async(n):
    var.set(n)
    print(f"c{n}: outer set {n}")
    if INNER_AS_TASK:
        await asyncio.create_task(inner_async(n))    # runs in a copy of this context
    else:
        await inner_async(n)                          # runs in this very context
    outer_get[n] = var.get()
    print(f"c{n}: outer get {outer_get[n]}")


def consumer_thread(n):
    var.set(n)
    print(f"c{n}: outer set {n}")
    inner_get[n] = var.get()
    time.sleep(PAUSE)
    var.set(n * n)
    inner_set[n] = var.get()
    outer_get[n] = var.get()
    print(f"c{n}: outer get {outer_get[n]}")


async def main():
    await asyncio.gather(*(consumer_async(n) for n in range(UNITS)))


if FLAVOR == "asyncio":
    asyncio.run(main())
else:
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(consumer_thread, n),
                                name=f"c{n}") for n in range(UNITS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print("main sees", var.get())
print("RESULT " + json.dumps({"inner_get": inner_get, "inner_set": inner_set,
                              "outer_get": outer_get, "main_after": var.get()}))
