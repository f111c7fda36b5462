import json
import multiprocessing as mp
import time

VARIANT = "chain"  # param variant: "chain" or "ping_pong"
ITEMS = 10  # param items
DUPLEX = True  # param duplex
CLOSE_UNUSED = True  # param close_unused_ends
ROUNDS = 3  # param rounds
DELAY_MS = 200.0  # param delay_ms
DELAY = DELAY_MS / 1000
# How long the main process waits for a message, or a child, before it gives up.
PATIENCE = 1.0 + 2 * ROUNDS * DELAY


def ends(pipe):
    """(receiving end, sending end); Pipe(duplex=False) returns (reader, writer)."""
    first, second = pipe
    return (second, first) if DUPLEX else (first, second)


def produce(rx1, tx1):
    if CLOSE_UNUSED:
        rx1.close()              # this process never reads pipe 1
    for i in range(ITEMS):
        tx1.send(i)
    tx1.close()


def square(rx1, tx1, rx2, tx2):
    if CLOSE_UNUSED:
        tx1.close()              # its inherited copy of pipe 1's writing end
        rx2.close()
    while True:
        try:
            x = rx1.recv()
        except EOFError:         # every copy of pipe 1's writing end is closed
            break
        tx2.send(x * x)
    tx2.close()


def child(parent_end, child_end, eof):
    if CLOSE_UNUSED:
        parent_end.close()       # its inherited copy of the parent's end
    while True:
        try:
            msg = child_end.recv()
        except EOFError:
            print("child: EOF", flush=True)
            eof.value = 1
            return
        print(f"child got {msg}", flush=True)
        time.sleep(DELAY)
        child_end.send(msg.replace("ping", "pong"))


def join_by(procs):
    deadline = time.monotonic() + PATIENCE
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    return sum(p.is_alive() for p in procs)


if __name__ == "__main__":
    received, eof = [], False
    # daemon=True so that this program can exit if a child never finishes: the main
    # process gives up waiting after a while and reports how many are stuck.
    if VARIANT == "chain":
        rx1, tx1 = ends(mp.Pipe(DUPLEX))
        rx2, tx2 = ends(mp.Pipe(DUPLEX))
        p1 = mp.Process(target=produce, args=(rx1, tx1), name="P1", daemon=True)
        p2 = mp.Process(target=square, args=(rx1, tx1, rx2, tx2), name="P2", daemon=True)
        p1.start()
        p2.start()
        if CLOSE_UNUSED:
            rx1.close()          # the main process only reads pipe 2
            tx1.close()
            tx2.close()
        while True:
            if not rx2.poll(PATIENCE):
                print("no EOF: the pipe's writing end is still open somewhere")
                break
            try:
                x = rx2.recv()
            except EOFError:
                print("end")
                eof = True
                break
            print(x)
            received.append(x)
        stuck = join_by([p1, p2])
        if stuck:
            print(f"{stuck} processes are still blocked in recv()")
    else:
        parent_end, child_end = mp.Pipe()
        child_eof = mp.Value("i", 0)
        c = mp.Process(target=child, args=(parent_end, child_end, child_eof), name="child",
                       daemon=True)
        c.start()
        if CLOSE_UNUSED:
            child_end.close()    # the parent's copy of the child's end
        parent_end.send("ping 1")
        for r in range(1, ROUNDS + 1):
            if not parent_end.poll(PATIENCE):
                break
            msg = parent_end.recv()
            print(f"parent got {msg}", flush=True)
            received.append(msg)
            if r < ROUNDS:
                time.sleep(DELAY)
                parent_end.send(f"ping {r + 1}")
        parent_end.close()
        stuck = join_by([c])
        if stuck:
            print("the child is still blocked in recv(): it never saw EOF")
        eof = child_eof.value == 1
    print("RESULT " + json.dumps({"received": received, "eof": eof, "stuck": stuck}))
