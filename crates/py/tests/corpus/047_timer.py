# level: 2 — threading.Timer: delayed calls fire in delay order; a cancelled timer never fires
import threading
import time

fired = []


def ring(msg):
    fired.append(msg)
    print("timer fired:", msg, "in", threading.current_thread().name)


t1 = threading.Timer(0.06, ring, args=("third",))
t2 = threading.Timer(0.02, ring, args=("first",))
t3 = threading.Timer(0.04, ring, kwargs={"msg": "second"})
t4 = threading.Timer(0.03, ring, args=("cancelled",))
for t in (t1, t2, t3, t4):
    t.start()
t4.cancel()
print("main continues while timers wait")
for t in (t1, t2, t3, t4):
    t.join()
print(fired)

count = 0


def repeating():
    global count
    count += 1
    print("tick", count)
    if count < 3:
        threading.Timer(0.01, repeating).start()


repeating()
time.sleep(0.1)
print("ticks:", count, "threads left:", threading.active_count())
