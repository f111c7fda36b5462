# level: 2 — shared memory: multiprocessing.Value with a Lock, Array, and a plain list that is not shared
import multiprocessing as mp


def add_many(total, lock, times):
    for _ in range(times):
        with lock:
            total.value += 1


def fill(arr, index, value):
    arr[index] = value


def scale(arr, k):
    for i in range(len(arr)):
        arr[i] *= k


def touch_plain(plain):
    plain.append("changed in child")


if __name__ == "__main__":
    total = mp.Value("i", 0)
    lock = mp.Lock()
    procs = [mp.Process(target=add_many, args=(total, lock, 200)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print("shared total:", total.value)

    arr = mp.Array("d", 5)
    fillers = [mp.Process(target=fill, args=(arr, i, i * 1.5)) for i in range(5)]
    for p in fillers:
        p.start()
    for p in fillers:
        p.join()
    print("filled:", list(arr))
    s = mp.Process(target=scale, args=(arr, 2))
    s.start()
    s.join()
    print("scaled:", list(arr), "len:", len(arr))

    plain = ["original"]
    p = mp.Process(target=touch_plain, args=(plain,))
    p.start()
    p.join()
    print("plain list in parent:", plain)
    flag = mp.Value("d", 0.25)
    print("typed value:", flag.value, mp.Array("i", [3, 1, 2])[:])
