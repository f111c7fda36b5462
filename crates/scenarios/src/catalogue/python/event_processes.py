import json
import multiprocessing as mp
import time

CONSUMERS = 4  # param consumers
SET_DELAY = 2.0  # param set_delay_s
USE_TIMEOUT = True  # param use_timeout
TIMEOUT = 3.0  # param timeout_s
CHECK_RETURN = False  # param check_return


def consumer(resource, got, claimed, woke_ms, t0, i):
    is_set = resource.wait(TIMEOUT if USE_TIMEOUT else None)
    woke_ms[i] = int((time.monotonic() - t0) * 1000)
    got[i] = int(is_set)
    if is_set or not CHECK_RETURN:     # ignoring the result is the bug
        print(f"c{i}: resource is available", flush=True)
        claimed[i] = 1
    else:
        print(f"c{i}: gave up waiting", flush=True)


def producer(resource):
    print(f"producer: ready in {SET_DELAY}s", flush=True)
    time.sleep(SET_DELAY)
    print("producer: making the resource available", flush=True)
    resource.set()


if __name__ == "__main__":
    resource = mp.Event()
    got = mp.Array("i", [-1] * CONSUMERS, lock=False)   # 1: saw the event set, 0: timed out
    claimed = mp.Array("i", CONSUMERS, lock=False)
    woke_ms = mp.Array("i", [-1] * CONSUMERS, lock=False)
    t0 = time.monotonic()
    procs = [mp.Process(target=consumer, args=(resource, got, claimed, woke_ms, t0, i), name=f"c{i}")
             for i in range(CONSUMERS)]
    procs.append(mp.Process(target=producer, args=(resource,), name="producer"))
    for p in procs:
        p.start()
    for p in procs:
        p.join()

    got, claimed = list(got), list(claimed)
    set_seen = got.count(1)
    timed_out = got.count(0)
    false_alarms = sum(1 for g, c in zip(got, claimed) if g == 0 and c == 1)
    print(f"{set_seen} saw the event set, {timed_out} timed out, {false_alarms} false alarms")
    print("RESULT " + json.dumps({"set_seen": set_seen, "timed_out": timed_out,
                                  "claimed": sum(claimed), "false_alarms": false_alarms,
                                  "wake_ms": list(woke_ms)}))
