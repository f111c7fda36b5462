# level: 2 — multiprocessing.Process: target/args, current_process().name, exit codes; globals are copies
import multiprocessing as mp
import sys

counter = 0


def child(n):
    global counter
    counter += n
    print(f"{mp.current_process().name}: counter in child = {counter}")


def failing(code):
    sys.exit(code)


if __name__ == "__main__":
    print("parent is", mp.current_process().name)
    procs = [mp.Process(target=child, args=(10 * (i + 1),)) for i in range(3)]
    for p in procs:
        p.start()
        p.join()
    print("counter in parent =", counter)
    print("exit codes:", [p.exitcode for p in procs], "names:", [p.name for p in procs])
    named = mp.Process(target=child, args=(1,), name="custom")
    named.start()
    named.join()
    print(named.name, named.is_alive(), named.exitcode)
    bad = mp.Process(target=failing, args=(3,))
    bad.start()
    bad.join()
    print("sys.exit(3) in the child gives exitcode", bad.exitcode)
    print("parent counter still", counter)
