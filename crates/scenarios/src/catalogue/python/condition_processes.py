import json
import multiprocessing as mp
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


def share(total, parts, i):
    return total // parts + (1 if i < total % parts else 0)


def wake(cond):
    if WAKE == "notify_all":
        cond.notify_all()
    else:
        cond.notify()


def wait_until(cond, ready):
    if RECHECK == "while":
        while not ready():
            cond.wait()
    elif RECHECK == "if":
        if not ready():
            cond.wait()          # the bug: no second look after waking
    else:
        cond.wait_for(ready)


def producer(cond, items, peak, put, p):
    for k in range(share(ITEMS, PRODUCERS, p)):
        time.sleep(PRODUCE)
        with cond:
            wait_until(cond, lambda: len(items) < CAPACITY)
            items.append(f"p{p}:{k}")    # a round trip to the manager process
            n = len(items)
            peak.value = max(peak.value, n)
            print(f"p{p} put p{p}:{k} ({n} in the buffer)", flush=True)
            wake(cond)
        put[p] = k + 1


def consumer(cond, items, taken, failed, c):
    try:
        for k in range(share(ITEMS, CONSUMERS, c)):
            time.sleep(CONSUME)
            with cond:
                wait_until(cond, lambda: len(items) > 0)
                item = items.pop()       # IndexError if the buffer is empty
                print(f"c{c} took {item}", flush=True)
                wake(cond)
            taken[c] = k + 1
    except IndexError:
        failed[c] = 1
        raise


def waiter(cond, woken, rank, c):
    with cond:
        cond.wait()
        rank[c] = woken.value
        woken.value += 1
        print(f"c{c} woke up", flush=True)


def notifier(cond):
    for _ in range(CONSUMERS):
        time.sleep(PRODUCE)
        with cond:
            print("producer notifies", flush=True)
            wake(cond)


def join_by(workers, deadline):
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    return sum(w.is_alive() for w in workers)


if __name__ == "__main__":
    cond = mp.Condition()        # over a multiprocessing RLock
    # daemon=True so that this program can exit if some workers never finish: the main
    # process gives up waiting after a while and reports how many are stuck.
    with mp.Manager() as manager:
        deadline = time.monotonic() + PATIENCE
        if VARIANT == "buffer":
            items = manager.list()
            peak = mp.Value("i", 0, lock=False)
            put = mp.Array("i", PRODUCERS, lock=False)
            taken = mp.Array("i", CONSUMERS, lock=False)
            failed = mp.Array("i", CONSUMERS, lock=False)
            workers = [mp.Process(target=consumer, args=(cond, items, taken, failed, c),
                                  name=f"c{c}", daemon=True) for c in range(CONSUMERS)]
            workers += [mp.Process(target=producer, args=(cond, items, peak, put, p),
                                   name=f"p{p}", daemon=True) for p in range(PRODUCERS)]
        else:
            woken = mp.Value("i", 0, lock=False)
            rank = mp.Array("i", [-1] * CONSUMERS, lock=False)
            workers = [mp.Process(target=waiter, args=(cond, woken, rank, c), name=f"c{c}",
                                  daemon=True) for c in range(CONSUMERS)]
            workers.append(mp.Process(target=notifier, args=(cond,), name="producer",
                                      daemon=True))
        for w in workers:
            w.start()
        stuck = join_by(workers, deadline)

        if VARIANT == "buffer":
            left = len(items)
            result = {"produced": sum(put), "consumed": sum(taken), "left": left,
                      "peak": peak.value, "overfilled": peak.value > CAPACITY,
                      "errors": sum(failed), "error_kind": "IndexError" if any(failed) else "",
                      "stuck": stuck}
            print(f"produced {sum(put)}, consumed {sum(taken)}, {left} left, "
                  f"at most {peak.value} in the buffer")
        else:
            order = [c for _, c in sorted((r, c) for c, r in enumerate(rank) if r >= 0)]
            print(f"woken in the order {order}")
            result = {"wake_order": order, "stuck": stuck}
        if stuck:
            print(f"{stuck} workers are still waiting: nobody will ever wake them")
    print("RESULT " + json.dumps(result))
