# level: 1 — json.dumps with dicts, lists, sort_keys, indent and separators; json.loads round trip
import json

config = {"name": "pool", "workers": 4, "ratio": 0.75, "tags": ["io", "cpu"], "debug": False, "owner": None}
print(json.dumps(config))
print(json.dumps(config, sort_keys=True))
print(json.dumps(config, indent=2))
print(json.dumps([1, [2, [3, []]], {}]))
print(json.dumps({"b": 1, "a": {"d": [1, 2], "c": "x"}}, sort_keys=True, indent=4))
print(json.dumps("quote \" and \\ and \n"), json.dumps(3.0), json.dumps(1e100), json.dumps(True))
print(json.dumps({1: "int key", 2.5: "float key", None: "none key"}))
print(json.dumps((1, 2)), json.dumps([]), json.dumps({}, indent=2), json.dumps([], indent=2))
print(json.dumps({"a": 1, "b": [2, 3]}, separators=(",", ":")))
data = json.loads('{"x": [1, 2.5, "three", null, true], "y": {"z": -1}}')
print(data, type(data["x"][1]).__name__)
print(json.loads(json.dumps(config)) == config)
report = {"threads": [{"id": i, "done": i % 2 == 0} for i in range(3)]}
print(json.dumps(report, indent=1))
