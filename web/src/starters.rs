//! The starter programs of the "Write your own" page: one per family of the playground,
//! each short enough to read at a glance and doing something worth stepping through.

use interleave_scenarios::Text;

/// A starter: its id (for tests and the picker), its name and its source.
pub struct Starter {
    pub id: &'static str,
    pub title: Text,
    pub source: &'static str,
}

pub const STARTERS: &[Starter] = &[
    Starter {
        id: "lock",
        title: Text {
            en: "Threads with a lock",
            zh: "线程与锁",
        },
        source: r#"import threading

lock = threading.Lock()
visits = 0

def visitor(times):
    global visits
    for _ in range(times):
        with lock:
            seen = visits
            visits = seen + 1

threads = [threading.Thread(target=visitor, args=(3,)) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("visits:", visits)
"#,
    },
    Starter {
        id: "queue",
        title: Text {
            en: "Producer and consumer with a queue",
            zh: "生产者与消费者（队列）",
        },
        source: r#"import queue
import threading
import time

jobs = queue.Queue(maxsize=2)

def producer():
    for n in range(5):
        jobs.put(n)
        print("made", n)
    jobs.put(None)

def consumer():
    while True:
        n = jobs.get()
        if n is None:
            break
        time.sleep(0.01)
        print("used", n)

threads = [threading.Thread(target=producer), threading.Thread(target=consumer)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"#,
    },
    Starter {
        id: "pool",
        title: Text {
            en: "Processes with a pool",
            zh: "进程池",
        },
        source: r#"from multiprocessing import Pool

def square(n):
    total = 0
    for _ in range(2000):
        total += n
    return total // 2000 * n

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(6)))
"#,
    },
    Starter {
        id: "asyncio",
        title: Text {
            en: "asyncio tasks",
            zh: "asyncio 任务",
        },
        source: r#"import asyncio

async def fetch(name, delay):
    print(name, "starts")
    await asyncio.sleep(delay)
    print(name, "done")
    return name.upper()

async def main():
    results = await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01), fetch("c", 0.02))
    print(results)

asyncio.run(main())
"#,
    },
    Starter {
        id: "lost-update",
        title: Text {
            en: "A lost update (read, sleep, write)",
            zh: "丢失的更新（读、睡、写）",
        },
        source: r#"import threading
import time

balance = 100

def withdraw(amount):
    global balance
    seen = balance
    time.sleep(0)
    balance = seen - amount

a = threading.Thread(target=withdraw, args=(30,))
b = threading.Thread(target=withdraw, args=(50,))
a.start()
b.start()
a.join()
b.join()
assert balance == 20, f"balance is {balance}"
print("balance:", balance)
"#,
    },
    Starter {
        id: "plus-equals",
        title: Text {
            en: "counter += 1 on 3.11, 3.9 and 3.13t",
            zh: "counter += 1：3.11、3.9 与 3.13t",
        },
        source: r#"import threading

counter = 0

def work():
    global counter
    for _ in range(200000):
        counter += 1

threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counter)
"#,
    },
];

/// What "You schedule" asks of a program: make it fail.
pub const PLAY_GOAL: Text = Text {
    en: "Make the program fail: pick who runs next until an assert fails, an exception goes \
         uncaught or the threads deadlock.",
    zh: "让程序出错：逐步选择下一个运行者，直到断言失败、出现未捕获的异常或线程死锁。",
};

/// The starter a new "Write your own" page opens with.
pub fn first() -> &'static Starter {
    &STARTERS[0]
}
