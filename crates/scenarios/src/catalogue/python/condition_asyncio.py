import asyncio
import json

VARIANT = "buffer"  # param variant: "buffer" or "fifo"
PRODUCERS = 2  # param producers
CONSUMERS = 2  # param consumers
CAPACITY = 2  # param capacity
ITEMS = 10  # param items
PRODUCE_MS = 100.0  # param produce_ms
PRODUCE = PRODUCE_MS / 1000
CONSUME_MS = 200.0  # param consume_ms
CONSUME = CONSUME_MS / 1000
RECHECK = "while"  # param recheck: "while" (right), "if" (the spurious-wakeup bug) or "wait_for"
WAKE = "notify_all"  # param wake: "notify_all" (right) or "notify" (one waiter: lost wake-ups)
# Tasks still blocked after this long are reported as stuck: nothing will ever wake them.
PATIENCE = 1.0 + (ITEMS + CONSUMERS) * (PRODUCE + CONSUME)

items = []
put = [0] * PRODUCERS
taken = [0] * CONSUMERS
failed = [0] * CONSUMERS
peak = 0
woken = 0
rank = [-1] * CONSUMERS


def share(total, parts, i):
    return total // parts + (1 if i < total % parts else 0)


def wake(cond):
    if WAKE == "notify_all":
        cond.notify_all()
    else:
        cond.notify()


async def wait_until(cond, ready):
    if RECHECK == "while":
        while not ready():
            await cond.wait()
    elif RECHECK == "if":
        if not ready():
            await cond.wait()    # the bug: no second look after waking
    else:
        await cond.wait_for(ready)


async def producer(cond, p):
    global peak
    for k in range(share(ITEMS, PRODUCERS, p)):
        await asyncio.sleep(PRODUCE)
        async with cond:
            await wait_until(cond, lambda: len(items) < CAPACITY)
            items.append(f"p{p}:{k}")
            peak = max(peak, len(items))
            print(f"p{p} put p{p}:{k} ({len(items)} in the buffer)", flush=True)
            wake(cond)
        put[p] = k + 1


async def consumer(cond, c):
    try:
        for k in range(share(ITEMS, CONSUMERS, c)):
            await asyncio.sleep(CONSUME)
            async with cond:
                await wait_until(cond, lambda: len(items) > 0)
                item = items.pop()       # IndexError if the buffer is empty
                print(f"c{c} took {item}", flush=True)
                wake(cond)
            taken[c] = k + 1
    except IndexError:
        failed[c] = 1
        raise


async def waiter(cond, c):
    global woken
    async with cond:
        await cond.wait()
        rank[c] = woken
        woken += 1
        print(f"c{c} woke up", flush=True)


async def notifier(cond):
    for _ in range(CONSUMERS):
        await asyncio.sleep(PRODUCE)
        async with cond:
            print("producer notifies", flush=True)
            wake(cond)


async def main():
    cond = asyncio.Condition()   # over an asyncio.Lock
    if VARIANT == "buffer":
        tasks = [asyncio.create_task(consumer(cond, c), name=f"c{c}") for c in range(CONSUMERS)]
        tasks += [asyncio.create_task(producer(cond, p), name=f"p{p}") for p in range(PRODUCERS)]
    else:
        tasks = [asyncio.create_task(waiter(cond, c), name=f"c{c}") for c in range(CONSUMERS)]
        tasks.append(asyncio.create_task(notifier(cond), name="producer"))
    _, pending = await asyncio.wait(tasks, timeout=PATIENCE)
    for t in tasks:                  # retrieve exceptions so that asyncio does not log them
        if t.done() and not t.cancelled() and t.exception():
            print(f"{t.get_name()}: {type(t.exception()).__name__}: {t.exception()}")
    return len(pending)          # asyncio.run cancels the stuck tasks on the way out


stuck = asyncio.run(main())
if VARIANT == "buffer":
    result = {"produced": sum(put), "consumed": sum(taken), "left": len(items), "peak": peak,
              "overfilled": peak > CAPACITY, "errors": sum(failed),
              "error_kind": "IndexError" if any(failed) else "", "stuck": stuck}
    print(f"produced {sum(put)}, consumed {sum(taken)}, {len(items)} left, "
          f"at most {peak} in the buffer")
else:
    order = [c for _, c in sorted((r, c) for c, r in enumerate(rank) if r >= 0)]
    print(f"woken in the order {order}")
    result = {"wake_order": order, "stuck": stuck}
if stuck:
    print(f"{stuck} tasks were still waiting: nobody would ever wake them")
print("RESULT " + json.dumps(result))
