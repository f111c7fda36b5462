import json
import multiprocessing as mp
import random
import time

MODE = "limit"  # param mode: "limit" or "signal"
WORKERS = 5  # param workers
PERMITS = 3  # param permits
HOLD_MS = 500.0  # param hold_ms
HOLD = HOLD_MS / 1000
RANDOM_HOLD = False  # param random_hold
BOUNDED = False  # param bounded
EXTRA_RELEASES = 0  # param extra_releases
ROUNDS = 3  # param rounds
PRODUCER_DELAY_MS = 500.0  # param producer_delay_ms
PRODUCER_DELAY = PRODUCER_DELAY_MS / 1000


def worker(sem, stats, inside, peak, i):
    sem.acquire()
    print(f"worker {i} acquired", flush=True)
    with stats:
        inside.value += 1
        peak.value = max(peak.value, inside.value)
    time.sleep(random.uniform(0, 2 * HOLD) if RANDOM_HOLD else HOLD)
    with stats:
        inside.value -= 1
    print(f"worker {i} releases", flush=True)
    sem.release()


def consumer(sem, item, got, r):
    print("consumer waiting", flush=True)
    sem.acquire()                # blocks until the producer signals
    print(f"consumer got {item.value}", flush=True)
    got[r] = item.value


def producer(sem, item, made, r):
    time.sleep(PRODUCER_DELAY)
    item.value = random.randint(0, 1000)
    made[r] = item.value
    print(f"producer made {item.value}", flush=True)
    sem.release()                # the signal


if __name__ == "__main__":
    kind = mp.BoundedSemaphore if BOUNDED else mp.Semaphore
    sem = kind(PERMITS if MODE == "limit" else 0)
    result = {}
    if MODE == "limit":
        stats = mp.Lock()        # guards the bookkeeping in shared memory
        inside = mp.Value("i", 0, lock=False)
        peak = mp.Value("i", 0, lock=False)
        procs = [mp.Process(target=worker, args=(sem, stats, inside, peak, i), name=f"worker-{i}")
                 for i in range(WORKERS)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(f"at most {peak.value} workers were inside at once")
        result.update(max_inside=peak.value, expected_max=min(PERMITS, WORKERS))
    else:
        item = mp.Value("i", -1, lock=False)
        got = mp.Array("i", [-1] * ROUNDS, lock=False)
        made = mp.Array("i", [-1] * ROUNDS, lock=False)
        for r in range(ROUNDS):
            c = mp.Process(target=consumer, args=(sem, item, got, r), name=f"consumer-{r}")
            p = mp.Process(target=producer, args=(sem, item, made, r), name=f"producer-{r}")
            c.start()
            p.start()
            c.join()
            p.join()
        print("program terminated")
        got, made = list(got), list(made)
        result.update(rounds=sum(1 for v in got if v >= 0), matched=got == made, received=got)

    release_error = ""
    for _ in range(EXTRA_RELEASES):
        try:
            sem.release()        # without a matching acquire
        except ValueError as e:
            print(f"release() raised ValueError: {e}")
            release_error = "ValueError"
            break
    result.update(final_value=sem.get_value(), release_error=release_error)
    print("RESULT " + json.dumps(result))
