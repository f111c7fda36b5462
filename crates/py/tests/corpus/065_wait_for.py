# level: 3 — asyncio.wait_for: a timeout cancels the inner coroutine and raises TimeoutError
import asyncio


async def slow_operation():
    try:
        await asyncio.sleep(1)
        return "finished"
    except asyncio.CancelledError:
        print("slow_operation: cancelled by wait_for")
        raise


async def quick_operation():
    await asyncio.sleep(0.01)
    return "quick result"


async def main():
    try:
        await asyncio.wait_for(slow_operation(), timeout=0.03)
    except asyncio.TimeoutError as e:
        print("timed out:", type(e).__name__, repr(e), asyncio.TimeoutError is TimeoutError)
    print(await asyncio.wait_for(quick_operation(), timeout=1))

    for limit in (0.01, 0.05):
        try:
            value = await asyncio.wait_for(asyncio.sleep(0.03, result="slept"), timeout=limit)
            print(f"limit {limit}: {value}")
        except TimeoutError:
            print(f"limit {limit}: too slow")

    task = asyncio.create_task(asyncio.sleep(1))
    done, pending = await asyncio.wait({task}, timeout=0.02)
    print("asyncio.wait with timeout:", len(done), "done,", len(pending), "pending")
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("task cancelled:", task.cancelled())


asyncio.run(main())
