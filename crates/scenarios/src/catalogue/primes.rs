//! `primes`: checking the 20-number fixture by trial division sequentially, in threads (no
//! speedup under the GIL) and in processes (a job queue, a result queue and poison pills).

use interleave_sim::{Program, from_secs_f64};

use interleave_workloads::primes::{FIXTURE, trial_division};

use super::cpu_jobs::{self, Job, Runner};
use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "primes",
        title: t(
            "Prime checking: threads vs processes",
            "素数判定：线程与进程",
        ),
        lesson: t(
            "CPU-bound checks gain nothing from threads under the GIL; processes use every core.",
            "CPU 密集的判定在 GIL 下用线程毫无收益；进程可以用上每一个核。",
        ),
        explanation: t(
            "Each number is checked by trial division: 2, then every odd divisor up to the square \
             root. Primes and squares of primes (e.g. 57735047²) cost the most — about 50 million \
             divisions for 9999999999999917. Sequentially one lane computes for ~20 s. With threads \
             the workers take turns holding the GIL (yellow: waiting for the GIL) and the total stays \
             the same. With processes each worker has its own interpreter and GIL, so two cores \
             halve the time; the job queue, the result queue and one poison pill (0) per worker are \
             visible as put/get markers. The model charges a fixed cost per division (46 ns by \
             default, a 2020s laptop running CPython) and computes each number's division count \
             exactly without doing the work.",
            "每个数用试除法判定：先试 2，再试到平方根为止的每个奇数。素数和素数的平方（如 57735047²）代价最大——\
             9999999999999917 大约要做五千万次除法。串行时一条泳道计算约 20 秒。使用线程时，工人们轮流持有 GIL\
             （黄色：等待 GIL），总时间不变。使用进程时，每个工人有自己的解释器和 GIL，两个核让时间减半；\
             作业队列、结果队列以及每个工人一个的毒丸（0）以 put/get 标记显示。模型为每次除法计固定成本\
             （默认 46 纳秒，相当于 2020 年代笔记本上的 CPython），并精确算出每个数的除法次数而不真正去做。",
        ),
        tags: &[Tag::Workload, Tag::Process],
        modes: &[Mode::Sim, Mode::Real],
        browser_real: Some(crate::RealWork::Primes),
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::list(
                "numbers",
                "2,142702110479723,299593572317531,3333333333333301,3333333333333333,3333335652092209,4444444444444423,4444444444444444,4444444488888889,5555553133149889,5555555555555503,5555555555555555,6666666666666666,6666666666666719,6666667141414921,7777777536340681,7777777777777753,7777777777777777,9999999999999917,9999999999999999",
                200,
                u64::MAX,
                t(
                    "The numbers to check (default: the 20-number fixture).",
                    "要判定的数（默认：20 个数的测试集）。",
                ),
            ),
            ParamSpec::choice(
                "mode",
                "processes",
                &["sequential", "threads", "processes"],
                t("How the checks run.", "判定如何运行。"),
            ),
            ParamSpec::int(
                "workers",
                "2",
                1,
                64,
                t("Worker threads or processes.", "工作线程或进程数。"),
            ),
            ParamSpec::float(
                "ns_per_division",
                "46",
                1.0,
                10_000.0,
                t("Cost of one trial division.", "一次试除的成本。"),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[
                (
                    "numbers",
                    "2,3,4,97,1000003,999999000001,1000000007,1000036000099",
                ),
                ("mode", "threads"),
            ],
            keys: &["answers"],
            deterministic: true,
            more: &[&[("mode", "processes")]],
        },
    }
}

fn build(p: &Params) -> Program {
    let per_division = p.float("ns_per_division");
    let jobs: Vec<Job> = cpu_jobs::numbers(p.list("numbers"), &FIXTURE)
        .into_iter()
        .map(|n| {
            let (prime, divisions) = trial_division(n);
            let cost = from_secs_f64(divisions as f64 * per_division / 1e9) + 1_000;
            Job {
                input: n,
                cost,
                answer: prime.into(),
            }
        })
        .collect();
    cpu_jobs::program(jobs, Runner::parse(p.choice("mode")), p.int("workers"))
}

const PROGRAM: &str = include_str!("python/primes.py");

fn python(p: &Params) -> String {
    let mut p = p.clone();
    if p.list("numbers").is_empty() {
        p.0.insert("numbers".to_string(), crate::PValue::List(FIXTURE.to_vec()));
    }
    fill(PROGRAM, &p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_primes_and_division_counts() {
        let primes: Vec<u64> = FIXTURE
            .iter()
            .copied()
            .filter(|&n| trial_division(n).0)
            .collect();
        assert_eq!(
            primes,
            vec![
                2,
                142702110479723,
                299593572317531,
                3333333333333301,
                4444444444444423,
                5555555555555503,
                6666666666666719,
                7777777777777753,
                9999999999999917
            ]
        );
        // A square of a prime costs as much as the prime's square root allows.
        assert_eq!(
            interleave_workloads::primes::smallest_factor(3333335652092209),
            Some(57735047)
        );
        assert_eq!(
            trial_division(3333335652092209),
            (false, (57735047 - 3) / 2 + 1)
        );
        assert_eq!(
            trial_division(3333333333333333),
            (false, 1),
            "3 divides it at once"
        );
        assert_eq!(trial_division(9), (false, 1));
        assert_eq!(trial_division(25), (false, 2));
        assert_eq!(
            trial_division(7),
            (true, 0),
            "isqrt(7) = 2: no odd divisor to try"
        );
    }

    #[test]
    fn counts_match_a_real_trial_division() {
        for n in (0..5000u64).chain([1000003, 999999000001, 1000036000099]) {
            let mut tried = 0;
            let mut prime = n >= 2;
            if n > 2 && n % 2 == 0 {
                prime = false;
            } else if n > 2 {
                let mut d = 3;
                while d * d <= n {
                    tried += 1;
                    if n % d == 0 {
                        prime = false;
                        break;
                    }
                    d += 2;
                }
            }
            assert_eq!(trial_division(n), (prime, tried), "n = {n}");
        }
    }
}
