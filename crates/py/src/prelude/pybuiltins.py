# Built-ins written in Python, used when their argument is a generator or a user iterator:
# iterating in Python keeps every step on the interpreter's own frame stack, so a generator
# that blocks (on a queue, a lock, a sleep) works inside list(), sum(), sorted() ...


def _list(it):
    out = []
    for x in it:
        out.append(x)
    return out


def _tuple(it):
    return tuple(_list(it))


def _set(it):
    return set(_list(it))


def _frozenset(it):
    return frozenset(_list(it))


def _dict(it, **kw):
    d = {}
    if hasattr(it, "keys"):
        for k in it.keys():
            d[k] = it[k]
    else:
        for k, v in it:
            d[k] = v
    d.update(kw)
    return d


def _sum(it, start=0):
    total = start
    for x in it:
        total = total + x
    return total


def _any(it):
    for x in it:
        if x:
            return True
    return False


def _all(it):
    for x in it:
        if not x:
            return False
    return True


def _min(it, **kw):
    return min(_list(it), **kw)


def _max(it, **kw):
    return max(_list(it), **kw)


def _sorted(it, **kw):
    return sorted(_list(it), **kw)


def _join(sep, it):
    return sep.join(_list(it))


def _extend(lst, it):
    for x in it:
        lst.append(x)


def _enumerate(it, start=0):
    n = start
    for x in it:
        yield (n, x)
        n += 1


def _zip(*its):
    iters = [iter(i) for i in its]
    if not iters:
        return
    while True:
        row = []
        for i in iters:
            try:
                row.append(next(i))
            except StopIteration:
                return
        yield tuple(row)


def _map(f, *its):
    if len(its) == 1:
        for x in its[0]:
            yield f(x)
    else:
        for args in _zip(*its):
            yield f(*args)


def _filter(f, it):
    for x in it:
        if (x if f is None else f(x)):
            yield x


def _iter_call(f, sentinel):
    while True:
        v = f()
        if v == sentinel:
            return
        yield v


def _seq_iter(obj):
    i = 0
    while True:
        try:
            v = obj[i]
        except (IndexError, StopIteration):
            return
        yield v
        i += 1


def _cond_wait_for(cond, predicate, timeout=None):
    import time
    end = None
    waittime = timeout
    result = predicate()
    while not result:
        if waittime is not None:
            if end is None:
                end = time.monotonic() + waittime
            else:
                waittime = end - time.monotonic()
                if waittime <= 0:
                    break
        _expecting(predicate)
        cond.wait(waittime)
        result = predicate()
    return result


def _len(o):
    n = type(o).__len__(o)
    if not isinstance(n, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(n).__name__)
    if n < 0:
        raise ValueError("__len__() should return >= 0")
    return n


def _contains(c, x):
    return bool(type(c).__contains__(c, x))


def _not_contains(c, x):
    return not type(c).__contains__(c, x)


def _checked_str(method, o, what):
    r = method(o)
    if not isinstance(r, str):
        raise TypeError("%s returned non-string (type %s)" % (what, type(r).__name__))
    return r


def _print(*args, **kw):
    print(*[a if isinstance(a, str) else str(a) for a in args], **kw)


# ---- async iteration: an async generator is a generator whose awaits block the task, so its
# awaitable methods are coroutines that step it; other async iterators are wrapped in one.


async def _agen_asend(g, value):
    try:
        return g.send(value)
    except StopIteration:
        raise StopAsyncIteration


async def _agen_athrow(g, exc):
    try:
        return g.throw(exc)
    except StopIteration:
        raise StopAsyncIteration


async def _agen_aclose(g):
    g.close()


async def _aiter_wrap(it):
    anext = type(it).__anext__
    while True:
        try:
            x = await anext(it)
        except StopAsyncIteration:
            return
        yield x


def _aiter(obj):
    if type(obj).__name__ == "async_generator":
        return obj
    method = getattr(type(obj), "__aiter__", None)
    if method is None:
        raise TypeError("'async for' requires an object with __aiter__ method, got %s" % type(obj).__name__)
    it = method(obj)
    if type(it).__name__ == "async_generator":
        return it
    if getattr(type(it), "__anext__", None) is None:
        raise TypeError("'async for' received an object from __aiter__ that does not implement __anext__: %s" % type(it).__name__)
    return _aiter_wrap(it)


def _aiter_builtin(obj):
    method = getattr(type(obj), "__aiter__", None)
    if method is None:
        raise TypeError("'%s' object is not an async iterable" % type(obj).__name__)
    return method(obj)


async def _anext_default(it, default):
    try:
        return await type(it).__anext__(it)
    except StopAsyncIteration:
        return default


def _anext(it, *default):
    method = getattr(type(it), "__anext__", None)
    if method is None:
        raise TypeError("'%s' object is not an async iterator" % type(it).__name__)
    if default:
        return _anext_default(it, default[0])
    return method(it)
