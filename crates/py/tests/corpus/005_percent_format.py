# level: 1 — printf-style % formatting and str.format
name, count, ratio = "worker", 7, 0.4567
print("%s ran %d times" % (name, count))
print("%5d|%-5d|%05d|" % (count, count, count))
print("%.2f %8.3f %-8.1f| %e" % (ratio, ratio, ratio, ratio))
print("%x %X %o %#x %c %%" % (255, 255, 8, 255, 65))
print("%r vs %s" % ("text", "text"))
print("%(a)s-%(b)03d" % {"a": "id", "b": 7})
print("%s" % [1, 2, 3], "%s" % (None,), "%d%%" % 50, "%i" % 3.9)
print("{:>6}|{:<6}|{:^6}|".format("r", "l", "c"))
print("{0} {1} {0}".format("ping", "pong"))
print("{x:.3f} {y:,}".format(x=2 / 3, y=10 ** 6))
print("{:08.3f} {:+d} {: d} {:x}".format(3.14159, 5, 5, 3054))
print("{0[0]} {0[2]} {1[key]}".format("abc", {"key": "val"}))
point = (3, 4)
print("Point(%d, %d)" % point, "Point({}, {})".format(*point))
rows = [("a", 1), ("bb", 22), ("ccc", 333)]
for label, v in rows:
    print("%-4s%6d" % (label, v), "{:<4}{:>6}".format(label, v))
print("%.3s|%5.1s|" % ("truncate", "xyz"))
print("%5.1f%%" % 99.44, "%+.1e" % -12345.678, "%g" % 0.00001, "%g" % 123456789)
template = "{greeting}, {who}! You have {n} new message{plural}."
for n in (1, 3):
    print(template.format(greeting="Hi", who="Ann", n=n, plural="" if n == 1 else "s"))
print("{:*^20}".format(" menu "), "{:-<10}".format("x"), "{!r}".format("q"))
