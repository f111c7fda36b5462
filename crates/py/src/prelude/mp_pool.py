# The playground's `multiprocessing.pool`, in Python like CPython's: worker processes forked
# when the pool is made (named ForkPoolWorker-N) take tasks from one queue and put results on
# another; in the parent a task-handler thread feeds the workers and a result-handler thread
# hands each result to the object waiting for it (ApplyResult, MapResult, IMapIterator).

import collections
import itertools
import multiprocessing
import os
import queue
import threading

RUN = 0
CLOSE = 1
TERMINATE = 2

_job_counter = 0


def _next_job():
    global _job_counter
    _job_counter += 1
    return _job_counter - 1


def mapstar(args):
    return list(map(*args))


def starmapstar(args):
    return [args[0](*a) for a in args[1]]


class ForkPoolWorker(multiprocessing.Process):
    pass


def worker(inqueue, outqueue, initializer=None, initargs=(), maxtasks=None):
    if initializer is not None:
        initializer(*initargs)
    completed = 0
    while maxtasks is None or completed < maxtasks:
        task = inqueue.get()
        if task is None:
            break
        job, i, func, args, kwds = task
        try:
            result = (True, func(*args, **kwds))
        except Exception as e:
            result = (False, e)
        outqueue.put((job, i, result))
        completed += 1


def _handle_workers(stop):
    # CPython's worker handler replaces workers that exit; these workers only exit when the
    # pool closes, so it just waits for that.
    stop.wait()


def _handle_tasks(taskqueue, put, pool):
    while True:
        item = taskqueue.get()
        if item is None:
            break
        taskseq, set_length = item
        i = -1
        for i, task in enumerate(taskseq):
            put(task)
        if set_length is not None:
            set_length(i + 1)
    for _ in pool:
        put(None)


def _handle_results(outqueue, cache):
    while True:
        task = outqueue.get()
        if task is None:
            return
        job, i, obj = task
        if job in cache:
            cache[job]._set(i, obj)


class ApplyResult:
    def __init__(self, pool, callback, error_callback):
        self._pool = pool
        self._event = threading.Event()
        self._job = _next_job()
        self._cache = pool._cache
        self._callback = callback
        self._error_callback = error_callback
        self._cache[self._job] = self

    def ready(self):
        return self._event.is_set()

    def successful(self):
        if not self.ready():
            raise ValueError("%r not ready" % self)
        return self._success

    def wait(self, timeout=None):
        self._event.wait(timeout)

    def get(self, timeout=None):
        self.wait(timeout)
        if not self.ready():
            raise multiprocessing.TimeoutError
        if self._success:
            return self._value
        raise self._value

    def _set(self, i, obj):
        self._success, self._value = obj
        if self._callback and self._success:
            self._callback(self._value)
        if self._error_callback and not self._success:
            self._error_callback(self._value)
        self._event.set()
        del self._cache[self._job]
        self._pool = None

    def __repr__(self):
        return "<multiprocessing.pool.%s object at %#x>" % (type(self).__name__, id(self))


AsyncResult = ApplyResult


class MapResult(ApplyResult):
    def __init__(self, pool, chunksize, length, callback, error_callback):
        ApplyResult.__init__(self, pool, callback, error_callback=error_callback)
        self._success = True
        self._value = [None] * length
        self._chunksize = chunksize
        if chunksize <= 0:
            self._number_left = 0
            self._event.set()
            del self._cache[self._job]
        else:
            self._number_left = length // chunksize + bool(length % chunksize)

    def _set(self, i, success_result):
        self._number_left -= 1
        success, result = success_result
        if success and self._success:
            self._value[i * self._chunksize:(i + 1) * self._chunksize] = result
            if self._number_left == 0:
                if self._callback:
                    self._callback(self._value)
                del self._cache[self._job]
                self._event.set()
                self._pool = None
        else:
            if not success and self._success:
                self._success = False
                self._value = result
            if self._number_left == 0:
                if self._error_callback:
                    self._error_callback(self._value)
                del self._cache[self._job]
                self._event.set()
                self._pool = None


class IMapIterator:
    def __init__(self, pool):
        self._pool = pool
        self._cond = threading.Condition(threading.Lock())
        self._job = _next_job()
        self._cache = pool._cache
        self._items = collections.deque()
        self._index = 0
        self._length = None
        self._unsorted = {}
        self._cache[self._job] = self

    def __iter__(self):
        return self

    def next(self, timeout=None):
        with self._cond:
            if not self._items:
                if self._index == self._length:
                    self._pool = None
                    raise StopIteration
                self._cond.wait(timeout)
                if not self._items:
                    if self._index == self._length:
                        self._pool = None
                        raise StopIteration
                    raise multiprocessing.TimeoutError
            success, value = self._items.popleft()
        if success:
            return value
        raise value

    __next__ = next

    def _set(self, i, obj):
        with self._cond:
            if self._index == i:
                self._items.append(obj)
                self._index += 1
                while self._index in self._unsorted:
                    obj = self._unsorted.pop(self._index)
                    self._items.append(obj)
                    self._index += 1
                self._cond.notify()
            else:
                self._unsorted[i] = obj
            if self._index == self._length:
                del self._cache[self._job]

    def _set_length(self, length):
        with self._cond:
            self._length = length
            if self._index == self._length:
                self._cond.notify()
                del self._cache[self._job]


class IMapUnorderedIterator(IMapIterator):
    def _set(self, i, obj):
        with self._cond:
            self._items.append(obj)
            self._index += 1
            self._cond.notify()
            if self._index == self._length:
                del self._cache[self._job]


def _tasks(func, it, size):
    it = iter(it)
    while True:
        x = tuple(itertools.islice(it, size))
        if not x:
            return
        yield (func, x)


def _job_tasks(job, func, iterable):
    for i, x in enumerate(iterable):
        yield (job, i, func, (x,), {})


class Pool:
    def __init__(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None, context=None):
        if processes is None:
            processes = os.cpu_count() or 1
        if processes < 1:
            raise ValueError("Number of processes must be at least 1")
        if maxtasksperchild is not None:
            if not isinstance(maxtasksperchild, int) or maxtasksperchild <= 0:
                raise ValueError("maxtasksperchild must be a positive int or None")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._state = RUN
        self._processes = processes
        self._cache = {}
        self._taskqueue = queue.SimpleQueue()
        self._inqueue, self._outqueue = self._queues()
        self._pool = []
        for _ in range(processes):
            args = (self._inqueue, self._outqueue, initializer, initargs, maxtasksperchild)
            self._pool.append(self._start_worker(args))
        self._stop_workers = threading.Event()
        self._worker_handler = threading.Thread(target=_handle_workers, args=(self._stop_workers,), daemon=True)
        self._worker_handler.start()
        self._task_handler = threading.Thread(
            target=_handle_tasks, args=(self._taskqueue, self._inqueue.put, self._pool), daemon=True
        )
        self._task_handler.start()
        self._result_handler = threading.Thread(
            target=_handle_results, args=(self._outqueue, self._cache), daemon=True
        )
        self._result_handler.start()

    def _queues(self):
        # The workers' task and result queues: between processes here, threads in ThreadPool.
        return multiprocessing.SimpleQueue(), multiprocessing.SimpleQueue()

    def _start_worker(self, args):
        w = ForkPoolWorker(target=worker, args=args, daemon=True)
        w.start()
        return w

    def _check_running(self):
        if self._state != RUN:
            raise ValueError("Pool not running")

    def apply(self, func, args=(), kwds={}):
        return self.apply_async(func, args, kwds).get()

    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        self._check_running()
        result = ApplyResult(self, callback, error_callback)
        self._taskqueue.put(([(result._job, 0, func, tuple(args), dict(kwds))], None))
        return result

    def map(self, func, iterable, chunksize=None):
        return self._map_async(func, iterable, mapstar, chunksize).get()

    def starmap(self, func, iterable, chunksize=None):
        return self._map_async(func, iterable, starmapstar, chunksize).get()

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return self._map_async(func, iterable, mapstar, chunksize, callback, error_callback)

    def starmap_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return self._map_async(func, iterable, starmapstar, chunksize, callback, error_callback)

    def _map_async(self, func, iterable, mapper, chunksize=None, callback=None, error_callback=None):
        self._check_running()
        if not hasattr(iterable, "__len__"):
            iterable = list(iterable)
        if chunksize is None:
            chunksize, extra = divmod(len(iterable), len(self._pool) * 4)
            if extra:
                chunksize += 1
        if len(iterable) == 0:
            chunksize = 0
        result = MapResult(self, chunksize, len(iterable), callback, error_callback=error_callback)
        tasks = [
            (result._job, i, mapper, (x,), {}) for i, x in enumerate(_tasks(func, iterable, chunksize))
        ] if chunksize > 0 else []
        self._taskqueue.put((tasks, None))
        return result

    def imap(self, func, iterable, chunksize=1):
        self._check_running()
        if chunksize < 1:
            raise ValueError("Chunksize must be 1+, not {0:n}".format(chunksize))
        if chunksize == 1:
            result = IMapIterator(self)
            self._taskqueue.put((list(_job_tasks(result._job, func, iterable)), result._set_length))
            return result
        result = IMapIterator(self)
        self._taskqueue.put(
            (list(_job_tasks(result._job, mapstar, _tasks(func, iterable, chunksize))), result._set_length)
        )
        return (item for chunk in result for item in chunk)

    def imap_unordered(self, func, iterable, chunksize=1):
        self._check_running()
        if chunksize < 1:
            raise ValueError("Chunksize must be 1+, not {0!r}".format(chunksize))
        if chunksize == 1:
            result = IMapUnorderedIterator(self)
            self._taskqueue.put((list(_job_tasks(result._job, func, iterable)), result._set_length))
            return result
        result = IMapUnorderedIterator(self)
        self._taskqueue.put(
            (list(_job_tasks(result._job, mapstar, _tasks(func, iterable, chunksize))), result._set_length)
        )
        return (item for chunk in result for item in chunk)

    def close(self):
        if self._state == RUN:
            self._state = CLOSE
            self._taskqueue.put(None)
            self._stop_workers.set()

    def terminate(self):
        if self._state == TERMINATE:
            return
        if self._state == RUN:
            self._taskqueue.put(None)
        self._state = TERMINATE
        self._stop_workers.set()
        for p in self._pool:
            # Processes are killed; threads (ThreadPool) cannot be, and stop at the end of
            # their queue, as in CPython.
            if isinstance(p, multiprocessing.Process) and p.exitcode is None:
                p.terminate()
        for p in self._pool:
            p.join()
        self._outqueue.put(None)
        self._result_handler.join()

    def join(self):
        if self._state == RUN:
            raise ValueError("Pool is still running")
        self._worker_handler.join()
        self._task_handler.join()
        for p in self._pool:
            p.join()
        if self._result_handler.is_alive():
            self._outqueue.put(None)
            self._result_handler.join()

    def __enter__(self):
        self._check_running()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.terminate()

    def __repr__(self):
        state = {RUN: "RUN", CLOSE: "CLOSE", TERMINATE: "TERMINATE"}[self._state]
        return "<multiprocessing.pool.Pool state=%s pool_size=%d>" % (state, len(self._pool))


class ThreadPool(Pool):
    # multiprocessing.pool.ThreadPool: the same API with threads instead of processes.
    def __init__(self, processes=None, initializer=None, initargs=()):
        Pool.__init__(self, processes, initializer, initargs)

    def _queues(self):
        return queue.SimpleQueue(), queue.SimpleQueue()

    def _start_worker(self, args):
        w = threading.Thread(target=worker, args=args, daemon=True)
        w.start()
        return w
