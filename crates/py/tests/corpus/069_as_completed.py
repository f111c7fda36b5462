# level: 3 — asyncio.as_completed yields results in completion order; asyncio.wait(FIRST_COMPLETED)
import asyncio


async def work(name, delay):
    await asyncio.sleep(delay)
    return f"{name} (slept {delay})"


async def main():
    coros = [work("a", 0.06), work("b", 0.02), work("c", 0.04)]
    for i, fut in enumerate(asyncio.as_completed(coros), start=1):
        print(i, await fut)

    tasks = [asyncio.create_task(work(n, d)) for n, d in [("x", 0.05), ("y", 0.01), ("z", 0.03)]]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print("first completed:", [t.result() for t in done], "still pending:", len(pending))
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    print("cancelled:", sorted(t.cancelled() for t in tasks))

    tasks = [asyncio.create_task(work(n, 0.01 * (i + 1))) for i, n in enumerate("pqr")]
    done, pending = await asyncio.wait(tasks)
    print("all done:", len(done), len(pending), [t.result() for t in tasks])


asyncio.run(main())
