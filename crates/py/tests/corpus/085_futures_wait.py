# level: 4 — concurrent.futures.wait with FIRST_COMPLETED and FIRST_EXCEPTION, cancelling queued work, done callbacks, timeouts
import threading
import time
from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, ThreadPoolExecutor, TimeoutError, wait


def job(name, seconds, fail=False):
    time.sleep(seconds)
    if fail:
        raise RuntimeError(f"{name} failed")
    return name


with ThreadPoolExecutor(max_workers=2) as ex:
    fast = ex.submit(job, "fast", 0.01)
    slow = ex.submit(job, "slow", 0.05)
    queued = ex.submit(job, "queued", 0.01)
    print("queued one cancelled:", queued.cancel(), queued.cancelled())
    done, pending = wait([fast, slow], return_when=FIRST_COMPLETED)
    print("first completed:", [f.result() for f in done], "still pending:", len(pending))
    try:
        slow.result(timeout=0.001)
    except TimeoutError:
        print("slow is not done yet")
    print("slow in the end:", slow.result())

seen = []
with ThreadPoolExecutor(max_workers=3, thread_name_prefix="cb") as ex:
    fs = [ex.submit(job, "a", 0.03), ex.submit(job, "b", 0.01, fail=True), ex.submit(job, "c", 0.02)]
    for f in fs:
        f.add_done_callback(lambda f: seen.append(threading.current_thread().name.startswith("cb")))
    done, pending = wait(fs, return_when=FIRST_EXCEPTION)
    print("stopped at the first exception:", [str(f.exception()) for f in done], len(pending))
    wait(fs)
print("callbacks ran in worker threads:", seen)
