import json
import random
import threading
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

kind = threading.BoundedSemaphore if BOUNDED else threading.Semaphore
sem = kind(PERMITS if MODE == "limit" else 0)

stats = threading.Lock()     # guards the bookkeeping below
inside = 0
peak = 0


def worker(i):
    global inside, peak
    sem.acquire()
    print(f"worker {i} acquired", flush=True)
    with stats:
        inside += 1
        peak = max(peak, inside)
    time.sleep(random.uniform(0, 2 * HOLD) if RANDOM_HOLD else HOLD)
    with stats:
        inside -= 1
    print(f"worker {i} releases", flush=True)
    sem.release()


item = -1


def consumer(r, got):
    print("consumer waiting", flush=True)
    sem.acquire()                # blocks until the producer signals
    print(f"consumer got {item}", flush=True)
    got[r] = item


def producer(r, made):
    global item
    time.sleep(PRODUCER_DELAY)
    item = random.randint(0, 1000)
    made[r] = item
    print(f"producer made {item}", flush=True)
    sem.release()                # the signal


result = {}
if MODE == "limit":
    threads = [threading.Thread(target=worker, args=(i,), name=f"worker-{i}")
               for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"at most {peak} workers were inside at once")
    result.update(max_inside=peak, expected_max=min(PERMITS, WORKERS))
else:
    got, made = [-1] * ROUNDS, [-1] * ROUNDS
    for r in range(ROUNDS):
        c = threading.Thread(target=consumer, args=(r, got), name=f"consumer-{r}")
        p = threading.Thread(target=producer, args=(r, made), name=f"producer-{r}")
        c.start()
        p.start()
        c.join()
        p.join()
    print("program terminated")
    result.update(rounds=sum(1 for v in got if v >= 0), matched=got == made, received=got)

release_error = ""
for _ in range(EXTRA_RELEASES):
    try:
        sem.release()            # without a matching acquire
    except ValueError as e:
        print(f"release() raised ValueError: {e}")
        release_error = "ValueError"
        break
result.update(final_value=sem._value, release_error=release_error)
print("RESULT " + json.dumps(result))
