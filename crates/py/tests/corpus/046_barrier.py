# level: 2 — threading.Barrier: threads arrive at different times, an action runs once, all proceed together
import threading
import time

arrivals = []


def on_all_arrived():
    print("barrier action: everyone arrived, order", arrivals)


barrier = threading.Barrier(3, action=on_all_arrived)


def runner(i):
    time.sleep(0.02 * (3 - i))
    print(f"runner {i} arrives")
    arrivals.append(i)
    barrier.wait()
    time.sleep(0.02 * i)
    print(f"runner {i} leaves")


threads = [threading.Thread(target=runner, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("parties:", barrier.parties, "waiting:", barrier.n_waiting, "broken:", barrier.broken)

lonely = threading.Barrier(2)
try:
    lonely.wait(timeout=0.02)
except threading.BrokenBarrierError as e:
    print("nobody else came:", type(e).__name__, lonely.broken)
lonely.reset()
print("after reset broken:", lonely.broken)
