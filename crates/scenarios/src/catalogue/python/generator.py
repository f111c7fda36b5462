import json

LIMIT = 5  # param limit
PRIME = True  # param prime


def consumer():
    print("[consumer] starting")
    n = yield "start"
    while True:
        print(f"[consumer] got {n}")
        n = yield n + 1


sent, received, error = [], [], ""
c = consumer()
try:
    c.send(None if PRIME else 0)          # runs the generator up to its first yield
    n = 0
    while n < LIMIT:
        print(f"[producer] send {n}")
        sent.append(n)
        n = c.send(n)                      # control passes to the generator and back
        print(f"[producer] received {n}")
        received.append(n)
    c.close()
except TypeError as e:
    error = type(e).__name__
    print("[producer]", e)
print("RESULT " + json.dumps({"sent": sent, "received": received, "error": error}))
