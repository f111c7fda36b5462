# level: 4 — mixing asyncio with threads: run_in_executor, asyncio.to_thread, run_coroutine_threadsafe
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def blocking_io(label, delay):
    time.sleep(delay)
    return f"{label} done"


async def main():
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [loop.run_in_executor(pool, blocking_io, f"job{i}", 0.01 * (3 - i)) for i in range(3)]
        print(await asyncio.gather(*futures))
    results = await asyncio.gather(
        asyncio.to_thread(blocking_io, "a", 0.03),
        asyncio.to_thread(blocking_io, "b", 0.01),
    )
    print(results)

    async def ask():
        await asyncio.sleep(0.01)
        return "answer from the loop"

    def from_thread():
        fut = asyncio.run_coroutine_threadsafe(ask(), loop)
        return fut.result(timeout=2)

    print(await asyncio.to_thread(from_thread))
    order = []

    def slow():
        time.sleep(0.05)
        order.append("thread finished")

    async def fast():
        await asyncio.sleep(0.01)
        order.append("coroutine finished")

    await asyncio.gather(asyncio.to_thread(slow), fast())
    print(order)


asyncio.run(main())
