# level: 2 — multiprocessing.Queue: a child producer in FIFO order, then two square workers
import multiprocessing as mp


def announcer(q, count):
    for i in range(count):
        q.put(f"message {i} from {mp.current_process().name}")
    q.put(None)


def square_worker(inbox, outbox):
    while True:
        n = inbox.get()
        if n is None:
            break
        outbox.put((n, n * n))


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=announcer, args=(q, 3))
    p.start()
    while (msg := q.get()) is not None:
        print(msg)
    p.join()

    inbox, outbox = mp.Queue(), mp.Queue()
    workers = [mp.Process(target=square_worker, args=(inbox, outbox)) for _ in range(2)]
    for w in workers:
        w.start()
    for n in range(8):
        inbox.put(n)
    for _ in workers:
        inbox.put(None)
    results = sorted(outbox.get() for _ in range(8))
    for w in workers:
        w.join()
    print(results)
    print("exit codes:", [w.exitcode for w in workers])
