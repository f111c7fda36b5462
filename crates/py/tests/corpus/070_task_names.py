# level: 3 — asyncio task names: main is Task-1, create_task numbers the rest; custom names and set_name
import asyncio


async def who():
    await asyncio.sleep(0)
    return asyncio.current_task().get_name()


async def main():
    print("main runs as", asyncio.current_task().get_name())
    t1 = asyncio.create_task(who())
    t2 = asyncio.create_task(who(), name="custom")
    t3 = asyncio.create_task(who())  # Task-4: in 3.11 a custom name still uses up a number
    print(t1.get_name(), t2.get_name(), t3.get_name())
    print(await t1, await t2, await t3)
    print("gather wraps coroutines in tasks:", await asyncio.gather(who(), who()))
    t4 = asyncio.create_task(who())
    t4.set_name("renamed")
    print(await t4, t4.done(), t4.result())
    print("all tasks now:", sorted(t.get_name() for t in asyncio.all_tasks()))


asyncio.run(main())
