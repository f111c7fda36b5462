# level: 2 — Semaphore caps concurrency at 2; BoundedSemaphore raises ValueError on over-release
import threading
import time

sem = threading.Semaphore(2)
state = threading.Lock()
active = 0
peak = 0
finished = []


def visit(i):
    global active, peak
    with sem:
        with state:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)
        with state:
            active -= 1
            finished.append(i)


threads = [threading.Thread(target=visit, args=(i,)) for i in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("peak concurrency:", peak, "finished:", sorted(finished))

s = threading.Semaphore(2)
print(s.acquire(blocking=False), s.acquire(blocking=False), s.acquire(blocking=False))
print("timed acquire:", s.acquire(timeout=0.01))
s.release()
s.release()
s.release()
print("plain semaphore allows an extra release:", s.acquire(blocking=False))

bounded = threading.BoundedSemaphore(1)
bounded.acquire()
bounded.release()
try:
    bounded.release()
except ValueError as e:
    print("ValueError:", e)
with bounded:
    print("inside bounded:", bounded.acquire(blocking=False))
print("after with:", bounded.acquire(blocking=False))
