# level: 1 — f-string format specs: width, precision, alignment, grouping, bases, !r and =
import math

items = [("apple", 3, 0.5), ("banana", 12, 0.25), ("cherry", 150, 2.125)]
print(f"{'name':<8}|{'qty':>5}|{'price':>8}")
for name, qty, price in items:
    print(f"{name:<8}|{qty:>5}|{price:>8.3f}")
print("-" * 23)

n = 1234567
print(f"{n:,} {n:_} {n:>12,} {n:e} {n:.2e}")
for b in (5, 255, 1023):
    print(f"{b:08b} {b:o} {b:x} {b:X} {b:#x} {b:#010b}")

s = "thread"
print(f"{s!r} {s!s} [{s:^12}] [{s:*>10}] [{s:.3}] [{s:<8}]")

x = 3.14159
width, prec = 10, 2
print(f"[{x:{width}.{prec}f}] [{x:<10.1f}] [{x:+.2f}] [{-x:08.3f}] [{x:^9.2f}]")
print(f"{x=} {n=:,} {s=}")
print(f"{math.pi:.5f} {0.000123:.2e} {12.0:g} {0.5:%} {1 / 8:.1%} {1e20:g}")
total = sum(q for _, q, _ in items)
print(f"{{literal braces}} {len(items)} items, total qty {total}")
print(f"{True!r:>6} {None!r} {[1, 2]!r} {42:d} [{-42:5d}] [{42:<5d}] [{42:+d}]")
print(f"{'nested ' + s.upper()} {s[::-1]} {s.count('t')} {items[0][0].title()}")
print(f"{7:03} {7.5:06.2f} {-7:03} {1000000:_d} {255:#o}")
cost = 1234.5
print(f"${cost:,.2f} {cost:>12,.1f}| {cost:<12.0f}| {cost:=+12.2f}|")
for i in range(1, 4):
    print(f"{i:>2}. {'#' * i:<4} {i ** 3:>4}")
