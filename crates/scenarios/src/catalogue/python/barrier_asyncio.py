import asyncio
import json
import random
import time

PARTIES = 3  # param parties
FREE_UNITS = 2  # param free_units
MAX_SLEEP_MS = 2000  # param max_sleep_ms
FAILURE = "none"  # param failure: "none", "late_party" or "abort"
TIMEOUT_MS = 500  # param timeout_ms
TIMEOUT = TIMEOUT_MS / 1000

status = [-1] * PARTIES      # 0: passed, 1: BrokenBarrierError
passed_ms = [-1] * PARTIES
free_ms = [-1] * FREE_UNITS
T0 = time.monotonic()


def ms():
    return int((time.monotonic() - T0) * 1000)


async def party(barrier, i):
    last = i == PARTIES - 1
    if last and FAILURE == "late_party":
        await asyncio.sleep(MAX_SLEEP_MS / 1000 + 2 * TIMEOUT)
    else:
        await asyncio.sleep(random.randint(1, MAX_SLEEP_MS) / 1000)
    if last and FAILURE == "abort":
        print(f"p{i} aborts the barrier", flush=True)
        await barrier.abort()
        return
    try:
        if FAILURE == "late_party" and not last:
            try:
                # asyncio.Barrier.wait() has no timeout: give up and break it ourselves.
                await asyncio.wait_for(barrier.wait(), TIMEOUT)
            except asyncio.TimeoutError:
                await barrier.abort()
                raise asyncio.BrokenBarrierError
        else:
            await barrier.wait()
        status[i], passed_ms[i] = 0, ms()
        print(f"p{i} passed the barrier at {passed_ms[i]} ms", flush=True)
    except asyncio.BrokenBarrierError:
        status[i] = 1
        print(f"p{i}: BrokenBarrierError at {ms()} ms", flush=True)


async def free(j):
    await asyncio.sleep(random.randint(1, MAX_SLEEP_MS) / 1000)
    free_ms[j] = ms()
    print(f"f{j} done at {free_ms[j]} ms", flush=True)


async def main():
    barrier = asyncio.Barrier(PARTIES)       # Python 3.11+
    units = [asyncio.create_task(party(barrier, i), name=f"p{i}") for i in range(PARTIES)]
    units += [asyncio.create_task(free(j), name=f"f{j}") for j in range(FREE_UNITS)]
    await asyncio.gather(*units)


asyncio.run(main())
passed, broken = status.count(0), status.count(1)
print(f"{passed} passed, {broken} got BrokenBarrierError")
print("RESULT " + json.dumps({"passed": passed, "broken": broken, "aborted": FAILURE == "abort",
                              "passed_ms": [t for t in passed_ms if t >= 0], "free_ms": free_ms}))
