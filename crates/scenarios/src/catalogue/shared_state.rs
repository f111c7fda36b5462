//! `shared-state`: what processes can share — `Value`/`Array` in shared memory, Manager dict and
//! list proxies (every access a round trip), and a plain global that each child only copies —
//! with and without a lock.

use super::default_machine;
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
        body: crate::Body::Python,
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

const PROGRAM: &str = include_str!("python/shared_state.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
