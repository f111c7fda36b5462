# level: 2 — threading.Thread with target, args, kwargs and name; start, join and default thread names
import threading
import time

results = {}


def work(n, delay=0.0, label="job"):
    time.sleep(delay)
    name = threading.current_thread().name
    print(f"{label} {n} in {name}")
    results[n] = n * n


print("main is", threading.current_thread().name)
threads = [threading.Thread(target=work, args=(i,), kwargs={"delay": 0.02 * i}) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results.items()))

named = threading.Thread(target=work, args=(10,), kwargs={"label": "custom"}, name="worker-A")
named.start()
named.join()
print(named.name, named.is_alive(), threading.active_count())

lam = threading.Thread(target=lambda: print("lambda thread:", threading.current_thread().name))
lam.start()
lam.join()
plain = threading.Thread()
print(plain.name, plain.daemon, plain.is_alive())
plain.start()
plain.join()
print("main still", threading.current_thread().name, threading.main_thread().name)
print(threading.current_thread() is threading.main_thread())
try:
    plain.start()
except RuntimeError as e:
    print("RuntimeError:", e)
