import json
import random
import threading
import time

PARTIES = 3  # param parties
FREE_UNITS = 2  # param free_units
MAX_SLEEP_MS = 2000  # param max_sleep_ms
FAILURE = "none"  # param failure: "none", "late_party" or "abort"
TIMEOUT_MS = 500  # param timeout_ms
TIMEOUT = TIMEOUT_MS / 1000

barrier = threading.Barrier(PARTIES)
status = [-1] * PARTIES      # 0: passed, 1: BrokenBarrierError
passed_ms = [-1] * PARTIES
free_ms = [-1] * FREE_UNITS
T0 = time.monotonic()


def ms():
    return int((time.monotonic() - T0) * 1000)


def party(i):
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
        status[i], passed_ms[i] = 0, ms()
        print(f"p{i} passed the barrier at {passed_ms[i]} ms", flush=True)
    except threading.BrokenBarrierError:
        status[i] = 1
        print(f"p{i}: BrokenBarrierError at {ms()} ms", flush=True)


def free(j):
    time.sleep(random.randint(1, MAX_SLEEP_MS) / 1000)
    free_ms[j] = ms()
    print(f"f{j} done at {free_ms[j]} ms", flush=True)


units = [threading.Thread(target=party, args=(i,), name=f"p{i}") for i in range(PARTIES)]
units += [threading.Thread(target=free, args=(j,), name=f"f{j}") for j in range(FREE_UNITS)]
for u in units:
    u.start()
for u in units:
    u.join()

passed, broken = status.count(0), status.count(1)
print(f"{passed} passed, {broken} got BrokenBarrierError")
print("RESULT " + json.dumps({"passed": passed, "broken": broken, "aborted": FAILURE == "abort",
                              "passed_ms": [t for t in passed_ms if t >= 0], "free_ms": free_ms}))
