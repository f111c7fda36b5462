# level: 2 — a thread-safe bank: per-account locks in a fixed order; concurrent transfers conserve money
import threading


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, name, balance):
        self.name = name
        self.balance = balance
        self.lock = threading.Lock()

    def __repr__(self):
        return f"{self.name}:{self.balance}"


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=lambda acc: acc.name)
    with first.lock, second.lock:
        if src.balance < amount:
            raise InsufficientFunds(f"{src.name} has {src.balance}, needs {amount}")
        src.balance -= amount
        dst.balance += amount


accounts = {n: Account(n, 1000) for n in "abc"}
plans = [("a", "b", 3), ("b", "c", 2), ("c", "a", 1), ("b", "a", 4)]


def teller(src, dst, amount):
    for _ in range(50):
        transfer(accounts[src], accounts[dst], amount)


threads = [threading.Thread(target=teller, args=plan) for plan in plans]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(accounts.values(), key=lambda acc: acc.name))
print("total:", sum(acc.balance for acc in accounts.values()))
try:
    transfer(accounts["a"], accounts["b"], 5000)
except InsufficientFunds as e:
    print("refused:", e)
print("locks free:", not any(acc.lock.locked() for acc in accounts.values()))
