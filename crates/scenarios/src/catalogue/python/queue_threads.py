import json
import queue
import random
import threading
import time

KIND = "fifo"  # param kind: "fifo", "lifo" or "priority"
MAXSIZE = 0  # param maxsize: 0: unbounded
CONSUMERS = 3  # param consumers
ITEMS = 10  # param items
PUT_MS = 100.0  # param put_ms
PUT = PUT_MS / 1000
WORK_MS = 50.0  # param work_ms
WORK = WORK_MS / 1000
CONSUMER_DELAY_MS = 0.0  # param consumer_delay_ms
CONSUMER_DELAY = CONSUMER_DELAY_MS / 1000
STOP = "poison_pill"  # param stop: "poison_pill", "sentinel", "none" or "empty_check"
TASK_DONE = True  # param task_done
NOWAIT = False  # param nowait
# How long the main thread waits at each step before it gives up on blocked threads.
PATIENCE = 1.0 + CONSUMER_DELAY + ITEMS * (PUT + WORK)
# The stop mark; in a PriorityQueue it must compare with the items and sort after them.
MARK = (1000, -1) if KIND == "priority" else None

q = {"fifo": queue.Queue, "lifo": queue.LifoQueue, "priority": queue.PriorityQueue}[KIND](MAXSIZE)
count = [0] * CONSUMERS
stopped = [0] * CONSUMERS
order = []                   # what consumer 0 took


def show(item):
    return str(item)


def producer():
    for i in range(ITEMS):
        if PUT:
            time.sleep(PUT)
        item = (random.randrange(100), i) if KIND == "priority" else i
        q.put(item)              # blocks while the queue is full
        print(f"put {show(item)}", flush=True)
    if STOP == "sentinel":
        for _ in range(CONSUMERS):
            q.put(MARK)          # close(): one sentinel per consumer


def consumer(c):
    if CONSUMER_DELAY:
        time.sleep(CONSUMER_DELAY)   # let the queue fill first
    while True:
        if STOP == "empty_check" and q.empty():
            break                # racy: another consumer may take the last item first
        item = q.get()
        if item == MARK and STOP in ("poison_pill", "sentinel"):
            if TASK_DONE:
                q.task_done()
            break
        print(f"c{c} got {show(item)}", flush=True)
        time.sleep(WORK)
        if c == 0:
            order.append(item[0] if KIND == "priority" else item)
        count[c] += 1
        if TASK_DONE:
            q.task_done()
    stopped[c] = 1
    print(f"c{c} stops", flush=True)


def join_by(threads, patience):
    deadline = time.monotonic() + patience
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return sum(t.is_alive() for t in threads)


# daemon=True so that this program can exit if some threads never finish: the main
# thread gives up waiting after a while and reports how many are stuck.
producer_thread = threading.Thread(target=producer, name="producer", daemon=True)
consumers = [threading.Thread(target=consumer, args=(c,), name=f"c{c}", daemon=True)
             for c in range(CONSUMERS)]
producer_thread.start()
for t in consumers:
    t.start()
stuck = join_by([producer_thread], PATIENCE)

# q.join() has no timeout: wait for it in a helper thread.
joiner = threading.Thread(target=q.join, name="q.join()", daemon=True)
joiner.start()
joined = join_by([joiner], PATIENCE) == 0
print("q.join() returned: every item is done" if joined
      else "q.join() is still waiting: some task_done() calls are missing")
if STOP == "poison_pill":
    for _ in range(CONSUMERS):
        q.put(MARK)              # one pill per consumer
stuck += join_by(consumers, PATIENCE)
if stuck:
    print(f"{stuck} workers are still blocked: they would wait for ever")

errors = []
if NOWAIT:
    try:
        q.get_nowait()
    except queue.Empty:
        print("get_nowait() raised Empty")
        errors.append("Empty")
    if MAXSIZE > 0:
        try:
            for _ in range(MAXSIZE + 1):
                q.put_nowait(MARK)
        except queue.Full:
            print("put_nowait() raised Full")
            errors.append("Full")

print(f"consumed {sum(count)} items, per consumer {count}")
print("RESULT " + json.dumps({"consumed": sum(count), "per_consumer": count, "order": order,
                              "stopped": sum(stopped), "join_returned": joined, "stuck": stuck,
                              "nowait_errors": errors}))
