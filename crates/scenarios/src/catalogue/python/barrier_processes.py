import json
import multiprocessing as mp
import random
import threading
import time

PARTIES = 3  # param parties
FREE_UNITS = 2  # param free_units
MAX_SLEEP_MS = 2000  # param max_sleep_ms
FAILURE = "none"  # param failure: "none", "late_party" or "abort"
TIMEOUT_MS = 500  # param timeout_ms
TIMEOUT = TIMEOUT_MS / 1000


def ms(t0):
    return int((time.monotonic() - t0) * 1000)


def party(barrier, status, passed_ms, t0, i):
    last = i == PARTIES - 1
    if last and FAILURE == "late_party":
        time.sleep(MAX_SLEEP_MS / 1000 + 2 * TIMEOUT)
    else:
        time.sleep(random.randint(1, MAX_SLEEP_MS) / 1000)
    if last and FAILURE == "abort":
        print(f"p{i} aborts the barrier", flush=True)
        barrier.abort()
        return
    try:
        if FAILURE == "late_party" and not last:
            barrier.wait(TIMEOUT)        # do not wait for ever for the late one
        else:
            barrier.wait()
        status[i], passed_ms[i] = 0, ms(t0)
        print(f"p{i} passed the barrier at {passed_ms[i]} ms", flush=True)
    except threading.BrokenBarrierError:     # multiprocessing raises the same class
        status[i] = 1
        print(f"p{i}: BrokenBarrierError at {ms(t0)} ms", flush=True)


def free(free_ms, t0, j):
    time.sleep(random.randint(1, MAX_SLEEP_MS) / 1000)
    free_ms[j] = ms(t0)
    print(f"f{j} done at {free_ms[j]} ms", flush=True)


if __name__ == "__main__":
    barrier = mp.Barrier(PARTIES)
    status = mp.Array("i", [-1] * PARTIES, lock=False)    # 0: passed, 1: BrokenBarrierError
    passed_ms = mp.Array("i", [-1] * PARTIES, lock=False)
    free_ms = mp.Array("i", [-1] * FREE_UNITS, lock=False)
    t0 = time.monotonic()
    units = [mp.Process(target=party, args=(barrier, status, passed_ms, t0, i), name=f"p{i}")
             for i in range(PARTIES)]
    units += [mp.Process(target=free, args=(free_ms, t0, j), name=f"f{j}")
              for j in range(FREE_UNITS)]
    for u in units:
        u.start()
    for u in units:
        u.join()

    status = list(status)
    passed, broken = status.count(0), status.count(1)
    print(f"{passed} passed, {broken} got BrokenBarrierError")
    print("RESULT " + json.dumps({"passed": passed, "broken": broken,
                                  "aborted": FAILURE == "abort",
                                  "passed_ms": [t for t in passed_ms if t >= 0],
                                  "free_ms": list(free_ms)}))
