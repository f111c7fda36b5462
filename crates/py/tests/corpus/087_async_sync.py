# level: 3 — asyncio Condition, Barrier and shield: waiting for a state, meeting at a barrier, protecting a task
import asyncio


async def main():
    cond = asyncio.Condition()
    box = []

    async def consumer(name):
        async with cond:
            await cond.wait_for(lambda: box)
            print(name, "took", box.pop(0))

    consumers = [asyncio.create_task(consumer(f"consumer-{i}")) for i in range(3)]
    for item in ["a", "b", "c"]:
        await asyncio.sleep(0.01)
        async with cond:
            box.append(item)
            cond.notify()
    await asyncio.gather(*consumers)

    barrier = asyncio.Barrier(3)
    arrivals = []

    async def runner(n):
        await asyncio.sleep(0.01 * n)
        arrivals.append(n)
        await barrier.wait()
        return f"runner {n} passed with {len(arrivals)} arrived"

    print(await asyncio.gather(*(runner(n) for n in (2, 0, 1))))

    async def important():
        await asyncio.sleep(0.03)
        return "important work finished"

    task = asyncio.create_task(important())
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=0.01)
    except TimeoutError:
        print("timed out waiting, but the shielded task goes on:", not task.done())
    print(await task)


asyncio.run(main())
