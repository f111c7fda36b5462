//! Native parallel drivers: run a list of jobs sequentially, on OS threads, on "GIL threads"
//! (real threads that must hold one global lock to compute and hand it over every switch
//! interval) or on child processes fed through pipes, and record what happened as real spans on
//! one clock. Only for native targets: this module knows threads, processes and clocks.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use interleave_sim::{State, Value};

use crate::primes::{Kernel, Trial};
pub use crate::real::{RealRun, RealSpan, Runner};

/// A job whose work is done in short pieces, so drivers can interleave it.
pub trait JobState: Send {
    /// Does one piece of work; returns the job's result once it is complete.
    fn advance(&mut self) -> Option<Value>;
}

/// A kind of work: how to start a job for one input.
pub trait Workload: Sync {
    fn start(&self, input: u64) -> Box<dyn JobState>;
    /// A short label for a job's input (shown on the timeline).
    fn label(&self, input: u64) -> String {
        input.to_string()
    }

    /// An upper bound of a job's cost, for handing out the largest jobs first.
    fn cost_hint(&self, input: u64) -> u64 {
        input
    }
}

/// Prime checking with a chosen kernel. The reference and faithful kernels run in pieces of
/// `piece` divisors; the fast ones in one go.
#[derive(Clone, Debug)]
pub struct Primes {
    pub kernel: Kernel,
    pub piece: u64,
}

struct PrimeJob {
    n: u64,
    kernel: Kernel,
    trial: Trial,
    piece: u64,
}

impl JobState for PrimeJob {
    fn advance(&mut self) -> Option<Value> {
        match self.kernel {
            Kernel::Faithful => self.trial.run(self.piece).map(Value::Bool),
            Kernel::Reference => self.trial.run_reference(self.piece).map(Value::Bool),
            k => Some(Value::Bool(k.check(self.n))),
        }
    }
}

impl Workload for Primes {
    fn start(&self, n: u64) -> Box<dyn JobState> {
        Box::new(PrimeJob {
            n,
            kernel: self.kernel,
            trial: Trial::new(n),
            piece: self.piece,
        })
    }
}

/// Every divisor by the 1..=n loop (in pieces of `piece` iterations), or the fast √n walk.
#[derive(Clone, Debug)]
pub struct Factorize {
    pub fast: bool,
    pub piece: u64,
}

struct FactorJob {
    n: u64,
    next: u64,
    fast: bool,
    piece: u64,
    found: Vec<u64>,
}

impl JobState for FactorJob {
    fn advance(&mut self) -> Option<Value> {
        let to_value = |v: &[u64]| Value::List(v.iter().map(|&d| Value::Int(d as i64)).collect());
        if self.fast {
            return Some(to_value(&crate::factorize::divisors_fast(self.n)));
        }
        let end = self
            .next
            .saturating_add(self.piece)
            .min(self.n.saturating_add(1));
        self.found
            .extend(crate::factorize::divisors_in(self.n, self.next, end));
        self.next = end;
        (self.next > self.n).then(|| to_value(&self.found))
    }
}

impl Workload for Factorize {
    fn start(&self, n: u64) -> Box<dyn JobState> {
        Box::new(FactorJob {
            n,
            next: 1,
            fast: self.fast,
            piece: self.piece,
            found: Vec::new(),
        })
    }
}

/// Starts a child worker process that speaks the [`serve_worker`] protocol on its stdin/stdout.
pub type SpawnWorker<'a> = &'a (dyn Fn() -> std::io::Result<Child> + Sync);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn since(origin: Instant) -> u64 {
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

fn epoch_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Shared bookkeeping of a run.
struct Book {
    results: Mutex<Vec<Value>>,
    job_time: Mutex<Vec<u64>>,
    spans: Mutex<Vec<RealSpan>>,
    next: AtomicUsize,
    /// The queue's order: largest jobs first, so the last ones to finish are small and the
    /// workers end together (results are still reported in input order).
    order: Vec<usize>,
}

impl Book {
    fn new(work: &dyn Workload, inputs: &[u64]) -> Self {
        let n = inputs.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(work.cost_hint(inputs[i])), i));
        Book {
            results: Mutex::new(vec![Value::None; n]),
            job_time: Mutex::new(vec![0; n]),
            spans: Mutex::new(Vec::new()),
            next: AtomicUsize::new(0),
            order,
        }
    }

    /// The job queue: the next job index, or `None` when it is empty (the poison pill).
    fn take(&self, n: usize) -> Option<usize> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if i < n {
            self.order.get(i).copied()
        } else {
            None
        }
    }

    fn span(&self, s: RealSpan) {
        if s.end > s.start {
            lock(&self.spans).push(s);
        }
    }

    fn finish(&self, job: usize, value: Value, took: u64) {
        lock(&self.results)[job] = value;
        lock(&self.job_time)[job] = took;
    }
}

/// Runs every input through `work` with `runner` on `workers` workers.
pub fn run(
    work: &dyn Workload,
    inputs: &[u64],
    runner: Runner,
    workers: usize,
    spawn: Option<SpawnWorker<'_>>,
) -> Result<RealRun, String> {
    let workers = if runner == Runner::Sequential {
        1
    } else {
        workers.clamp(1, 256)
    };
    let book = Book::new(work, inputs);
    let origin = Instant::now();
    let mut gil_switches = 0;
    match runner {
        Runner::Sequential => worker_loop(work, inputs, &book, 0, origin, None),
        Runner::Threads => std::thread::scope(|s| {
            for w in 0..workers {
                let book = &book;
                s.spawn(move || worker_loop(work, inputs, book, w, origin, None));
            }
        }),
        Runner::GilThreads { switch } => {
            let gil = Gil::new(switch);
            std::thread::scope(|s| {
                for w in 0..workers {
                    let (book, gil) = (&book, &gil);
                    s.spawn(move || worker_loop(work, inputs, book, w, origin, Some(gil)));
                }
            });
            gil_switches = gil.switches.load(Ordering::Relaxed);
        }
        Runner::Processes => {
            let spawn = spawn.ok_or("the process runner needs a way to start worker processes")?;
            run_processes(inputs, workers, &book, origin, spawn)?;
        }
    }
    let wall = since(origin);
    let mut spans = book
        .spans
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    spans.sort_by_key(|s| (s.start, s.worker));
    Ok(RealRun {
        runner,
        workers,
        inputs: inputs.to_vec(),
        labels: inputs.iter().map(|&i| work.label(i)).collect(),
        results: book
            .results
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
        job_time: book
            .job_time
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
        spans,
        wall,
        gil_switches,
    })
}

fn worker_loop(
    work: &dyn Workload,
    inputs: &[u64],
    book: &Book,
    w: usize,
    origin: Instant,
    gil: Option<&Gil>,
) {
    while let Some(job) = book.take(inputs.len()) {
        let mut state = work.start(inputs[job]);
        let first = since(origin);
        let value = loop {
            if let Some(g) = gil {
                let asked = since(origin);
                g.acquire(w);
                let got = since(origin);
                book.span(RealSpan {
                    worker: w,
                    start: asked,
                    end: got,
                    state: State::WaitingGil,
                    job: Some(job),
                });
                // Hold the GIL until the job ends or the switch interval says to hand it over.
                let held_from = Instant::now();
                let mut done = None;
                while done.is_none() {
                    done = state.advance();
                    if g.should_drop(held_from) {
                        break;
                    }
                }
                let end = since(origin);
                book.span(RealSpan {
                    worker: w,
                    start: got,
                    end,
                    state: State::Running,
                    job: Some(job),
                });
                g.release(w, done.is_none());
                if let Some(v) = done {
                    break v;
                }
            } else {
                let start = since(origin);
                let mut done = None;
                // Record one span per ~piece batch, not per piece.
                while done.is_none() {
                    done = state.advance();
                    if origin.elapsed().as_nanos() as u64 - start > 2_000_000 {
                        break;
                    }
                }
                book.span(RealSpan {
                    worker: w,
                    start,
                    end: since(origin),
                    state: State::Running,
                    job: Some(job),
                });
                if let Some(v) = done {
                    break v;
                }
            }
        };
        book.finish(job, value, since(origin) - first);
    }
}

/// A global interpreter lock with CPython's forced switching: a thread that waited a switch
/// interval asks the holder to drop it, and the holder, once it drops it on request, waits until
/// another thread took it.
struct Gil {
    state: Mutex<GilState>,
    cv: Condvar,
    switch: Duration,
    drop_request: std::sync::atomic::AtomicBool,
    switches: AtomicU64,
}

struct GilState {
    holder: Option<usize>,
    waiting: usize,
    /// Bumped on every acquisition, so a forced-out thread knows someone else got it.
    epoch: u64,
}

impl Gil {
    fn new(switch: Duration) -> Self {
        Gil {
            state: Mutex::new(GilState {
                holder: None,
                waiting: 0,
                epoch: 0,
            }),
            cv: Condvar::new(),
            switch,
            drop_request: std::sync::atomic::AtomicBool::new(false),
            switches: AtomicU64::new(0),
        }
    }

    fn acquire(&self, me: usize) {
        let mut st = lock(&self.state);
        st.waiting += 1;
        while st.holder.is_some() {
            let (next, timeout) = self
                .cv
                .wait_timeout(st, self.switch)
                .unwrap_or_else(PoisonError::into_inner);
            st = next;
            if timeout.timed_out() && st.holder.is_some() {
                self.drop_request.store(true, Ordering::Relaxed);
            }
        }
        st.waiting -= 1;
        st.holder = Some(me);
        st.epoch += 1;
        self.drop_request.store(false, Ordering::Relaxed);
        self.switches.fetch_add(1, Ordering::Relaxed);
    }

    fn should_drop(&self, held_from: Instant) -> bool {
        self.drop_request.load(Ordering::Relaxed) && held_from.elapsed() >= self.switch
    }

    /// Releases; after a forced drop (`more` work to do) waits until another thread has it.
    fn release(&self, me: usize, more: bool) {
        let mut st = lock(&self.state);
        if st.holder == Some(me) {
            st.holder = None;
        }
        let epoch = st.epoch;
        let others = st.waiting > 0;
        self.cv.notify_all();
        if more && others {
            while st.epoch == epoch {
                st = self
                    .cv
                    .wait_timeout(st, self.switch)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                if st.waiting == 0 {
                    break;
                }
            }
        }
    }
}

/// One child process: its pipes and the job it is working on.
struct ChildWorker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn run_processes(
    inputs: &[u64],
    workers: usize,
    book: &Book,
    origin: Instant,
    spawn: SpawnWorker<'_>,
) -> Result<(), String> {
    let origin_epoch = epoch_ns().saturating_sub(since(origin));
    let mut children = Vec::new();
    for _ in 0..workers {
        let mut child = spawn().map_err(|e| format!("cannot start a worker process: {e}"))?;
        let stdin = child.stdin.take().ok_or("worker process has no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("worker process has no stdout")?);
        children.push(ChildWorker {
            child,
            stdin,
            stdout,
        });
    }
    let errors = Mutex::new(Vec::<String>::new());
    std::thread::scope(|s| {
        for (w, cw) in children.iter_mut().enumerate() {
            let errors = &errors;
            s.spawn(move || {
                if let Err(e) = feed(cw, w, inputs, book, origin_epoch) {
                    lock(errors).push(format!("worker {w}: {e}"));
                }
            });
        }
    });
    for mut cw in children {
        let _ = cw.child.wait();
    }
    let errors = errors.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(e) = errors.first() {
        return Err(e.clone());
    }
    Ok(())
}

/// Sends jobs from the shared queue to one child until the queue is empty, then the pill.
fn feed(
    cw: &mut ChildWorker,
    w: usize,
    inputs: &[u64],
    book: &Book,
    origin_epoch: u64,
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    while let Some(job) = book.take(inputs.len()) {
        writeln!(cw.stdin, "job {job} {}", inputs[job]).map_err(io)?;
        cw.stdin.flush().map_err(io)?;
        let mut line = String::new();
        if cw.stdout.read_line(&mut line).map_err(io)? == 0 {
            return Err("the worker process exited early".to_string());
        }
        let mut parts = line.trim().splitn(5, ' ');
        let (Some("done"), Some(j), Some(start), Some(end), Some(result)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(format!("unexpected reply {line:?}"));
        };
        let (j, start, end): (usize, u64, u64) = match (j.parse(), start.parse(), end.parse()) {
            (Ok(j), Ok(s), Ok(e)) => (j, s, e),
            _ => return Err(format!("unexpected reply {line:?}")),
        };
        let value: Value = serde_json::from_str(result).map_err(|e| e.to_string())?;
        let (start, end) = (
            start.saturating_sub(origin_epoch),
            end.saturating_sub(origin_epoch),
        );
        book.span(RealSpan {
            worker: w,
            start,
            end,
            state: State::Running,
            job: Some(j),
        });
        book.finish(j, value, end.saturating_sub(start));
    }
    // The poison pill.
    writeln!(cw.stdin, "stop").map_err(io)?;
    cw.stdin.flush().map_err(io)
}

/// The worker side of the process runner: reads `job <index> <input>` lines, answers
/// `done <index> <start epoch ns> <end epoch ns> <result json>`, and exits on `stop` or EOF.
pub fn serve_worker(
    work: &dyn Workload,
    input: impl BufRead,
    mut output: impl Write,
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    for line in input.lines() {
        let line = line.map_err(io)?;
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some("stop"), _, _) | (None, _, _) => break,
            (Some("job"), Some(j), Some(n)) => {
                let n: u64 = n.parse().map_err(|_| format!("bad job line {line:?}"))?;
                let start = epoch_ns();
                let mut state = work.start(n);
                let value = loop {
                    if let Some(v) = state.advance() {
                        break v;
                    }
                };
                let end = epoch_ns();
                let json = serde_json::to_string(&value).map_err(|e| e.to_string())?;
                writeln!(output, "done {j} {start} {end} {json}").map_err(io)?;
                output.flush().map_err(io)?;
            }
            _ => return Err(format!("bad job line {line:?}")),
        }
    }
    Ok(())
}

/// Runs `generations` of Life on `grid` with `workers` threads, each generation split into
/// row bands (data parallelism with a barrier between generations). Returns the final grid
/// and the run's spans (one per band per generation).
pub fn life_run(
    grid: &crate::life::BitGrid,
    generations: usize,
    workers: usize,
) -> (crate::life::BitGrid, RealRun) {
    let workers = workers.clamp(1, 256).min(grid.height);
    let origin = Instant::now();
    let mut cur = grid.clone();
    let mut next = grid.clone();
    let spans = Mutex::new(Vec::new());
    let words = grid.words;
    let rows_per = grid.height.div_ceil(workers);
    for _ in 0..generations {
        let src = &cur;
        std::thread::scope(|s| {
            for (w, chunk) in next.bits.chunks_mut(rows_per * words).enumerate() {
                let spans = &spans;
                s.spawn(move || {
                    let start = since(origin);
                    let y0 = w * rows_per;
                    src.step_band(y0..y0 + chunk.len() / words, chunk);
                    lock(spans).push(RealSpan {
                        worker: w,
                        start,
                        end: since(origin),
                        state: State::Running,
                        job: None,
                    });
                });
            }
        });
        std::mem::swap(&mut cur, &mut next);
    }
    let wall = since(origin);
    let mut spans = spans.into_inner().unwrap_or_else(PoisonError::into_inner);
    spans.sort_by_key(|s| (s.start, s.worker));
    let run = RealRun {
        runner: if workers == 1 {
            Runner::Sequential
        } else {
            Runner::Threads
        },
        workers,
        inputs: Vec::new(),
        labels: Vec::new(),
        results: vec![Value::from(cur.alive())],
        job_time: Vec::new(),
        spans,
        wall,
        gil_switches: 0,
    };
    (cur, run)
}

/// How the lost-update counter increments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterMode {
    /// A relaxed atomic load, then a store of the value plus one: a real read–modify–write
    /// race without undefined behaviour.
    LoadStore,
    /// One atomic `fetch_add`.
    FetchAdd,
    /// Load and store under a mutex.
    Mutex,
}

/// `threads` threads each add one `increments` times; returns the final count.
pub fn counter_run(mode: CounterMode, threads: usize, increments: u64) -> u64 {
    let counter = AtomicU64::new(0);
    let guard = Mutex::new(());
    let start = std::sync::Barrier::new(threads.clamp(1, 256));
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, 256) {
            let (counter, guard, start) = (&counter, &guard, &start);
            s.spawn(move || {
                start.wait();
                for _ in 0..increments {
                    match mode {
                        CounterMode::LoadStore => {
                            let v = counter.load(Ordering::Relaxed);
                            counter.store(v + 1, Ordering::Relaxed);
                        }
                        CounterMode::FetchAdd => {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                        CounterMode::Mutex => {
                            let _held = lock(guard);
                            let v = counter.load(Ordering::Relaxed);
                            counter.store(v + 1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    counter.load(Ordering::Relaxed)
}
