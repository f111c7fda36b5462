import asyncio
import json
import random

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
# How long main() waits at each step before it gives up on blocked tasks.
PATIENCE = 1.0 + CONSUMER_DELAY + ITEMS * (PUT + WORK)
# The stop mark; in a PriorityQueue it must compare with the items and sort after them.
MARK = (1000, -1) if KIND == "priority" else None

count = [0] * CONSUMERS
stopped = [0] * CONSUMERS
order = []                   # what consumer 0 took


async def producer(q):
    for i in range(ITEMS):
        if PUT:
            await asyncio.sleep(PUT)
        item = (random.randrange(100), i) if KIND == "priority" else i
        await q.put(item)        # suspends while the queue is full
        print(f"put {item}", flush=True)
    if STOP == "sentinel":
        for _ in range(CONSUMERS):
            await q.put(MARK)    # close(): one sentinel per consumer


async def consumer(q, c):
    if CONSUMER_DELAY:
        await asyncio.sleep(CONSUMER_DELAY)   # let the queue fill first
    while True:
        if STOP == "empty_check" and q.empty():
            break
        item = await q.get()
        if item == MARK and STOP in ("poison_pill", "sentinel"):
            if TASK_DONE:
                q.task_done()
            break
        print(f"c{c} got {item}", flush=True)
        await asyncio.sleep(WORK)
        if c == 0:
            order.append(item[0] if KIND == "priority" else item)
        count[c] += 1
        if TASK_DONE:
            q.task_done()
    stopped[c] = 1
    print(f"c{c} stops", flush=True)


async def main():
    q = {"fifo": asyncio.Queue, "lifo": asyncio.LifoQueue,
         "priority": asyncio.PriorityQueue}[KIND](MAXSIZE)
    producer_task = asyncio.create_task(producer(q), name="producer")
    consumers = [asyncio.create_task(consumer(q, c), name=f"c{c}") for c in range(CONSUMERS)]
    _, pending = await asyncio.wait([producer_task], timeout=PATIENCE)
    stuck = len(pending)
    try:
        await asyncio.wait_for(q.join(), PATIENCE)
        joined = True
        print("q.join() returned: every item is done")
    except asyncio.TimeoutError:
        joined = False
        print("q.join() is still waiting: some task_done() calls are missing")
    if STOP == "poison_pill":
        for _ in range(CONSUMERS):
            await q.put(MARK)    # one pill per consumer
    _, pending = await asyncio.wait(consumers, timeout=PATIENCE)
    stuck += len(pending)
    if stuck:
        print(f"{stuck} tasks are still blocked: they would wait for ever")

    errors = []
    if NOWAIT:
        try:
            q.get_nowait()
        except asyncio.QueueEmpty:
            print("get_nowait() raised Empty")
            errors.append("Empty")
        if MAXSIZE > 0:
            try:
                for _ in range(MAXSIZE + 1):
                    q.put_nowait(MARK)
            except asyncio.QueueFull:
                print("put_nowait() raised Full")
                errors.append("Full")
    return joined, stuck, errors    # asyncio.run cancels the blocked tasks on the way out


joined, stuck, errors = asyncio.run(main())
print(f"consumed {sum(count)} items, per consumer {count}")
print("RESULT " + json.dumps({"consumed": sum(count), "per_consumer": count, "order": order,
                              "stopped": sum(stopped), "join_returned": joined, "stuck": stuck,
                              "nowait_errors": errors}))
