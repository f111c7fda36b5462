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


def lru_cache(maxsize=128):
    def decorate(func):
        cache = {}

        def wrapper(*args):
            if args in cache:
                return cache[args]
            v = func(*args)
            cache[args] = v
            return v
        wrapper.__name__ = func.__name__
        wrapper.cache_clear = cache.clear
        return wrapper
    if callable(maxsize):
        return decorate(maxsize)
    return decorate


def cache(func):
    return lru_cache(None)(func)


def total_ordering(cls):
    return cls
