# level: 3 — async def and await: coroutines, return values, asyncio.run, awaiting in sequence
import asyncio


async def add(a, b):
    await asyncio.sleep(0)
    return a + b


async def countdown(n):
    while n > 0:
        print("countdown", n)
        await asyncio.sleep(0.01)
        n -= 1
    return "liftoff"


async def main():
    print("main starts")
    x = await add(1, 2)
    coro = add(x, 10)
    print("calling add() gives a", type(coro).__name__)
    y = await coro
    print("results:", x, y)
    print(await countdown(3))
    total = 0
    for i in range(5):
        total = await add(total, i)
    print("sum via awaits:", total)
    print(asyncio.iscoroutinefunction(add), asyncio.iscoroutine(coro))
    return "main done"


print(asyncio.run(main()))
print(asyncio.run(add(20, 22)))


def plain():
    return "plain functions need no await"


async def uses_plain():
    return plain()


print(asyncio.run(uses_plain()))
