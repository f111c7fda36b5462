# level: 1 — list, dict and set comprehensions and generator expressions
squares = [n * n for n in range(10)]
even_squares = [n * n for n in range(10) if n % 2 == 0]
print(squares)
print(even_squares)
labels = ["even" if n % 2 == 0 else "odd" for n in range(5)]
print(labels)
pairs = [(i, j) for i in range(3) for j in range(3) if i != j]
print(pairs)
matrix = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
flat = [x for row in matrix for x in row]
transposed = [[row[c] for row in matrix] for c in range(3)]
print(flat, transposed)
word_lengths = {w: len(w) for w in ["lock", "queue", "event"]}
print(word_lengths)
remainders = {n % 5 for n in range(20)}
print(remainders)
gen = (n * 2 for n in range(5))
print(next(gen), next(gen), list(gen), list(gen))
print(sum(x * x for x in range(101)), max(len(w) for w in word_lengths))
print(any(n > 80 for n in squares), all(n >= 0 for n in squares))
primes = [n for n in range(2, 40) if all(n % d for d in range(2, int(n ** 0.5) + 1))]
print(primes)
table = {n: [d for d in range(1, n + 1) if n % d == 0] for n in (6, 12, 17)}
print(table)
words = "the quick brown fox jumps over the lazy dog".split()
print(sorted({w[0] for w in words}), [w.upper() for w in words if len(w) > 4])
print([[i * j for j in range(1, 4)] for i in range(1, 4)])
x = 10
print([x for x in range(3)], x)
lengths = {}
for w in words:
    lengths.setdefault(len(w), set()).add(w)
print({k: sorted(v) for k, v in sorted(lengths.items())})
