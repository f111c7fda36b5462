# level: 4 — Manager proxies: Namespace, Queue and Value shared by processes, copies vs proxies
from multiprocessing import Manager, Process


def worker(ns, q, lock, n):
    q.put(f"worker {n} started")
    with lock:
        ns.last = n


def collect(q, count):
    return sorted(q.get() for _ in range(count))


if __name__ == "__main__":
    with Manager() as m:
        ns = m.Namespace(last=None, items=[])
        q = m.Queue()
        total = m.Value("i", 0)
        ns_lock = m.Lock()
        procs = [Process(target=worker, args=(ns, q, ns_lock, i)) for i in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(collect(q, 3))
        print("last writer was one of them:", ns.last in (0, 1, 2))
        items = ns.items
        items.append("lost")
        print("a mutated copy does not reach the manager:", ns.items, items)
        ns.items = items
        print("assigning it back does:", ns.items)
        total.value = total.value + 5
        print("value proxy:", total.value, type(total).__name__)
        shared = m.list(range(3))
        shared.extend([3, 4])
        print(len(shared), shared[-1], list(shared), 4 in shared)
