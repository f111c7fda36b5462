# level: 3 — asyncio.create_task: tasks run concurrently; asyncio.sleep durations fix the print order
import asyncio


async def speak(name, delay, times):
    for i in range(times):
        await asyncio.sleep(delay)
        print(f"{name} says {i}")
    return f"{name} finished"


async def main():
    a = asyncio.create_task(speak("A", 0.02, 3))
    b = asyncio.create_task(speak("B", 0.05, 2))
    print("tasks created, nothing has run yet")
    await asyncio.sleep(0)
    print("after one yield, tasks started; done?", a.done(), b.done())
    print(await a)
    print("A done; B done?", b.done())
    print(await b)
    print(a.result(), "|", b.result())

    order = []

    async def step(label):
        order.append(label + " start")
        await asyncio.sleep(0)
        order.append(label + " end")

    t1 = asyncio.create_task(step("t1"))
    t2 = asyncio.create_task(step("t2"))
    await t1
    await t2
    print(order)


asyncio.run(main())
