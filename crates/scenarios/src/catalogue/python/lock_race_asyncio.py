import asyncio
import json

WORKERS = 4  # param workers
INCREMENTS = 5  # param increments
USE_LOCK = False  # param use_lock
VARIANT = "split"  # param variant
DELAY_MS = 1.0  # param delay_ms
DELAY = DELAY_MS / 1000

counter = 0


async def work(lock):
    global counter
    for _ in range(INCREMENTS):
        if USE_LOCK:
            await lock.acquire()
        if VARIANT == "split":
            seen = counter
            await asyncio.sleep(DELAY)   # the only place another task can run
            counter = seen + 1
        else:
            counter += 1                  # no await: no other task can interleave
        if USE_LOCK:
            lock.release()


async def main():
    lock = asyncio.Lock()
    await asyncio.gather(*(work(lock) for _ in range(WORKERS)))


asyncio.run(main())
expected = WORKERS * INCREMENTS
print(f"counter = {counter}, expected {expected}")
print("RESULT " + json.dumps({"counter": counter, "expected": expected, "lost": expected - counter}))
