import json
import multiprocessing as mp
import queue
import threading
import time

KIND = "fifo"  # param kind: multiprocessing only has FIFO queues
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
# How long the main process waits at each step before it gives up on blocked workers.
PATIENCE = 1.0 + CONSUMER_DELAY + ITEMS * (PUT + WORK)
MARK = None                  # the stop mark


def producer(q):
    for i in range(ITEMS):
        if PUT:
            time.sleep(PUT)
        q.put(i)                 # blocks while the queue is full
        print(f"put {i}", flush=True)
    if STOP == "sentinel":
        for _ in range(CONSUMERS):
            q.put(MARK)          # close(): one sentinel per consumer


def consumer(q, count, stopped, order, c):
    if CONSUMER_DELAY:
        time.sleep(CONSUMER_DELAY)   # let the queue fill first
    k = 0
    while True:
        if STOP == "empty_check" and q.empty():
            break                # racy: another consumer may take the last item first
        item = q.get()
        if item == MARK and STOP in ("poison_pill", "sentinel"):
            if TASK_DONE:
                q.task_done()
            break
        print(f"c{c} got {item}", flush=True)
        time.sleep(WORK)
        if c == 0:
            order[k] = item
        k += 1
        count[c] = k
        if TASK_DONE:
            q.task_done()
    stopped[c] = 1
    print(f"c{c} stops", flush=True)


def join_by(workers, patience):
    deadline = time.monotonic() + patience
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    return sum(w.is_alive() for w in workers)


if __name__ == "__main__":
    q = mp.JoinableQueue(MAXSIZE)
    count = mp.Array("i", CONSUMERS, lock=False)
    stopped = mp.Array("i", CONSUMERS, lock=False)
    order = mp.Array("i", [-1] * ITEMS, lock=False)    # what consumer 0 took
    # daemon=True so that this program can exit if some workers never finish: the main
    # process gives up waiting after a while and reports how many are stuck.
    producer_proc = mp.Process(target=producer, args=(q,), name="producer", daemon=True)
    consumers = [mp.Process(target=consumer, args=(q, count, stopped, order, c), name=f"c{c}",
                            daemon=True) for c in range(CONSUMERS)]
    producer_proc.start()
    for p in consumers:
        p.start()
    stuck = join_by([producer_proc], PATIENCE)

    # q.join() has no timeout: wait for it in a helper thread.
    joiner = threading.Thread(target=q.join, name="q.join()", daemon=True)
    joiner.start()
    joined = join_by([joiner], PATIENCE) == 0
    print("q.join() returned: every item is done" if joined
          else "q.join() is still waiting: some task_done() calls are missing")
    if STOP == "poison_pill":
        for _ in range(CONSUMERS):
            q.put(MARK)          # one pill per consumer
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

    count = list(count)
    print(f"consumed {sum(count)} items, per consumer {count}")
    print("RESULT " + json.dumps({"consumed": sum(count), "per_consumer": count,
                                  "order": [x for x in order if x != -1],
                                  "stopped": sum(stopped), "join_returned": joined,
                                  "stuck": stuck, "nowait_errors": errors}))
