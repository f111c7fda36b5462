import json
import threading
import time

N = 5  # param n
STRATEGY = "naive"  # param strategy: "naive", "ordered" or "waiter"
MEALS = 3  # param meals
THINK_MS = 10.0  # param think_ms
EAT_MS = 10.0  # param eat_ms
PAUSE_MS = 1.0  # param pause_ms
THINK, EAT, PAUSE = THINK_MS / 1000, EAT_MS / 1000, PAUSE_MS / 1000
PATIENCE = 2.0             # real Python would hang: give up after this long and report it

forks = [threading.Lock() for _ in range(N)]
waiter = threading.Semaphore(N - 1)
go = threading.Event()
meals = [0] * N
stuck = threading.Event()


def philosopher(i):
    left, right = forks[i], forks[(i + 1) % N]
    first, second = (right, left) if STRATEGY == "ordered" and (i + 1) % N < i else (left, right)
    go.wait()
    for _ in range(MEALS):
        time.sleep(THINK)
        if STRATEGY == "waiter":
            waiter.acquire()
        first.acquire()
        time.sleep(PAUSE)
        if not second.acquire(timeout=PATIENCE):
            stuck.set()                  # everyone holds one fork: deadlock
            return
        time.sleep(EAT)
        meals[i] += 1
        second.release()
        first.release()
        if STRATEGY == "waiter":
            waiter.release()


threads = [threading.Thread(target=philosopher, args=(i,), name=f"P{i}") for i in range(N)]
for t in threads:
    t.start()
go.set()
for t in threads:
    t.join()
print("meals eaten:", meals, "(deadlock)" if stuck.is_set() else "")
print("RESULT " + json.dumps({"meals": meals, "deadlock": stuck.is_set()}))
