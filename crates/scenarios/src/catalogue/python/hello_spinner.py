import asyncio
import itertools
import json
import multiprocessing as mp
import threading
import time

FLAVOR = "thread"  # param flavor: "thread", "process" or "coroutine"
SLOW = 3.0  # param slow_s
FPS = 10  # param fps
FRAME = 1 / FPS
SLOW_KIND = "sleep"  # param slow_kind: "sleep" or "cpu"


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def spin(done, frames):
    for char in itertools.cycle(r"\|/-"):
        print(f"\r{char} thinking!", end="", flush=True)
        frames.value += 1
        if done.wait(FRAME):
            break
    print("\r" + " " * 12 + "\r", end="")


def slow():
    busy(SLOW) if SLOW_KIND == "cpu" else time.sleep(SLOW)
    return 42


async def spin_async(frames):
    for char in itertools.cycle(r"\|/-"):
        print(f"\r{char} thinking!", end="", flush=True)
        frames[0] += 1
        try:
            await asyncio.sleep(FRAME)
        except asyncio.CancelledError:
            break
    print("\r" + " " * 12 + "\r", end="")


async def slow_async():
    if SLOW_KIND == "cpu":
        busy(SLOW)                  # no await: the event loop is stuck here
    else:
        await asyncio.sleep(SLOW)
    return 42


async def supervisor(frames):
    spinner = asyncio.create_task(spin_async(frames))
    result = await slow_async()
    spinner.cancel()
    await asyncio.gather(spinner, return_exceptions=True)
    return result


if __name__ == "__main__":
    if FLAVOR == "coroutine":
        box = [0]
        answer = asyncio.run(supervisor(box))
        frames = box[0]
    else:
        if FLAVOR == "thread":
            done, counter, Unit = threading.Event(), mp.Value("i", 0), threading.Thread
        else:
            done, counter, Unit = mp.Event(), mp.Value("i", 0), mp.Process
        spinner = Unit(target=spin, args=(done, counter))
        spinner.start()
        answer = slow()
        done.set()
        spinner.join()
        frames = counter.value
    print(f"Answer: {answer} ({frames} frames)")
    print("RESULT " + json.dumps({"answer": answer, "frames": frames, "spun": frames > 1}))
