# level: 2 — a read-modify-write race made visible with time.sleep(0): updates are lost; a Lock fixes it
import threading
import time

counter = 0


def unsafe(times):
    global counter
    for _ in range(times):
        value = counter
        time.sleep(0)
        counter = value + 1


threads = [threading.Thread(target=unsafe, args=(500,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("unsafe: expected 2000, lost updates:", counter < 2000)

safe_counter = 0
lock = threading.Lock()


def safe(times):
    global safe_counter
    for _ in range(times):
        with lock:
            value = safe_counter
            time.sleep(0)
            safe_counter = value + 1


threads = [threading.Thread(target=safe, args=(500,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("safe:", safe_counter, safe_counter == 2000)
