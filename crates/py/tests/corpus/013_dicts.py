# level: 1 — dict operations: get, setdefault, update, pop, items, merging and counting
ages = {"ann": 31, "bob": 25}
ages["cy"] = 40
ages["ann"] += 1
print(ages, len(ages), "bob" in ages, "zed" in ages)
print(ages.get("bob"), ages.get("zed"), ages.get("zed", 0))
print(list(ages.keys()), list(ages.values()), list(ages.items()))
ages.update({"dee": 19, "bob": 26})
print(ages)
print(ages.pop("cy"), ages.pop("nobody", "n/a"), ages)
print(ages.setdefault("eve", 50), ages.setdefault("ann", 0))
groups = {}
for word in ["apple", "avocado", "banana", "blueberry", "cherry"]:
    groups.setdefault(word[0], []).append(word)
print(groups)
for key, value in sorted(ages.items(), key=lambda kv: kv[1]):
    print(f"{key:>4}: {value}")
inverted = {v: k for k, v in ages.items()}
print(inverted)
merged = {**ages, "zed": 1}
print(merged == ages, len(merged), ages | {"x": 0})
print(dict(zip("abc", range(3))), dict(a=1, b=2), dict([("k", "v")]))
print(dict.fromkeys(["x", "y"], 0), list(reversed(ages)))
popped = ages.popitem()
print(popped, list(ages))
counts = {}
for ch in "mississippi":
    counts[ch] = counts.get(ch, 0) + 1
print(counts, max(counts, key=counts.get))
del counts["m"]
print(counts, {1: "a", True: "b"}, {(1, 2): "tuple key"}[(1, 2)])
nested = {"db": {"host": "local", "port": 5432}}
nested["db"]["port"] += 1
print(nested, nested["db"].get("user", "nobody"))
print({k: v for k, v in sorted(counts.items()) if v > 1})
