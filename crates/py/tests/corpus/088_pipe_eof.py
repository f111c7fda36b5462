# level: 2 — Pipe end of file after a fork: the parent closes its copy, the child exits without closing, a closed handle
from multiprocessing import Process, Pipe


def child(w):
    w.send("hi")


if __name__ == "__main__":
    r, w = Pipe(False)
    p = Process(target=child, args=(w,))
    p.start()
    w.close()
    print(r.recv())
    try:
        r.recv()
    except EOFError:
        print("EOF once the child exited")
    p.join()
    try:
        w.send(1)
    except OSError as e:
        print("OSError:", e)
    w.close()
    a, b = Pipe()
    b.close()
    try:
        a.recv()
    except EOFError:
        print("EOF on a closed duplex peer")
