# level: 2 — classes: instance and class attributes, methods, classmethod/staticmethod, __repr__ and __str__
class Account:
    bank = "PyBank"
    count = 0

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        Account.count += 1
        self.number = Account.count

    def deposit(self, amount):
        self.balance += amount
        return self

    def withdraw(self, amount):
        if amount > self.balance:
            return False
        self.balance -= amount
        return True

    def __repr__(self):
        return f"Account({self.owner!r}, {self.balance})"

    def __str__(self):
        return f"#{self.number} {self.owner}: {self.balance}"

    @classmethod
    def open_many(cls, *owners):
        return [cls(o) for o in owners]

    @staticmethod
    def fee(amount):
        return max(1, amount // 100)


a = Account("ann", 100)
b = Account("bob")
a.deposit(50).deposit(25)
print(a, b, sep=" / ")
print(repr(a), [a, b])
print(a.withdraw(500), a.withdraw(75), a.balance)
print(Account.count, a.bank, Account.bank, Account.fee(250), a.fee(5))
others = Account.open_many("cy", "dee")
print(others, Account.count, [str(x) for x in others])
a.bank = "Local"
print(a.bank, b.bank, Account.bank)
print(isinstance(a, Account), type(a).__name__, hasattr(a, "owner"), getattr(b, "missing", "n/a"))
setattr(b, "nickname", "bobby")
print(b.nickname, vars(b))
print(f"{a}", str(b), "%s" % others[0], "{!r}".format(others[1]))
