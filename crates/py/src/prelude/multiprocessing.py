# The Python half of the playground's `multiprocessing`. As in CPython, Process is a Python
# class (subclasses override run()); starting one forks this process's interpreter: the
# child gets copies of every module's globals. Queues, pipes, locks and shared values are
# simulator objects reached through natives.

_counter = 0


class Process:
    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        global _counter
        _counter += 1
        self._target = target
        self._args = tuple(args)
        self._kwargs = {} if kwargs is None else dict(kwargs)
        if name is None:
            name = "%s-%d" % (type(self).__name__, _counter)
        self._name = str(name)
        self._daemonic = bool(daemon) if daemon is not None else False
        self._handle = None
        self._pid = None

    def start(self):
        if self._handle is not None:
            raise AssertionError("cannot start a process twice")
        self._handle, self._pid = _start_process(self, self._name, self._daemonic)

    def run(self):
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def join(self, timeout=None):
        if self._handle is None:
            raise AssertionError("can only join a started process")
        _join_process(self._handle, timeout)

    def is_alive(self):
        if self._handle is None:
            return False
        return _process_alive(self._handle)

    def terminate(self):
        if self._handle is not None:
            _terminate_process(self._handle)

    def kill(self):
        self.terminate()

    def close(self):
        pass

    @property
    def exitcode(self):
        if self._handle is None:
            return None
        return _process_exitcode(self._handle)

    @property
    def pid(self):
        return self._pid

    @property
    def ident(self):
        return self._pid

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = str(value)

    @property
    def daemon(self):
        return self._daemonic

    @daemon.setter
    def daemon(self, value):
        self._daemonic = bool(value)

    def __repr__(self):
        if self._handle is None:
            status = "initial"
        else:
            code = self.exitcode
            status = "started" if code is None else "stopped exitcode=%d" % code
        return "<%s name='%s' %s>" % (type(self).__name__, self._name, status)


class _MainProcess(Process):
    def __init__(self):
        self._target = None
        self._args = ()
        self._kwargs = {}
        self._name = "MainProcess"
        self._daemonic = False
        self._handle = None
        self._pid = _getpid()

    def is_alive(self):
        return True

    def __repr__(self):
        return "<_MainProcess name='MainProcess' parent=None started>"


_main_process = _MainProcess()


def current_process():
    p = _current_process()
    return _main_process if p is None else p


def parent_process():
    return None if _current_process() is None else _main_process


class Value:
    def __init__(self, typecode, value=0, lock=True):
        self._typecode = typecode
        self._h = _new_value(typecode, value, lock)
        self._lock = _value_lock(self._h) if lock else None

    @property
    def value(self):
        return _value_get(self._h)

    @value.setter
    def value(self, v):
        _value_set(self._h, v)

    def get_lock(self):
        if self._lock is None:
            raise AttributeError("'c_int' object has no attribute 'get_lock'")
        return self._lock

    def __repr__(self):
        return "<Synchronized wrapper for c_%s(%r)>" % (_ctype(self._typecode), self.value)


class Array:
    def __init__(self, typecode, size_or_initializer, lock=True):
        if isinstance(size_or_initializer, int):
            init = [0.0 if typecode in "fd" else 0] * size_or_initializer
        else:
            init = list(size_or_initializer)
        self._typecode = typecode
        self._n = len(init)
        self._h = _new_array(typecode, init, lock)
        self._lock = _value_lock(self._h) if lock else None

    def __len__(self):
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [_array_get(self._h, k) for k in range(*i.indices(self._n))]
        return _array_get(self._h, i)

    def __setitem__(self, i, v):
        _array_set(self._h, i, v)

    def __iter__(self):
        for k in range(self._n):
            yield _array_get(self._h, k)

    def get_lock(self):
        return self._lock

    def __repr__(self):
        return "<SynchronizedArray wrapper for c_%s_Array_%d>" % (_ctype(self._typecode), self._n)


def _ctype(code):
    return {"i": "int", "l": "long", "d": "double", "f": "float", "b": "byte", "c": "char"}.get(code, code)


def Pipe(duplex=True):
    return _pipe(duplex)


def cpu_count():
    return _cpu_count()


def active_children():
    return []


def set_start_method(method, force=False):
    if method != "fork":
        raise ValueError("not supported in the playground: start method %r (the playground forks)" % method)


def get_start_method(allow_none=False):
    return "fork"


def freeze_support():
    pass


class TimeoutError(ProcessError):
    pass


def Pool(processes=None, initializer=None, initargs=(), maxtasksperchild=None):
    from multiprocessing.pool import Pool as _Pool

    return _Pool(processes, initializer, initargs, maxtasksperchild)


def Manager():
    from multiprocessing.managers import SyncManager

    m = SyncManager()
    m.start()
    return m
