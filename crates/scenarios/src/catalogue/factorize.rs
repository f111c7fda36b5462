//! `factorize`: listing every divisor of a few numbers by looping from 1 to n — serially, in
//! threads (barely faster under the GIL) and in processes.

use interleave_sim::{Program, Value, from_secs_f64};

use interleave_workloads::factorize::divisors_fast;

use super::cpu_jobs::{self, Job, Runner};
use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

use interleave_workloads::factorize::FIXTURE as NUMBERS;

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "factorize",
        title: t("Factorising: the GIL in numbers", "因数分解：数字里的 GIL"),
        lesson: t(
            "Four CPU-bound factorisations take as long in four threads as one after another; processes split them across cores.",
            "四个 CPU 密集的因数分解放在四个线程里与依次执行一样慢；进程把它们分到多个核上。",
        ),
        explanation: t(
            "factorize(n) tries every number from 1 to n and yields the divisors, so its cost grows \
             with n (about 6.7 million loop iterations for the four defaults). In threads only the \
             thread holding the GIL computes; the others wait (yellow), and the GIL changes hands \
             every 5 ms. In processes two cores work at once. The model charges a fixed cost per loop \
             iteration (83 ns by default) and finds the divisors without looping.",
            "factorize(n) 从 1 试到 n 并产出所有因数，所以代价随 n 增长（四个默认数约 670 万次循环）。\
             在线程中只有持有 GIL 的线程在计算，其余线程等待（黄色），GIL 每 5 毫秒易手一次。\
             在进程中两个核同时工作。模型为每次循环计固定成本（默认 83 纳秒），并且不用循环就求出因数。",
        ),
        tags: &[Tag::Workload, Tag::Process],
        modes: &[Mode::Sim, Mode::Real],
        browser_real: Some(crate::RealWork::Factorize),
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::list(
                "numbers",
                "2139079,1214759,1516637,1852285",
                50,
                100_000_000,
                t("The numbers to factorise.", "要分解的数。"),
            ),
            ParamSpec::choice(
                "mode",
                "threads",
                &["sequential", "threads", "processes"],
                t("How the work runs.", "工作如何运行。"),
            ),
            ParamSpec::int(
                "workers",
                "4",
                1,
                64,
                t("Worker threads or processes.", "工作线程或进程数。"),
            ),
            ParamSpec::float(
                "ns_per_iteration",
                "83",
                1.0,
                10_000.0,
                t("Cost of one loop iteration.", "一次循环的成本。"),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("numbers", "12,97,1001,65536,99991")],
            keys: &["answers"],
            deterministic: true,
            more: &[&[("mode", "processes")]],
        },
    }
}

fn build(p: &Params) -> Program {
    let per_iteration = p.float("ns_per_iteration");
    let jobs: Vec<Job> = cpu_jobs::numbers(p.list("numbers"), &NUMBERS)
        .into_iter()
        .map(|n| Job {
            input: n,
            cost: from_secs_f64(n as f64 * per_iteration / 1e9) + 1_000,
            answer: Value::List(
                divisors_fast(n)
                    .into_iter()
                    .map(|d| Value::Int(d as i64))
                    .collect(),
            ),
        })
        .collect();
    cpu_jobs::program(jobs, Runner::parse(p.choice("mode")), p.int("workers"))
}

const PROGRAM: &str = include_str!("python/factorize.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
