import asyncio
import json
import os
import random
import tempfile

WORKERS = 4  # param workers
LINES = 3  # param lines: lines in each worker's record
USE_LOCK = True  # param use_lock
PREPARE_MS = 10.0  # param prepare_ms
PREPARE = PREPARE_MS / 1000
PAUSE_MS = 5.0  # param pause_ms
PAUSE = PAUSE_MS / 1000


def append(path, line):
    # An ordinary blocking write inside the coroutine: it is short, and no other task can
    # run while it happens.
    with open(path, "a") as f:
        f.write(line + "\n")


async def work(path, lock, i):
    await asyncio.sleep(random.uniform(0, PREPARE))   # preparing the record
    if USE_LOCK:
        await lock.acquire()
    print(f"worker {i} writes its record", flush=True)
    for j in range(1, LINES + 1):
        append(path, f"worker {i}: line {j} of {LINES}")
        if j < LINES:
            await asyncio.sleep(PAUSE)   # the only place another task can run
    if USE_LOCK:
        lock.release()


def report(path):
    with open(path) as f:
        owners = [int(line.split(":")[0].split()[1]) for line in f.read().splitlines()]
    runs = sum(1 for k, w in enumerate(owners) if k == 0 or owners[k - 1] != w)
    order = list(dict.fromkeys(owners))        # who began writing first
    intact = runs == WORKERS
    print(f"log.txt: {len(owners)} lines, records intact: {intact}, order {order}")
    print("RESULT " + json.dumps({"lines": len(owners), "intact": intact, "order": order}))


async def main(path):
    lock = asyncio.Lock()
    tasks = [asyncio.create_task(work(path, lock, i), name=f"worker-{i}") for i in range(WORKERS)]
    await asyncio.gather(*tasks)


fd, path = tempfile.mkstemp(suffix=".log")
os.close(fd)
asyncio.run(main(path))
report(path)
os.remove(path)
