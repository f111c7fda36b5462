# level: 2 — Queue.task_done and Queue.join: wait until every queued job has been processed
import queue
import threading

tasks = queue.Queue()
results = []
results_lock = threading.Lock()


def worker():
    while True:
        n = tasks.get()
        try:
            if n is None:
                return
            with results_lock:
                results.append((n, n ** 3))
        finally:
            tasks.task_done()


workers = [threading.Thread(target=worker, name=f"w{i}", daemon=True) for i in range(3)]
for w in workers:
    w.start()
for n in range(10):
    tasks.put(n)
tasks.join()
print("all jobs done:", len(results), sorted(results)[:4])
print("unfinished tasks:", tasks.unfinished_tasks)
for _ in workers:
    tasks.put(None)
for w in workers:
    w.join()
print("workers alive:", [w.is_alive() for w in workers])
try:
    tasks.task_done()
except ValueError as e:
    print("ValueError:", e)
total = sum(cube for _, cube in results)
print("sum of cubes 0..9:", total, total == sum(n ** 3 for n in range(10)))
