import json
import threading
import time

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
# Workers still blocked after this long are reported as stuck: nothing will ever wake them.
PATIENCE = 1.0 + (ITEMS + CONSUMERS) * (PRODUCE + CONSUME)

cond = threading.Condition()     # over an RLock
items = []
put = [0] * PRODUCERS
taken = [0] * CONSUMERS
failed = [0] * CONSUMERS
peak = 0


def share(total, parts, i):
    return total // parts + (1 if i < total % parts else 0)


def wake():
    if WAKE == "notify_all":
        cond.notify_all()
    else:
        cond.notify()


def wait_until(ready):
    if RECHECK == "while":
        while not ready():
            cond.wait()
    elif RECHECK == "if":
        if not ready():
            cond.wait()          # the bug: no second look after waking
    else:
        cond.wait_for(ready)


def producer(p):
    global peak
    for k in range(share(ITEMS, PRODUCERS, p)):
        time.sleep(PRODUCE)
        with cond:
            wait_until(lambda: len(items) < CAPACITY)
            items.append(f"p{p}:{k}")
            peak = max(peak, len(items))
            print(f"p{p} put p{p}:{k} ({len(items)} in the buffer)", flush=True)
            wake()
        put[p] = k + 1


def consumer(c):
    try:
        for k in range(share(ITEMS, CONSUMERS, c)):
            time.sleep(CONSUME)
            with cond:
                wait_until(lambda: len(items) > 0)
                item = items.pop()       # IndexError if the buffer is empty
                print(f"c{c} took {item}", flush=True)
                wake()
            taken[c] = k + 1
    except IndexError:
        failed[c] = 1
        raise


woken = 0
rank = [-1] * CONSUMERS


def waiter(c):
    global woken
    with cond:
        cond.wait()
        rank[c] = woken
        woken += 1
        print(f"c{c} woke up", flush=True)


def notifier():
    for _ in range(CONSUMERS):
        time.sleep(PRODUCE)
        with cond:
            print("producer notifies", flush=True)
            wake()


def join_by(workers, deadline):
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    return sum(w.is_alive() for w in workers)


# daemon=True so that this program can exit if some workers never finish: the main
# thread gives up waiting after a while and reports how many are stuck.
deadline = time.monotonic() + PATIENCE
if VARIANT == "buffer":
    workers = [threading.Thread(target=consumer, args=(c,), name=f"c{c}", daemon=True)
               for c in range(CONSUMERS)]
    workers += [threading.Thread(target=producer, args=(p,), name=f"p{p}", daemon=True)
                for p in range(PRODUCERS)]
else:
    workers = [threading.Thread(target=waiter, args=(c,), name=f"c{c}", daemon=True)
               for c in range(CONSUMERS)]
    workers.append(threading.Thread(target=notifier, name="producer", daemon=True))
for w in workers:
    w.start()
stuck = join_by(workers, deadline)

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
    print(f"{stuck} workers are still waiting: nobody will ever wake them")
print("RESULT " + json.dumps(result))
