import json
import multiprocessing as mp
import queue
import threading
import time

NUMBERS = [2139079, 1214759, 1516637, 1852285]  # param numbers
MODE = "threads"  # param mode: "sequential", "threads" or "processes"
WORKERS = 4  # param workers


def factorize(n):
    for i in range(1, n + 1):
        if n % i == 0:
            yield i


def worker(jobs, results):
    while (k := jobs.get()) != 0:            # 0 is the poison pill
        results.put((k, list(factorize(NUMBERS[k - 1]))))
    results.put((0, None))


if __name__ == "__main__":
    answers = [None] * len(NUMBERS)
    start = time.perf_counter()
    if MODE == "sequential":
        for k, n in enumerate(NUMBERS):
            answers[k] = list(factorize(n))
    else:
        if MODE == "threads":
            jobs, results, Unit = queue.SimpleQueue(), queue.SimpleQueue(), threading.Thread
        else:
            jobs, results, Unit = mp.SimpleQueue(), mp.SimpleQueue(), mp.Process
        for k in range(1, len(NUMBERS) + 1):
            jobs.put(k)
        for _ in range(WORKERS):
            Unit(target=worker, args=(jobs, results)).start()
            jobs.put(0)
        done = 0
        while done < WORKERS:
            k, divisors = results.get()
            if k == 0:
                done += 1
            else:
                answers[k - 1] = divisors
    elapsed = time.perf_counter() - start
    for n, divs in zip(NUMBERS, answers):
        print(n, divs)
    print(f"took {elapsed:.3f} s")
    print("RESULT " + json.dumps({"answers": answers, "elapsed_s": round(elapsed, 2)}))
