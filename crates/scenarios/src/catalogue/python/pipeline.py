import collections
import json
import queue
import threading
import time

KIND = "closable"  # param queue: "polling", "blocking", "bounded" or "closable"
ITEMS = 50  # param items
STAGE_MS = [4, 2, 6]  # param stage_ms
DOWNLOAD, RESIZE, UPLOAD = (ms / 1000 for ms in STAGE_MS)
WORKERS = [1, 1, 1]  # param workers
MAXSIZE = 3  # param maxsize
MAXSIZE = MAXSIZE if KIND == "bounded" else 0
POLL_MS = 10.0  # param poll_ms
POLL = POLL_MS / 1000
SENTINEL = -1

polls = 0
max_depth = 0
stats_lock = threading.Lock()


class PollingQueue:
    """A home-made queue: get() raises IndexError when there is nothing to take."""

    def __init__(self):
        self.items = collections.deque()
        self.lock = threading.Lock()

    def put(self, item):
        with self.lock:
            self.items.append(item)
            return len(self.items)

    def get(self):
        global polls
        while True:
            try:
                with self.lock:
                    return self.items.popleft()
            except IndexError:
                with stats_lock:
                    polls += 1
                time.sleep(POLL)


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def make_queue(last=False):
    if KIND == "polling":
        return PollingQueue()
    return queue.Queue(0 if last else MAXSIZE)


def put(q, item):
    if isinstance(q, PollingQueue):
        return q.put(item)
    q.put(item)
    return q.qsize()


def worker(stage, inbox, outbox):
    global max_depth
    work = [time.sleep, busy, time.sleep][stage]
    seconds = [DOWNLOAD, RESIZE, UPLOAD][stage]
    while True:
        item = inbox.get()
        if item == SENTINEL:
            inbox.task_done()
            return
        work(seconds)
        depth = put(outbox, item)
        with stats_lock:
            if stage < 2:
                max_depth = max(max_depth, depth)
        if KIND == "closable":
            inbox.task_done()


queues = [make_queue() for _ in range(3)] + [make_queue(last=True)]
stages = []
for stage in range(3):
    threads = [threading.Thread(target=worker, args=(stage, queues[stage], queues[stage + 1]),
                                daemon=KIND != "closable") for _ in range(WORKERS[stage])]
    for t in threads:
        t.start()
    stages.append(threads)

start = time.perf_counter()
for i in range(ITEMS):
    put(queues[0], i)
processed = 0
if KIND == "closable":
    for stage in range(3):
        for _ in stages[stage]:
            queues[stage].put(SENTINEL)        # one sentinel per worker closes the stage
        queues[stage].join()
        for t in stages[stage]:
            t.join()
    processed = queues[3].qsize()
else:
    while processed < ITEMS:                    # the main thread waits for every item
        queues[3].get()
        processed += 1
elapsed = time.perf_counter() - start
print(f"processed {processed} items after polling {polls} times")
print("RESULT " + json.dumps({"processed": processed, "polls": polls, "max_depth": max_depth,
                              "bounded_ok": MAXSIZE == 0 or max_depth <= MAXSIZE,
                              "elapsed_ms": round(elapsed * 1000, 1)}))
