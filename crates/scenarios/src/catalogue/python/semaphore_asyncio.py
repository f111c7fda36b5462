import asyncio
import json
import random
import time

MODE = "limit"  # param mode: "limit" or "signal"
WORKERS = 5  # param workers
PERMITS = 3  # param permits
HOLD_MS = 500.0  # param hold_ms
HOLD = HOLD_MS / 1000
RANDOM_HOLD = False  # param random_hold
BLOCKING_HOLD = False  # param blocking_hold
BOUNDED = False  # param bounded
EXTRA_RELEASES = 0  # param extra_releases
ROUNDS = 3  # param rounds
PRODUCER_DELAY_MS = 500.0  # param producer_delay_ms
PRODUCER_DELAY = PRODUCER_DELAY_MS / 1000

inside = 0                   # no lock needed: nothing awaits between read and write
peak = 0


async def worker(sem, i):
    global inside, peak
    await sem.acquire()
    print(f"worker {i} acquired", flush=True)
    inside += 1
    peak = max(peak, inside)
    hold = random.uniform(0, 2 * HOLD) if RANDOM_HOLD else HOLD
    if BLOCKING_HOLD:
        time.sleep(hold)         # blocks the whole event loop
    else:
        await asyncio.sleep(hold)
    inside -= 1
    print(f"worker {i} releases", flush=True)
    sem.release()


item = -1


async def consumer(sem, r, got):
    print("consumer waiting", flush=True)
    await sem.acquire()          # suspended until the producer signals
    print(f"consumer got {item}", flush=True)
    got[r] = item


async def producer(sem, r, made):
    global item
    await asyncio.sleep(PRODUCER_DELAY)
    item = random.randint(0, 1000)
    made[r] = item
    print(f"producer made {item}", flush=True)
    sem.release()                # the signal


async def main():
    kind = asyncio.BoundedSemaphore if BOUNDED else asyncio.Semaphore
    sem = kind(PERMITS if MODE == "limit" else 0)
    result = {}
    if MODE == "limit":
        await asyncio.gather(*(asyncio.create_task(worker(sem, i), name=f"worker-{i}")
                               for i in range(WORKERS)))
        print(f"at most {peak} workers were inside at once")
        result.update(max_inside=peak, expected_max=min(PERMITS, WORKERS))
    else:
        got, made = [-1] * ROUNDS, [-1] * ROUNDS
        for r in range(ROUNDS):
            await asyncio.gather(asyncio.create_task(consumer(sem, r, got), name=f"consumer-{r}"),
                                 asyncio.create_task(producer(sem, r, made), name=f"producer-{r}"))
        print("program terminated")
        result.update(rounds=sum(1 for v in got if v >= 0), matched=got == made, received=got)

    release_error = ""
    for _ in range(EXTRA_RELEASES):
        try:
            sem.release()        # without a matching acquire
        except ValueError as e:
            print(f"release() raised ValueError: {e}")
            release_error = "ValueError"
            break
    result.update(final_value=sem._value, release_error=release_error)
    print("RESULT " + json.dumps(result))


asyncio.run(main())
