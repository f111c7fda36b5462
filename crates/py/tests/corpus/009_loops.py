# level: 1 — while/for loops with break, continue and else clauses
def find_first_multiple(nums, k):
    for n in nums:
        if n % k == 0:
            print(f"found {n}")
            break
    else:
        print(f"no multiple of {k}")


find_first_multiple([3, 5, 8, 9], 4)
find_first_multiple([3, 5, 7], 4)

n = 27
steps = 0
peak = n
while n != 1:
    n = n // 2 if n % 2 == 0 else 3 * n + 1
    peak = max(peak, n)
    steps += 1
print("collatz(27) steps:", steps, "peak:", peak)

odds = []
for i in range(20):
    if i % 2 == 0:
        continue
    if i > 13:
        break
    odds.append(i)
print(odds)

i = 0
while i < 3:
    i += 1
else:
    print("while finished normally, i =", i)

for row in range(1, 4):
    line = ""
    for col in range(1, 6):
        if col > row + 1:
            break
        line += f"{row * col:3}"
    print(line)

for i in range(10, 0, -3):
    print(i, end=" ")
print()
for ch in "abc":
    for num in range(2):
        print(ch + str(num), end=",")
print()
print(list(range(5)), list(range(2, 10, 3)), list(range(5, 0, -1)), list(range(0)))
count = 0
while True:
    count += 1
    if count * count > 50:
        break
print("first square over 50:", count)
