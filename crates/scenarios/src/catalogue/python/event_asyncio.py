import asyncio
import json
import time

CONSUMERS = 4  # param consumers
SET_DELAY = 2.0  # param set_delay_s
USE_TIMEOUT = True  # param use_timeout
TIMEOUT = 3.0  # param timeout_s
CHECK_RETURN = False  # param check_return

got = [-1] * CONSUMERS           # 1: saw the event set, 0: timed out
claimed = [0] * CONSUMERS
woke_ms = [-1] * CONSUMERS
T0 = time.monotonic()


async def consumer(resource, i):
    try:
        # asyncio.Event.wait() has no timeout of its own.
        await asyncio.wait_for(resource.wait(), TIMEOUT if USE_TIMEOUT else None)
        is_set = True
    except asyncio.TimeoutError:
        is_set = False
    woke_ms[i] = int((time.monotonic() - T0) * 1000)
    got[i] = int(is_set)
    if is_set or not CHECK_RETURN:     # ignoring the result is the bug
        print(f"c{i}: resource is available", flush=True)
        claimed[i] = 1
    else:
        print(f"c{i}: gave up waiting", flush=True)


async def producer(resource):
    print(f"producer: ready in {SET_DELAY}s", flush=True)
    await asyncio.sleep(SET_DELAY)
    print("producer: making the resource available", flush=True)
    resource.set()


async def main():
    resource = asyncio.Event()
    tasks = [asyncio.create_task(consumer(resource, i), name=f"c{i}") for i in range(CONSUMERS)]
    tasks.append(asyncio.create_task(producer(resource), name="producer"))
    await asyncio.gather(*tasks)


asyncio.run(main())
set_seen = got.count(1)
timed_out = got.count(0)
false_alarms = sum(1 for g, c in zip(got, claimed) if g == 0 and c == 1)
print(f"{set_seen} saw the event set, {timed_out} timed out, {false_alarms} false alarms")
print("RESULT " + json.dumps({"set_seen": set_seen, "timed_out": timed_out,
                              "claimed": sum(claimed), "false_alarms": false_alarms,
                              "wake_ms": woke_ms}))
