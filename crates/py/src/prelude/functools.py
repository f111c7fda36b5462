# The playground's `functools`, in Python.


class partial:
    def __init__(self, func, *args, **keywords):
        self.func = func
        self.args = args
        self.keywords = keywords

    def __call__(self, *args, **keywords):
        kw = dict(self.keywords)
        kw.update(keywords)
        return self.func(*self.args, *args, **kw)

    def __repr__(self):
        parts = [repr(self.func)]
        parts.extend(repr(a) for a in self.args)
        parts.extend("%s=%r" % kv for kv in self.keywords.items())
        return "functools.partial(%s)" % ", ".join(parts)


def reduce(function, iterable, *initial):
    it = iter(iterable)
    if initial:
        acc = initial[0]
    else:
        try:
            acc = next(it)
        except StopIteration:
            raise TypeError("reduce() of empty iterable with no initial value") from None
    for x in it:
        acc = function(acc, x)
    return acc


def wraps(wrapped):
    def decorate(wrapper):
        wrapper.__name__ = wrapped.__name__
        wrapper.__wrapped__ = wrapped
        return wrapper
    return decorate


_CacheInfo = None


def _cache_info(hits, misses, maxsize, currsize):
    import collections

    global _CacheInfo
    if _CacheInfo is None:
        _CacheInfo = collections.namedtuple("CacheInfo", ["hits", "misses", "maxsize", "currsize"])
    return _CacheInfo(hits, misses, maxsize, currsize)


def lru_cache(maxsize=128, typed=False):
    # CPython's semantics: a dict in least-recently-used order, evicting the oldest entry
    # past maxsize (None: unbounded), with hit/miss counts for cache_info().
    if isinstance(maxsize, int) and maxsize < 0:
        maxsize = 0

    def decorate(func):
        cache = {}
        stats = [0, 0]

        def wrapper(*args, **kwargs):
            key = args
            if kwargs:
                key = args + (_KWD_MARK,) + tuple(sorted(kwargs.items()))
            if typed:
                key = key + tuple(type(a) for a in args)
            if key in cache:
                stats[0] += 1
                v = cache.pop(key)
                cache[key] = v
                return v
            stats[1] += 1
            v = func(*args, **kwargs)
            if maxsize != 0:
                cache[key] = v
                if maxsize is not None and len(cache) > maxsize:
                    del cache[next(iter(cache))]
            return v

        def cache_info():
            return _cache_info(stats[0], stats[1], maxsize, len(cache))

        def cache_clear():
            cache.clear()
            stats[0] = stats[1] = 0

        wrapper.__name__ = func.__name__
        wrapper.__wrapped__ = func
        wrapper.cache_info = cache_info
        wrapper.cache_clear = cache_clear
        return wrapper

    if callable(maxsize) and not isinstance(maxsize, bool):
        func, maxsize = maxsize, 128
        return decorate(func)
    return decorate


_KWD_MARK = object()


def cache(func):
    return lru_cache(None)(func)


def total_ordering(cls):
    return cls


def cmp_to_key(mycmp):
    class K:
        def __init__(self, obj):
            self.obj = obj

        def __lt__(self, other):
            return mycmp(self.obj, other.obj) < 0

        def __gt__(self, other):
            return mycmp(self.obj, other.obj) > 0

        def __eq__(self, other):
            return mycmp(self.obj, other.obj) == 0

        def __le__(self, other):
            return mycmp(self.obj, other.obj) <= 0

        def __ge__(self, other):
            return mycmp(self.obj, other.obj) >= 0

        __hash__ = None

    return K
