# level: 3 — blocking the event loop: time.sleep freezes every task, asyncio.sleep lets them run
import asyncio
import time


async def ticker(label, n):
    for i in range(n):
        print(f"{label} tick {i}")
        await asyncio.sleep(0.02)


async def blocker():
    print("blocker: time.sleep(0.07) blocks the whole loop")
    time.sleep(0.07)
    print("blocker: done blocking")


async def polite():
    print("polite: asyncio.sleep(0.07) lets others run")
    await asyncio.sleep(0.07)
    print("polite: done")


async def main():
    print("-- blocking --")
    await asyncio.gather(ticker("A", 3), blocker())
    print("-- cooperative --")
    await asyncio.gather(ticker("B", 3), polite())
    print("-- offloaded to a thread --")
    await asyncio.gather(ticker("C", 3), asyncio.to_thread(time.sleep, 0.07))
    print("done")


asyncio.run(main())
