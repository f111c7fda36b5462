# level: 3 — async generators with async for, async comprehensions and async context managers
import asyncio


async def ticks(n, delay):
    for i in range(n):
        await asyncio.sleep(delay)
        yield i


class Connection:
    def __init__(self, name):
        self.name = name
        self.open = False

    async def __aenter__(self):
        await asyncio.sleep(0.01)
        self.open = True
        print(f"{self.name}: opened")
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await asyncio.sleep(0.01)
        self.open = False
        print(f"{self.name}: closed ({exc_type.__name__ if exc_type else 'no error'})")
        return False

    async def query(self, q):
        await asyncio.sleep(0.01)
        return f"{self.name} answered {q!r}"


async def main():
    async for i in ticks(3, 0.01):
        print("tick", i)
    squares = [i * i async for i in ticks(5, 0)]
    print("async comprehension:", squares)
    async with Connection("db") as conn:
        print(await conn.query("select 1"), conn.open)
    print("after block open =", conn.open)
    try:
        async with Connection("cache") as c:
            await c.query("get k")
            raise KeyError("k")
    except KeyError as e:
        print("propagated:", repr(e))


asyncio.run(main())
