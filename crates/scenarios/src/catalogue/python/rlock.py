import json
import threading
import time

LOCK = "rlock"  # param lock: "rlock", or "lock" to see the deadlock (the program then hangs)
ITEMS = 3  # param items
DELAY_MS = 1.0  # param delay_ms
DELAY = DELAY_MS / 1000
MISUSE = False  # param misuse


class Box:
    def __init__(self):
        self.lock = threading.RLock() if LOCK == "rlock" else threading.Lock()
        self.total_items = 0

    def execute(self, value):
        with self.lock:              # taken a second time by add()/remove()
            self.total_items += value

    def add(self):
        with self.lock:
            self.execute(1)

    def remove(self):
        with self.lock:
            self.execute(-1)


def adder(box):
    for _ in range(ITEMS):
        box.add()
        time.sleep(DELAY)


def remover(box):
    for _ in range(ITEMS):
        box.remove()
        time.sleep(DELAY)


misuse_error = ""


def report(args):
    # Called for an exception that escapes a thread (like the default traceback).
    global misuse_error
    misuse_error = args.exc_type.__name__
    print(f"{args.thread.name}: {args.exc_type.__name__}: {args.exc_value}")


threading.excepthook = report


def intruder(box):
    time.sleep(DELAY / 2)
    box.lock.release()               # not the owner: RuntimeError


box = Box()
threads = [threading.Thread(target=adder, args=(box,), name="adder"),
           threading.Thread(target=remover, args=(box,), name="remover")]
if MISUSE:
    threads.append(threading.Thread(target=intruder, args=(box,), name="intruder"))
for t in threads:
    t.start()
for t in threads:
    t.join()
print("total items:", box.total_items)
print("RESULT " + json.dumps({"total_items": box.total_items, "misuse_error": misuse_error}))
