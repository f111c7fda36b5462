# level: 3 — cancelling a task: CancelledError inside it, cleanup in finally, task.cancelled()
import asyncio


async def worker(log):
    try:
        i = 0
        while True:
            await asyncio.sleep(0.02)
            print("worker tick", i)
            i += 1
    except asyncio.CancelledError:
        print("worker: got CancelledError, cleaning up")
        raise
    finally:
        log.append("finally ran")


async def stubborn():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("stubborn: swallowing the cancellation")
    return "stubborn result"


async def main():
    log = []
    t = asyncio.create_task(worker(log))
    await asyncio.sleep(0.05)
    print("cancel() returns", t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("main: the task was cancelled:", t.cancelled(), log)

    s = asyncio.create_task(stubborn())
    await asyncio.sleep(0.01)
    s.cancel()
    print(await s, "| cancelled?", s.cancelled())
    done = asyncio.create_task(asyncio.sleep(0, result="already done"))
    await done
    print("cancel a finished task:", done.cancel(), done.result())


asyncio.run(main())
