//! `shared-state`: what processes can share — `Value`/`Array` in shared memory, Manager dict and
//! list proxies (every access a round trip), and a plain global that each child only copies —
//! with and without a lock.

use interleave_sim::{Ctx, Flavor, Lock, Program, PyResult, Value, us};

use super::{Slots, Worker, default_machine, join_all};
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "shared-state",
        title: t("Sharing state between processes", "进程之间共享状态"),
        lesson: t(
            "Processes share nothing by default: a global changed by a child stays unchanged in the parent; Value/Array and Manager proxies are shared, and read-modify-write on them still needs a lock.",
            "进程默认不共享任何东西：子进程修改的全局变量在父进程中保持不变；Value/Array 和 Manager 代理是共享的，但对它们的读—改—写仍然需要锁。",
        ),
        explanation: t(
            "Several worker processes each add 1 to a counter a few times. With backend = \
             'manager_dict' the counter lives in a Manager's dict and every d['count'] read and \
             write is a round trip to the manager process (the I/O stretches on the lanes, 200 µs \
             each in the model): slow, and two processes easily read the same value, so updates \
             are lost unless each read-and-write holds the lock. Each worker also stores \
             d[i] = i * i, and the parent finds {0: 0, 1: 1, 2: 4, …}. With 'value' the counter \
             is a multiprocessing.Value in shared memory: fast, so a few increments rarely \
             collide (raise increments to see losses without the lock); a 'writer' child also \
             sets a Value to 3.1415927 and negates an Array(range(10)), and the parent sees both \
             changes. With 'manager_list' each increment is one append() call — a single proxy \
             call is atomic, so nothing is lost even without a lock — and a 'reverser' child \
             reverses a list of 0…9 for the parent. With 'global' each child increments a plain \
             module-level variable: it works on its own copy (as after fork), prints its own \
             total, and the parent's counter stays 0. The model does not draw the manager \
             process as a lane, and list.reverse() is drawn as one read and ten writes.",
            "几个工作进程各自把计数器加 1 若干次。backend = “manager_dict” 时，计数器放在 Manager 的字典里，\
             每次读写 d['count'] 都要与管理进程往返一次（泳道上的 I/O 段，模型中每次 200 微秒）：很慢，\
             而且两个进程很容易读到同一个值，所以除非每次读写都持有锁，否则更新会丢失。每个工人还会存入 d[i] = i * i，\
             父进程最后看到 {0: 0, 1: 1, 2: 4, …}。选“value”时，计数器是共享内存中的 multiprocessing.Value：很快，\
             所以几次自增很少冲突（增大 increments 才能在不加锁时看到丢失）；一个“writer”子进程还会把一个 Value 设为 3.1415927，\
             并把 Array(range(10)) 取负，父进程能看到这两处修改。选“manager_list”时，每次自增是一次 append() 调用——\
             单次代理调用是原子的，所以即使不加锁也不会丢失——另有一个“reverser”子进程为父进程把 0…9 的列表反转。\
             选“global”时，每个子进程对一个普通的模块级变量自增：它修改的是自己的副本（就像 fork 之后那样），\
             打印自己的总数，而父进程的计数器仍然是 0。模型不把管理进程画成泳道，list.reverse() 被画成一次读和十次写。",
        ),
        tags: &[Tag::Primitive, Tag::Process],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::LostUpdate,
        invariants: &[crate::NO_LOST_UPDATE],
        params: vec![
            ParamSpec::choice(
                "backend",
                "manager_dict",
                &["manager_dict", "value", "manager_list", "global"],
                t("Where the shared counter lives.", "共享计数器放在哪里。"),
            ),
            ParamSpec::int(
                "processes",
                "5",
                1,
                32,
                t("Worker processes.", "工作进程的数量。"),
            ),
            ParamSpec::int(
                "increments",
                "3",
                0,
                1000,
                t(
                    "How many times each worker adds 1.",
                    "每个工人加 1 的次数。",
                ),
            ),
            ParamSpec::bool(
                "use_lock",
                "false",
                t(
                    "Hold a lock around each read-and-write.",
                    "每次读写期间持有一把锁。",
                ),
            ),
        ],
        check: no_check,
        build,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("use_lock", "true")],
            keys: &["counter", "expected", "squares"],
            deterministic: true,
            more: &[],
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    ManagerDict,
    Value,
    ManagerList,
    Global,
}

/// CPU time of one turn of `shared.value += 1`'s loop outside the read–write window: about a
/// microsecond, as the attribute goes through ctypes and the synchronized wrapper.
const LOOP_COST: u64 = us(1);

/// CPU time between the read and the write of `shared.value += 1` (the addition).
const ADD_COST: u64 = 100;

/// The number the writer stores: the classic example's 3.1415927, deliberately not π itself.
#[allow(clippy::approx_constant)]
const NUM: f64 = 3.1415927;

/// Runs `body` holding `lock` when there is one (`with lock:`).
async fn locked<F, Fut>(cx: &Ctx, lock: Option<Lock>, body: F) -> PyResult<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = PyResult<()>>,
{
    match lock {
        Some(l) => l.with(cx, body).await,
        None => body().await,
    }
}

fn build(p: &Params) -> Program {
    let backend = match p.choice("backend") {
        "value" => Backend::Value,
        "manager_list" => Backend::ManagerList,
        "global" => Backend::Global,
        _ => Backend::ManagerDict,
    };
    let procs = p.int("processes");
    let incs = p.int("increments");
    let use_lock = p.bool("use_lock");
    Program::new(move |cx: Ctx| async move {
        // The Value backend uses the counter's own lock (get_lock()).
        let lock = (use_lock && backend != Backend::Value)
            .then(|| cx.new_lock(Flavor::Multiprocessing, "lock"));
        let counter = match backend {
            Backend::ManagerDict => manager_dict(&cx, procs, incs, lock).await?,
            Backend::Value => value(&cx, procs, incs, use_lock).await?,
            Backend::ManagerList => manager_list(&cx, procs, incs, lock).await?,
            Backend::Global => global(&cx, procs, incs, lock).await?,
        };
        let expected = procs * incs;
        cx.print(format!("counter = {counter}, expected {expected}"))
            .await?;
        cx.set_result("counter", counter).await?;
        cx.set_result("expected", expected).await?;
        cx.set_result("lost", expected - counter).await
    })
}

/// Starts one worker process per body and waits for them all.
async fn run_workers(cx: &Ctx, workers: Vec<(String, Program)>) -> PyResult<()> {
    let mut ws = Vec::new();
    for (name, body) in workers {
        ws.push(Worker::Process(cx.spawn_process(&name, body).await?));
    }
    join_all(cx, &ws).await
}

async fn manager_dict(cx: &Ctx, procs: i64, incs: i64, lock: Option<Lock>) -> PyResult<i64> {
    let d = cx.manager_dict("d");
    d.set(cx, "count", 0).await?;
    let workers = (0..procs)
        .map(|i| {
            let body = Program::new(move |cx: Ctx| async move {
                d.set(&cx, i, i * i).await?;
                for _ in 0..incs {
                    // d["count"] += 1: a get and a set, two round trips.
                    locked(&cx, lock, || async {
                        let v = d.get(&cx, "count").await?.as_int()?;
                        d.set(&cx, "count", v + 1).await
                    })
                    .await?;
                }
                PyResult::Ok(())
            });
            (format!("p{i}"), body)
        })
        .collect();
    run_workers(cx, workers).await?;
    let mut squares = Vec::new();
    for i in 0..procs {
        squares.push(d.get(cx, i).await?);
    }
    cx.print(format!("squares: {}", Value::List(squares.clone()).repr()))
        .await?;
    cx.set_result("squares", Value::List(squares)).await?;
    d.get(cx, "count").await?.as_int()
}

async fn value(cx: &Ctx, procs: i64, incs: i64, use_lock: bool) -> PyResult<i64> {
    let num = cx.mp_value("num", 0.0, true);
    let arr = cx.mp_array("arr", (0..10).map(Value::Int).collect(), true);
    let counter = cx.mp_value("counter", 0, true);
    let lock = if use_lock {
        Some(counter.get_lock()?)
    } else {
        None
    };
    let writer = Program::new(move |cx: Ctx| async move {
        num.write(&cx, NUM).await?;
        for i in 0..10 {
            let v = arr.read_at(&cx, i).await?.as_int()?;
            arr.write_at(&cx, i, -v).await?;
        }
        PyResult::Ok(())
    });
    let mut workers = vec![("writer".to_string(), writer)];
    for i in 0..procs {
        let body = Program::new(move |cx: Ctx| async move {
            for _ in 0..incs {
                // counter.value += 1: a read, the addition, a write.
                cx.compute(LOOP_COST).await?;
                locked(&cx, lock, || async {
                    let v = counter.read_int(&cx).await?;
                    cx.compute(ADD_COST).await?;
                    counter.write(&cx, v + 1).await
                })
                .await?;
            }
            PyResult::Ok(())
        });
        workers.push((format!("p{i}"), body));
    }
    run_workers(cx, workers).await?;
    let n = num.read(cx).await?;
    let a = arr.read(cx).await?;
    cx.print(format!("num = {n}, arr = {a}")).await?;
    cx.set_result("value", n).await?;
    cx.set_result("array", a).await?;
    counter.read_int(cx).await
}

async fn manager_list(cx: &Ctx, procs: i64, incs: i64, lock: Option<Lock>) -> PyResult<i64> {
    let numbers = cx.manager_list("numbers");
    for i in 0..10 {
        numbers.append(cx, i).await?;
    }
    let log = cx.manager_list("log");
    let reverser = Program::new(move |cx: Ctx| async move {
        // numbers.reverse(): one call in Python, a copy and ten writes in the model.
        let Value::List(items) = numbers.snapshot(&cx).await? else {
            return Ok(());
        };
        for (i, v) in items.into_iter().rev().enumerate() {
            numbers.set(&cx, i as i64, v).await?;
        }
        PyResult::Ok(())
    });
    let mut workers = vec![("reverser".to_string(), reverser)];
    for i in 0..procs {
        let body = Program::new(move |cx: Ctx| async move {
            for _ in 0..incs {
                // One proxy call: atomic in the manager, lock or no lock.
                locked(&cx, lock, || async { log.append(&cx, i).await }).await?;
            }
            PyResult::Ok(())
        });
        workers.push((format!("p{i}"), body));
    }
    run_workers(cx, workers).await?;
    let reversed = numbers.snapshot(cx).await?;
    cx.print(format!("numbers = {reversed}")).await?;
    cx.set_result("reversed", reversed).await?;
    log.len(cx).await
}

async fn global(cx: &Ctx, procs: i64, incs: i64, lock: Option<Lock>) -> PyResult<i64> {
    let counter = cx.var("counter", 0);
    let views = Slots::new(cx, Flavor::Multiprocessing, "views", procs as usize, -1);
    let workers = (0..procs)
        .map(|i| {
            let views = views.clone();
            let body = Program::new(move |cx: Ctx| async move {
                for _ in 0..incs {
                    // counter += 1 on this process's own copy of the global.
                    locked(&cx, lock, || async {
                        let v = counter.read_int(&cx).await?;
                        counter.write(&cx, v + 1).await
                    })
                    .await?;
                }
                let mine = counter.read_int(&cx).await?;
                cx.print(format!("p{i} sees counter = {mine}")).await?;
                views.set(&cx, i as usize, mine).await
            });
            (format!("p{i}"), body)
        })
        .collect();
    run_workers(cx, workers).await?;
    cx.set_result("child_views", views.all(cx).await?).await?;
    counter.read_int(cx).await
}

const PROGRAM: &str = include_str!("python/shared_state.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
