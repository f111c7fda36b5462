//! `lock-file`: workers append multi-line records to one log file; a lock keeps each record in
//! one piece and the file shows the order in which the workers got the lock.

use interleave_sim::{Ctx, Flavor, Lock, Program, PyResult, SharedValue, Value, from_ms_f64, us};

use super::{FLAVORS, default_machine, flavor, join_all, pause, run_main, spawn};
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "lock-file",
        title: t("A lock around a shared log file", "用锁保护共享日志文件"),
        lesson: t(
            "A lock turns each worker's multi-line record into one uninterrupted block; the file records who got the lock first.",
            "锁让每个工人的多行记录成为一个不被打断的整块；文件里的顺序就是获得锁的顺序。",
        ),
        explanation: t(
            "Every worker first prepares its record for a random time, then appends it to the \
             shared log file line by line, pausing between lines as if it computed the next one. \
             With the lock, a worker holds it for the whole record: the other workers wait (red, \
             blocked on 'lock') and the file is a sequence of complete records. Their order is the \
             order of the acquire markers on the timeline — whoever asked for the lock first after \
             preparing, not the order the workers were started in; change the seed and it \
             changes. Turn the lock off and the records interleave line by \
             line, although no line is ever torn or lost: opening a file in append mode makes each \
             write() land at the end of the file in one system call. The model keeps the file's \
             lines in memory shared by all workers and draws each write() as a short I/O (50 µs) \
             under the file's inode lock ('log.txt inode'), which stands for the operating system \
             serialising writes; buffering and disk caches are ignored. In the asyncio flavour the \
             write is an ordinary blocking call inside the coroutine and the pause is \
             `await asyncio.sleep`, so tasks can only interleave at that pause.",
            "每个工人先花一段随机的时间准备记录，然后逐行追加到共享的日志文件里，行与行之间会停顿，好像在计算下一行。\
             加锁时，工人在写整条记录期间一直持有锁：其他工人等待（红色，阻塞在“lock”上），文件由一条条完整的记录组成。\
             记录的顺序就是时间线上获取标记的顺序——准备好之后谁先请求锁谁先写，而不是工人启动的顺序；换一个种子，顺序就会变。\
             关掉锁，记录就会一行一行地交错在一起，但不会有哪一行被截断或丢失：以追加模式打开文件时，每次 write() 都通过一次系统调用写到文件末尾。\
             模型把文件的各行保存在所有工人共享的内存中，并把每次 write() 画成一次在文件 inode 锁（“log.txt inode”）保护下的短 I/O（50 微秒），\
             它代表操作系统对写操作的串行化；缓冲和磁盘缓存都被忽略。\
             在 asyncio 版本中，写文件是协程里普通的阻塞调用，停顿则是 `await asyncio.sleep`，所以任务只会在停顿处交错。",
        ),
        tags: &[Tag::Primitive, Tag::Process, Tag::Asyncio],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[INTACT],
        params: vec![
            ParamSpec::choice(
                "flavor",
                "thread",
                FLAVORS,
                t(
                    "Threads, processes or asyncio tasks.",
                    "线程、进程或 asyncio 任务。",
                ),
            ),
            ParamSpec::int(
                "workers",
                "4",
                1,
                32,
                t("How many workers write to the log.", "有多少个工人写日志。"),
            ),
            ParamSpec::int(
                "lines",
                "3",
                1,
                20,
                t("Lines in each worker's record.", "每个工人的记录有几行。"),
            ),
            ParamSpec::bool(
                "use_lock",
                "true",
                t(
                    "Hold a lock while writing a whole record.",
                    "写整条记录期间持有一把锁。",
                ),
            ),
            ParamSpec::float(
                "prepare_ms",
                "10",
                0.0,
                1000.0,
                t(
                    "Each worker first prepares for a random time up to this long.",
                    "每个工人先准备一段随机时间，最长为此值。",
                ),
            ),
            ParamSpec::float(
                "pause_ms",
                "5",
                0.0,
                1000.0,
                t(
                    "Pause between two lines of a record.",
                    "同一条记录中两行之间的停顿。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[
                ("workers", "3"),
                ("lines", "3"),
                ("prepare_ms", "5"),
                ("pause_ms", "20"),
                ("use_lock", "false"),
            ],
            keys: &["lines", "intact"],
            deterministic: false,
            more: &[],
        },
    }
}

/// How long one `write()` system call takes in the model.
const WRITE_COST: u64 = us(50);

/// The log file: its lines, visible to every process as the operating system keeps them, and
/// the inode lock the system takes for each `write()`.
#[derive(Clone, Copy)]
struct LogFile {
    lines: SharedValue,
    inode: Lock,
}

impl LogFile {
    fn new(cx: &Ctx) -> Self {
        LogFile {
            lines: cx.mp_value("log.txt", Value::List(Vec::new()), false),
            inode: cx.new_lock(Flavor::Multiprocessing, "log.txt inode"),
        }
    }

    /// `with open(path, "a") as f: f.write(line + "\n")`: one system call at the end of the file.
    async fn append(&self, cx: &Ctx, line: String) -> PyResult<()> {
        self.inode.acquire(cx).await?;
        cx.io_labelled(WRITE_COST, "write log.txt").await?;
        let mut lines = self.read(cx).await?;
        lines.push(Value::Str(line));
        self.lines.write(cx, Value::List(lines)).await?;
        self.inode.release(cx).await
    }

    async fn read(&self, cx: &Ctx) -> PyResult<Vec<Value>> {
        Ok(match self.lines.read(cx).await? {
            Value::List(v) => v,
            _ => Vec::new(),
        })
    }
}

fn build(p: &Params) -> Program {
    let fl = flavor(p);
    let workers = p.int("workers");
    let lines = p.int("lines");
    let use_lock = p.bool("use_lock");
    let gap = from_ms_f64(p.float("pause_ms"));
    let prepare = from_ms_f64(p.float("prepare_ms"));
    Program::new(move |cx: Ctx| async move {
        let file = LogFile::new(&cx);
        let lock = cx.new_lock(fl, "lock");
        let owner = move |cx: Ctx, i: i64| async move {
            let ready = cx.random_below(prepare.saturating_add(1)).await?;
            pause(&cx, fl, ready).await?;
            if use_lock {
                lock.acquire(&cx).await?;
            }
            cx.print(format!("worker {i} writes its record")).await?;
            for j in 1..=lines {
                file.append(&cx, format!("worker {i}: line {j} of {lines}"))
                    .await?;
                if j < lines {
                    pause(&cx, fl, gap).await?;
                }
            }
            if use_lock {
                lock.release(&cx).await?;
            }
            PyResult::Ok(())
        };
        run_main(&cx, fl, move |cx: Ctx| async move {
            let mut ws = Vec::new();
            for i in 0..workers {
                let body = Program::new(move |cx: Ctx| owner(cx, i));
                ws.push(spawn(&cx, fl, &format!("worker-{i}"), body).await?);
            }
            join_all(&cx, &ws).await
        })
        .await?;
        // Who wrote each line, from "worker <i>: ...".
        let owners: Vec<i64> = file
            .read(&cx)
            .await?
            .iter()
            .map(|l| match l {
                Value::Str(s) => s
                    .strip_prefix("worker ")
                    .and_then(|r| r.split(':').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(-1),
                _ => -1,
            })
            .collect();
        let runs = owners
            .iter()
            .enumerate()
            .filter(|&(k, w)| k == 0 || owners[k - 1] != *w)
            .count();
        let mut order: Vec<i64> = Vec::new();
        for w in &owners {
            if !order.contains(w) {
                order.push(*w);
            }
        }
        let intact = runs as i64 == workers;
        cx.print(format!(
            "log.txt: {} lines, records intact: {intact}, order {order:?}",
            owners.len()
        ))
        .await?;
        cx.set_result("lines", owners.len()).await?;
        cx.set_result("intact", intact).await?;
        cx.set_result("order", order).await
    })
}

const THREADS: &str = include_str!("python/lock_file_threads.py");

const PROCESSES: &str = include_str!("python/lock_file_processes.py");

const ASYNCIO: &str = include_str!("python/lock_file_asyncio.py");

fn python(p: &Params) -> String {
    let template = match flavor(p) {
        Flavor::Threading => THREADS,
        Flavor::Multiprocessing => PROCESSES,
        Flavor::Asyncio => ASYNCIO,
    };
    fill(template, p)
}

const INTACT: crate::Invariant = crate::Invariant {
    text: t("every line of the file is intact", "文件的每一行都完整"),
    check: |t| crate::result_truthy(t, "intact"),
};
