# level: 1 — sieve of Eratosthenes, prime factorisation and perfect numbers
def sieve(limit):
    is_prime = [True] * (limit + 1)
    is_prime[0] = is_prime[1] = False
    p = 2
    while p * p <= limit:
        if is_prime[p]:
            for multiple in range(p * p, limit + 1, p):
                is_prime[multiple] = False
        p += 1
    return [n for n, flag in enumerate(is_prime) if flag]


def factorise(n):
    factors = []
    d = 2
    while d * d <= n:
        while n % d == 0:
            factors.append(d)
            n //= d
        d += 1
    if n > 1:
        factors.append(n)
    return factors


def divisor_sum(n):
    return sum(d for d in range(1, n // 2 + 1) if n % d == 0)


primes = sieve(100)
print(len(primes), primes[:10], primes[-3:])
print(len(sieve(10000)), sieve(10000)[-1])
for n in (12, 97, 360, 1001, 65535, 600851475143):
    print(n, "=", " * ".join(map(str, factorise(n))))
prime_set = set(primes)
twins = [(p, p + 2) for p in primes if p + 2 in prime_set]
print(twins)
perfect = [n for n in range(2, 1000) if divisor_sum(n) == n]
print("perfect:", perfect)
goldbach = {n: next((p, n - p) for p in primes if n - p in prime_set) for n in range(4, 21, 2)}
print(goldbach)
