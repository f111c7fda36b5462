# level: 2 — "sleep sort": each thread sleeps in proportion to its value, so wake-ups come out sorted
import threading
import time

values = [5, 2, 8, 1, 4]
out = []
out_lock = threading.Lock()


def sleeper(v):
    time.sleep(v * 0.02)
    with out_lock:
        out.append(v)
    print("woke", v)


threads = [threading.Thread(target=sleeper, args=(v,)) for v in values]
for t in threads:
    t.start()
time.sleep(0.05)
print("main checkpoint, woken so far:", out)
for t in threads:
    t.join()
print("sorted by sleeping:", out, out == sorted(values))
