# The Python half of the playground's asyncio: helpers written over the natives.

FIRST_COMPLETED = "FIRST_COMPLETED"
FIRST_EXCEPTION = "FIRST_EXCEPTION"
ALL_COMPLETED = "ALL_COMPLETED"


async def _wrap(aw):
    return await aw


def iscoroutinefunction(func):
    return _is_coroutine_function(func)


async def wait(aws, *, timeout=None, return_when=ALL_COMPLETED):
    tasks = [ensure_future(a) for a in aws]
    if not tasks:
        raise ValueError("Set of Tasks/Futures is empty.")
    done, pending = await _wait(tasks, timeout, return_when)
    return set(done), set(pending)


def as_completed(aws, *, timeout=None):
    todo = [ensure_future(a) for a in aws]
    state = {"pending": todo, "done": []}

    async def next_one():
        if not state["done"]:
            done, rest = await _wait(state["pending"], timeout, FIRST_COMPLETED)
            if not done:
                raise TimeoutError()
            state["done"] = list(done)
            state["pending"] = list(rest)
        return await state["done"].pop(0)

    for _ in range(len(todo)):
        yield next_one()


def all_tasks():
    return {t for t in _all_task_objects() if not t.done()}


def isfuture(obj):
    return isinstance(obj, (Future, Task))


def shield(arg):
    # The inner task goes on when the awaiting task is cancelled.
    return _shielded(ensure_future(arg))


# ---- event loops -------------------------------------------------------------------------------
# The loop itself is the simulator's; a loop object is how a program reaches it. The running
# loop of each thread is found by _loop_key() (the thread a task runs in).

_running_loops = {}
_event_loops = {}


class Handle:
    def __init__(self, native, callback, args):
        self._native = native
        self._callback = callback
        self._args = args
        self._cancelled = False

    def cancel(self):
        if not self._cancelled:
            self._cancelled = True
            if self._native is not None:
                _cancel_callback(self._native)

    def cancelled(self):
        return self._cancelled

    def __repr__(self):
        name = getattr(self._callback, "__qualname__", "callback")
        state = " cancelled" if self._cancelled else ""
        return "<%s%s %s()>" % (type(self).__name__, state, name)


class TimerHandle(Handle):
    def __init__(self, native, when, callback, args):
        Handle.__init__(self, native, callback, args)
        self._when = when

    def when(self):
        return self._when


class AbstractEventLoop:
    pass


class BaseEventLoop(AbstractEventLoop):
    def __init__(self):
        self._closed = False
        self._running = False
        self._stopping = False
        self._anchor = None
        self._early = []
        self._stop_event = None
        self._default_executor = None

    def __repr__(self):
        return "<_UnixSelectorEventLoop running=%s closed=%s debug=False>" % (self._running, self._closed)

    # -- running

    def _check_closed(self):
        if self._closed:
            raise RuntimeError("Event loop is closed")

    def _enter(self):
        self._check_closed()
        if self._running:
            raise RuntimeError("This event loop is already running")
        if _in_loop():
            raise RuntimeError("Cannot run the event loop while another loop is running")
        key = _loop_key()
        self._running = True
        self._previous = _running_loops.get(key)
        _running_loops[key] = self

    def _leave(self):
        key = _loop_key()
        self._running = False
        self._stopping = False
        if self._previous is None:
            _running_loops.pop(key, None)
        else:
            _running_loops[key] = self._previous

    async def _serve(self, main):
        # The first task of a run: callbacks scheduled before the loop started join it now.
        self._anchor = current_task()
        early, self._early = self._early, []
        for handle, delay, when in early:
            if not handle._cancelled:
                if when is not None:
                    delay = max(0.0, when - self.time())
                handle._native = _call_later(delay, None, handle._callback, handle._args)
        return await main

    def run_until_complete(self, future):
        self._enter()
        try:
            if isfuture(future):
                async def _wait(f):
                    return await f

                coro = _wait(future)
            else:
                coro = future
            return _run(self._serve(coro))
        finally:
            self._leave()

    def run_forever(self):
        self._enter()
        try:
            self._stop_event = Event()
            _run(self._serve(self._stop_event.wait()))
        finally:
            self._stop_event = None
            self._leave()

    def stop(self):
        self._stopping = True
        if self._stop_event is not None:
            self._stop_event.set()

    def is_running(self):
        return self._running

    def is_closed(self):
        return self._closed

    def close(self):
        if self._running:
            raise RuntimeError("Cannot close a running event loop")
        if self._closed:
            return
        self._closed = True
        self._early = []
        executor = self._default_executor
        self._default_executor = None
        if executor is not None:
            executor.shutdown(wait=False)

    def time(self):
        import time

        return time.monotonic()

    # -- callbacks

    def _schedule(self, delay, when, callback, args):
        self._check_closed()
        if when is None:
            handle = Handle(None, callback, args) if delay is None else TimerHandle(None, None, callback, args)
        else:
            handle = TimerHandle(None, when, callback, args)
        if self._running and _in_loop():
            handle._native = _call_later(delay or 0, when, callback, args)
        else:
            # Not on the loop's thread yet: kept until the loop runs.
            self._early.append((handle, delay or 0, when))
        return handle

    def call_soon(self, callback, *args, context=None):
        return self._schedule(None, None, callback, args)

    def call_later(self, delay, callback, *args, context=None):
        if delay is None:
            raise TypeError("delay must not be None")
        handle = self._schedule(delay, None, callback, args)
        handle._when = self.time() + delay
        return handle

    def call_at(self, when, callback, *args, context=None):
        if when is None:
            raise TypeError("when cannot be None")
        return self._schedule(None, when, callback, args)

    def call_soon_threadsafe(self, callback, *args, context=None):
        self._check_closed()
        if _in_loop() and _running_loops.get(_loop_key()) is self:
            return self.call_soon(callback, *args)
        if self._anchor is None:
            return self._schedule(None, None, callback, args)
        return Handle(_call_soon_threadsafe(self._anchor, callback, args), callback, args)

    # -- tasks and futures

    def create_task(self, coro, *, name=None, context=None):
        self._check_closed()
        return create_task(coro, name=name, context=context)

    def create_future(self):
        return Future()

    def run_in_executor(self, executor, func, *args):
        self._check_closed()
        if executor is None:
            executor = self._default_executor
            if executor is None:
                import concurrent.futures

                executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="asyncio")
                self._default_executor = executor
        return wrap_future(executor.submit(func, *args))

    def set_default_executor(self, executor):
        self._default_executor = executor

    async def shutdown_default_executor(self):
        executor = self._default_executor
        if executor is not None:
            await to_thread(executor.shutdown, True)

    async def shutdown_asyncgens(self):
        pass

    def get_debug(self):
        return False

    def set_debug(self, enabled):
        pass


def new_event_loop():
    return BaseEventLoop()


def get_running_loop():
    loop = _running_loops.get(_loop_key()) if _in_loop() else None
    if loop is None:
        raise RuntimeError("no running event loop")
    if loop._anchor is None:
        loop._anchor = current_task()
    return loop


def _get_running_loop():
    try:
        return get_running_loop()
    except RuntimeError:
        return None


def get_event_loop():
    loop = _get_running_loop()
    if loop is not None:
        return loop
    key = _loop_key()
    loop = _event_loops.get(key)
    if loop is None:
        loop = new_event_loop()
        _event_loops[key] = loop
    return loop


def set_event_loop(loop):
    _event_loops[_loop_key()] = loop


def run(main, *, debug=None):
    if _in_loop():
        raise RuntimeError("asyncio.run() cannot be called from a running event loop")
    if not iscoroutine(main):
        raise ValueError("a coroutine was expected, got %r" % (main,))
    loop = new_event_loop()
    key = _loop_key()
    loop._running = True
    previous = _running_loops.get(key)
    _running_loops[key] = loop
    try:
        return _run(main)
    finally:
        loop._running = False
        if previous is None:
            _running_loops.pop(key, None)
        else:
            _running_loops[key] = previous
        executor = loop._default_executor
        if executor is not None:
            executor.shutdown(wait=True)
        loop._closed = True


def wrap_future(future, *, loop=None):
    if isfuture(future):
        return future
    new = Future()

    def copy_state(f):
        # Runs in the thread that completes the concurrent future.
        if f.cancelled():
            new.cancel()
            return
        exc = f.exception()
        if exc is not None:
            new.set_exception(exc)
        else:
            new.set_result(f.result())

    future.add_done_callback(copy_state)
    return new


def run_coroutine_threadsafe(coro, loop):
    import concurrent.futures

    if not iscoroutine(coro):
        raise TypeError("A coroutine object is required")
    future = concurrent.futures.Future()

    async def run_into():
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = await coro
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)

    def start():
        create_task(run_into())

    loop.call_soon_threadsafe(start)
    return future


# ---- Condition and Barrier (over Lock and Event, as CPython's asyncio builds them) -----------


class Condition:
    def __init__(self, lock=None):
        if lock is None:
            lock = Lock()
        self._lock = lock
        self._waiters = []

    def locked(self):
        return self._lock.locked()

    async def acquire(self):
        return await self._lock.acquire()

    def release(self):
        self._lock.release()

    async def __aenter__(self):
        await self._lock.acquire()
        return None

    async def __aexit__(self, exc_type, exc, tb):
        self._lock.release()

    async def wait(self):
        if not self.locked():
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = Event()
        self._waiters.append(waiter)
        self.release()
        try:
            await waiter.wait()
            return True
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            await self.acquire()

    async def wait_for(self, predicate):
        result = predicate()
        while not result:
            # The wait is assigned so that it is not a bare `await x.wait()` in a loop, which
            # would declare `result` (a stale local) as what it waits for.
            _expecting(predicate)
            woken = await self.wait()
            result = predicate()
        return result

    def notify(self, n=1):
        if not self.locked():
            raise RuntimeError("cannot notify on un-acquired lock")
        idx = 0
        for waiter in list(self._waiters):
            if idx >= n:
                break
            if not waiter.is_set():
                idx += 1
                self._waiters.remove(waiter)
                waiter.set()

    def notify_all(self):
        self.notify(len(self._waiters))


class BrokenBarrierError(RuntimeError):
    pass


class Barrier:
    def __init__(self, parties):
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._parties = parties
        self._cond = Condition()
        self._state = 0  # 0 filling, 1 draining, -1 resetting, -2 broken
        self._count = 0

    async def __aenter__(self):
        return await self.wait()

    async def __aexit__(self, *args):
        pass

    async def wait(self):
        async with self._cond:
            await self._block()
            try:
                index = self._count
                self._count += 1
                if index + 1 == self._parties:
                    self._state = 1
                    self._cond.notify_all()
                else:
                    await self._wait()
                return index
            finally:
                self._count -= 1
                self._exit()

    async def _block(self):
        await self._cond.wait_for(lambda: self._state not in (1, -1))
        if self._state < 0:
            raise BrokenBarrierError("Barrier aborted")

    async def _wait(self):
        await self._cond.wait_for(lambda: self._state != 0)
        if self._state < 0:
            raise BrokenBarrierError("Barrier aborted")

    def _exit(self):
        if self._count == 0:
            if self._state in (-1, 1):
                self._state = 0
            self._cond.notify_all()

    async def reset(self):
        async with self._cond:
            if self._count > 0:
                if self._state == 0:
                    self._state = -1
                elif self._state == -2:
                    self._state = -1
            else:
                self._state = 0
            self._cond.notify_all()

    async def abort(self):
        async with self._cond:
            self._state = -2
            self._cond.notify_all()

    @property
    def parties(self):
        return self._parties

    @property
    def n_waiting(self):
        if self._state == 0:
            return self._count
        return 0

    @property
    def broken(self):
        return self._state == -2
