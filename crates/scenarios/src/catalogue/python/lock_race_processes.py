import json
import multiprocessing as mp
import time

WORKERS = 4  # param workers
INCREMENTS = 5  # param increments
USE_LOCK = False  # param use_lock
VARIANT = "split"  # param variant
DELAY_MS = 1.0  # param delay_ms
DELAY = DELAY_MS / 1000


def work(counter, lock):
    for _ in range(INCREMENTS):
        if USE_LOCK:
            lock.acquire()
        if VARIANT == "split":
            seen = counter.value    # read shared memory
            time.sleep(DELAY)
            counter.value = seen + 1
        else:
            counter.value += 1
        if USE_LOCK:
            lock.release()


if __name__ == "__main__":
    counter = mp.Value("i", 0, lock=False)   # raw shared memory, no built-in lock
    lock = mp.Lock()
    procs = [mp.Process(target=work, args=(counter, lock), name=f"worker-{i}") for i in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    expected = WORKERS * INCREMENTS
    print(f"counter = {counter.value}, expected {expected}")
    print("RESULT " + json.dumps({"counter": counter.value, "expected": expected,
                                  "lost": expected - counter.value}))
