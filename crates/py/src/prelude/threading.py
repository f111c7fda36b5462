# The Python half of the playground's `threading` module. Like CPython's own threading.py,
# `Thread` is a Python class, so programs can subclass it and override run(). The blocking
# parts (_start_thread, _join_thread, ...) are natives that become simulator operations.

_counter = 0


def _newname(name, target):
    global _counter
    if name is not None:
        return str(name)
    _counter += 1
    if target is not None:
        try:
            return "Thread-%d (%s)" % (_counter, target.__name__)
        except AttributeError:
            pass
    return "Thread-%d" % _counter


class Thread:
    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        if group is not None:
            raise AssertionError("group argument must be None for now")
        self._target = target
        self._args = tuple(args)
        self._kwargs = {} if kwargs is None else kwargs
        self._name = _newname(name, target)
        if daemon is None:
            daemon = current_thread().daemon
        self._daemonic = bool(daemon)
        self._handle = None
        self._started = False
        self._ident = None

    def start(self):
        if self._started:
            raise RuntimeError("threads can only be started once")
        self._started = True
        _started.append(self)
        self._handle = _start_thread(self, self._name, self._daemonic)
        self._ident = 1

    def run(self):
        try:
            if self._target is not None:
                self._target(*self._args, **self._kwargs)
        finally:
            del self._target, self._args, self._kwargs

    def join(self, timeout=None):
        if not self._started:
            raise RuntimeError("cannot join thread before it is started")
        if self is current_thread():
            raise RuntimeError("cannot join current thread")
        if self._handle is not None:
            _join_thread(self._handle, timeout)

    def is_alive(self):
        if not self._started or self._handle is None:
            return False
        return _thread_alive(self._handle)

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = str(value)

    @property
    def ident(self):
        return self._ident

    @property
    def native_id(self):
        return self._ident

    @property
    def daemon(self):
        return self._daemonic

    @daemon.setter
    def daemon(self, value):
        if self._started:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemonic = bool(value)

    def getName(self):
        return self._name

    def setName(self, name):
        self._name = str(name)

    def isDaemon(self):
        return self._daemonic

    def setDaemon(self, daemonic):
        self.daemon = daemonic

    def __repr__(self):
        status = "initial"
        if self._started:
            status = "started" if self.is_alive() else "stopped"
        if self._daemonic:
            status += " daemon"
        return "<%s(%s, %s)>" % (type(self).__name__, self._name, status)


class _MainThread(Thread):
    def __init__(self):
        self._target = None
        self._args = ()
        self._kwargs = {}
        self._name = "MainThread"
        self._daemonic = False
        self._handle = None
        self._started = True
        self._ident = 1

    def is_alive(self):
        return True


_main_thread = _MainThread()


def main_thread():
    return _main_thread


class Timer(Thread):
    def __init__(self, interval, function, args=None, kwargs=None):
        Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = Event()

    def cancel(self):
        self.finished.set()

    def run(self):
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


class local:
    # Each thread sees its own attributes, kept per thread by _local_dict (a subclass's
    # __init__ runs again, without arguments, the first time another thread touches it).
    def __getattr__(self, name):
        data = _local_dict(self)
        if name in data:
            return data[name]
        raise AttributeError("'%s' object has no attribute '%s'" % (type(self).__name__, name))

    def __setattr__(self, name, value):
        _local_dict(self)[name] = value

    def __delattr__(self, name):
        data = _local_dict(self)
        if name not in data:
            raise AttributeError(name)
        del data[name]


_started = []


def enumerate():
    alive = [_main_thread]
    for t in _started:
        if t.is_alive():
            alive.append(t)
    return alive


def active_count():
    return len(enumerate())


def excepthook(args):
    pass


class ExceptHookArgs:
    def __init__(self, exc_type, exc_value, exc_traceback, thread):
        self.exc_type = exc_type
        self.exc_value = exc_value
        self.exc_traceback = exc_traceback
        self.thread = thread


__excepthook__ = excepthook


_threading_atexits = []


def _register_atexit(func, *args, **kwargs):
    # Like CPython's: callbacks that run when the main thread ends, before non-daemon threads
    # are joined (concurrent.futures uses it to stop its idle workers).
    _threading_atexits.append((func, args, kwargs))


def _shutdown():
    # What CPython does when the main module ends: run the threading atexit callbacks (last
    # registered first), then wait for every non-daemon thread. The atexit module's callbacks
    # run after this.
    while _threading_atexits:
        func, args, kwargs = _threading_atexits.pop()
        func(*args, **kwargs)
    for t in list(_started):
        if not t._daemonic and t is not current_thread():
            t.join()
