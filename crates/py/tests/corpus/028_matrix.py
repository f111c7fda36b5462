# level: 1 — matrices as nested lists: multiply, transpose with zip(*), identity, determinant
def matmul(a, b):
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in cols] for row in a]


def identity(n):
    return [[1 if i == j else 0 for j in range(n)] for i in range(n)]


def show(m, title):
    print(title)
    for row in m:
        print("  " + " ".join(f"{v:5}" for v in row))


def det(m):
    if len(m) == 1:
        return m[0][0]
    total = 0
    for c in range(len(m)):
        minor = [row[:c] + row[c + 1:] for row in m[1:]]
        total += (-1) ** c * m[0][c] * det(minor)
    return total


a = [[1, 2, 3], [4, 5, 6]]
b = [[7, 8], [9, 10], [11, 12]]
show(matmul(a, b), "a @ b")
show([list(r) for r in zip(*a)], "transpose(a)")
print(matmul(identity(2), [[5, 6], [7, 8]]) == [[5, 6], [7, 8]])
fib_m = [[1, 1], [1, 0]]
result = identity(2)
for _ in range(30):
    result = matmul(result, fib_m)
print("fib(30) via matrix power:", result[0][1])
print(det([[2, 0, 1], [1, 3, 2], [1, 1, 2]]), det(identity(4)), det([[1, 2], [2, 4]]))
show([[round(v / 3, 2) for v in row] for row in a], "a / 3")
trace = sum(result[i][i] for i in range(2))
print("trace:", trace, "row sums:", [sum(r) for r in a], "col sums:", [sum(c) for c in zip(*a)])
