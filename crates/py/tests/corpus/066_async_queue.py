# level: 3 — asyncio.Queue: a producer and two consumers, a bounded queue, task_done and join
import asyncio


async def producer(q, n):
    for i in range(n):
        await q.put(i)
        print(f"produced {i} (size {q.qsize()})")
    print("producer finished")


async def consumer(name, q, seen):
    while True:
        item = await q.get()
        print(f"{name} got {item}")
        seen.append(item)
        await asyncio.sleep(0.01)
        q.task_done()


async def main():
    q = asyncio.Queue(maxsize=2)
    seen = []
    consumers = [asyncio.create_task(consumer(f"c{i}", q, seen)) for i in range(2)]
    await producer(q, 6)
    await q.join()
    print("all items processed:", sorted(seen))
    for c in consumers:
        c.cancel()
    results = await asyncio.gather(*consumers, return_exceptions=True)
    print([type(r).__name__ for r in results])

    empty = asyncio.Queue()
    try:
        empty.get_nowait()
    except asyncio.QueueEmpty:
        print("get_nowait on an empty queue raises QueueEmpty")
    full = asyncio.Queue(maxsize=1)
    full.put_nowait("x")
    try:
        full.put_nowait("y")
    except asyncio.QueueFull:
        print("put_nowait on a full queue raises QueueFull")


asyncio.run(main())
