# level: 1 — float repr, true division, rounding and float special values
print(0.1 + 0.2)
print(0.1 + 0.2 == 0.3, abs(0.1 + 0.2 - 0.3) < 1e-9)
print(1 / 3, 2 / 3, 10 / 4, 9 / 3, -1 / 8)
print(1e16, 1e15, 1e-5, 0.0001, 123456789.0 * 10)
print(1e22, 1e21, 1e20 + 1, 12345678901234567890.0)
print(round(2.675, 2), round(0.5), round(1.5), round(2.5), round(3.14159, 3))
print(round(7.0), round(-2.5), round(1.25, 1), round(1.35, 1))
print(float("3.25"), float("-0"), float(7), int(9.99), float(" 1e3 "))
print(7.0 // 2, -7.0 // 2, 7.5 % 2, -7.5 % 2, divmod(7.5, 2))
print(2 ** 0.5, 10 ** -2, 3 * 1.1, 1.1 * 1.1, 100 * 1.1)

x = 0.0
for _ in range(10):
    x += 0.1
print(x, x == 1.0, round(x, 10) == 1.0)

inf = float("inf")
print(inf, -inf, inf > 1e308, 1e308 * 10, inf - inf)
nan = float("nan")
print(nan == nan, nan != nan, nan > 0)
print((0.5).is_integer(), (2.0).is_integer(), (3.75).as_integer_ratio())
print(sum([0.1] * 10), max(1.5, 2, -3.0), min(0.0, -0.0))
print(str(1.0), repr(2.50), 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308)
print(0.1 * 3, 0.3, 4.35 * 100, 1.0 - 0.9)
print(3.0 == 3, 1.5 + 1.5, type(2 / 2).__name__, 2 / 2)
print(f"{1 / 3:.4f} {2 / 3:.2e} {1234.5:,.1f} {0.25:.0%}")
