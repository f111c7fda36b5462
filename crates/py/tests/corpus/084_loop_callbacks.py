# level: 3 — the event loop API: new_event_loop, call_soon/call_later/call_at, futures and callbacks, run_in_executor
import asyncio
import time

order = []


def note(what):
    order.append(what)


async def main():
    loop = asyncio.get_running_loop()
    loop.call_later(0.02, note, "later 20ms")
    loop.call_at(loop.time() + 0.01, note, "at +10ms")
    loop.call_soon(note, "soon")
    cancelled = loop.call_later(0.005, note, "never")
    cancelled.cancel()
    fut = loop.create_future()
    fut.add_done_callback(lambda f: note(f"callback saw {f.result()}"))
    loop.call_later(0.015, fut.set_result, "ready")
    print("awaited:", await fut)
    await asyncio.sleep(0.01)
    print(order, cancelled.cancelled())

    def blocking(n):
        time.sleep(0.01)
        return n * n

    results = await asyncio.gather(*(loop.run_in_executor(None, blocking, n) for n in range(4)))
    print("executor results:", results)
    failing = loop.create_future()
    failing.set_exception(ValueError("no luck"))
    try:
        await failing
    except ValueError as e:
        print("future raised:", e, "| exception():", repr(failing.exception()))


asyncio.run(main())

loop = asyncio.new_event_loop()
print(loop.run_until_complete(asyncio.sleep(0.01, result="first run")))
ticks = []


def tick(n):
    ticks.append(n)
    if n < 3:
        loop.call_later(0.01, tick, n + 1)
    else:
        loop.stop()


loop.call_soon(tick, 1)
loop.run_forever()
print("ticks:", ticks, "running:", loop.is_running())
loop.close()
print("closed:", loop.is_closed())
