import concurrent.futures as cf
import json
import multiprocessing as mp
import multiprocessing.pool
import time

API = "as_completed"  # param api: "as_completed", "map" or "apply"
EXECUTOR = "thread"  # param executor: "thread" or "process"
WORKERS = 4  # param workers
TASKS = [5, 4, 3, 2, 1]  # param tasks
CHUNKSIZE = 1  # param chunksize
TASK_KIND = "sleep"  # param task_kind: "sleep" or "cpu"
UNIT_MS = 1000.0  # param unit_ms
UNIT = UNIT_MS / 1000


def spin(n):
    total = 0
    for i in range(n):
        total += i
    return total


def loops_per_second():
    # How many loop steps one core does per second: CPU work must be a fixed amount of
    # computation, not "busy until the clock says so", or the GIL would not show.
    n, t0 = 200_000, time.perf_counter()
    spin(n)
    return n / (time.perf_counter() - t0)


RATE = loops_per_second() if TASK_KIND == "cpu" else 0


def job(x):
    if TASK_KIND == "cpu":
        spin(int(x * UNIT * RATE))
    else:
        time.sleep(x * UNIT)
    return x * x


if __name__ == "__main__":
    start = time.perf_counter()
    order = []
    if API == "apply":
        with mp.Pool(WORKERS) if EXECUTOR == "process" else mp.pool.ThreadPool(WORKERS) as pool:
            results = [pool.apply(job, (x,)) for x in TASKS]     # each call blocks
    else:
        Executor = cf.ProcessPoolExecutor if EXECUTOR == "process" else cf.ThreadPoolExecutor
        with Executor(max_workers=WORKERS) as ex:
            if API == "as_completed":
                futures = {ex.submit(job, x): i for i, x in enumerate(TASKS)}
                results = [None] * len(TASKS)
                for f in cf.as_completed(futures):
                    print(f"job({TASKS[futures[f]]}) = {f.result()}")
                    order.append(f.result())
                    results[futures[f]] = f.result()
            else:
                results = list(ex.map(job, TASKS, chunksize=CHUNKSIZE))
                print("map:", results)
    elapsed = time.perf_counter() - start
    print("RESULT " + json.dumps({"results": results, "completion_order": order,
                                  "elapsed_units": round(elapsed / UNIT)}))
