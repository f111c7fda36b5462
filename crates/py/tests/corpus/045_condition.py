# level: 2 — threading.Condition: strict ping-pong with wait_for, and a consumer waiting for items
import threading

cond = threading.Condition()
turn = "ping"


def player(me, other, rounds):
    global turn
    for i in range(rounds):
        with cond:
            cond.wait_for(lambda: turn == me)
            print(f"{me} {i}")
            turn = other
            cond.notify_all()


a = threading.Thread(target=player, args=("ping", "pong", 3))
b = threading.Thread(target=player, args=("pong", "ping", 3))
b.start()
a.start()
a.join()
b.join()

items = []
available = threading.Condition()


def consumer():
    while True:
        with available:
            while not items:
                available.wait()
            item = items.pop(0)
        if item is None:
            print("consumer: done")
            return
        print("consumer got", item)


def producer():
    for n in [10, 20, 30, None]:
        with available:
            items.append(n)
            available.notify()


c = threading.Thread(target=consumer)
p = threading.Thread(target=producer)
c.start()
p.start()
p.join()
c.join()
with available:
    print("wait with nobody notifying:", available.wait(timeout=0.01))
