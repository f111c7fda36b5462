# level: 1 — assignment forms: tuple unpacking, starred, chained, augmented and swaps
a, b = 1, 2
a, b = b, a
print(a, b)
x = y = z = 0
x += 5
print(x, y, z)
first, *middle, last = [1, 2, 3, 4, 5]
print(first, middle, last)
*init, tail = "abc"
print(init, tail)
head, *rest = (9,)
print(head, rest)
(p, q), r = (1, 2), 3
print(p, q, r)
for idx, (name, score) in enumerate([("ann", 90), ("bob", 85)]):
    print(idx, name, score)
n = 10
n -= 3
n *= 4
n //= 3
n **= 2
n %= 50
print(n)
s = "ab"
s *= 3
s += "!"
print(s)
lst = [1, 2]
alias = lst
lst += [3]
print(alias, alias is lst)
t = (1, 2)
t2 = t
t += (3,)
print(t, t2, t is t2)
bits = 0b1100
bits |= 0b0011
bits &= 0b1110
bits ^= 0b1000
bits <<= 2
bits >>= 1
print(bits)
m = [[0] * 3 for _ in range(2)]
m[1][2] = 7
shared = [[0] * 3] * 2
shared[1][2] = 7
print(m, shared)
d = {}
d["k"] = d.get("k", 0) + 1
print(d)
a, b, c = range(3)
print(a + b + c, [*range(3), *"xy"], {**{"a": 1}, "b": 2})
i, nums = 0, [10, 20]
i, nums[i] = 1, 99
print(i, nums)
