import json
import multiprocessing as mp

BACKEND = "manager_dict"  # param backend: "manager_dict", "value", "manager_list" or "global"
PROCESSES = 5  # param processes
INCREMENTS = 3  # param increments
USE_LOCK = False  # param use_lock

counter = 0                  # the "global" backend: every child gets its own copy


class NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def dict_worker(d, lock, i):
    d[i] = i * i
    for _ in range(INCREMENTS):
        with lock:
            d["count"] += 1      # a get and a set: two round trips to the manager


def writer(num, arr):
    num.value = 3.1415927
    for i in range(len(arr)):
        arr[i] = -arr[i]


def value_worker(shared, i):
    for _ in range(INCREMENTS):
        if USE_LOCK:
            with shared.get_lock():
                shared.value += 1
        else:
            shared.value += 1    # a read and a write: not atomic


def reverser(numbers):
    numbers.reverse()


def list_worker(log, lock, i):
    for _ in range(INCREMENTS):
        with lock:
            log.append(i)        # one call: atomic in the manager


def global_worker(views, lock, i):
    global counter
    for _ in range(INCREMENTS):
        with lock:
            counter += 1         # this process's own copy
    print(f"p{i} sees counter = {counter}", flush=True)
    views[i] = counter


def run(procs):
    for p in procs:
        p.start()
    for p in procs:
        p.join()


if __name__ == "__main__":
    lock = mp.Lock() if USE_LOCK else NoLock()
    result = {}
    if BACKEND == "manager_dict":
        with mp.Manager() as manager:
            d = manager.dict()
            d["count"] = 0
            run([mp.Process(target=dict_worker, args=(d, lock, i), name=f"p{i}")
                 for i in range(PROCESSES)])
            squares = [d[i] for i in range(PROCESSES)]
            print(f"squares: {squares}")
            final = d["count"]
        result["squares"] = squares
    elif BACKEND == "value":
        num = mp.Value("d", 0.0)
        arr = mp.Array("i", range(10))
        shared = mp.Value("i", 0)
        procs = [mp.Process(target=writer, args=(num, arr), name="writer")]
        procs += [mp.Process(target=value_worker, args=(shared, i), name=f"p{i}")
                  for i in range(PROCESSES)]
        run(procs)
        print(f"num = {num.value}, arr = {arr[:]}")
        result.update(value=num.value, array=arr[:])
        final = shared.value
    elif BACKEND == "manager_list":
        with mp.Manager() as manager:
            numbers = manager.list(range(10))
            log = manager.list()
            procs = [mp.Process(target=reverser, args=(numbers,), name="reverser")]
            procs += [mp.Process(target=list_worker, args=(log, lock, i), name=f"p{i}")
                      for i in range(PROCESSES)]
            run(procs)
            reversed_numbers = list(numbers)
            print(f"numbers = {reversed_numbers}")
            final = len(log)
        result["reversed"] = reversed_numbers
    else:
        views = mp.Array("i", [-1] * PROCESSES, lock=False)
        run([mp.Process(target=global_worker, args=(views, lock, i), name=f"p{i}")
             for i in range(PROCESSES)])
        result["child_views"] = list(views)
        final = counter          # untouched in the parent

    expected = PROCESSES * INCREMENTS
    print(f"counter = {final}, expected {expected}")
    result.update(counter=final, expected=expected, lost=expected - final)
    print("RESULT " + json.dumps(result))
