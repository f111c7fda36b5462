# level: 4 — concurrent.futures.ProcessPoolExecutor: CPU-bound work in processes, ordered results
from concurrent.futures import ProcessPoolExecutor, as_completed
import math


def is_prime(n):
    if n < 2:
        return False
    for d in range(2, math.isqrt(n) + 1):
        if n % d == 0:
            return False
    return True


def count_primes(lo, hi):
    return sum(1 for n in range(lo, hi) if is_prime(n))


NUMBERS = [1_000_003, 1_000_033, 1_000_037, 999_999, 1_000_081, 104_729]

if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as ex:
        for n, prime in zip(NUMBERS, ex.map(is_prime, NUMBERS)):
            print(f"{n:>9,} prime? {prime}")
        bounds = [(i * 5000, (i + 1) * 5000) for i in range(4)]
        futures = {ex.submit(count_primes, lo, hi): (lo, hi) for lo, hi in bounds}
        counts = sorted((futures[f], f.result()) for f in as_completed(futures))
        for (lo, hi), c in counts:
            print(f"primes in [{lo}, {hi}): {c}")
        print("total below 20000:", sum(c for _, c in counts))
        print("pow via submit:", ex.submit(pow, 2, 20).result())
