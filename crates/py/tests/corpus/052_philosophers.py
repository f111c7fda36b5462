# level: 2 — dining philosophers: deadlock avoided by always taking the lower-numbered fork first
import threading
import time

N = 5
forks = [threading.Lock() for _ in range(N)]
meals = [0] * N
log_lock = threading.Lock()


def philosopher(i, rounds):
    left, right = i, (i + 1) % N
    first, second = min(left, right), max(left, right)
    for _ in range(rounds):
        with forks[first]:
            time.sleep(0.001)
            with forks[second]:
                meals[i] += 1
                time.sleep(0.001)


threads = [threading.Thread(target=philosopher, args=(i, 4), name=f"phil-{i}") for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join(timeout=5)
print("meals eaten:", meals)
print("no deadlock:", not any(t.is_alive() for t in threads))
print("all forks free:", not any(f.locked() for f in forks))

a, b = threading.Lock(), threading.Lock()
outcome = {}


def careful(name, mine, theirs, patience):
    with mine:
        time.sleep(0.02)
        got = theirs.acquire(timeout=patience)
        outcome[name] = "got both" if got else "backed off"
        if got:
            theirs.release()


t1 = threading.Thread(target=careful, args=("t1", a, b, 0.03))
t2 = threading.Thread(target=careful, args=("t2", b, a, 0.08))
t1.start()
t2.start()
t1.join()
t2.join()
print("opposite order with timeouts:", sorted(outcome.items()))
