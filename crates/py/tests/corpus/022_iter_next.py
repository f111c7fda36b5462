# level: 1 — iter() and next(): manual iteration, defaults, the two-argument form, exhaustion
it = iter([10, 20, 30])
print(next(it), next(it), next(it), next(it, "done"))
letters = iter("xyz")
for ch in letters:
    print("got", ch)
print(list(letters))
lines = ["a", "b", "", "c"]
feed = iter(lines)
reader = iter(lambda: next(feed), "")
print(list(reader), next(feed))
pairs = iter(range(8))
print(list(zip(pairs, pairs)))


def countdown(n):
    while n > 0:
        yield n
        n -= 1


gen = countdown(3)
print(next(gen), list(gen), next(gen, None))
data = {"a": 1, "b": 2}
keys = iter(data)
print(next(keys), next(keys), next(keys, "no more keys"))
evens = filter(lambda n: n % 2 == 0, range(10))
print(next(evens), next(evens), list(evens))
mapped = map(str, range(3))
print(next(mapped) + next(mapped), list(mapped))
nums = [5, 7, 11, 13]
it = iter(nums)
first = next(it)
rest_total = sum(it)
print(first, rest_total)
chunks = []
it = iter(range(10))
while True:
    chunk = [x for _, x in zip(range(3), it)]
    if not chunk:
        break
    chunks.append(chunk)
print(chunks)
e = enumerate("ab")
print(next(e), next(e), next(e, (-1, "")))
it = iter([1, 2])
print(iter(it) is it, list(it), list(it))
