# level: 1 — the with statement on user-defined context manager classes
class Tag:
    depth = 0

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        print("  " * Tag.depth + f"<{self.name}>")
        Tag.depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        Tag.depth -= 1
        print("  " * Tag.depth + f"</{self.name}>")
        return False

    def text(self, s):
        print("  " * Tag.depth + s)


with Tag("html"):
    with Tag("body") as body:
        body.text("hello")
        with Tag("p") as p, Tag("b") as b:
            b.text("bold inside " + p.name)
    print("depth after body:", Tag.depth)


class Recorder:
    def __init__(self):
        self.events = []

    def __enter__(self):
        self.events.append("enter")
        return self.events

    def __exit__(self, exc_type, exc, tb):
        self.events.append("exit")


rec = Recorder()
with rec as events:
    events.append("work")
print(rec.events)


def early_return():
    with Recorder() as ev:
        ev.append("inside")
        return ev


print(early_return())
