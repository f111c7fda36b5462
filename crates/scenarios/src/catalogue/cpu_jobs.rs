//! A CPU-bound job list run sequentially, on threads or on processes, the way the source
//! material does it: a job queue, a result queue, one poison pill (0) per worker, and a
//! reporter that counts results until every worker has said it is done. Shared by `primes`
//! and `factorize`.

use interleave_sim::{Ctx, Flavor, Nanos, Program, PyResult, QueueKind, Value};

/// One job: its input, its CPU cost and the answer it produces.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) input: u64,
    pub(crate) cost: Nanos,
    pub(crate) answer: Value,
}

/// How to run the jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Runner {
    Sequential,
    Threads,
    Processes,
}

impl Runner {
    pub(crate) fn parse(s: &str) -> Runner {
        match s {
            "threads" => Runner::Threads,
            "processes" => Runner::Processes,
            _ => Runner::Sequential,
        }
    }
}

/// Runs `jobs`, then reports `answers` (in input order), per-job `elapsed_ms` and the total
/// `elapsed_s` as results. Jobs are identified by their position, so inputs may repeat.
pub(crate) fn program(jobs: Vec<Job>, runner: Runner, workers: i64) -> Program {
    Program::new(move |cx: Ctx| async move {
        let t0 = cx.now().await?;
        let n = jobs.len();
        let mut answers = vec![Value::None; n];
        let mut elapsed = vec![Value::None; n];
        match runner {
            Runner::Sequential => {
                for (i, job) in jobs.iter().enumerate() {
                    let start = cx.now().await?;
                    cx.compute(job.cost).await?;
                    let took = cx.now().await? - start;
                    cx.print(format!("{:>16} {}", job.input, job.answer))
                        .await?;
                    answers[i] = job.answer.clone();
                    elapsed[i] = ms(took);
                }
            }
            Runner::Threads | Runner::Processes => {
                let flavor = if runner == Runner::Threads {
                    Flavor::Threading
                } else {
                    Flavor::Multiprocessing
                };
                let jobs_q = cx.new_queue(flavor, QueueKind::Simple, "jobs", 0);
                let results_q = cx.new_queue(flavor, QueueKind::Simple, "results", 0);
                for i in 0..n {
                    // Positions count from 1 so that 0 can be the poison pill.
                    jobs_q.put(&cx, (i + 1) as i64).await?;
                }
                let mut units = Vec::new();
                for w in 0..workers {
                    let jobs = jobs.clone();
                    let body = Program::new(move |cx: Ctx| async move {
                        loop {
                            let k = jobs_q.get(&cx).await?.as_int()?;
                            if k == 0 {
                                break;
                            }
                            let Some(job) = usize::try_from(k - 1).ok().and_then(|i| jobs.get(i))
                            else {
                                break;
                            };
                            let start = cx.now().await?;
                            cx.compute(job.cost).await?;
                            let took = cx.now().await? - start;
                            results_q
                                .put(&cx, Value::List(vec![Value::Int(k), ms(took)]))
                                .await?;
                        }
                        results_q
                            .put(&cx, Value::List(vec![Value::Int(0), Value::None]))
                            .await?;
                        PyResult::Ok(())
                    });
                    let name = format!("worker-{w}");
                    if runner == Runner::Threads {
                        units.push(cx.spawn_thread(&name, body).await?.id);
                    } else {
                        units.push(cx.spawn_process(&name, body).await?.id);
                    }
                    jobs_q.put(&cx, 0).await?;
                }
                let mut done = 0;
                while done < workers {
                    let Value::List(r) = results_q.get(&cx).await? else {
                        continue;
                    };
                    let k = r.first().map_or(Ok(0), Value::as_int)?;
                    if k == 0 {
                        done += 1;
                        continue;
                    }
                    let i = (k - 1) as usize;
                    if let Some(job) = jobs.get(i) {
                        cx.print(format!("{:>16} {}", job.input, job.answer))
                            .await?;
                        answers[i] = job.answer.clone();
                        elapsed[i] = r.get(1).cloned().unwrap_or_default();
                    }
                }
            }
        }
        let total = cx.now().await? - t0;
        cx.print(format!("{n} checks in {:.2}s", total as f64 / 1e9))
            .await?;
        cx.set_result("answers", answers).await?;
        cx.set_result("elapsed_ms", elapsed).await?;
        cx.set_result("elapsed_s", (total as f64 / 1e7).round() / 100.0)
            .await?;
        Ok(Value::None)
    })
}

fn ms(ns: Nanos) -> Value {
    Value::Float((ns as f64 / 1e4).round() / 100.0)
}

/// A list parameter's values, or the defaults when empty.
pub(crate) fn numbers(list: Vec<u64>, defaults: &[u64]) -> Vec<u64> {
    if list.is_empty() {
        defaults.to_vec()
    } else {
        list
    }
}
