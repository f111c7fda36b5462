# level: 2 — Lock and RLock: with-statement, acquire/release, timeouts, re-entrancy and ownership
import threading
import time

lock = threading.Lock()
print("locked at start:", lock.locked())
with lock:
    print("inside with:", lock.locked())
    print("second acquire without blocking:", lock.acquire(blocking=False))
print("after with:", lock.locked())
print(lock.acquire(), lock.acquire(timeout=0.01))
lock.release()
try:
    lock.release()
except RuntimeError as e:
    print("RuntimeError:", e)

rlock = threading.RLock()


def nested(depth):
    with rlock:
        if depth > 0:
            return 1 + nested(depth - 1)
        return 0


print("rlock recursion depth:", nested(5))
try:
    rlock.release()
except RuntimeError as e:
    print("RuntimeError:", e)

held = threading.Event()
done = threading.Event()


def holder():
    with lock, rlock:
        held.set()
        done.wait()


t = threading.Thread(target=holder)
t.start()
held.wait()
print("main tries Lock while held:", lock.acquire(timeout=0.02))
print("main tries RLock held by another thread:", rlock.acquire(blocking=False))
done.set()
t.join()
print("after join:", lock.acquire(timeout=0.02), rlock.acquire(blocking=False))
lock.release()
rlock.release()
time.sleep(0.01)
print("all released:", not lock.locked())
