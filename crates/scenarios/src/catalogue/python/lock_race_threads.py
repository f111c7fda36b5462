import json
import threading
import time

WORKERS = 4  # param workers
INCREMENTS = 5  # param increments
USE_LOCK = False  # param use_lock
VARIANT = "split"  # param variant
DELAY_MS = 1.0  # param delay_ms
DELAY = DELAY_MS / 1000

counter = 0
lock = threading.Lock()


def work():
    global counter
    for _ in range(INCREMENTS):
        if USE_LOCK:
            lock.acquire()
        if VARIANT == "split":
            seen = counter          # read
            time.sleep(DELAY)       # other work happens here
            counter = seen + 1      # write back
        else:
            counter += 1
        if USE_LOCK:
            lock.release()


threads = [threading.Thread(target=work, name=f"worker-{i}") for i in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

expected = WORKERS * INCREMENTS
print(f"counter = {counter}, expected {expected}")
print("RESULT " + json.dumps({"counter": counter, "expected": expected, "lost": expected - counter}))
