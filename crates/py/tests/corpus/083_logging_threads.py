# level: 4 — logging from threads: levels, a format with threadName and funcName, a child logger, exception()
import logging
import threading

logging.basicConfig(level=logging.INFO, format="%(levelname)-7s %(threadName)-10s %(name)s.%(funcName)s: %(message)s")
log = logging.getLogger("shop")
stock_log = log.getChild("stock")

stock = {"apples": 3}
lock = threading.Lock()


def buy(item, n):
    with lock:
        have = stock.get(item, 0)
        if have < n:
            stock_log.warning("only %d %s left, %d wanted", have, item, n)
            return
        stock[item] = have - n
        log.info("sold %d %s", n, item)
        log.debug("this is below the INFO level and never shows")


for i, n in enumerate([2, 2, 1]):
    t = threading.Thread(target=buy, args=("apples", n), name=f"buyer-{i}")
    t.start()
    t.join()

try:
    stock["pears"] += 1
except KeyError:
    log.exception("no pears in the stock")

logging.getLogger("shop").setLevel(logging.ERROR)
stock_log.warning("hidden: the parent's level is ERROR now")
stock_log.error("shown: %s", sorted(stock.items()))
print("effective levels:", logging.getLevelName(stock_log.getEffectiveLevel()), logging.getLevelName(logging.getLogger().level))
