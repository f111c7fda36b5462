# level: 1 — integer arithmetic: floor division, modulo and powers with negative operands
def show(label, value):
    print(f"{label:<16} = {value}")


show("7 // 2", 7 // 2)
show("-7 // 2", -7 // 2)
show("7 // -2", 7 // -2)
show("-7 % 3", -7 % 3)
show("7 % -3", 7 % -3)
show("-7 % -3", -7 % -3)
show("divmod(-17, 5)", divmod(-17, 5))
show("divmod(17, -5)", divmod(17, -5))
show("(-2) ** 3", (-2) ** 3)
show("-2 ** 2", -2 ** 2)
show("2 ** -2", 2 ** -2)
show("(-3) ** -1", (-3) ** -1)
show("2 ** 62", 2 ** 62)
show("pow(3, 4, 7)", pow(3, 4, 7))
show("abs(-9)", abs(-9))

big = 1
for i in range(1, 21):
    big *= i
print("20! =", big)
print("int64 max =", 9223372036854775807, "min =", -9223372036854775807 - 1)
print("20! // 6 =", big // 6, "20! % 7 =", big % 7, "20! % 23 =", big % 23)
print("bits:", 0b1010 & 0b0110, 0b1010 | 0b0110, 0b1010 ^ 0b0110, ~5, 1 << 10, -16 >> 2)
print("hash(42) == 42:", hash(42) == 42, "hash(-1) =", hash(-1))
print("int():", int(-3.7), int(3.7), "round():", round(-3.5), round(4.5), round(5.5))
print("mixed:", 7 + 2.0, 3 * -1, 10 - 20, 1_000_000 + 1, 0o17, 0xFF, 0b111)

total = 0
n = 987654321
while n:
    n, digit = divmod(n, 10)
    total += digit
print("digit sum of 987654321:", total)
print("comparisons:", 3 < 5 <= 5, 10 == 10.0, -0 == 0, 2 ** 10 == 1024)
