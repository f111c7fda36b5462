import asyncio
import json
import threading
import time

DEMO = "chain"  # param demo: "timer" or "chain"
DELAY = 5.0  # param delay_s
CANCEL = False  # param cancel
RESTART = True  # param restart
STEP = 1.0  # param step_s
END_STEPS = 9  # param end_steps
SCHEDULING = "call_later"  # param scheduling: "call_later" or "call_at"

calls, fired, restart_error = [], False, ""

if DEMO == "timer":
    def ring():
        global fired, restart_error
        print("Time's up")
        fired = True
        if RESTART:
            try:
                timer.start()              # the same Timer again
            except RuntimeError as e:
                restart_error = type(e).__name__
                raise

    timer = threading.Timer(DELAY, ring)
    timer.start()
    if CANCEL:
        time.sleep(DELAY / 2)
        timer.cancel()
    timer.join()
else:
    loop = asyncio.new_event_loop()
    start = loop.time()
    end = start + END_STEPS * STEP

    def make(k):
        def f():
            now = loop.time()
            print(f"function_{k} called at {(now - start) / STEP:.2f}")
            calls.append(f"f{k}")
            if now + STEP < end:
                nxt = make(min(k + 1, 4))
                if SCHEDULING == "call_at":
                    loop.call_at(now + STEP, nxt)
                else:
                    loop.call_later(STEP, nxt)
            else:
                loop.stop()
        return f

    loop.call_soon(make(1))
    loop.run_forever()
    loop.close()

print("RESULT " + json.dumps({"calls": calls, "fired": fired, "restart_error": restart_error}))
