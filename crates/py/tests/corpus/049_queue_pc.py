# level: 2 — queue.Queue producer/consumer with a sentinel object compared with `is`
import queue
import threading

SENTINEL = object()
q = queue.Queue()


def producer(n):
    for i in range(n):
        q.put(f"item-{i}")
    q.put(SENTINEL)


def consumer():
    got = []
    while True:
        item = q.get()
        if item is SENTINEL:
            break
        got.append(item)
        print("consumed", item)
    print("consumer saw the sentinel after", len(got), "items")


c = threading.Thread(target=consumer)
p = threading.Thread(target=producer, args=(5,))
c.start()
p.start()
p.join()
c.join()
print("queue empty at the end:", q.empty(), q.qsize())

jobs = queue.Queue(maxsize=3)
results = queue.Queue()


def square_worker():
    while (n := jobs.get()) is not None:
        results.put(n * n)


workers = [threading.Thread(target=square_worker) for _ in range(3)]
for w in workers:
    w.start()
for n in range(1, 11):
    jobs.put(n)
for _ in workers:
    jobs.put(None)
for w in workers:
    w.join()
squares = sorted(results.get() for _ in range(results.qsize()))
print("squares:", squares, "sum:", sum(squares))
