# level: 2 — subclassing threading.Thread and overriding run(); results stored on the thread object
import threading
import time


class Summer(threading.Thread):
    def __init__(self, start_at, stop_at, delay):
        super().__init__()
        self.start_at, self.stop_at, self.delay = start_at, stop_at, delay
        self.total = None

    def run(self):
        time.sleep(self.delay)
        self.total = sum(range(self.start_at, self.stop_at))
        print(f"{self.name} summed [{self.start_at}, {self.stop_at}) = {self.total}")


class Greeter(threading.Thread):
    def __init__(self, who):
        super().__init__(name=f"greeter-{who}")
        self.who = who

    def run(self):
        print(f"hello {self.who} from {threading.current_thread().name}")


chunks = [(0, 250), (250, 500), (500, 750), (750, 1001)]
workers = [Summer(a, b, 0.02 * (len(chunks) - i)) for i, (a, b) in enumerate(chunks)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print("grand total:", sum(w.total for w in workers), sum(range(1001)))
for who in ("ann", "bob"):
    g = Greeter(who)
    g.start()
    g.join()
print([w.name for w in workers], [w.is_alive() for w in workers])
