# level: 2 — an uncaught exception in a thread: traceback on stderr, the thread dies, the program goes on
import threading


def parse(text):
    return int(text)


def worker(items):
    for item in items:
        print("parsed", parse(item))


t = threading.Thread(target=worker, args=(["1", "2", "three", "4"],))
t.start()
t.join()
print("main continues; worker alive?", t.is_alive())

ok = threading.Thread(target=worker, args=(["5"],))
ok.start()
ok.join()


def hook(args):
    print(f"hook: {args.exc_type.__name__} in {args.thread.name}: {args.exc_value}")


threading.excepthook = hook
t3 = threading.Thread(target=worker, args=(["x"],), name="hooked")
t3.start()
t3.join()
print("main exits normally")
