import atexit
import json
import multiprocessing as mp
import threading
import time

DEMO = "exit"  # param demo: "exit", "terminate" or "join_loop"
KIND = "thread"  # param kind: "thread" or "process"
WORK = 2.0  # param work_s
UNITS = 5  # param units
JOIN_IN_START_LOOP = False  # param join_in_start_loop


def worker(name, exited, work):
    print(f"{name}: Starting")
    time.sleep(work)
    print(f"{name}: Exiting")
    exited.put(name)


def sleeper():
    time.sleep(WORK)


if __name__ == "__main__":
    Unit = threading.Thread if KIND == "thread" else mp.Process
    exited = mp.SimpleQueue()
    result = {"exited": [], "exitcodes": [], "alive": [], "elapsed_units": None}
    start = time.perf_counter()
    if DEMO == "exit":
        daemon = Unit(target=worker, args=("daemon", exited, 2 * WORK), name="daemon", daemon=True)
        other = Unit(target=worker, args=("non-daemon", exited, WORK), name="non-daemon")
        daemon.start()
        other.start()
        print("main: done")

        @atexit.register
        def report():
            # Runs after the interpreter joined non-daemon threads. For processes it runs before
            # multiprocessing's own exit handler, so do what that handler does: terminate the
            # daemonic children, then join the others.
            if KIND == "process":
                daemon.terminate()
                other.join()
            while not exited.empty():
                result["exited"].append(exited.get())
            print("RESULT " + json.dumps(result))
    elif DEMO == "terminate":
        child = mp.Process(target=sleeper, name="sleeper")
        result["alive"].append(child.is_alive())
        child.start()
        result["alive"].append(child.is_alive())
        time.sleep(WORK / 2)
        child.terminate()
        child.join()
        result["alive"].append(child.is_alive())
        result["exitcodes"].append(child.exitcode)
    else:
        units = []
        for i in range(UNITS):
            u = Unit(target=sleeper, name=f"worker-{i}")
            u.start()
            if JOIN_IN_START_LOOP:
                u.join()            # the classic mistake: waits before starting the next
            units.append(u)
        for u in units:
            u.join()
    if DEMO != "exit":
        while not exited.empty():
            result["exited"].append(exited.get())
        result["elapsed_units"] = round((time.perf_counter() - start) / WORK)
        print("RESULT " + json.dumps(result))
