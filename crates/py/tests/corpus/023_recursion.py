# level: 1 — recursion: factorial, memoised fibonacci, towers of Hanoi, flattening, power set
def factorial(n):
    return 1 if n <= 1 else n * factorial(n - 1)

memo = {}

def fib(n):
    if n in memo:
        return memo[n]
    result = n if n < 2 else fib(n - 1) + fib(n - 2)
    memo[n] = result
    return result

def hanoi(n, src, dst, via, moves):
    if n == 0:
        return
    hanoi(n - 1, src, via, dst, moves)
    moves.append(f"{src}->{dst}")
    hanoi(n - 1, via, dst, src, moves)

def flatten(items):
    out = []
    for item in items:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out

def gcd(a, b):
    return a if b == 0 else gcd(b, a % b)

def power_set(xs):
    if not xs:
        return [[]]
    rest = power_set(xs[1:])
    return rest + [[xs[0]] + s for s in rest]

def binary_search(xs, target, lo=0, hi=None):
    if hi is None:
        hi = len(xs)
    if lo >= hi:
        return -1
    mid = (lo + hi) // 2
    if xs[mid] == target:
        return mid
    if xs[mid] < target:
        return binary_search(xs, target, mid + 1, hi)
    return binary_search(xs, target, lo, mid)

print([factorial(n) for n in range(8)], factorial(20))
print(fib(50), fib(90), len(memo))
moves = []
hanoi(3, "A", "C", "B", moves)
print(len(moves), " ".join(moves))
print(flatten([1, [2, [3, [4]], 5], [], [[6]]]))
print(gcd(1071, 462), gcd(17, 5))
print(power_set([1, 2, 3]))
sorted_xs = list(range(0, 100, 7))
print(binary_search(sorted_xs, 49), binary_search(sorted_xs, 50))
