# level: 4 — multiprocessing.Manager: a shared dict and list updated by several processes
from multiprocessing import Manager, Process


def record(shared, log, key, value):
    shared[key] = value
    log.append(value)


def tally(shared, lock, times):
    for _ in range(times):
        with lock:
            shared["count"] = shared["count"] + 1


if __name__ == "__main__":
    with Manager() as m:
        d = m.dict()
        log = m.list()
        procs = [Process(target=record, args=(d, log, f"k{i}", i * i)) for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(sorted(d.items()), sorted(log), len(d), len(log))

        d["count"] = 0
        lock = m.Lock()
        workers = [Process(target=tally, args=(d, lock, 25)) for _ in range(3)]
        for p in workers:
            p.start()
        for p in workers:
            p.join()
        print("count with a manager lock:", d["count"])
        plain = dict(d)
        print(type(plain).__name__, sorted(plain))
