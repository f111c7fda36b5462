# level: 2 — special methods: __eq__, __lt__, __len__, __add__, __getitem__, __contains__, __iter__, __bool__
class Vector:
    def __init__(self, *coords):
        self.coords = tuple(coords)
    def __repr__(self):
        return f"Vector{self.coords}"
    def __eq__(self, other):
        return isinstance(other, Vector) and self.coords == other.coords
    def __lt__(self, other):
        return abs(self) < abs(other)
    def __abs__(self):
        return sum(c * c for c in self.coords) ** 0.5
    def __add__(self, other):
        return Vector(*(a + b for a, b in zip(self.coords, other.coords)))
    def __mul__(self, k):
        return Vector(*(a * k for a in self.coords))
    __rmul__ = __mul__
    def __len__(self):
        return len(self.coords)
    def __getitem__(self, i):
        return self.coords[i]
    def __bool__(self):
        return any(self.coords)
    def __hash__(self):
        return hash(self.coords)

v, w = Vector(3, 4), Vector(1, 1)
print(v + w, v * 2, 3 * w, abs(v), len(v), v[0], v[-1])
print(v == Vector(3, 4), v != w, v == (3, 4), w < v, v > w)
print(sorted([v, w, Vector(0, 2)]), max([v, w]), min([v, w]))
print(bool(Vector(0, 0)), bool(w), list(v), 4 in v)
print(Vector(1, 2) in [Vector(1, 2)], len({Vector(1, 2), Vector(1, 2)}))

class Deck:
    def __init__(self):
        self.cards = [r + s for s in "SH" for r in "A23"]

    def __len__(self):
        return len(self.cards)

    def __iter__(self):
        return iter(self.cards)

    def __contains__(self, card):
        return card in self.cards

    def __str__(self):
        return " ".join(self)

d = Deck()
print(len(d), "2H" in d, "9S" in d, str(d), [c for c in d if c[0] == "A"], bool(d))
