import asyncio
import json
import random
import time

DEMO = "tasks"  # param demo
UNIT_MS = 100.0  # param unit_ms
UNIT = UNIT_MS / 1000
TASKS = 5  # param tasks
FAIL = False  # param fail
RETURN_EXCEPTIONS = False  # param return_exceptions
RETURN_WHEN = "FIRST_COMPLETED"  # param return_when
RETURN_WHEN = getattr(asyncio, RETURN_WHEN)
TIMEOUT_UNITS = 1.5  # param timeout_units
TIMEOUT = TIMEOUT_UNITS * UNIT

order, results = [], []


def label(outcome):
    return type(outcome).__name__ if isinstance(outcome, BaseException) else outcome


async def job(i, delay):
    await asyncio.sleep(delay)
    print(f"task {i} done")
    if FAIL and i == 1:
        raise ValueError(f"task {i} failed")
    return i * 10


def spawn_all():
    return [asyncio.create_task(job(i, UNIT * (TASKS - i)), name=f"task-{i}") for i in range(TASKS)]


async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)
    return what


async def outcome_of(aw):
    try:
        return await aw
    except Exception as e:
        return e


async def demo():
    if DEMO == "sequential":
        order.append(await say_after(UNIT, "hello"))
        order.append(await say_after(2 * UNIT, "world"))
    elif DEMO == "tasks":
        a = asyncio.create_task(say_after(UNIT, "hello"))
        b = asyncio.create_task(say_after(2 * UNIT, "world"))
        order.append(await a)
        order.append(await b)
    elif DEMO == "gather":
        out = await asyncio.gather(*spawn_all(), return_exceptions=RETURN_EXCEPTIONS)
        results.extend(label(o) for o in out)
    elif DEMO == "as_completed":
        for fut in asyncio.as_completed(spawn_all()):
            order.append(label(await outcome_of(fut)))
    elif DEMO == "wait":
        tasks = spawn_all()
        done, pending = await asyncio.wait(tasks, return_when=RETURN_WHEN)
        for t in tasks:                      # done is a set: report it in task order
            if t in done:
                order.append(label(await outcome_of(t)))
        results.extend([len(done), len(pending)])
        for t in pending:
            t.cancel()
    elif DEMO == "wait_for":
        slow = asyncio.create_task(job(0, 2 * UNIT), name="slow")
        try:
            out = await asyncio.wait_for(slow, TIMEOUT)
            results.extend([out, slow.done()])
        except TimeoutError as e:
            results.extend([type(e).__name__, slow.done()])
            raise
    elif DEMO == "queue_workers":
        q = asyncio.Queue()
        total = 0.0
        for _ in range(20):
            d = UNIT * random.uniform(0.05, 1.0)
            total += d
            q.put_nowait(d)

        async def worker():
            while True:
                d = await q.get()
                await asyncio.sleep(d)
                q.task_done()

        workers = [asyncio.create_task(worker(), name=f"worker-{w}") for w in range(3)]
        await q.join()
        for w in workers:
            w.cancel()
        out = await asyncio.gather(*workers, return_exceptions=True)
        results.append(sum(isinstance(o, BaseException) for o in out))
        order.append(round(total / UNIT, 1))
    elif DEMO == "from_thread":
        def mark_done():
            time.sleep(2 * UNIT)
            return "Future is done!"
        results.append(await asyncio.to_thread(mark_done))
    else:  # "blocking"
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(UNIT)
                ticks += 1

        async def blocker():
            await asyncio.sleep(UNIT / 2)
            time.sleep(3 * UNIT)             # blocks the whole event loop

        t = asyncio.create_task(ticker(), name="ticker")
        await asyncio.create_task(blocker(), name="blocker")
        await asyncio.sleep(UNIT * 3 / 2)
        order.append(ticks)
        t.cancel()


start = time.perf_counter()
error = ""
try:
    asyncio.run(demo())
except Exception as e:
    error = type(e).__name__
elapsed = time.perf_counter() - start
print("RESULT " + json.dumps({"order": order, "results": results,
                              "elapsed_units": round(elapsed / UNIT), "error": error}))
