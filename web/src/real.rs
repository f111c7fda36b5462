//! Real runs in the browser, as a pure state machine: the page feeds it worker timings and
//! answers, it hands out the next piece of work and finally builds the same [`RealRun`] (and
//! so the same timeline) as the native drivers.
//!
//! Jobs go out largest first from one queue. In GIL mode at most one piece runs at a time (the
//! other workers wait for the "GIL"), which is what CPython threads do with CPU-bound work.
//! Life runs in generations: each is split into row bands, one per worker, and the next
//! generation starts when every band is back (a barrier).

use interleave_scenarios::{Params, RealWork};
use interleave_sim::{State, Trace, Value};
use interleave_workloads::life::{BitGrid, ByteGrid};
use interleave_workloads::primes::FIXTURE;
use interleave_workloads::real::{RealRun, RealSpan, Runner};

use crate::protocol::{Answer, Work};

/// Iterations of the factorising loop per piece of work.
const FACTOR_PIECE: u64 = 1 << 22;

/// How the parallel phase of a real run runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// N dedicated workers, each with its own wasm instance, exchanging messages only.
    Processes,
    /// The same workers, but only one may compute at a time.
    GilThreads,
    /// rayon on wasm threads sharing one memory (`web/threads`): primes only, and only on a
    /// cross-origin isolated page. Its sequential baseline runs on one process-style worker.
    SharedThreads,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Processes, Engine::GilThreads, Engine::SharedThreads];

    /// The engine's name in the form and in the results table.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Processes => "processes",
            Engine::GilThreads => "gil",
            Engine::SharedThreads => "threads",
        }
    }

    pub fn parse(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == s)
    }

    /// The key of its description in the page's texts (`crate::i18n`).
    pub fn text_key(self) -> &'static str {
        match self {
            Engine::Processes => "real.processes",
            Engine::GilThreads => "real.gil",
            Engine::SharedThreads => "real.threads",
        }
    }

    /// Whether it runs `work` on this page (`isolated`: shared memory is available).
    pub fn runs(self, work: RealWork, isolated: bool) -> bool {
        self != Engine::SharedThreads || (isolated && work.on_shared_memory_threads())
    }
}

/// The ids of the scenarios the browser runs for real.
pub fn real_scenarios() -> Vec<&'static str> {
    interleave_scenarios::catalogue()
        .iter()
        .filter(|s| s.browser_real.is_some())
        .map(|s| s.id)
        .collect()
}

#[derive(Clone, Debug)]
struct Piece {
    job: usize,
    work: Work,
    label: String,
}

#[derive(Clone, Debug)]
enum Plan {
    Jobs,
    Life {
        grid: BitGrid,
        next: BitGrid,
        generation: usize,
        generations: usize,
        /// The first row of each band handed out in this generation, by job id.
        band_rows: Vec<(usize, usize)>,
        alive: Vec<u64>,
    },
}

/// One real run in progress.
#[derive(Clone, Debug)]
pub struct RealState {
    scenario: &'static str,
    engine: Engine,
    workers: usize,
    plan: Plan,
    queue: std::collections::VecDeque<Piece>,
    /// Per worker, the piece it runs and when it was sent (ms on the shared clock).
    running: Vec<Option<(Piece, f64)>>,
    /// Pieces still out per job.
    pending: Vec<usize>,
    inputs: Vec<u64>,
    labels: Vec<String>,
    results: Vec<Value>,
    divisors: Vec<Vec<u64>>,
    job_first: Vec<Option<f64>>,
    job_time: Vec<u64>,
    spans: Vec<RealSpan>,
    origin: f64,
    last_end: f64,
    gil_switches: u64,
    last_holder: Option<usize>,
}

impl RealState {
    /// Plans a real run of `scenario` with validated `params`, starting at `origin` (ms).
    pub fn new(
        scenario: &str,
        params: &Params,
        engine: Engine,
        workers: usize,
        origin: f64,
    ) -> Result<RealState, String> {
        let Some((scenario, work)) =
            interleave_scenarios::find(scenario).and_then(|s| Some((s.id, s.browser_real?)))
        else {
            return Err(format!(
                "{scenario} has no real mode in the browser; it exists for {}",
                real_scenarios().join(", ")
            ));
        };
        if engine == Engine::SharedThreads {
            return Err("shared-memory threads run in the thread engine, not on workers".into());
        }
        if !(1..=64).contains(&workers) {
            return Err(format!("workers must be from 1 to 64, got {workers}"));
        }
        let mut st = RealState {
            scenario,
            engine,
            workers,
            plan: Plan::Jobs,
            queue: Default::default(),
            running: vec![None; workers],
            pending: Vec::new(),
            inputs: Vec::new(),
            labels: Vec::new(),
            results: Vec::new(),
            divisors: Vec::new(),
            job_first: Vec::new(),
            job_time: Vec::new(),
            spans: Vec::new(),
            origin,
            last_end: origin,
            gil_switches: 0,
            last_holder: None,
        };
        match work {
            RealWork::Primes | RealWork::Factorize => {
                let mut inputs = params.list("numbers");
                if inputs.is_empty() && work == RealWork::Primes {
                    inputs = FIXTURE.to_vec();
                }
                if inputs.is_empty() {
                    return Err("there are no numbers to work on".to_string());
                }
                let mut order: Vec<usize> = (0..inputs.len()).collect();
                order.sort_by_key(|&i| (std::cmp::Reverse(inputs[i]), i));
                st.pending = vec![0; inputs.len()];
                for i in order {
                    let n = inputs[i];
                    if work == RealWork::Primes {
                        st.queue.push_back(Piece {
                            job: i,
                            work: Work::Prime {
                                n,
                                kernel: "faithful".to_string(),
                            },
                            label: n.to_string(),
                        });
                        st.pending[i] += 1;
                    } else {
                        let mut from = 1;
                        while from <= n {
                            let to = from.saturating_add(FACTOR_PIECE).min(n + 1);
                            st.queue.push_back(Piece {
                                job: i,
                                work: Work::Divisors { n, from, to },
                                label: format!("{n} [{from}..{to})"),
                            });
                            st.pending[i] += 1;
                            from = to;
                        }
                    }
                }
                st.labels = inputs.iter().map(u64::to_string).collect();
                st.results = vec![Value::None; inputs.len()];
                st.divisors = vec![Vec::new(); inputs.len()];
                st.job_first = vec![None; inputs.len()];
                st.job_time = vec![0; inputs.len()];
                st.inputs = inputs;
            }
            RealWork::Life => {
                let side = usize::try_from(params.int("real_side")).unwrap_or(2048);
                let generations = usize::try_from(params.int("real_generations")).unwrap_or(50);
                let grid = BitGrid::from_bytes(&ByteGrid::random(side, side, 30, 42)?);
                st.plan = Plan::Life {
                    next: grid.clone(),
                    grid,
                    generation: 0,
                    generations,
                    band_rows: Vec::new(),
                    alive: Vec::new(),
                };
            }
        }
        Ok(st)
    }

    /// Total jobs and jobs finished, for a progress bar.
    pub fn progress(&self) -> (usize, usize) {
        match &self.plan {
            Plan::Jobs => (
                self.pending.len(),
                self.results.iter().filter(|v| **v != Value::None).count(),
            ),
            Plan::Life {
                generation,
                generations,
                ..
            } => (*generations, *generation),
        }
    }

    /// True once every job is done.
    pub fn finished(&self) -> bool {
        let idle = self.running.iter().all(Option::is_none);
        match &self.plan {
            Plan::Jobs => self.queue.is_empty() && idle,
            Plan::Life {
                generation,
                generations,
                ..
            } => generation >= generations && idle,
        }
    }

    /// The next piece for idle `worker` sent at `now` (ms), if it may run one now.
    pub fn next_for(&mut self, worker: usize, now: f64) -> Option<(u32, Work)> {
        if self.running.get(worker)?.is_some() {
            return None;
        }
        if self.engine == Engine::GilThreads {
            if self.running.iter().any(Option::is_some) {
                return None;
            }
            // The GIL goes to the next waiting thread in turn, not back to the same one.
            let preferred = self.last_holder.map_or(0, |h| (h + 1) % self.workers);
            if worker != preferred {
                return None;
            }
        }
        if self.queue.is_empty() {
            self.refill();
        }
        let piece = self.queue.pop_front()?;
        if self.engine == Engine::GilThreads {
            // The time since the last holder finished was spent waiting for the GIL.
            if self.last_holder.is_some_and(|h| h != worker) {
                self.gil_switches += 1;
            }
            self.last_holder = Some(worker);
        }
        if let Some(first) = self.job_first.get_mut(piece.job)
            && first.is_none()
        {
            *first = Some(now);
        }
        let id = u32::try_from(piece.job).unwrap_or(u32::MAX);
        let work = piece.work.clone();
        self.running[worker] = Some((piece, now));
        Some((id, work))
    }

    /// Starts the next Life generation once the last one is complete.
    fn refill(&mut self) {
        let workers = self.workers;
        let idle = self.running.iter().all(Option::is_none);
        let Plan::Life {
            grid,
            next,
            generation,
            generations,
            band_rows,
            alive,
        } = &mut self.plan
        else {
            return;
        };
        if !idle || *generation >= *generations {
            return;
        }
        if !band_rows.is_empty() {
            // The previous generation is complete: its bands are in `next`.
            std::mem::swap(grid, next);
            *generation += 1;
            band_rows.clear();
            alive.push(grid.alive() as u64);
            if *generation >= *generations {
                return;
            }
        }
        let (h, w) = (grid.height, grid.words);
        let bands = workers.min(h).max(1);
        for b in 0..bands {
            let (r0, r1) = (b * h / bands, (b + 1) * h / bands);
            let mut rows = Vec::with_capacity((r1 - r0 + 2) * w);
            for r in std::iter::once((r0 + h - 1) % h)
                .chain(r0..r1)
                .chain(std::iter::once(r1 % h))
            {
                rows.extend_from_slice(&grid.bits[r * w..(r + 1) * w]);
            }
            let job = band_rows.len();
            band_rows.push((r0, r1));
            self.queue.push_back(Piece {
                job,
                work: Work::LifeBand {
                    width: grid.width,
                    rows,
                    words: w,
                },
                label: format!("gen {} rows {r0}..{r1}", *generation + 1),
            });
        }
    }

    /// Records a finished piece: worker, its own start and end (ms on the shared clock).
    pub fn done(
        &mut self,
        worker: usize,
        start: f64,
        end: f64,
        answer: Answer,
    ) -> Result<(), String> {
        let (piece, sent) = self
            .running
            .get_mut(worker)
            .and_then(Option::take)
            .ok_or_else(|| format!("worker {worker} answered without work"))?;
        let fits = match (&piece.work, &answer) {
            (Work::Prime { n: a, .. }, Answer::Prime { n: b, .. })
            | (Work::Divisors { n: a, .. }, Answer::Divisors { n: b, .. }) => a == b,
            (Work::LifeBand { .. }, Answer::LifeBand { .. }) => true,
            _ => false,
        };
        if !fits {
            return Err(format!(
                "worker {worker} answered {answer:?} for {}",
                piece.label
            ));
        }
        let start = start.max(sent);
        let end = end.max(start);
        self.last_end = self.last_end.max(end);
        let ns = |ms: f64| ((ms - self.origin).max(0.0) * 1e6) as u64;
        if self.engine == Engine::GilThreads {
            // Everyone else idle was waiting for the GIL while this piece ran.
            for (w, r) in self.running.iter().enumerate() {
                if w != worker && r.is_none() {
                    self.spans.push(RealSpan {
                        worker: w,
                        start: ns(start),
                        end: ns(end),
                        state: State::WaitingGil,
                        job: None,
                    });
                }
            }
        }
        self.spans.push(RealSpan {
            worker,
            start: ns(start),
            end: ns(end),
            state: State::Running,
            job: Some(piece.job),
        });
        match (&mut self.plan, answer) {
            (Plan::Jobs, Answer::Prime { prime, .. }) => {
                self.finish_piece(piece.job, end, Some(Value::Bool(prime)))
            }
            (Plan::Jobs, Answer::Divisors { divisors, .. }) => {
                if let Some(d) = self.divisors.get_mut(piece.job) {
                    d.extend(divisors);
                }
                self.finish_piece(piece.job, end, None)
            }
            (
                Plan::Life {
                    next, band_rows, ..
                },
                Answer::LifeBand { rows, .. },
            ) => {
                let (r0, r1) = band_rows
                    .get(piece.job)
                    .copied()
                    .ok_or("a band came back that was not sent")?;
                let w = next.words;
                if rows.len() != (r1 - r0) * w {
                    return Err(format!(
                        "band {r0}..{r1} came back with {} words, expected {}",
                        rows.len(),
                        (r1 - r0) * w
                    ));
                }
                next.bits[r0 * w..r1 * w].copy_from_slice(&rows);
                Ok(())
            }
            _ => Err(format!("an answer of the wrong kind for {}", piece.label)),
        }
    }

    fn finish_piece(&mut self, job: usize, end: f64, value: Option<Value>) -> Result<(), String> {
        let left = self
            .pending
            .get_mut(job)
            .ok_or_else(|| format!("no job {job}"))?;
        *left = left.saturating_sub(1);
        if *left > 0 {
            return Ok(());
        }
        let value = value.unwrap_or_else(|| {
            let mut d = std::mem::take(&mut self.divisors[job]);
            d.sort_unstable();
            Value::List(d.into_iter().map(|x| Value::Int(x as i64)).collect())
        });
        self.results[job] = value;
        let first = self.job_first[job].unwrap_or(end);
        self.job_time[job] = ((end - first).max(0.0) * 1e6) as u64;
        Ok(())
    }

    /// Wall time so far, in ms.
    pub fn wall_ms(&self) -> f64 {
        self.last_end - self.origin
    }

    /// The finished run on the timeline model.
    pub fn into_trace(mut self) -> Trace {
        // Close a last Life generation whose bands are all back.
        self.refill();
        let generations = self.plan_generations();
        let wall = ((self.last_end - self.origin).max(0.0) * 1e6) as u64;
        let life = match &self.plan {
            Plan::Life { grid, alive, .. } => Some((grid.alive(), alive.clone(), grid.height)),
            Plan::Jobs => None,
        };
        let runner = match self.engine {
            // `new` refuses shared-memory threads: they never reach a `RealState`.
            Engine::Processes | Engine::SharedThreads => Runner::Processes,
            Engine::GilThreads => Runner::GilThreads {
                switch: std::time::Duration::from_millis(5),
            },
        };
        let run = RealRun {
            runner,
            workers: self.workers,
            inputs: self.inputs,
            labels: self.labels,
            results: self.results,
            job_time: self.job_time,
            spans: self.spans,
            wall,
            gil_switches: self.gil_switches,
        };
        let mut t = run.to_trace();
        if let Some((alive, per_gen, side)) = life {
            t.result.insert("alive".to_string(), Value::from(alive));
            t.result.insert(
                "alive_per_generation".to_string(),
                Value::List(per_gen.into_iter().map(|a| Value::Int(a as i64)).collect()),
            );
            let updates = (side * side * generations) as f64;
            t.result.insert(
                "cell_updates_per_s".to_string(),
                Value::Float((updates / (wall.max(1) as f64 / 1e9)).round()),
            );
        }
        t.result.insert(
            "scenario".to_string(),
            Value::Str(self.scenario.to_string()),
        );
        t
    }

    fn plan_generations(&self) -> usize {
        match &self.plan {
            Plan::Life { generations, .. } => *generations,
            Plan::Jobs => 0,
        }
    }
}

/// A run of the shared-memory thread engine on the timeline model: one lane per rayon
/// thread, results in input order. `origin` is when the page sent the work (ms).
pub fn threads_trace(
    numbers: &[u64],
    report: &crate::protocol::ThreadsReport,
    origin: f64,
) -> Result<Trace, String> {
    let ns = |ms: f64| ((ms - origin).max(0.0) * 1e6) as u64;
    let mut results = vec![Value::None; numbers.len()];
    let mut job_time = vec![0; numbers.len()];
    let mut spans = Vec::new();
    let mut taken = vec![false; numbers.len()];
    for j in &report.jobs {
        let n: u64 =
            j.n.parse()
                .map_err(|_| format!("the thread engine answered for {:?}", j.n))?;
        // Inputs may repeat: each answer fills the first open slot for its number.
        let slot = (0..numbers.len())
            .find(|&i| numbers[i] == n && !taken[i])
            .ok_or_else(|| format!("the thread engine answered for {n}, which was not asked"))?;
        taken[slot] = true;
        results[slot] = Value::Bool(j.prime);
        job_time[slot] = ((j.end_ms - j.start_ms).max(0.0) * 1e6) as u64;
        spans.push(RealSpan {
            worker: j.thread.min(report.threads.saturating_sub(1)),
            start: ns(j.start_ms),
            end: ns(j.end_ms.max(j.start_ms)),
            state: State::Running,
            job: Some(slot),
        });
    }
    if let Some(i) = taken.iter().position(|t| !t) {
        return Err(format!(
            "the thread engine did not answer for {}",
            numbers[i]
        ));
    }
    let wall = spans.iter().map(|s| s.end).max().unwrap_or(0);
    let run = RealRun {
        runner: Runner::Threads,
        workers: report.threads.max(1),
        inputs: numbers.to_vec(),
        labels: numbers.iter().map(u64::to_string).collect(),
        results,
        job_time,
        spans,
        wall,
        gil_switches: 0,
    };
    let mut t = run.to_trace();
    t.result
        .insert("scenario".to_string(), Value::Str("primes".to_string()));
    t.result.insert(
        "shared_memory".to_string(),
        Value::Bool(report.shared_memory),
    );
    Ok(t)
}

/// The numbers a primes run checks (the fixture when the list is empty).
pub fn prime_inputs(params: &Params) -> Vec<u64> {
    let v = params.list("numbers");
    if v.is_empty() { FIXTURE.to_vec() } else { v }
}
