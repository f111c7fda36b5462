# The lazy half of the playground's `itertools`, written as generators so that every step
# runs on the thread's frame stack (the others are natives in stdlib.rs).


def starmap(function, iterable):
    for args in iterable:
        yield function(*args)


def takewhile(predicate, iterable):
    for x in iterable:
        if not predicate(x):
            return
        yield x


def dropwhile(predicate, iterable):
    it = iter(iterable)
    for x in it:
        if not predicate(x):
            yield x
            break
    for x in it:
        yield x


def filterfalse(predicate, iterable):
    if predicate is None:
        predicate = bool
    for x in iterable:
        if not predicate(x):
            yield x


def compress(data, selectors):
    for d, s in zip(data, selectors):
        if s:
            yield d


def zip_longest(*iterables, fillvalue=None):
    iterators = [iter(it) for it in iterables]
    active = len(iterators)
    if not active:
        return
    while True:
        values = []
        for i, it in enumerate(iterators):
            try:
                value = next(it)
            except StopIteration:
                active -= 1
                if not active:
                    return
                iterators[i] = repeat(fillvalue)
                value = fillvalue
            values.append(value)
        yield tuple(values)


def pairwise(iterable):
    it = iter(iterable)
    try:
        a = next(it)
    except StopIteration:
        return
    for b in it:
        yield a, b
        a = b


def _from_iterable(iterables):
    for it in iterables:
        for x in it:
            yield x


class chain:
    # A class rather than a native, so that chain.from_iterable exists and stays lazy.
    def __init__(self, *iterables):
        self._gen = _from_iterable(iterables)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    @classmethod
    def from_iterable(cls, iterables):
        c = cls()
        c._gen = _from_iterable(iterables)
        return c


class groupby:
    def __init__(self, iterable, key=None):
        self._keyfunc = (lambda x: x) if key is None else key
        self._it = iter(iterable)
        self._target = self._key = self._value = object()
        self._id = None

    def __iter__(self):
        return self

    def __next__(self):
        self._id = object()
        while self._key == self._target:
            self._value = next(self._it)
            self._key = self._keyfunc(self._value)
        self._target = self._key
        return self._key, self._grouper(self._target, self._id)

    def _grouper(self, target, id_):
        while self._id is id_ and self._key == target:
            yield self._value
            try:
                self._value = next(self._it)
            except StopIteration:
                return
            self._key = self._keyfunc(self._value)


def tee(iterable, n=2):
    it = iter(iterable)
    buffers = [[] for _ in range(n)]

    def gen(mine):
        while True:
            if not mine:
                try:
                    x = next(it)
                except StopIteration:
                    return
                for b in buffers:
                    b.append(x)
            yield mine.pop(0)

    return tuple(gen(b) for b in buffers)


def combinations_with_replacement(iterable, r):
    pool = tuple(iterable)
    n = len(pool)
    if not n and r:
        return
    indices = [0] * r
    yield tuple(pool[i] for i in indices)
    while True:
        for i in reversed(range(r)):
            if indices[i] != n - 1:
                break
        else:
            return
        indices[i:] = [indices[i] + 1] * (r - i)
        yield tuple(pool[i] for i in indices)
