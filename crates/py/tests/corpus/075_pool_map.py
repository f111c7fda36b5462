# level: 4 — multiprocessing.Pool: map, starmap, imap, apply_async and an exception from a worker
from multiprocessing import Pool


def square(x):
    return x * x


def power(base, exp):
    return base ** exp


def divide(a, b):
    return a / b


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


if __name__ == "__main__":
    with Pool(processes=2) as pool:
        print(pool.map(square, range(10)))
        print(pool.starmap(power, [(2, 3), (3, 2), (10, 2)]))
        print(list(pool.imap(square, range(5))))
        print(sorted(pool.imap_unordered(square, range(5))))
        result = pool.apply_async(square, (12,))
        print(result.get(timeout=5), result.ready(), result.successful())
        steps = pool.map(collatz_steps, range(1, 31), chunksize=5)
        best = max(range(1, 31), key=lambda n: steps[n - 1])
        print("longest collatz run below 31:", best, steps[best - 1])
        try:
            pool.apply(divide, (1, 0))
        except ZeroDivisionError as e:
            print("worker raised:", type(e).__name__, e)
    print("pool closed")
