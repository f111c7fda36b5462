# level: 2 — Queue, LifoQueue and PriorityQueue order; queue.Empty and queue.Full on timeouts
import queue

fifo, lifo, prio = queue.Queue(), queue.LifoQueue(), queue.PriorityQueue()
for x in [3, 1, 2]:
    fifo.put(x)
    lifo.put(x)
    prio.put(x)
print("fifo:", [fifo.get() for _ in range(3)])
print("lifo:", [lifo.get() for _ in range(3)])
print("prio:", [prio.get() for _ in range(3)])

tasks = queue.PriorityQueue()
for entry in [(2, "write report"), (1, "fix bug"), (3, "lunch"), (1, "answer email")]:
    tasks.put(entry)
while not tasks.empty():
    priority, name = tasks.get()
    print(f"  [{priority}] {name}")

small = queue.Queue(maxsize=2)
small.put_nowait("a")
small.put_nowait("b")
print("full:", small.full(), "size:", small.qsize(), "maxsize:", small.maxsize)
try:
    small.put_nowait("c")
except queue.Full as e:
    print("put_nowait raised", type(e).__name__, repr(e))
try:
    small.put("c", timeout=0.01)
except queue.Full:
    print("put with timeout raised Full")
print(small.get(), small.get())
try:
    small.get(timeout=0.01)
except queue.Empty as e:
    print("get with timeout raised", type(e).__name__, repr(e))
try:
    small.get_nowait()
except queue.Empty:
    print("get_nowait raised Empty")
try:
    small.get(block=False)
except queue.Empty:
    print("get(block=False) raised Empty")
print("empty:", small.empty(), issubclass(queue.Empty, Exception))
