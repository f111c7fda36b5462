import json
import os
import random
import tempfile
import threading
import time

WORKERS = 4  # param workers
LINES = 3  # param lines: lines in each worker's record
USE_LOCK = True  # param use_lock
PREPARE_MS = 10.0  # param prepare_ms
PREPARE = PREPARE_MS / 1000
PAUSE_MS = 5.0  # param pause_ms
PAUSE = PAUSE_MS / 1000

lock = threading.Lock()


def append(path, line):
    # Mode "a": each write() goes to the current end of the file in one system call, so a
    # line is never torn apart; only whole lines of different workers can mix.
    with open(path, "a") as f:
        f.write(line + "\n")


def work(path, i):
    time.sleep(random.uniform(0, PREPARE))      # preparing the record
    if USE_LOCK:
        lock.acquire()
    print(f"worker {i} writes its record", flush=True)
    for j in range(1, LINES + 1):
        append(path, f"worker {i}: line {j} of {LINES}")
        if j < LINES:
            time.sleep(PAUSE)      # working out the next line
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


fd, path = tempfile.mkstemp(suffix=".log")
os.close(fd)
threads = [threading.Thread(target=work, args=(path, i), name=f"worker-{i}")
           for i in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
report(path)
os.remove(path)
