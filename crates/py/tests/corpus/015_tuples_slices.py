# level: 1 — tuples and slicing with negative indices and steps
letters = "abcdefghij"
print(letters[0], letters[-1], letters[2:5], letters[:3], letters[7:])
print(letters[::3], letters[1::2], letters[::-1], letters[-1:-4:-1], letters[8:2:-2])
print(letters[-100:3], letters[5:100], repr(letters[5:2]), letters[slice(1, 6, 2)])
t = (3, 1, 4, 1, 5, 9, 2, 6)
print(t[1:-1], t.count(1), t.index(5), len(t), t[::-2])
print(sorted(t), tuple(sorted(t)), min(t), max(t), sum(t))
single, empty = (42,), ()
print(single, empty, len(empty), type(single).__name__)
point = 3, 4
x, y = point
print(point, x * y, point + (5,), point * 2)
print((1, 2) < (1, 3), (2,) > (1, 9, 9), (1, 2) == (1, 2), (1, 2) == [1, 2])
nested = ((1, 2), (3, 4))
print(nested[1][0], [a + b for a, b in nested])
grid = [list(range(r * 4, r * 4 + 4)) for r in range(3)]
print(grid)
print([row[1:3] for row in grid], [row[-1] for row in grid], grid[-1][::-1])
lst = list(range(10))
lst[::2] = [0] * 5
print(lst)
del lst[1::2]
print(lst)
word = "racecar"
print(word == word[::-1], "python"[::-1], "python"[-3:], "python"[:-3])
print(tuple("hi"), tuple(range(3)), list((1, 2)), divmod(17, 5))
records = [("ann", 31), ("bob", 25), ("cy", 31)]
print(sorted(records, key=lambda r: (-r[1], r[0])))
name, age = max(records, key=lambda r: r[1])
print(name, age)
