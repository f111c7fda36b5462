# level: 2 — inheritance: super().__init__, overriding, isinstance/issubclass and the MRO
class Shape:
    def __init__(self, name):
        self.name = name

    def area(self):
        return 0

    def describe(self):
        return f"{self.name} with area {self.area():.2f}"

class Rect(Shape):
    def __init__(self, w, h):
        super().__init__("rect")
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h

class Square(Rect):
    def __init__(self, side):
        super().__init__(side, side)
        self.name = "square"

class Circle(Shape):
    PI = 3.14159

    def __init__(self, r):
        super().__init__("circle")
        self.r = r

    def area(self):
        return self.PI * self.r ** 2

    def describe(self):
        return "round " + super().describe()

shapes = [Rect(2, 3), Square(4), Circle(1), Shape("blob")]
for s in shapes:
    print(s.describe())
print(sorted(s.name for s in shapes))
print(isinstance(shapes[1], Rect), isinstance(shapes[1], Circle), issubclass(Square, Shape))
print([cls.__name__ for cls in Square.__mro__])
print(Square.__bases__[0].__name__, type(shapes[2]).__name__)

class A:
    def hello(self): return "A"

class B(A):
    def hello(self): return "B>" + super().hello()

class C(A):
    def hello(self): return "C>" + super().hello()

class D(B, C):
    def hello(self): return "D>" + super().hello()

print(D().hello(), [k.__name__ for k in D.__mro__])
print(f"total area {sum(s.area() for s in shapes):.3f}")
