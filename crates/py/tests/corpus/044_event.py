# level: 2 — threading.Event: waiters block until set; wait(timeout) returns False; clear resets it
import threading
import time

go = threading.Event()


def runner(i):
    go.wait()
    time.sleep(0.02 * i)
    print(f"runner {i} started after the signal")


threads = [threading.Thread(target=runner, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
time.sleep(0.02)
print("waiting before set:", sum(t.is_alive() for t in threads), go.is_set())
print("firing the starting gun")
go.set()
for t in threads:
    t.join()
print("is_set:", go.is_set(), "wait on a set event:", go.wait())
go.clear()
print("after clear:", go.is_set(), "wait(0.01):", go.wait(0.01))

stop = threading.Event()
ticks = []


def heartbeat():
    while not stop.wait(0.005):
        ticks.append(1)
    print("heartbeat saw stop")


hb = threading.Thread(target=heartbeat)
hb.start()
time.sleep(0.05)
stop.set()
hb.join()
print("heartbeat ticked:", len(ticks) > 0)
