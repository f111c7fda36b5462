# level: 1 — the math module: sqrt, floor, ceil, isqrt, gcd, pi and friends
import math

print(math.sqrt(16), math.sqrt(2), math.isqrt(17), math.isqrt(10 ** 12))
print(math.floor(2.7), math.floor(-2.7), math.ceil(2.1), math.ceil(-2.1), math.trunc(-2.7))
print(f"{math.pi:.6f} {math.e:.4f} {math.tau:8.3f} {math.pi:e}")
print(math.gcd(84, 36), math.factorial(10), math.comb(10, 3), math.perm(5, 2))
print(math.hypot(3, 4), math.fabs(-3), math.pow(2, 10), math.log10(1000), math.log2(1024))
print(math.log(math.e), f"{math.log(10):.5f}", f"{math.exp(1):.5f}")
print(round(math.sin(math.pi / 2), 10), round(math.cos(math.pi), 10), f"{math.degrees(math.pi):.1f}")
print(math.isclose(0.1 + 0.2, 0.3), math.inf > 10 ** 18, math.isnan(math.nan), math.isinf(-math.inf))
print(math.fsum([0.1] * 10), sum([0.1] * 10))


def is_prime(n):
    if n < 2:
        return False
    for d in range(2, math.isqrt(n) + 1):
        if n % d == 0:
            return False
    return True


print([n for n in range(50) if is_prime(n)])


def quadratic(a, b, c):
    disc = b * b - 4 * a * c
    if disc < 0:
        return ()
    r = math.sqrt(disc)
    return ((-b - r) / (2 * a), (-b + r) / (2 * a))


print(quadratic(1, -3, 2), quadratic(1, 2, 5), quadratic(2, 4, 2))
print(math.copysign(3, -0.0), math.prod([1, 2, 3, 4]), math.dist((0, 0), (6, 8)))
area = math.pi * 2.5 ** 2
print(f"circle area r=2.5: {area:.3f}, {area:10.2f}|, ceil {math.ceil(area)}")
