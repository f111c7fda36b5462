import asyncio
import json
import queue
import threading
import time

MODE = "threads"  # param mode: "serial", "threads", "pool" or "asyncio"
HEIGHT = 5  # param height
WIDTH = 9  # param width
GENERATIONS = 4  # param generations
IO_MS = 100.0  # param io_ms
IO = IO_MS / 1000
PATTERN = "glider"  # param pattern
POOL_WORKERS = 10  # param pool_workers

ALIVE, EMPTY = "*", "-"


class Grid:
    def __init__(self, height, width):
        self.height, self.width = height, width
        self.rows = [[EMPTY] * width for _ in range(height)]

    def get(self, y, x):
        return self.rows[y % self.height][x % self.width]      # a torus

    def set(self, y, x, state):
        self.rows[y % self.height][x % self.width] = state

    def __str__(self):
        return "\n".join("".join(r) for r in self.rows)


def count_neighbors(y, x, get):
    around = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]
    return sum(get(y + dy, x + dx) == ALIVE for dy, dx in around)


def game_logic(state, neighbors):
    if IO:
        time.sleep(IO)                               # blocking I/O for every cell
    if state == ALIVE:
        return ALIVE if neighbors in (2, 3) else EMPTY
    return ALIVE if neighbors == 3 else EMPTY


async def game_logic_async(state, neighbors):
    await asyncio.sleep(IO)
    if state == ALIVE:
        return ALIVE if neighbors in (2, 3) else EMPTY
    return ALIVE if neighbors == 3 else EMPTY


def step_cell(y, x, old, new):
    new.set(y, x, game_logic(old.get(y, x), count_neighbors(y, x, old.get)))


def simulate(old):
    new = Grid(old.height, old.width)
    cells = [(y, x) for y in range(old.height) for x in range(old.width)]
    if MODE == "serial":
        for y, x in cells:
            step_cell(y, x, old, new)
    elif MODE == "threads":                          # fan out one thread per cell, fan in
        threads = [threading.Thread(target=step_cell, args=(y, x, old, new)) for y, x in cells]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elif MODE == "pool":
        todo = queue.Queue()
        for c in cells:
            todo.put(c)

        def worker():
            while True:
                try:
                    y, x = todo.get_nowait()
                except queue.Empty:
                    return
                step_cell(y, x, old, new)

        workers = [threading.Thread(target=worker) for _ in range(POOL_WORKERS)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
    else:
        async def cell(y, x):
            state = await game_logic_async(old.get(y, x), count_neighbors(y, x, old.get))
            new.set(y, x, state)

        async def generation():
            await asyncio.gather(*(cell(y, x) for y, x in cells))

        asyncio.run(generation())
    return new


def initial():
    g = Grid(HEIGHT, WIDTH)
    if PATTERN == "glider":
        for y, x in [(0, 3), (1, 4), (2, 2), (2, 3), (2, 4)]:
            g.set(y, x, ALIVE)
    elif PATTERN == "blinker":
        for x in range(1, 4):
            g.set(1, x, ALIVE)
    else:
        s = 0x9E3779B97F4A7C15
        for y in range(HEIGHT):
            for x in range(WIDTH):
                s ^= (s << 13) & 0xFFFFFFFFFFFFFFFF
                s ^= s >> 7
                s ^= (s << 17) & 0xFFFFFFFFFFFFFFFF
                if s % 3 == 0:
                    g.set(y, x, ALIVE)
    return g


grid = initial()
start = time.perf_counter()
for generation in range(GENERATIONS):
    grid = simulate(grid)
    print(f"generation {generation + 1}: {str(grid).count(ALIVE)} alive")
elapsed = time.perf_counter() - start
print(grid)
rows = str(grid).split("\n")
print("RESULT " + json.dumps({"final_grid": rows, "alive": str(grid).count(ALIVE),
                              "ms_per_generation": round(elapsed * 1000 / GENERATIONS, 1)}))
