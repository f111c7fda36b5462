# level: 2 — multiprocessing.Pipe: a duplex echo server in a child, and a one-way pipe of objects
import multiprocessing as mp


def echo_server(conn):
    while True:
        msg = conn.recv()
        if msg == "bye":
            conn.send("closing")
            break
        conn.send(msg.upper())
    conn.close()


def reporter(writer):
    writer.send({"worker": mp.current_process().name, "items": [1, 2, 3]})
    writer.send(("done", 3))
    writer.close()


if __name__ == "__main__":
    parent, child = mp.Pipe()
    p = mp.Process(target=echo_server, args=(child,))
    p.start()
    for word in ["ping", "lock", "queue"]:
        parent.send(word)
        print(word, "->", parent.recv())
    parent.send("bye")
    print(parent.recv())
    p.join()
    print("anything left?", parent.poll(0.01))

    reader, writer = mp.Pipe(duplex=False)
    r = mp.Process(target=reporter, args=(writer,))
    r.start()
    print(reader.recv())
    print(reader.recv())
    r.join()
    print("exit codes:", p.exitcode, r.exitcode)
