# level: 2 — subclassing multiprocessing.Process; children finish in sleep order; terminate() gives -15
import multiprocessing as mp
import time


class Napper(mp.Process):
    def __init__(self, delay, label):
        super().__init__()
        self.delay, self.label = delay, label

    def run(self):
        time.sleep(self.delay)
        print(f"{self.name} ({self.label}) woke after its nap", flush=True)


class Sleeper(mp.Process):
    def run(self):
        time.sleep(10)


if __name__ == "__main__":
    nappers = [Napper(0.09 - 0.03 * i, f"n{i}") for i in range(3)]
    for p in nappers:
        p.start()
    for p in nappers:
        p.join()
    print("exit codes:", [p.exitcode for p in nappers])
    s = Sleeper(name="long-sleeper")
    s.start()
    time.sleep(0.02)
    print(s.name, "alive:", s.is_alive())
    s.terminate()
    s.join()
    print(s.name, "alive:", s.is_alive(), "exitcode:", s.exitcode)
