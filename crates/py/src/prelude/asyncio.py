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


async def shield(aw):
    return await aw


def all_tasks():
    return {t for t in _all_task_objects() if not t.done()}
