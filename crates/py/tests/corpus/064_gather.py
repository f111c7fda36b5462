# level: 3 — asyncio.gather: results come back in argument order; exceptions with and without return_exceptions
import asyncio


async def fetch(name, delay, value):
    await asyncio.sleep(delay)
    print("fetched", name)
    return value


async def fail(delay, message):
    await asyncio.sleep(delay)
    raise ValueError(message)


async def main():
    results = await asyncio.gather(fetch("slow", 0.06, 1), fetch("fast", 0.02, 2), fetch("mid", 0.04, 3))
    print("results in argument order:", results)

    mixed = await asyncio.gather(fetch("ok", 0.02, "fine"), fail(0.01, "boom"), return_exceptions=True)
    print([f"{type(r).__name__}: {r}" if isinstance(r, Exception) else r for r in mixed])

    try:
        await asyncio.gather(fail(0.01, "first failure"), fetch("late", 0.03, None))
    except ValueError as e:
        print("gather raised:", e)
    await asyncio.sleep(0.04)
    print("the other awaitable kept running")

    squares = await asyncio.gather(*(asyncio.sleep(0.01 * (5 - n), result=n * n) for n in range(5)))
    print("squares:", squares)
    print("empty gather:", await asyncio.gather())


asyncio.run(main())
