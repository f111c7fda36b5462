//! `daemon`: daemon and non-daemon threads and processes at program exit, `terminate()` and exit
//! codes, and the classic mistake of joining inside the start loop.

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "daemon",
        title: t("Daemons, exit codes and join", "守护单元、退出码与 join"),
        lesson: t(
            "At exit Python waits for non-daemon threads and processes but cuts daemons off; join() inside the start loop runs everything one at a time.",
            "退出时 Python 会等待非守护的线程和进程，但会直接切断守护单元；在启动循环里 join() 会让所有单元一个接一个地运行。",
        ),
        explanation: t(
            "'exit': the main program starts a daemon worker (working 2 × work_s) and a non-daemon one \
             (work_s), each printing Starting and then Exiting, and then ends. The interpreter waits \
             for the non-daemon one (the main lane stays blocked) and kills the daemon where it \
             stands: only one 'Exiting' appears. For processes the daemon child is terminated \
             (exit code −15) and the other joined (exit code 0). 'terminate': a process is started, \
             terminated while it sleeps and joined: is_alive goes False, True, False and the exit \
             code is −15 (SIGTERM). 'join_loop': five workers sleeping 1 s each take ≈1 s when all \
             are started before any join, and ≈5 s when each is joined right after its start. The \
             model terminates a process at once, while a real SIGTERM arrives a moment later.",
            "“exit”：主程序启动一个守护单元（工作 2 × work_s 秒）和一个非守护单元（工作 work_s 秒），每个先打印 Starting，之后打印 Exiting，然后主程序结束。\
             解释器会等待非守护单元（主泳道保持阻塞），并把守护单元就地杀掉：只出现一个“Exiting”。对进程而言，守护子进程被终止（退出码 −15），\
             另一个被 join（退出码 0）。“terminate”：启动一个进程，在它睡眠时终止它并 join：is_alive 依次为 False、True、False，退出码为 −15（SIGTERM）。\
             “join_loop”：五个各睡 1 秒的单元，在任何 join 之前全部启动约需 1 秒；若每次启动后立即 join，则约需 5 秒。\
             模型会立即终止进程，而真实的 SIGTERM 会稍后才到达。",
        ),
        tags: &[Tag::Primitive, Tag::Process],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "demo",
                "exit",
                &["exit", "terminate", "join_loop"],
                t("Which lesson.", "哪一个示例。"),
            ),
            ParamSpec::choice(
                "kind",
                "thread",
                &["thread", "process"],
                t("Threads or processes.", "线程或进程。"),
            ),
            ParamSpec::float(
                "work_s",
                "2",
                0.01,
                60.0,
                t("How long each worker works.", "每个单元工作多久。"),
            ),
            ParamSpec::int(
                "units",
                "5",
                1,
                50,
                t("Workers in 'join_loop'.", "“join_loop”中的单元数。"),
            ),
            ParamSpec::bool(
                "join_in_start_loop",
                "false",
                t(
                    "join() right after each start().",
                    "每次 start() 之后立即 join()。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Python,
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("work_s", "0.2")],
            keys: &["exited", "exitcodes", "alive", "elapsed_units"],
            deterministic: true,
            more: &[
                &[("kind", "process")],
                &[("demo", "terminate")],
                &[("demo", "join_loop")],
                &[("demo", "join_loop"), ("join_in_start_loop", "true")],
            ],
        },
    }
}

const PROGRAM: &str = include_str!("python/daemon.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
