//! One measurement of the real mode, as a pure state machine: a sequential baseline on one
//! worker, then the parallel run on the chosen engine, then the numbers side by side. The
//! panel (`ui::real_panel`) owns the Web Workers; it passes their answers in here and carries
//! out the [`Effect`]s that come back. Tested natively with the engine's own work function
//! standing in for the workers.

use interleave_scenarios::Params;
use interleave_sim::Trace;

use crate::protocol::{Answer, Sched, SimRequest, Subject, ThreadsReport, Work};
use crate::real::{Engine, RealState, prime_inputs, threads_trace};

/// The most workers a measurement may use.
pub const MAX_WORKERS: usize = 64;

/// Where a measurement is.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    Starting,
    Sequential { done: usize, total: usize },
    Parallel { done: usize, total: usize },
    Done,
    Failed(String),
}

impl Phase {
    /// Workers are (or are about to be) at work.
    pub fn busy(&self) -> bool {
        matches!(
            self,
            Phase::Starting | Phase::Sequential { .. } | Phase::Parallel { .. }
        )
    }
}

/// A finished measurement, as the results table shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub seq_ms: f64,
    pub par_ms: f64,
    pub workers: usize,
    /// How many of them ran any work.
    pub workers_used: usize,
    pub engine: Engine,
    pub answers: String,
    /// For shared-memory threads: whether the memory really was shared.
    pub shared: Option<bool>,
}

impl Measured {
    pub fn speedup(&self) -> f64 {
        self.seq_ms / self.par_ms.max(1e-9)
    }
}

/// What the panel must do next.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Send a piece of work to process-style worker `worker`.
    Send { worker: usize, job: u32, work: Work },
    /// Start the shared-memory thread engine on these numbers.
    CheckPrimes(Vec<u64>),
    /// The measurement is complete: show its trace.
    Show(Box<Trace>),
}

/// One measurement in progress.
pub struct Measurement {
    scenario: String,
    params: Params,
    engine: Engine,
    /// Workers in the parallel phase (threads, for shared-memory threads).
    workers: usize,
    /// Process-style workers that said they are ready.
    ready: usize,
    /// The bookkeeping of the current phase on process-style workers.
    state: Option<RealState>,
    sequential: bool,
    seq_ms: f64,
    /// When the thread engine was started (ms).
    threads_origin: f64,
    /// What the thread engine said about its memory when it started.
    shared: Option<bool>,
    pub phase: Phase,
    pub measured: Option<Measured>,
}

impl Measurement {
    /// Plans a measurement of `scenario`: a plan that cannot run fails here, before any
    /// worker starts.
    pub fn new(
        scenario: &str,
        params: Params,
        engine: Engine,
        workers: usize,
    ) -> Result<Measurement, String> {
        if !(1..=MAX_WORKERS).contains(&workers) {
            return Err(format!(
                "workers must be from 1 to {MAX_WORKERS}, got {workers}"
            ));
        }
        RealState::new(scenario, &params, Engine::Processes, 1, 0.0)?;
        Ok(Measurement {
            scenario: scenario.to_string(),
            params,
            engine,
            workers,
            ready: 0,
            state: None,
            sequential: true,
            seq_ms: 0.0,
            threads_origin: 0.0,
            shared: None,
            phase: Phase::Starting,
            measured: None,
        })
    }

    /// How many process-style workers to start: with shared-memory threads only the
    /// baseline's one.
    pub fn process_workers(&self) -> usize {
        if self.engine == Engine::SharedThreads {
            1
        } else {
            self.workers
        }
    }

    /// The thread count to start the shared-memory thread engine with, if it is the engine.
    pub fn threads(&self) -> Option<usize> {
        (self.engine == Engine::SharedThreads).then_some(self.workers)
    }

    pub fn busy(&self) -> bool {
        self.phase.busy()
    }

    /// Stops the measurement with `message`; later answers are ignored.
    pub fn fail(&mut self, message: String) {
        self.state = None;
        self.phase = Phase::Failed(message);
    }

    /// A process-style worker is up. Once all are, the baseline's clock starts at `now`.
    pub fn on_ready(&mut self, now: f64) -> Vec<Effect> {
        if !self.busy() {
            return Vec::new();
        }
        self.ready += 1;
        if self.ready < self.process_workers() {
            return Vec::new();
        }
        match RealState::new(&self.scenario, &self.params, Engine::Processes, 1, now) {
            Ok(st) => self.state = Some(st),
            Err(e) => {
                self.fail(e);
                return Vec::new();
            }
        }
        self.pump(now)
    }

    /// Worker `worker` finished its piece, timed `start_ms`..`end_ms` on the shared clock.
    pub fn on_done(
        &mut self,
        worker: usize,
        start_ms: f64,
        end_ms: f64,
        answer: Answer,
        now: f64,
    ) -> Vec<Effect> {
        let Some(st) = self.state.as_mut() else {
            return Vec::new();
        };
        if let Err(e) = st.done(worker, start_ms, end_ms, answer) {
            self.fail(e);
            return Vec::new();
        }
        self.pump(now)
    }

    /// The thread engine started, with its memory shared or not.
    pub fn on_shared(&mut self, shared: bool) {
        self.shared = Some(shared);
    }

    /// The thread engine's report (JSON) ends the parallel phase.
    pub fn on_threads_report(&mut self, json: &str) -> Vec<Effect> {
        if !matches!(self.phase, Phase::Parallel { .. }) || self.engine != Engine::SharedThreads {
            return Vec::new();
        }
        let numbers = prime_inputs(&self.params);
        let report: ThreadsReport = match serde_json::from_str(json) {
            Ok(r) => r,
            Err(e) => {
                self.fail(format!("the thread engine's report: {e}"));
                return Vec::new();
            }
        };
        let trace = match threads_trace(&numbers, &report, self.threads_origin) {
            Ok(t) => t,
            Err(e) => {
                self.fail(e);
                return Vec::new();
            }
        };
        let used = report
            .jobs
            .iter()
            .map(|j| j.thread)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let origin = self.threads_origin;
        let par_ms = report.jobs.iter().map(|j| j.end_ms).fold(origin, f64::max) - origin;
        self.finish(
            Measured {
                seq_ms: self.seq_ms,
                par_ms,
                workers: self.workers,
                workers_used: used,
                engine: Engine::SharedThreads,
                answers: answers(&trace),
                shared: Some(report.shared_memory || self.shared == Some(true)),
            },
            trace,
        )
    }

    /// The two simulated runs (sequential, then this many workers) whose makespans predict
    /// the speedup, when the scenario models this run.
    pub fn prediction(&self) -> Option<[SimRequest; 2]> {
        let sc = interleave_scenarios::find(&self.scenario)?;
        let pairs = self.params.to_pairs();
        if !sc.browser_real?.predicted() || !pairs.iter().any(|(k, _)| k == "mode") {
            return None;
        }
        let base: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(k, _)| k != "mode" && k != "workers")
            .collect();
        let mode = if self.engine == Engine::GilThreads {
            "threads"
        } else {
            "processes"
        };
        let n = self.workers;
        Some([("sequential", 1), (mode, n)].map(|(m, k)| {
            let mut p = base.clone();
            p.push(("mode".to_string(), m.to_string()));
            p.push(("workers".to_string(), k.to_string()));
            SimRequest {
                subject: Subject::Scenario {
                    id: self.scenario.clone(),
                    params: p,
                },
                seed: 1,
                cores: Some(u32::try_from(n).unwrap_or(1)),
                gil: None,
                sched: Sched::Fifo,
                replay: None,
            }
        }))
    }

    /// Hands out work to every idle worker and moves on when a phase is complete.
    fn pump(&mut self, now: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        while let Some(st) = self.state.as_mut() {
            let active = if self.sequential { 1 } else { self.workers };
            for worker in 0..active {
                if let Some((job, work)) = st.next_for(worker, now) {
                    out.push(Effect::Send { worker, job, work });
                }
            }
            let (total, done) = st.progress();
            self.phase = if self.sequential {
                Phase::Sequential { done, total }
            } else {
                Phase::Parallel { done, total }
            };
            if !st.finished() {
                break;
            }
            let Some(st) = self.state.take() else { break };
            if self.sequential {
                self.sequential = false;
                self.seq_ms = st.wall_ms();
                self.start_parallel(now, &mut out);
            } else {
                out.extend(self.finish_on_workers(st));
            }
        }
        out
    }

    /// After the baseline: the parallel phase on the workers, or on the thread engine.
    fn start_parallel(&mut self, now: f64, out: &mut Vec<Effect>) {
        if self.engine == Engine::SharedThreads {
            self.threads_origin = now;
            let numbers = prime_inputs(&self.params);
            self.phase = Phase::Parallel {
                done: 0,
                total: numbers.len(),
            };
            out.push(Effect::CheckPrimes(numbers));
            return;
        }
        match RealState::new(&self.scenario, &self.params, self.engine, self.workers, now) {
            Ok(st) => self.state = Some(st),
            Err(e) => self.fail(e),
        }
    }

    fn finish_on_workers(&mut self, st: RealState) -> Vec<Effect> {
        let par_ms = st.wall_ms();
        let trace = st.into_trace();
        let n = self.workers;
        // Unit 0 is the main one; workers are units 1..=n.
        let used = (1..=n)
            .filter(|w| {
                trace
                    .spans
                    .iter()
                    .any(|s| s.unit.index() == *w && s.state == interleave_sim::State::Running)
            })
            .count();
        let measured = Measured {
            seq_ms: self.seq_ms,
            par_ms,
            workers: n,
            workers_used: used,
            engine: self.engine,
            answers: answers(&trace),
            shared: None,
        };
        self.finish(measured, trace)
    }

    fn finish(&mut self, measured: Measured, trace: Trace) -> Vec<Effect> {
        self.measured = Some(measured);
        self.phase = Phase::Done;
        vec![Effect::Show(Box::new(trace))]
    }
}

/// What the run answered: the primes' or divisors' list, or Life's live cells.
fn answers(trace: &Trace) -> String {
    match (trace.result.get("answers"), trace.result.get("alive")) {
        (Some(a), _) => a.repr(),
        (None, Some(a)) => format!("alive = {}", a.repr()),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use interleave_sim::Value;

    fn params(id: &str, kv: &[(&str, &str)]) -> Params {
        let sc = interleave_scenarios::find(id).unwrap();
        let pairs: Vec<(String, String)> = kv
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sc.validate(&pairs).unwrap()
    }

    /// Plays the workers: each piece sent is computed with the engine's own work function
    /// and takes its worker 1 ms, starting when it was sent or when the worker is free;
    /// answers arrive in the order they finish. Returns the effects that were not work, and
    /// how many pieces each worker ran.
    fn drive(m: &mut Measurement, mut effects: Vec<Effect>) -> (Vec<Effect>, Vec<usize>) {
        let mut now = 0.0_f64;
        let mut rest = Vec::new();
        let mut per_worker = vec![0; MAX_WORKERS];
        let mut free = vec![0.0_f64; MAX_WORKERS];
        // (finish time, worker, work), answered earliest first.
        let mut out: Vec<(f64, usize, Work)> = Vec::new();
        loop {
            for e in effects.drain(..) {
                match e {
                    Effect::Send { worker, work, .. } => {
                        let end = now.max(free[worker]) + 1.0;
                        free[worker] = end;
                        out.push((end, worker, work));
                    }
                    other => rest.push(other),
                }
            }
            out.sort_by(|a, b| b.0.total_cmp(&a.0));
            let Some((end, worker, work)) = out.pop() else {
                break;
            };
            per_worker[worker] += 1;
            now = end;
            let answer = crate::engine::work(&work).unwrap();
            effects = m.on_done(worker, end - 1.0, end, answer, now);
        }
        (rest, per_worker)
    }

    #[test]
    fn a_measurement_runs_the_baseline_on_one_worker_then_the_parallel_phase_on_all() {
        let p = params("primes", &[("numbers", "97,98,99,101,103,107")]);
        let mut m = Measurement::new("primes", p, Engine::Processes, 3).unwrap();
        assert_eq!(m.process_workers(), 3);
        assert_eq!(m.threads(), None);
        assert_eq!(m.phase, Phase::Starting);
        assert!(m.on_ready(0.0).is_empty());
        assert!(m.on_ready(0.0).is_empty());
        let first = m.on_ready(0.0);
        assert!(
            first
                .iter()
                .all(|e| matches!(e, Effect::Send { worker: 0, .. })),
            "the baseline runs on worker 0 alone: {first:?}"
        );
        assert!(matches!(m.phase, Phase::Sequential { total: 6, .. }));
        let (rest, per_worker) = drive(&mut m, first);
        assert_eq!(m.phase, Phase::Done);
        let [Effect::Show(trace)] = &rest[..] else {
            panic!("one trace to show: {rest:?}");
        };
        let measured = m.measured.clone().unwrap();
        assert_eq!(measured.engine, Engine::Processes);
        assert_eq!(measured.workers, 3);
        assert_eq!(measured.workers_used, 3);
        // Six pieces in the baseline on worker 0, then six spread over the three workers.
        assert_eq!(per_worker.iter().sum::<usize>(), 12);
        assert!(per_worker[0] >= 6 && per_worker[1] > 0 && per_worker[2] > 0);
        assert!(measured.seq_ms > measured.par_ms, "{measured:?}");
        assert!(measured.answers.contains("True"), "{}", measured.answers);
        assert_eq!(
            trace.result.get("answers").map(Value::repr),
            Some(measured.answers)
        );
        // Answers after the end change nothing.
        assert!(m.on_ready(9.0).is_empty());
    }

    #[test]
    fn shared_memory_threads_measure_the_baseline_on_one_worker_and_finish_on_the_report() {
        let p = params("primes", &[("numbers", "97,98")]);
        let mut m = Measurement::new("primes", p, Engine::SharedThreads, 2).unwrap();
        assert_eq!(m.process_workers(), 1);
        assert_eq!(m.threads(), Some(2));
        let first = m.on_ready(0.0);
        let (rest, _) = drive(&mut m, first);
        assert_eq!(rest, vec![Effect::CheckPrimes(vec![97, 98])]);
        assert!(matches!(m.phase, Phase::Parallel { done: 0, total: 2 }));
        m.on_shared(true);
        assert!(m.on_threads_report("not json").is_empty());
        assert!(matches!(m.phase, Phase::Failed(ref e) if e.contains("report")));
    }

    #[test]
    fn a_plan_that_cannot_run_fails_before_any_worker_starts() {
        let p = params("rlock", &[]);
        assert!(Measurement::new("rlock", p, Engine::Processes, 2).is_err());
        let p = params("primes", &[]);
        assert!(Measurement::new("primes", p.clone(), Engine::Processes, 0).is_err());
        assert!(Measurement::new("primes", p, Engine::Processes, MAX_WORKERS + 1).is_err());
    }

    #[test]
    fn a_failed_measurement_ignores_later_answers() {
        let p = params("primes", &[("numbers", "97,98")]);
        let mut m = Measurement::new("primes", p, Engine::Processes, 1).unwrap();
        let first = m.on_ready(0.0);
        assert!(!first.is_empty());
        m.fail("worker 0: gone".into());
        assert!(!m.busy());
        let answer = Answer::Prime { n: 97, prime: true };
        assert!(m.on_done(0, 0.0, 1.0, answer, 1.0).is_empty());
        assert_eq!(m.phase, Phase::Failed("worker 0: gone".into()));
    }

    #[test]
    fn the_prediction_models_the_same_run_where_the_scenario_can() {
        let p = params("primes", &[("numbers", "97,98")]);
        let m = Measurement::new("primes", p, Engine::GilThreads, 4).unwrap();
        let [seq, par] = m.prediction().unwrap();
        let get = |r: &SimRequest, k: &str| match &r.subject {
            Subject::Scenario { params, .. } => params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone()),
            Subject::Code { .. } => None,
        };
        assert_eq!(get(&seq, "mode").as_deref(), Some("sequential"));
        assert_eq!(get(&par, "mode").as_deref(), Some("threads"));
        assert_eq!(get(&par, "workers").as_deref(), Some("4"));
        assert_eq!(par.cores, Some(4));
        let life = Measurement::new("life", params("life", &[]), Engine::Processes, 2).unwrap();
        assert!(life.prediction().is_none());
    }
}
