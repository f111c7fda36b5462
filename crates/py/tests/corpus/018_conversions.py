# level: 1 — conversions: int(), float(), str(), repr(), bool(), ord/chr, hex/bin/oct, round
print(int("42"), int("-17"), int("  7 "), int("ff", 16), int("0b101", 0), int("777", 8))
print(int(3.99), int(-3.99), int("1_000"), int("z", 36))
print(float("1.5"), float("-inf"), float("1e3"), float(2), str(3.0), str(-0.0))
print(str(123), str([1, "a"]), repr("a\nb"), repr([1, "a"]), str(None), repr(None))
print(bool(0), bool(""), bool([]), bool({}), bool(None), bool(0.0), bool("0"), bool([0]), bool(-1))
print(ord("A"), ord("a"), ord("0"), chr(65), chr(97 + 25), chr(48))
print(hex(255), hex(-42), bin(10), bin(-5), oct(64), hex(0))
print(round(3.14159, 2), round(2.5), round(3.5), round(-0.5), round(1234, -2), round(1250, -2))
print(list("abc"), tuple([1, 2]), set([1, 1, 2]), dict([("a", 1)]), list({"x": 1, "y": 2}))
print(int(True), True + True, True * 10, False - 1, str(True), True == 1)
caesar = "".join(chr((ord(c) - 97 + 3) % 26 + 97) for c in "xyzabc")
print(caesar)
digits = [int(d) for d in str(9075)]
print(digits, sum(digits), int("".join(map(str, digits[::-1]))))
print(1 == 1.0, "3" + str(4), int("3") + 4, float("3") + 4)
print(type(1).__name__, type(1.0).__name__, type("").__name__, type([]).__name__, type(None).__name__)
print(format(255, "08b"), format(3.14159, ".2f"), format(1e6, ",.0f"), format(42))
print(ascii("abc"), int(" -0 "), 0.1 * 3, 10 / 5, 7 // 2.0)


def to_base(n, base):
    digits = "0123456789abcdef"
    out = ""
    while n:
        n, r = divmod(n, base)
        out = digits[r] + out
    return out or "0"


print([to_base(n, b) for n, b in [(255, 2), (255, 16), (100, 7), (0, 3)]])
print(int(to_base(12345, 7), 7))
