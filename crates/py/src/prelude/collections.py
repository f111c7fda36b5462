# The playground's `collections`: written in Python on top of list and dict (the playground
# cannot subclass built-in types, so these wrap one).


class deque:
    def __init__(self, iterable=(), maxlen=None):
        self._items = []
        self.maxlen = maxlen
        for x in iterable:
            self.append(x)

    def append(self, x):
        self._items.append(x)
        if self.maxlen is not None and len(self._items) > self.maxlen:
            self._items.pop(0)

    def appendleft(self, x):
        self._items.insert(0, x)
        if self.maxlen is not None and len(self._items) > self.maxlen:
            self._items.pop()

    def extend(self, xs):
        for x in xs:
            self.append(x)

    def extendleft(self, xs):
        for x in xs:
            self.appendleft(x)

    def pop(self):
        if not self._items:
            raise IndexError("pop from an empty deque")
        return self._items.pop()

    def popleft(self):
        if not self._items:
            raise IndexError("pop from an empty deque")
        return self._items.pop(0)

    def rotate(self, n=1):
        if self._items:
            n = n % len(self._items)
            self._items[:] = self._items[-n:] + self._items[:-n]

    def clear(self):
        self._items.clear()

    def count(self, x):
        return self._items.count(x)

    def remove(self, x):
        self._items.remove(x)

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items))

    def __getitem__(self, i):
        return self._items[i]

    def __setitem__(self, i, v):
        self._items[i] = v

    def __contains__(self, x):
        return x in self._items

    def __bool__(self):
        return len(self._items) > 0

    def __eq__(self, other):
        return isinstance(other, deque) and self._items == other._items

    def __repr__(self):
        if self.maxlen is None:
            return "deque(%r)" % (self._items,)
        return "deque(%r, maxlen=%d)" % (self._items, self.maxlen)


class _DictWrapper:
    def __init__(self):
        self._d = {}

    def __getitem__(self, k):
        return self._d[k]

    def __setitem__(self, k, v):
        self._d[k] = v

    def __delitem__(self, k):
        del self._d[k]

    def __contains__(self, k):
        return k in self._d

    def __len__(self):
        return len(self._d)

    def __iter__(self):
        return iter(self._d)

    def __eq__(self, other):
        if isinstance(other, _DictWrapper):
            return self._d == other._d
        return self._d == other

    def keys(self):
        return self._d.keys()

    def values(self):
        return self._d.values()

    def items(self):
        return self._d.items()

    def get(self, k, default=None):
        return self._d.get(k, default)

    def pop(self, k, *default):
        return self._d.pop(k, *default)

    def setdefault(self, k, default=None):
        return self._d.setdefault(k, default)

    def clear(self):
        self._d.clear()

    def copy(self):
        c = type(self).__new_empty__(self)
        c._d = dict(self._d)
        return c

    def update(self, other=(), **kw):
        if isinstance(other, _DictWrapper):
            other = other._d
        self._d.update(other, **kw)


class defaultdict(_DictWrapper):
    def __init__(self, default_factory=None, *args, **kw):
        _DictWrapper.__init__(self)
        self.default_factory = default_factory
        if args or kw:
            self._d.update(*args, **kw)

    def __getitem__(self, k):
        if k in self._d:
            return self._d[k]
        if self.default_factory is None:
            raise KeyError(k)
        v = self.default_factory()
        self._d[k] = v
        return v

    def __new_empty__(self):
        return defaultdict(self.default_factory)

    def __repr__(self):
        return "defaultdict(%r, %r)" % (self.default_factory, self._d)


class OrderedDict(_DictWrapper):
    def __init__(self, other=(), **kw):
        _DictWrapper.__init__(self)
        self.update(other, **kw)

    def move_to_end(self, key, last=True):
        v = self._d.pop(key)
        if last:
            self._d[key] = v
        else:
            rest = self._d
            self._d = {key: v}
            self._d.update(rest)

    def popitem(self, last=True):
        if not self._d:
            raise KeyError("dictionary is empty")
        key = list(self._d)[-1] if last else list(self._d)[0]
        return (key, self._d.pop(key))

    def __new_empty__(self):
        return OrderedDict()

    def __repr__(self):
        if not self._d:
            return "OrderedDict()"
        return "OrderedDict(%r)" % (list(self._d.items()),)


class Counter(_DictWrapper):
    def __init__(self, iterable=None, **kw):
        _DictWrapper.__init__(self)
        self.update(iterable, **kw)

    def __getitem__(self, k):
        return self._d.get(k, 0)

    def update(self, iterable=None, **kw):
        if iterable is not None:
            if isinstance(iterable, (dict, _DictWrapper)):
                for k, v in iterable.items():
                    self._d[k] = self._d.get(k, 0) + v
            else:
                for k in iterable:
                    self._d[k] = self._d.get(k, 0) + 1
        for k, v in kw.items():
            self._d[k] = self._d.get(k, 0) + v

    def subtract(self, iterable=None, **kw):
        if iterable is not None:
            if isinstance(iterable, (dict, _DictWrapper)):
                for k, v in iterable.items():
                    self._d[k] = self._d.get(k, 0) - v
            else:
                for k in iterable:
                    self._d[k] = self._d.get(k, 0) - 1
        for k, v in kw.items():
            self._d[k] = self._d.get(k, 0) - v

    def most_common(self, n=None):
        items = sorted(self._d.items(), key=lambda kv: kv[1], reverse=True)
        return items if n is None else items[:n]

    def elements(self):
        out = []
        for k, v in self._d.items():
            out.extend([k] * v)
        return out

    def total(self):
        return sum(self._d.values())

    def __add__(self, other):
        r = Counter()
        for k, v in self._d.items():
            if v + other[k] > 0:
                r._d[k] = v + other[k]
        for k, v in other._d.items():
            if k not in self._d and v > 0:
                r._d[k] = v
        return r

    def __sub__(self, other):
        r = Counter()
        for k, v in self._d.items():
            if v - other[k] > 0:
                r._d[k] = v - other[k]
        return r

    def __pos__(self):
        r = Counter()
        for k, v in self._d.items():
            if v > 0:
                r._d[k] = v
        return r

    def __new_empty__(self):
        return Counter()

    def __repr__(self):
        if not self._d:
            return "Counter()"
        return "Counter({%s})" % ", ".join("%r: %r" % kv for kv in self.most_common())


def namedtuple(typename, field_names, defaults=None):
    if isinstance(field_names, str):
        field_names = field_names.replace(",", " ").split()
    fields = tuple(field_names)

    class _Tuple:
        _fields = fields

        def __init__(self, *args, **kw):
            values = list(args)
            for f in fields[len(values):]:
                if f not in kw:
                    raise TypeError("%s() missing required argument: '%s'" % (typename, f))
                values.append(kw[f])
            if len(values) != len(fields):
                raise TypeError("%s() takes %d positional arguments but %d were given" % (typename, len(fields), len(values)))
            object.__setattr__(self, "_values", tuple(values))
            for f, v in zip(fields, values):
                object.__setattr__(self, f, v)

        def __iter__(self):
            return iter(self._values)

        def __len__(self):
            return len(self._values)

        def __getitem__(self, i):
            return self._values[i]

        def __eq__(self, other):
            if isinstance(other, tuple):
                return self._values == other
            return self._values == tuple(other)

        def __hash__(self):
            return hash(self._values)

        def __lt__(self, other):
            return self._values < tuple(other)

        def _asdict(self):
            return dict(zip(fields, self._values))

        def _replace(self, **kw):
            d = dict(zip(fields, self._values))
            d.update(kw)
            return _Tuple(**d)

        def __repr__(self):
            return "%s(%s)" % (typename, ", ".join("%s=%r" % (f, v) for f, v in zip(fields, self._values)))

    return _Tuple
