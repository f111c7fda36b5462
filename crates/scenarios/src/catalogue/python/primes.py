import json
import math
import multiprocessing as mp
import queue
import threading
import time

NUMBERS = [2, 142702110479723, 299593572317531, 3333333333333301, 3333333333333333, 3333335652092209, 4444444444444423, 4444444444444444, 4444444488888889, 5555553133149889, 5555555555555503, 5555555555555555, 6666666666666666, 6666666666666719, 6666667141414921, 7777777536340681, 7777777777777753, 7777777777777777, 9999999999999917, 9999999999999999]  # param numbers
MODE = "processes"  # param mode: "sequential", "threads" or "processes"
WORKERS = 2  # param workers


def is_prime(n):
    if n < 2:
        return False
    if n == 2:
        return True
    if n % 2 == 0:
        return False
    for d in range(3, math.isqrt(n) + 1, 2):
        if n % d == 0:
            return False
    return True


def check(n):
    t0 = time.perf_counter()
    prime = is_prime(n)
    return n, prime, time.perf_counter() - t0


def worker(jobs, results):
    while (k := jobs.get()) != 0:            # 0 is the poison pill
        n, prime, took = check(NUMBERS[k - 1])
        results.put((k, prime, took))
    results.put((0, False, 0.0))             # this worker is done


def report(k, prime, took):
    print(f"{NUMBERS[k - 1]:>16} {'P' if prime else ' '} {took:9.6f}s")


if __name__ == "__main__":
    answers = [None] * len(NUMBERS)
    start = time.perf_counter()
    if MODE == "sequential":
        for k, n in enumerate(NUMBERS, 1):
            _, answers[k - 1], took = check(n)
            report(k, answers[k - 1], took)
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
            k, prime, took = results.get()
            if k == 0:
                done += 1
                continue
            answers[k - 1] = prime
            report(k, prime, took)
    elapsed = time.perf_counter() - start
    print(f"{len(NUMBERS)} checks in {elapsed:.2f}s")
    print("RESULT " + json.dumps({"answers": answers, "elapsed_s": round(elapsed, 2)}))
