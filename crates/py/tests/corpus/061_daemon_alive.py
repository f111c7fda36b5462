# level: 2 — daemon threads, is_alive(), join(timeout) and threading.enumerate()
import threading
import time

stop = threading.Event()


def heartbeat():
    while not stop.is_set():
        stop.wait(0.005)


def slow():
    time.sleep(0.06)


hb = threading.Thread(target=heartbeat, daemon=True, name="heartbeat")
hb.start()
s = threading.Thread(target=slow, name="slow")
s.start()
s.join(timeout=0.01)
print("slow alive after a short join:", s.is_alive())
print("running:", sorted(t.name for t in threading.enumerate()))
s.join()
print("slow alive after a full join:", s.is_alive())
print("daemon flags:", hb.daemon, s.daemon, threading.current_thread().daemon)
stop.set()
hb.join()
print("running:", sorted(t.name for t in threading.enumerate()))
forever = threading.Thread(target=time.sleep, args=(10,), daemon=True)
forever.start()
print("exiting with a daemon still asleep:", forever.is_alive())
