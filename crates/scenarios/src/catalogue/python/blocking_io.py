import asyncio
import json
import select
import socket
import threading
import time

MODE = "threads"  # param mode: "serial", "threads" or "asyncio"
CALLS = 5  # param calls
LATENCY_MS = 100.0  # param latency_ms
LATENCY = LATENCY_MS / 1000
COMPUTE_MS = 2.0  # param compute_ms
COMPUTE = COMPUTE_MS / 1000


def slow_systemcall():
    # Waits in the kernel for data that never comes, for LATENCY seconds; the GIL is
    # released meanwhile.
    a, b = socket.socketpair()
    with a, b:
        select.select([a], [], [], LATENCY)


def compute():
    # Stand-in for the main thread's own CPU work.
    end = time.perf_counter() + COMPUTE
    while time.perf_counter() < end:
        pass


start = time.perf_counter()
if MODE == "serial":
    for _ in range(CALLS):
        slow_systemcall()
    for _ in range(CALLS):
        compute()
elif MODE == "threads":
    threads = [threading.Thread(target=slow_systemcall, name=f"call-{i}") for i in range(CALLS)]
    for t in threads:
        t.start()
    for _ in range(CALLS):
        compute()
    for t in threads:
        t.join()
else:
    async def main():
        tasks = [asyncio.create_task(asyncio.sleep(LATENCY)) for _ in range(CALLS)]
        for _ in range(CALLS):
            compute()
        await asyncio.gather(*tasks)
    asyncio.run(main())
elapsed = time.perf_counter() - start
print(f"{CALLS} calls took {elapsed:.3f} s")
print("RESULT " + json.dumps({"calls": CALLS, "elapsed_ms": round(elapsed * 1000, 3),
                              "latency_multiple": round(elapsed / LATENCY)}))
