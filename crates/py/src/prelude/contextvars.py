# The playground's `contextvars`. Each unit (thread or asyncio task) runs in a Context, kept
# by the interpreter per unit (_get_context/_set_context): a thread starts with an empty one,
# an asyncio task with a copy of its creator's (asyncio.to_thread too), and Context.run swaps
# it for the duration of a call. A Context maps ContextVar objects to values.

_MISSING = object()


def _current():
    ctx = _get_context()
    if ctx is None:
        ctx = Context()
        _set_context(ctx)
    return ctx


class Token:
    MISSING = _MISSING

    def __init__(self, context, var, old_value):
        self._context = context
        self._var = var
        self._old_value = old_value
        self._used = False

    @property
    def var(self):
        return self._var

    @property
    def old_value(self):
        return self._old_value

    def __repr__(self):
        used = " used" if self._used else ""
        return "<Token%s var=%r at %#x>" % (used, self._var, id(self))


class ContextVar:
    def __init__(self, name, *, default=_MISSING):
        if not isinstance(name, str):
            raise TypeError("context variable name must be a str")
        self._name = name
        self._default = default

    @property
    def name(self):
        return self._name

    def get(self, *args):
        if len(args) > 1:
            raise TypeError("get expected at most 1 argument, got %d" % len(args))
        data = _current()._data
        if self in data:
            return data[self]
        if args:
            return args[0]
        if self._default is not _MISSING:
            return self._default
        raise LookupError(self)

    def set(self, value):
        ctx = _current()
        old = ctx._data.get(self, _MISSING)
        ctx._data[self] = value
        return Token(ctx, self, old)

    def reset(self, token):
        if not isinstance(token, Token):
            raise TypeError("expected an instance of Token, got %r" % type(token).__name__)
        if token._used:
            raise RuntimeError("%r has already been used once" % token)
        if token._var is not self:
            raise ValueError("%r was created by a different ContextVar" % token)
        ctx = _current()
        if token._context is not ctx:
            raise ValueError("%r was created in a different Context" % token)
        if token._old_value is _MISSING:
            ctx._data.pop(self, None)
        else:
            ctx._data[self] = token._old_value
        token._used = True

    def __repr__(self):
        default = ""
        if self._default is not _MISSING:
            default = " default=%r" % (self._default,)
        return "<ContextVar name=%r%s at %#x>" % (self._name, default, id(self))

    def __hash__(self):
        return id(self)

    def __class_getitem__(cls, item):
        return cls


class Context:
    def __init__(self):
        self._data = {}
        self._entered = False

    def run(self, callable, *args, **kwargs):
        if self._entered:
            raise RuntimeError("cannot enter context: %r is already entered" % self)
        previous = _get_context()
        self._entered = True
        _set_context(self)
        try:
            return callable(*args, **kwargs)
        finally:
            _set_context(previous)
            self._entered = False

    def copy(self):
        c = Context()
        c._data = dict(self._data)
        return c

    def __getitem__(self, var):
        if not isinstance(var, ContextVar):
            raise TypeError("a ContextVar key was expected, got %r" % (var,))
        return self._data[var]

    def get(self, var, default=None):
        return self._data.get(var, default)

    def __contains__(self, var):
        return var in self._data

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return iter(list(self._data))

    def keys(self):
        return list(self._data.keys())

    def values(self):
        return list(self._data.values())

    def items(self):
        return list(self._data.items())

    def __repr__(self):
        return "<_contextvars.Context object at %#x>" % id(self)


def copy_context():
    return _current().copy()
