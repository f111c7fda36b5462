import json
import subprocess
import sys
import time

DEMO = "parallel"  # param demo: "parallel", "sequential", "chain" or "timeout"
CHILDREN = 10  # param children
CHILD = 1.0  # param child_s
TIMEOUT = 0.1  # param timeout_s

start = time.perf_counter()
codes, error = [], ""
if DEMO in ("parallel", "sequential"):
    procs = []
    for _ in range(CHILDREN):
        p = subprocess.Popen(["sleep", str(CHILD)])
        if DEMO == "sequential":
            p.communicate()
        procs.append(p)
    for p in procs:
        p.communicate()
        codes.append(p.returncode)
elif DEMO == "chain":
    produce = "import sys, time; time.sleep(%r); sys.stdout.write('data')" % (CHILD / 10)
    digest = ("import hashlib, sys, time; data = sys.stdin.buffer.read(); time.sleep(%r); "
              "print(hashlib.sha256(data).hexdigest()[:12])" % (CHILD / 10))
    pairs = []
    for _ in range(CHILDREN):
        producer = subprocess.Popen([sys.executable, "-c", produce], stdout=subprocess.PIPE)
        consumer = subprocess.Popen([sys.executable, "-c", digest], stdin=producer.stdout,
                                    stdout=subprocess.PIPE)
        producer.stdout.close()          # only the consumer holds the read end now
        pairs.append((producer, consumer))
    for producer, consumer in pairs:
        out, _ = consumer.communicate()
        producer.wait()
        print("digest:", out.decode().strip())
        codes += [producer.returncode, consumer.returncode]
else:
    p = subprocess.Popen(["sleep", str(100 * TIMEOUT)])
    try:
        p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        error = type(e).__name__
        print("communicate() timed out: terminating the child")
        p.terminate()
        p.wait()
    codes.append(p.returncode)
elapsed = time.perf_counter() - start
unit = TIMEOUT if DEMO == "timeout" else CHILD
print("RESULT " + json.dumps({"returncodes": codes, "elapsed_units": round(elapsed / unit),
                              "error": error}))
