# level: 1 — set operations on small integers (and sorted sets of strings)
evens = {x for x in range(10) if x % 2 == 0}
small = set(range(0, 6))
print(evens, small)
print(evens | small, evens & small, sorted(evens - small), small - evens, evens ^ small)
print(evens.union([1]), evens.intersection(range(5)), evens.issubset(range(10)))
print({2, 4} <= evens, {2, 4} < {2, 4}, evens.isdisjoint({1, 3}), evens >= {0, 8})
s = set()
for n in [3, 1, 4, 1, 5, 2, 5, 3, 5]:
    s.add(n)
print(s, len(s), 7 in s, 4 in s)
s.discard(100)
s.remove(4)
print(sorted(s), s)
frozen = frozenset([1, 2, 3])
print(frozen, frozen | {4}, len(frozen))
print(set("aabbcc") == {"a", "b", "c"}, sorted(set("hello")), len(set("hello")))
dupes = [1, 2, 2, 3, 3, 3]
print(len(set(dupes)), sorted(set(dupes), reverse=True))
seen, unique = set(), []
for x in [5, 1, 5, 2, 1, 7]:
    if x not in seen:
        seen.add(x)
        unique.append(x)
print(unique, sorted(seen))
s.update({6, 7}, [0])
print(s, s.pop() in range(20), len(s))
print({1, 2} == {2, 1}, set() == set(), type({}).__name__, type(set()).__name__)
try:
    s.remove(42)
except KeyError:
    print("remove of a missing element raises KeyError")
a = {1, 2, 3}
a -= {2}
a |= {5}
a &= {1, 5, 6}
print(a, set(), {0})
