# level: 3 — asyncio.Semaphore limits how many jobs run at once; start/finish order follows the sleeps
import asyncio

DURATIONS = [0.08, 0.02, 0.04, 0.03, 0.04]
running = 0
peak = 0


async def job(sem, i):
    global running, peak
    async with sem:
        running += 1
        peak = max(peak, running)
        print(f"job {i} start (running {running})")
        await asyncio.sleep(DURATIONS[i])
        running -= 1
        print(f"job {i} end")
    return i * 10


async def main():
    sem = asyncio.Semaphore(2)
    results = await asyncio.gather(*(job(sem, i) for i in range(len(DURATIONS))))
    print("results:", results, "peak:", peak)
    bounded = asyncio.BoundedSemaphore(1)
    async with bounded:
        print("locked inside:", bounded.locked())
    try:
        bounded.release()
    except ValueError as e:
        print("ValueError:", e)


asyncio.run(main())
