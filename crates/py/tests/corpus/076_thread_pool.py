# level: 4 — concurrent.futures.ThreadPoolExecutor: submit, map, as_completed, exceptions, results in order
from concurrent.futures import ThreadPoolExecutor, as_completed
import threading
import time


def slow_square(x):
    time.sleep(0.005 * (5 - x))
    return x * x


def risky(x):
    if x == 3:
        raise ValueError(f"bad input {x}")
    return x


with ThreadPoolExecutor(max_workers=3) as ex:
    futures = [ex.submit(slow_square, i) for i in range(5)]
    print("submit + result in submission order:", [f.result() for f in futures])
    print("map keeps input order:", list(ex.map(slow_square, range(5))))
    print("as_completed, sorted:", sorted(f.result() for f in as_completed(futures)))
    fut = ex.submit(risky, 3)
    print("exception:", type(fut.exception()).__name__, fut.exception())
    try:
        list(ex.map(risky, range(5)))
    except ValueError as e:
        print("map re-raises:", e)
    print(fut.done(), futures[0].done(), futures[0].cancelled())

names = set()


def record_name(_):
    time.sleep(0.01)
    names.add(threading.current_thread().name)


with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dl") as ex:
    list(ex.map(record_name, range(4)))
print("worker names all start with 'dl_':", all(n.startswith("dl_") for n in names), len(names) <= 2)
print("after shutdown only the main thread is left:", threading.active_count())
