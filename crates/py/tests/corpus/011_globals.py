# level: 1 — module-level state: the global statement, counters, shadowing and mutation
counter = 0
log = []


def increment(by=1):
    global counter
    counter += by
    log.append(f"inc {by}")


def shadow():
    counter = -1
    return counter


def reset():
    global counter, log
    counter = 0
    log = []


for step in (1, 2, 3):
    increment(step)
print(counter, log)
print(shadow(), counter)
reset()
increment()
print(counter, log)


def read_only():
    return counter * 10


print(read_only())

CONFIG = {"debug": False, "level": 1}


def enable_debug():
    CONFIG["debug"] = True


enable_debug()
print(CONFIG)


def make_global():
    global created_later
    created_later = "I exist now"


make_global()
print(created_later, __name__)
