# level: 2 — counter += 1 from 4 threads x 100000: no lost updates on CPython 3.11; a Lock version too
import threading

counter = 0


def bump(times):
    global counter
    for _ in range(times):
        counter += 1


threads = [threading.Thread(target=bump, args=(100000,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("unlocked counter:", counter)

locked_counter = 0
lock = threading.Lock()


def bump_locked(times):
    global locked_counter
    for _ in range(times):
        with lock:
            locked_counter += 1


threads = [threading.Thread(target=bump_locked, args=(25000,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("locked counter:", locked_counter)
print("lock free at the end:", not lock.locked())
