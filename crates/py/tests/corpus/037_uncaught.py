# level: 2 — an uncaught ZeroDivisionError ends the program: traceback on stderr, exit code 1
def average(values):
    total = sum(values)
    return total / len(values)


def report(groups):
    for name, values in groups.items():
        avg = average(values)
        print(f"{name}: {avg:.2f}")


groups = {"a": [1, 2, 3], "b": [10, 20], "empty": [], "never": [5]}
print("starting report")
report(groups)
print("this line is never reached")
