# The playground's `multiprocessing.managers`, in Python like CPython's. `Manager()` forks a
# server process (SyncManager-N) that owns the shared objects; every process and thread that
# uses a proxy gets its own connection to it, served by a thread of the server. Each proxy
# method is therefore one round trip (send the call, wait for the answer), and values cross as
# copies: `d["k"].append(1)` changes a copy, `d["n"] += 1` is a get and a set (racy without a
# lock), exactly the lessons CPython's managers teach.

import multiprocessing
import os
import queue
import threading


def _getitem(o, key):
    return o[key]


def _setitem(o, key, value):
    o[key] = value


def _delitem(o, key):
    del o[key]


def _contains(o, key):
    return key in o


def _len(o):
    return len(o)


def _iadd(o, other):
    o += other
    return None


def _imul(o, n):
    o *= n
    return None


def _getattr(o, name):
    return getattr(o, name)


def _setattr(o, name, value):
    setattr(o, name, value)


def _delattr(o, name):
    delattr(o, name)


def _keys(o):
    return list(o.keys())


def _values(o):
    return list(o.values())


def _items(o):
    return list(o.items())


def _copy(o):
    return o.copy()


def _snapshot(o):
    return list(o)


_SPECIAL = {
    "__getitem__": _getitem,
    "__setitem__": _setitem,
    "__delitem__": _delitem,
    "__contains__": _contains,
    "__len__": _len,
    "__iadd__": _iadd,
    "__imul__": _imul,
    "__getattribute__": _getattr,
    "__setattr__": _setattr,
    "__delattr__": _delattr,
    "keys": _keys,
    "values": _values,
    "items": _items,
    "_snapshot": _snapshot,
}


class Namespace:
    def __init__(self, **kwds):
        for k, v in kwds.items():
            setattr(self, k, v)


class Value:
    def __init__(self, typecode, value, lock=True):
        self._typecode = typecode
        self._value = value

    def get(self):
        return self._value

    def set(self, value):
        self._value = value

    def __repr__(self):
        return "%s(%r, %r)" % (type(self).__name__, self._typecode, self._value)


def Array(typecode, sequence, lock=True):
    if isinstance(sequence, int):
        return [0.0 if typecode in "fd" else 0] * sequence
    return list(sequence)


class _Server:
    # Runs in the manager process: one thread per connection answers its calls.
    def __init__(self, registry):
        self.registry = registry
        self.objects = {}
        self.next_id = 0
        self.lock = threading.Lock()

    def serve(self, conn):
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            try:
                reply = ("ok", self.handle(request))
            except Exception as e:
                reply = ("error", e)
            conn.send(reply)

    def handle(self, request):
        if request[0] == "create":
            _, typeid, args, kwds = request
            obj = self.registry[typeid][0](*args, **kwds)
            with self.lock:
                self.next_id += 1
                ident = self.next_id
                self.objects[ident] = obj
            return ident
        _, ident, name, args, kwds = request
        obj = self.objects[ident]
        special = _SPECIAL.get(name)
        if special is not None:
            return special(obj, *args, **kwds)
        return getattr(obj, name)(*args, **kwds)


def _run_server(listener, registry):
    server = _Server(registry)
    while True:
        conn = listener.get()
        if conn is None:
            return
        threading.Thread(target=server.serve, args=(conn,), daemon=True).start()


class _Address:
    # How to reach a manager: its listener queue, and the connection each process and thread
    # has opened to it.
    def __init__(self, listener):
        self.listener = listener
        self.conns = {}

    def connection(self):
        key = (os.getpid(), threading.get_ident())
        conn = self.conns.get(key)
        if conn is None:
            conn, theirs = multiprocessing.Pipe()
            self.listener.put(theirs)
            self.conns[key] = conn
        return conn

    def call(self, request):
        conn = self.connection()
        conn.send(request)
        kind, value = conn.recv()
        if kind == "error":
            raise value
        return value


class BaseProxy:
    def __init__(self, address, ident, typeid):
        object.__setattr__(self, "_address", address)
        object.__setattr__(self, "_id", ident)
        object.__setattr__(self, "_typeid", typeid)

    def _callmethod(self, methodname, args=(), kwds={}):
        return self._address.call(("call", self._id, methodname, tuple(args), dict(kwds)))

    def _getvalue(self):
        return self._callmethod("copy")

    def __repr__(self):
        return "<%s object, typeid %r at %#x>" % (type(self).__name__, self._typeid, id(self))

    def __str__(self):
        return self._callmethod("__repr__")


class _SequenceProxy(BaseProxy):
    def __len__(self):
        return self._callmethod("__len__")

    def __getitem__(self, key):
        return self._callmethod("__getitem__", (key,))

    def __setitem__(self, key, value):
        self._callmethod("__setitem__", (key, value))

    def __delitem__(self, key):
        self._callmethod("__delitem__", (key,))

    def __contains__(self, key):
        return self._callmethod("__contains__", (key,))


class ListProxy(_SequenceProxy):
    def __iter__(self):
        return iter(self._callmethod("_snapshot"))

    def _getvalue(self):
        return self._callmethod("_snapshot")

    def append(self, value):
        self._callmethod("append", (value,))

    def extend(self, values):
        self._callmethod("extend", (list(values),))

    def insert(self, index, value):
        self._callmethod("insert", (index, value))

    def pop(self, *args):
        return self._callmethod("pop", args)

    def remove(self, value):
        self._callmethod("remove", (value,))

    def index(self, *args):
        return self._callmethod("index", args)

    def count(self, value):
        return self._callmethod("count", (value,))

    def reverse(self):
        self._callmethod("reverse")

    def sort(self, *, key=None, reverse=False):
        self._callmethod("sort", (), {"key": key, "reverse": reverse})

    def __iadd__(self, other):
        self._callmethod("__iadd__", (list(other),))
        return self

    def __imul__(self, n):
        self._callmethod("__imul__", (n,))
        return self

    def __eq__(self, other):
        return self._getvalue() == other


class DictProxy(_SequenceProxy):
    def __iter__(self):
        return iter(self._callmethod("keys"))

    def keys(self):
        return self._callmethod("keys")

    def values(self):
        return self._callmethod("values")

    def items(self):
        return self._callmethod("items")

    def get(self, *args):
        return self._callmethod("get", args)

    def setdefault(self, *args):
        return self._callmethod("setdefault", args)

    def pop(self, *args):
        return self._callmethod("pop", args)

    def popitem(self):
        return self._callmethod("popitem")

    def update(self, *args, **kwds):
        self._callmethod("update", tuple(dict(a) for a in args), kwds)

    def clear(self):
        self._callmethod("clear")

    def copy(self):
        return self._callmethod("copy")


class ValueProxy(BaseProxy):
    def get(self):
        return self._callmethod("get")

    def set(self, value):
        self._callmethod("set", (value,))

    @property
    def value(self):
        return self._callmethod("get")

    @value.setter
    def value(self, value):
        self._callmethod("set", (value,))


class NamespaceProxy(BaseProxy):
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._callmethod("__getattribute__", (name,))

    def __setattr__(self, name, value):
        if name.startswith("_"):
            return object.__setattr__(self, name, value)
        self._callmethod("__setattr__", (name, value))

    def __delattr__(self, name):
        self._callmethod("__delattr__", (name,))

    def __repr__(self):
        return self._callmethod("__repr__")


class AcquirerProxy(BaseProxy):
    def acquire(self, blocking=True, timeout=None):
        args = (blocking,) if timeout is None else (blocking, timeout)
        return self._callmethod("acquire", args)

    def release(self):
        self._callmethod("release")

    def __enter__(self):
        return self._callmethod("acquire")

    def __exit__(self, exc_type, exc_val, exc_tb):
        self._callmethod("release")


class ConditionProxy(AcquirerProxy):
    def wait(self, timeout=None):
        return self._callmethod("wait", (timeout,))

    def notify(self, n=1):
        self._callmethod("notify", (n,))

    def notify_all(self):
        self._callmethod("notify_all")


class EventProxy(BaseProxy):
    def is_set(self):
        return self._callmethod("is_set")

    def set(self):
        self._callmethod("set")

    def clear(self):
        self._callmethod("clear")

    def wait(self, timeout=None):
        return self._callmethod("wait", (timeout,))


class BarrierProxy(BaseProxy):
    def wait(self, timeout=None):
        return self._callmethod("wait", (timeout,))

    def abort(self):
        self._callmethod("abort")

    def reset(self):
        self._callmethod("reset")

    @property
    def parties(self):
        return self._callmethod("__getattribute__", ("parties",))

    @property
    def n_waiting(self):
        return self._callmethod("__getattribute__", ("n_waiting",))

    @property
    def broken(self):
        return self._callmethod("__getattribute__", ("broken",))


class QueueProxy(BaseProxy):
    def put(self, item, block=True, timeout=None):
        self._callmethod("put", (item, block, timeout))

    def get(self, block=True, timeout=None):
        return self._callmethod("get", (block, timeout))

    def put_nowait(self, item):
        self._callmethod("put_nowait", (item,))

    def get_nowait(self):
        return self._callmethod("get_nowait")

    def qsize(self):
        return self._callmethod("qsize")

    def empty(self):
        return self._callmethod("empty")

    def full(self):
        return self._callmethod("full")

    def task_done(self):
        self._callmethod("task_done")

    def join(self):
        self._callmethod("join")


class AutoProxy(BaseProxy):
    # For types registered without a proxy type: every public method is forwarded.
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def method(*args, **kwds):
            return self._callmethod(name, args, kwds)

        return method


class BaseManager:
    _registry = {}

    def __init__(self, address=None, authkey=None, serializer="pickle", ctx=None):
        self._address = None
        self._process = None
        self._state = "initial"

    @classmethod
    def register(cls, typeid, callable=None, proxytype=None, exposed=None, method_to_typeid=None, create_method=True):
        cls._registry = dict(cls._registry)
        cls._registry[typeid] = (callable, proxytype or AutoProxy)
        if create_method:

            def create(self, *args, **kwds):
                return self._create(typeid, args, kwds)

            create.__name__ = typeid
            setattr(cls, typeid, create)

    def start(self, initializer=None, initargs=()):
        if self._state == "started":
            raise multiprocessing.ProcessError("Already started server")
        if self._state == "shutdown":
            raise multiprocessing.ProcessError("Manager has shut down")
        listener = multiprocessing.Queue()
        self._process = multiprocessing.Process(
            target=_run_server, args=(listener, type(self)._registry), daemon=True
        )
        self._process.name = "%s-%s" % (type(self).__name__, self._process.name.rsplit("-", 1)[-1])
        self._process.start()
        self._address = _Address(listener)
        self._state = "started"

    def _create(self, typeid, args, kwds):
        if self._state != "started":
            raise multiprocessing.ProcessError("Manager has not been started" if self._state == "initial" else "Manager has shut down")
        ident = self._address.call(("create", typeid, tuple(args), dict(kwds)))
        proxytype = type(self)._registry[typeid][1]
        return proxytype(self._address, ident, typeid)

    def shutdown(self):
        if self._state == "started":
            self._address.listener.put(None)
            self._process.join()
        self._state = "shutdown"

    def join(self, timeout=None):
        if self._process is not None:
            self._process.join(timeout)

    def __enter__(self):
        if self._state == "initial":
            self.start()
        if self._state != "started":
            raise multiprocessing.ProcessError("Unable to start server")
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.shutdown()

    @property
    def address(self):
        return "/tmp/pymp-playground/listener-%d" % (self._process.pid if self._process else 0)


class SyncManager(BaseManager):
    pass


def _make_queue(maxsize=0):
    return queue.Queue(maxsize)


for _typeid, _callable, _proxy in [
    ("Queue", _make_queue, QueueProxy),
    ("JoinableQueue", _make_queue, QueueProxy),
    ("Event", threading.Event, EventProxy),
    ("Lock", threading.Lock, AcquirerProxy),
    ("RLock", threading.RLock, AcquirerProxy),
    ("Semaphore", threading.Semaphore, AcquirerProxy),
    ("BoundedSemaphore", threading.BoundedSemaphore, AcquirerProxy),
    ("Condition", threading.Condition, ConditionProxy),
    ("Barrier", threading.Barrier, BarrierProxy),
    ("list", list, ListProxy),
    ("dict", dict, DictProxy),
    ("Value", Value, ValueProxy),
    ("Array", Array, ListProxy),
    ("Namespace", Namespace, NamespaceProxy),
]:
    SyncManager.register(_typeid, _callable, _proxy)
