//! `scheduling`: one CPU and a job set under FCFS, shortest job next, round robin, a multilevel
//! queue and a multilevel feedback queue — the Gantt chart plus waiting, turnaround and
//! response time per job.
//!
//! The schedule is computed by the textbook algorithms here (plain functions with unit tests);
//! its timeline is drawn as a trace whose lanes walk the process state machine: new (starting),
//! ready, running, terminated.

use std::collections::{BTreeMap, VecDeque};

use interleave_sim::trace::Event;
use interleave_sim::{
    Ctx, EventKind, Metrics, ObjInfo, Outcome, Program, Span, State, Trace, UnitId, UnitInfo,
    UnitKind, UnitMetrics, Value, ms,
};

use crate::params::{ParamError, ParamSpec, Params};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

/// One time unit of the job set, in virtual time (for drawing).
const TICK: u64 = ms(1);

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "scheduling",
        title: t("CPU scheduling algorithms", "CPU 调度算法"),
        lesson: t(
            "The order a single CPU serves jobs in decides how long they wait: shortest-job-next minimises the average, round robin bounds the response time.",
            "单个 CPU 服务作业的顺序决定了它们等待多久：短作业优先使平均等待最短，时间片轮转限制了响应时间。",
        ),
        explanation: t(
            "Jobs are written name:arrival:burst[:priority], in time units. Each lane walks the \
             process state machine: new (grey, before arrival), ready (waiting for the CPU), running \
             (green), terminated. FCFS serves in arrival order, so short jobs wait behind long ones. \
             SJN picks the shortest ready job when the CPU frees (non-preemptive): the lowest average \
             waiting time, but long jobs can starve. RR gives each ready job a quantum in turn and \
             puts a preempted job at the tail. The multilevel queue fixes each job's level by its \
             priority (1 = top; lower levels run only when upper ones are empty; quantum doubles per \
             level). The multilevel feedback queue starts every job at the top, moves a job that uses \
             its whole quantum down one level, and lifts a job that waited 'aging' units back to the \
             top. Ties go to the earlier arrival, then to the job listed first. Context switches \
             cost nothing here.",
            "作业写作 名称:到达时间:运行时长[:优先级]，以时间单位计。每条泳道走过进程状态机：新建（灰色，到达之前）、就绪（等待 CPU）、\
             运行（绿色）、终止。FCFS 按到达顺序服务，短作业只能排在长作业后面。SJN 在 CPU 空闲时挑选最短的就绪作业（非抢占）：\
             平均等待时间最短，但长作业可能饿死。RR 轮流给每个就绪作业一个时间片，被抢占的作业回到队尾。\
             多级队列按优先级固定每个作业的级别（1 为最高；只有上层为空时下层才运行；每下一层时间片加倍）。\
             多级反馈队列让每个作业从顶层开始，用完整个时间片的作业下降一级，等待达到“aging”个单位的作业提升回顶层。\
             平局时先到达者优先，再按列出顺序。这里上下文切换不计成本。",
        ),
        tags: &[Tag::Scheduling, Tag::Classic],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::text(
                "jobs",
                "P1:0:8:3,P2:1:4:1,P3:2:9:4,P4:3:5:2,P5:4:2:5",
                400,
                t(
                    "Jobs as name:arrival:burst[:priority], comma-separated.",
                    "作业：名称:到达:时长[:优先级]，逗号分隔。",
                ),
            ),
            ParamSpec::choice(
                "policy",
                "rr",
                &["fcfs", "sjn", "rr", "mlq", "mlfq"],
                t("The scheduling algorithm.", "调度算法。"),
            ),
            ParamSpec::int(
                "quantum",
                "2",
                1,
                100,
                t(
                    "Time slice (top level for mlq/mlfq).",
                    "时间片（mlq/mlfq 为顶层）。",
                ),
            ),
            ParamSpec::int(
                "levels",
                "3",
                1,
                8,
                t("Queue levels for mlq/mlfq.", "mlq/mlfq 的队列层数。"),
            ),
            ParamSpec::int(
                "aging",
                "10",
                1,
                1000,
                t(
                    "mlfq: waiting this long lifts a job to the top.",
                    "mlfq：等待这么久的作业提升到顶层。",
                ),
            ),
        ],
        check,
        body: crate::Body::Model(build),
        python,
        machine: one_cpu,
        fidelity: Fidelity {
            params: &[],
            keys: &["waiting", "turnaround", "response", "order"],
            deterministic: true,
            more: &[
                &[("policy", "fcfs")],
                &[("policy", "sjn")],
                &[("policy", "mlq")],
                &[("policy", "mlfq")],
            ],
        },
    }
}

/// One job of the set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub name: String,
    pub arrival: u64,
    pub burst: u64,
    pub priority: u64,
}

/// Parses `name:arrival:burst[:priority],...`.
pub fn parse_jobs(text: &str) -> Result<Vec<Job>, String> {
    let mut jobs = Vec::new();
    for (i, item) in text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = item.split(':').map(str::trim).collect();
        let bad = || {
            format!(
                "job {} ({item:?}) must be name:arrival:burst[:priority] with whole numbers",
                i + 1
            )
        };
        if !(3..=4).contains(&parts.len()) || parts[0].is_empty() {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<u64>().map_err(|_| bad());
        let job = Job {
            name: parts[0].to_string(),
            arrival: num(parts[1])?,
            burst: num(parts[2])?,
            priority: if parts.len() == 4 { num(parts[3])? } else { 1 },
        };
        if job.burst == 0 || job.burst > 1000 || job.arrival > 10_000 {
            return Err(format!(
                "job {}: burst must be 1–1000 and arrival 0–10000",
                job.name
            ));
        }
        if jobs.iter().any(|j: &Job| j.name == job.name) {
            return Err(format!("job name {:?} appears twice", job.name));
        }
        jobs.push(job);
    }
    if jobs.is_empty() || jobs.len() > 26 {
        return Err("give 1 to 26 jobs".to_string());
    }
    Ok(jobs)
}

fn check(p: &Params) -> Result<(), ParamError> {
    parse_jobs(p.choice("jobs"))
        .map(|_| ())
        .map_err(|message| ParamError {
            param: "jobs".to_string(),
            message,
        })
}

/// A run of one job on the CPU, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    pub job: usize,
    pub start: u64,
    pub end: u64,
}

/// The policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Fcfs,
    Sjn,
    Rr,
    Mlq,
    Mlfq,
}

/// Computes the Gantt chart, tick by tick.
pub fn schedule(
    jobs: &[Job],
    policy: Policy,
    quantum: u64,
    levels: usize,
    aging: u64,
) -> Vec<Slice> {
    let n = jobs.len();
    let levels = levels.max(1);
    let quantum = quantum.max(1);
    let mut left: Vec<u64> = jobs.iter().map(|j| j.burst).collect();
    let mut level: Vec<usize> = match policy {
        Policy::Mlq => jobs
            .iter()
            .map(|j| (j.priority.max(1) as usize - 1).min(levels - 1))
            .collect(),
        _ => vec![0; n],
    };
    let mut queues: Vec<VecDeque<usize>> = vec![VecDeque::new(); levels];
    let mut waited_since: Vec<u64> = vec![0; n];
    let mut arrived = vec![false; n];
    let mut slices: Vec<Slice> = Vec::new();
    let mut current: Option<usize> = None;
    let mut used: u64 = 0;
    let mut now: u64 = 0;
    let q_of = |lvl: usize| match policy {
        Policy::Mlq | Policy::Mlfq => quantum << lvl.min(20),
        _ => quantum,
    };
    // Arrival order: by time, then listing order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (jobs[i].arrival, i));
    while left.iter().any(|&l| l > 0) {
        for &i in &order {
            if !arrived[i] && jobs[i].arrival <= now {
                arrived[i] = true;
                waited_since[i] = now;
                queues[level[i]].push_back(i);
            }
        }
        if policy == Policy::Mlfq {
            for lvl in 1..levels {
                let mut keep = VecDeque::new();
                while let Some(i) = queues[lvl].pop_front() {
                    if now - waited_since[i] >= aging {
                        level[i] = 0;
                        waited_since[i] = now;
                        queues[0].push_back(i);
                    } else {
                        keep.push_back(i);
                    }
                }
                queues[lvl] = keep;
            }
        }
        // Preemption: a quantum used up, or (multilevel) a higher level has work.
        if let Some(c) = current {
            let preempt = match policy {
                Policy::Fcfs | Policy::Sjn => false,
                Policy::Rr => used >= quantum,
                Policy::Mlq | Policy::Mlfq => {
                    used >= q_of(level[c]) || queues[..level[c]].iter().any(|q| !q.is_empty())
                }
            };
            if preempt {
                if policy == Policy::Mlfq && used >= q_of(level[c]) {
                    level[c] = (level[c] + 1).min(levels - 1);
                }
                waited_since[c] = now;
                queues[level[c]].push_back(c);
                current = None;
            }
        }
        if current.is_none() {
            current = match policy {
                Policy::Sjn => {
                    let q = &mut queues[0];
                    let best = q
                        .iter()
                        .enumerate()
                        .min_by_key(|&(_, &i)| (left[i], jobs[i].arrival, i))
                        .map(|(k, _)| k);
                    best.and_then(|k| q.remove(k))
                }
                _ => queues
                    .iter_mut()
                    .find(|q| !q.is_empty())
                    .and_then(VecDeque::pop_front),
            };
            used = 0;
        }
        match current {
            Some(c) => {
                match slices.last_mut() {
                    Some(s) if s.job == c && s.end == now => s.end += 1,
                    _ => slices.push(Slice {
                        job: c,
                        start: now,
                        end: now + 1,
                    }),
                }
                left[c] -= 1;
                used += 1;
                now += 1;
                if left[c] == 0 {
                    current = None;
                }
            }
            None => now += 1,
        }
    }
    slices
}

/// Waiting, turnaround and response time of each job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobTimes {
    pub waiting: u64,
    pub turnaround: u64,
    pub response: u64,
}

pub fn times(jobs: &[Job], slices: &[Slice]) -> Vec<JobTimes> {
    jobs.iter()
        .enumerate()
        .map(|(i, j)| {
            let mine = slices.iter().filter(|s| s.job == i);
            let first = mine.clone().map(|s| s.start).min().unwrap_or(j.arrival);
            let done = mine.map(|s| s.end).max().unwrap_or(j.arrival);
            let turnaround = done - j.arrival;
            JobTimes {
                waiting: turnaround - j.burst,
                turnaround,
                response: first - j.arrival,
            }
        })
        .collect()
}

/// One CPU, no GIL: the jobs stand for processes on a uniprocessor.
fn one_cpu(_: &Params) -> interleave_sim::Machine {
    interleave_sim::Machine {
        cores: 1,
        gil: false,
        ..interleave_sim::Machine::default()
    }
}

fn policy_of(p: &Params) -> Policy {
    match p.choice("policy") {
        "fcfs" => Policy::Fcfs,
        "sjn" => Policy::Sjn,
        "mlq" => Policy::Mlq,
        "mlfq" => Policy::Mlfq,
        _ => Policy::Rr,
    }
}

fn plan(p: &Params) -> (Vec<Job>, Vec<Slice>) {
    let jobs = parse_jobs(p.choice("jobs")).unwrap_or_default();
    let slices = schedule(
        &jobs,
        policy_of(p),
        p.int("quantum") as u64,
        p.int("levels") as usize,
        p.int("aging") as u64,
    );
    (jobs, slices)
}

fn average(v: impl Iterator<Item = u64>, n: usize) -> Value {
    let total: u64 = v.sum();
    Value::Float(((total as f64 / n.max(1) as f64) * 100.0).round() / 100.0)
}

fn results(jobs: &[Job], slices: &[Slice]) -> BTreeMap<String, Value> {
    let tm = times(jobs, slices);
    let n = jobs.len();
    let mut r = BTreeMap::new();
    r.insert(
        "waiting".to_string(),
        Value::from(tm.iter().map(|x| x.waiting as i64).collect::<Vec<_>>()),
    );
    r.insert(
        "turnaround".to_string(),
        Value::from(tm.iter().map(|x| x.turnaround as i64).collect::<Vec<_>>()),
    );
    r.insert(
        "response".to_string(),
        Value::from(tm.iter().map(|x| x.response as i64).collect::<Vec<_>>()),
    );
    r.insert(
        "avg_waiting".to_string(),
        average(tm.iter().map(|x| x.waiting), n),
    );
    r.insert(
        "avg_turnaround".to_string(),
        average(tm.iter().map(|x| x.turnaround), n),
    );
    r.insert(
        "avg_response".to_string(),
        average(tm.iter().map(|x| x.response), n),
    );
    let order: Vec<Value> = slices
        .iter()
        .map(|s| Value::from(jobs[s.job].name.as_str()))
        .collect();
    r.insert("order".to_string(), Value::List(order));
    r
}

/// The timeline as a trace: a lane per job walking new → ready → running → terminated.
pub(crate) fn trace(p: &Params) -> Trace {
    let (jobs, slices) = plan(p);
    let mut tr = Trace {
        cores: 1,
        ..Trace::default()
    };
    tr.objects.push(ObjInfo {
        id: interleave_sim::ObjId::new(0),
        name: "CPU".to_string(),
        kind: "cpu".to_string(),
    });
    // Events with their texts, recorded in time order once every lane is built.
    let mut events: Vec<(Event, &str)> = Vec::new();
    for (i, j) in jobs.iter().enumerate() {
        let id = UnitId(i as u32);
        tr.units.push(UnitInfo {
            id,
            name: j.name.clone(),
            kind: UnitKind::Process,
            process: id,
            parent: None,
            daemon: false,
            host: None,
            created: 0,
        });
        let mut at = 0;
        let push = |tr: &mut Trace, start: u64, end: u64, state: State| {
            if start < end {
                tr.spans.push(Span {
                    unit: id,
                    start: start * TICK,
                    end: end * TICK,
                    state,
                    obj: None,
                    core: (state == State::Running).then_some(0),
                });
            }
        };
        push(&mut tr, 0, j.arrival, State::Starting);
        at = at.max(j.arrival);
        events.push((
            Event {
                time: j.arrival * TICK,
                unit: id,
                kind: EventKind::Start,
                obj: None,
            },
            "arrives",
        ));
        for s in slices.iter().filter(|s| s.job == i) {
            push(&mut tr, at, s.start, State::Ready);
            push(&mut tr, s.start, s.end, State::Running);
            at = s.end;
        }
        events.push((
            Event {
                time: at * TICK,
                unit: id,
                kind: EventKind::Exit,
                obj: None,
            },
            "terminated",
        ));
    }
    tr.spans.sort_by_key(|s| (s.start, s.unit));
    events.sort_by_key(|(e, _)| (e.time, e.unit));
    for (e, text) in events {
        tr.record(e, Some(text.to_string()));
    }
    tr.result = results(&jobs, &slices);
    let end = slices.iter().map(|s| s.end).max().unwrap_or(0);
    let busy: u64 = slices.iter().map(|s| s.end - s.start).sum();
    tr.metrics = Metrics {
        makespan: end * TICK,
        steps: slices.len() as u64,
        events: tr.events.len() as u64,
        core_utilisation: vec![if end == 0 {
            0.0
        } else {
            busy as f64 / end as f64
        }],
        units: tr
            .units
            .iter()
            .map(|u| {
                let sum = |st: State| {
                    tr.spans
                        .iter()
                        .filter(|s| s.unit == u.id && s.state == st)
                        .map(|s| s.end - s.start)
                        .sum()
                };
                let ready = sum(State::Ready);
                UnitMetrics {
                    unit: u.id,
                    running: sum(State::Running),
                    ready,
                    waiting: ready,
                    ..UnitMetrics::default()
                }
            })
            .collect(),
        ..Metrics::default()
    };
    tr.schedule = "v1:".to_string();
    tr.outcome = Outcome::Completed;
    tr
}

/// The same schedule as a simulated program on one core: each job sleeps until its slices
/// and computes them (used where a live program is wanted; the lesson's trace is `trace`).
fn build(p: &Params) -> Program {
    let (jobs, slices) = plan(p);
    Program::new(move |cx: Ctx| async move {
        let mut ts = Vec::new();
        for (i, j) in jobs.iter().enumerate() {
            let mine: Vec<Slice> = slices.iter().copied().filter(|s| s.job == i).collect();
            let body = Program::new(move |cx: Ctx| async move {
                let mut at = 0;
                for s in mine {
                    cx.sleep((s.start - at) * TICK).await?;
                    cx.compute((s.end - s.start) * TICK).await?;
                    at = s.end;
                }
                interleave_sim::PyResult::Ok(())
            });
            ts.push(cx.spawn_thread(&j.name, body).await?);
        }
        for t in ts {
            t.join(&cx).await?;
        }
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/scheduling.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(s: &str) -> Vec<Job> {
        parse_jobs(s).unwrap_or_default()
    }

    fn avg_waiting(js: &[Job], policy: Policy, q: u64) -> f64 {
        let tm = times(js, &schedule(js, policy, q, 3, 10));
        tm.iter().map(|t| t.waiting as f64).sum::<f64>() / js.len() as f64
    }

    #[test]
    fn textbook_three_jobs() {
        // P1 24, P2 3, P3 3, all at time 0 (the classic operating-systems example).
        let js = jobs("P1:0:24,P2:0:3,P3:0:3");
        assert_eq!(avg_waiting(&js, Policy::Fcfs, 4), 17.0);
        assert_eq!(avg_waiting(&js, Policy::Sjn, 4), 3.0);
        assert!((avg_waiting(&js, Policy::Rr, 4) - 17.0 / 3.0).abs() < 1e-9);
        let rr = schedule(&js, Policy::Rr, 4, 3, 10);
        let names: Vec<(usize, u64, u64)> = rr.iter().map(|s| (s.job, s.start, s.end)).collect();
        assert_eq!(names, vec![(0, 0, 4), (1, 4, 7), (2, 7, 10), (0, 10, 30)]);
    }

    #[test]
    fn default_set_by_hand() {
        // P1 0/8, P2 1/4, P3 2/9, P4 3/5, P5 4/2.
        let js = jobs("P1:0:8:3,P2:1:4:1,P3:2:9:4,P4:3:5:2,P5:4:2:5");
        // FCFS: P1 0-8, P2 8-12, P3 12-21, P4 21-26, P5 26-28.
        let tm = times(&js, &schedule(&js, Policy::Fcfs, 2, 3, 10));
        let w: Vec<u64> = tm.iter().map(|t| t.waiting).collect();
        assert_eq!(w, vec![0, 7, 10, 18, 22]);
        // SJN: P1 0-8, then P5 (2) 8-10, P2 (4) 10-14, P4 (5) 14-19, P3 (9) 19-28.
        let tm = times(&js, &schedule(&js, Policy::Sjn, 2, 3, 10));
        let w: Vec<u64> = tm.iter().map(|t| t.waiting).collect();
        assert_eq!(w, vec![0, 9, 17, 11, 4]);
        // Round robin, quantum 2: response times are bounded by the queue ahead.
        let rr = schedule(&js, Policy::Rr, 2, 3, 10);
        assert_eq!(rr.iter().map(|s| s.end - s.start).sum::<u64>(), 28);
        let tm = times(&js, &rr);
        assert!(tm.iter().all(|t| t.response <= 8), "{tm:?}");
    }

    #[test]
    fn mlfq_demotes_long_jobs_and_aging_promotes_them() {
        let js = jobs("long:0:20,short:1:2");
        let s = schedule(&js, Policy::Mlfq, 2, 3, 1000);
        // long runs 2 (level 0), short arrives and runs 2 at level 0 before long's level-1 slice.
        assert_eq!(
            s[0],
            Slice {
                job: 0,
                start: 0,
                end: 2
            }
        );
        assert_eq!(
            s[1],
            Slice {
                job: 1,
                start: 2,
                end: 4
            }
        );
        let tm = times(&js, &s);
        assert_eq!(tm[1].waiting, 1);
    }

    #[test]
    fn bad_job_sets_are_rejected() {
        for bad in [
            "",
            "P1",
            "P1:0",
            "P1:x:3",
            "P1:0:0",
            "P1:0:3,P1:1:2",
            "P1:0:3:1:9",
        ] {
            assert!(parse_jobs(bad).is_err(), "{bad:?}");
        }
    }
}
