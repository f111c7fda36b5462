# level: 1 — random and time used only in ways whose printed result is deterministic
import random
import time

deck = list(range(10))
shuffled = deck[:]
random.shuffle(shuffled)
print(sorted(shuffled) == deck, len(shuffled))
print(sorted(random.sample(range(10), 10)) == list(range(10)))
rolls = [random.randint(1, 6) for _ in range(100)]
print(all(1 <= r <= 6 for r in rolls), len(rolls))
picks = {random.choice("ab") for _ in range(200)} <= {"a", "b"}
print(picks)
floats = [random.random() for _ in range(50)]
print(all(0.0 <= f < 1.0 for f in floats))
print(random.randrange(5, 6), random.choice([7]), random.uniform(2, 2))
sample = random.sample(["x", "y", "z"], 2)
print(len(sample), len(set(sample)), all(s in "xyz" for s in sample))
start = time.time()
t0 = time.perf_counter()
time.sleep(0.02)
elapsed = time.perf_counter() - t0
print(elapsed >= 0.02, time.time() >= start)
m1 = time.monotonic()
m2 = time.monotonic()
print(m2 >= m1, type(m1).__name__)
