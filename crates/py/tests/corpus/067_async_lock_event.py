# level: 3 — asyncio.Lock serialises a critical section; asyncio.Event releases every waiter at once
import asyncio

lock = asyncio.Lock()
shared = {"value": 0}


async def critical(name):
    async with lock:
        print(name, "enters")
        current = shared["value"]
        await asyncio.sleep(0.01)
        shared["value"] = current + 1
        print(name, "leaves")


async def unsafe(name):
    current = shared["value"]
    await asyncio.sleep(0.01)
    shared["value"] = current + 1


async def waiter(event, i):
    print(f"waiter {i} waiting")
    await event.wait()
    print(f"waiter {i} released")


async def main():
    await asyncio.gather(*(critical(n) for n in "ABC"))
    print("with lock:", shared["value"])
    shared["value"] = 0
    await asyncio.gather(*(unsafe(n) for n in "ABC"))
    print("without lock:", shared["value"])
    print("lock free:", not lock.locked())

    event = asyncio.Event()
    tasks = [asyncio.create_task(waiter(event, i)) for i in range(3)]
    await asyncio.sleep(0.01)
    print("setting the event")
    event.set()
    await asyncio.gather(*tasks)
    print("is_set:", event.is_set())
    event.clear()
    try:
        await asyncio.wait_for(event.wait(), timeout=0.01)
    except TimeoutError:
        print("cleared event times out")


asyncio.run(main())
