# level: 4 — functools (partial, reduce, lru_cache) and itertools (count, cycle, islice, chain, product...)
import functools
import itertools
import operator


def power(base, exp):
    return base ** exp


square = functools.partial(power, exp=2)
two_to = functools.partial(power, 2)
print(square(9), two_to(10), square.func.__name__, square.keywords)
print(functools.reduce(operator.mul, range(1, 11)), functools.reduce(lambda a, b: a + b, "abc", ">"))


@functools.lru_cache(maxsize=None)
def paths(r, c):
    if r == 0 or c == 0:
        return 1
    return paths(r - 1, c) + paths(r, c - 1)


print(paths(10, 10), paths.cache_info().hits > 0)
print(list(itertools.islice(itertools.count(10, 5), 4)))
print(list(itertools.islice(itertools.cycle("AB"), 5)))
print(list(itertools.chain([1, 2], "xy", range(2))), list(itertools.chain.from_iterable([[1], [2, 3]])))
print(list(itertools.product("ab", [0, 1])), len(list(itertools.product(range(3), repeat=3))))
print(list(itertools.permutations("abc", 2)))
print(list(itertools.combinations(range(4), 2)))
print(list(itertools.accumulate([1, 2, 3, 4])), list(itertools.accumulate([3, 1, 4, 1, 5], max)))
words = ["apple", "avocado", "banana", "blueberry", "cherry"]
print([(k, list(g)) for k, g in itertools.groupby(words, key=lambda w: w[0])])
print(list(itertools.zip_longest("abc", [1], fillvalue="-")), list(itertools.repeat("z", 3)))
print(list(itertools.takewhile(lambda n: n < 4, [1, 3, 5, 2])), list(itertools.dropwhile(lambda n: n < 4, [1, 3, 5, 2])))
print(list(itertools.starmap(pow, [(2, 3), (3, 2)])), list(itertools.compress("abcd", [1, 0, 1, 0])))
print(sorted(words, key=functools.cmp_to_key(lambda a, b: len(a) - len(b))))
