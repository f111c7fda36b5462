# level: 4 — collections: deque, Counter, defaultdict, namedtuple and OrderedDict
from collections import Counter, OrderedDict, defaultdict, deque, namedtuple

d = deque([1, 2, 3])
d.append(4)
d.appendleft(0)
print(d)
right, left = d.pop(), d.popleft()
print(right, left, d)
d.rotate(1)
print(d)
d.rotate(-2)
print(d, len(d), d[0], d[-1])
recent = deque(maxlen=3)
for n in range(6):
    recent.append(n)
print(recent, list(recent), recent.maxlen)

words = "the quick fox and the lazy dog and the quick cat".split()
c = Counter(words)
print(c)
print(c.most_common(2), c["the"], c["bird"], sum(c.values()))
c.update(["cat", "cat", "cat"])
print(c.most_common(3), (c - Counter(the=3)).most_common(2))
print(Counter("mississippi").most_common(), +Counter(a=2, b=-1))

groups = defaultdict(list)
for w in words:
    groups[len(w)].append(w)
print(groups)
print(dict(groups))
counts = defaultdict(int)
for ch in "banana":
    counts[ch] += 1
print(dict(counts), counts["zzz"], len(counts))

Point = namedtuple("Point", ["x", "y"])
p = Point(3, 4)
print(p, p.x + p.y, p._asdict(), p._replace(y=10), Point._fields)
x, y = p
print(x, y, p == (3, 4), isinstance(p, tuple))

od = OrderedDict(a=1, b=2, c=3)
od.move_to_end("a")
print(od, list(od))
first = od.popitem(last=False)
print(first, od)
