//! What a real run measured, and the same run on the simulator's timeline model. Pure, so
//! the native drivers and the browser's workers build their timelines with the same code.

use std::time::Duration;

use interleave_sim::{
    EventKind, Metrics, Outcome, Span, State, Trace, TraceEvent, UnitId, UnitInfo, UnitKind,
    UnitMetrics, Value,
};

/// How to run the jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    Sequential,
    Threads,
    /// Threads that must hold one global lock to compute, handed over every `switch`.
    GilThreads {
        switch: Duration,
    },
    Processes,
}

/// One stretch of a worker's time.
#[derive(Clone, Debug, PartialEq)]
pub struct RealSpan {
    pub worker: usize,
    /// Nanoseconds since the run's origin.
    pub start: u64,
    pub end: u64,
    pub state: State,
    /// The job's index, for running spans.
    pub job: Option<usize>,
}

/// What a real run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct RealRun {
    pub runner: Runner,
    pub workers: usize,
    pub inputs: Vec<u64>,
    pub labels: Vec<String>,
    pub results: Vec<Value>,
    /// Wall time of each job (first piece to last), in nanoseconds.
    pub job_time: Vec<u64>,
    pub spans: Vec<RealSpan>,
    pub wall: u64,
    pub gil_switches: u64,
}

impl RealRun {
    /// The run on the simulator's timeline model: a lane per worker, running spans labelled by
    /// job, GIL waits, one result event per job, and the results under `answers`.
    pub fn to_trace(&self) -> Trace {
        let mut t = Trace {
            cores: u32::try_from(self.workers).unwrap_or(u32::MAX),
            ..Trace::default()
        };
        let main = UnitId(0);
        t.units.push(UnitInfo {
            id: main,
            name: "MainProcess".to_string(),
            kind: UnitKind::Process,
            process: main,
            parent: None,
            daemon: false,
            host: None,
            created: 0,
        });
        let process = self.runner == Runner::Processes;
        for w in 0..self.workers {
            let id = UnitId(w as u32 + 1);
            t.units.push(UnitInfo {
                id,
                name: if process {
                    format!("process-{w}")
                } else {
                    format!("worker-{w}")
                },
                kind: if process {
                    UnitKind::Process
                } else {
                    UnitKind::Thread
                },
                process: if process { id } else { main },
                parent: Some(main),
                daemon: false,
                host: None,
                created: 0,
            });
        }
        for s in &self.spans {
            t.spans.push(Span {
                unit: UnitId(s.worker as u32 + 1),
                start: s.start,
                end: s.end,
                state: s.state,
                obj: None,
                core: None,
            });
        }
        // Merge adjacent running spans of the same job into one.
        t.spans.sort_by_key(|s| (s.unit, s.start));
        let mut merged: Vec<Span> = Vec::with_capacity(t.spans.len());
        for s in t.spans.drain(..) {
            match merged.last_mut() {
                Some(m)
                    if m.unit == s.unit
                        && m.state == s.state
                        && s.start.saturating_sub(m.end) < 1_000 =>
                {
                    m.end = s.end.max(m.end)
                }
                _ => merged.push(s),
            }
        }
        t.spans = merged;
        // Non-overlap per lane (clock skew between processes can make spans touch).
        for i in 1..t.spans.len() {
            if t.spans[i].unit == t.spans[i - 1].unit && t.spans[i].start < t.spans[i - 1].end {
                t.spans[i].start = t.spans[i - 1].end;
            }
        }
        t.spans.retain(|s| s.end > s.start);
        let mut results: Vec<(TraceEvent, String)> = Vec::with_capacity(self.results.len());
        for (job, value) in self.results.iter().enumerate() {
            let end = self
                .spans
                .iter()
                .filter(|s| s.job == Some(job) && s.state == State::Running)
                .max_by_key(|s| s.end);
            let (unit, time) =
                end.map_or((main, self.wall), |s| (UnitId(s.worker as u32 + 1), s.end));
            let label = self.labels.get(job).cloned().unwrap_or_default();
            results.push((
                TraceEvent {
                    time,
                    unit,
                    kind: EventKind::Result,
                    obj: None,
                },
                format!("{label} → {value}"),
            ));
        }
        results.sort_by_key(|(e, _)| (e.time, e.unit));
        for (e, text) in results {
            t.record(e, Some(text));
        }
        t.result
            .insert("answers".to_string(), Value::List(self.results.clone()));
        t.result.insert(
            "job_ms".to_string(),
            Value::List(
                self.job_time
                    .iter()
                    .map(|&ns| Value::Float((ns as f64 / 1e4).round() / 100.0))
                    .collect(),
            ),
        );
        t.result.insert(
            "wall_s".to_string(),
            Value::Float((self.wall as f64 / 1e6).round() / 1000.0),
        );
        let busy: Vec<u64> = (0..self.workers)
            .map(|w| {
                self.spans
                    .iter()
                    .filter(|s| s.worker == w && s.state == State::Running)
                    .map(|s| s.end - s.start)
                    .sum()
            })
            .collect();
        t.metrics = Metrics {
            makespan: self.wall,
            steps: self.spans.len() as u64,
            events: t.events.len() as u64,
            core_utilisation: busy
                .iter()
                .map(|&b| {
                    if self.wall == 0 {
                        0.0
                    } else {
                        b as f64 / self.wall as f64
                    }
                })
                .collect(),
            units: (0..=self.workers)
                .map(|u| UnitMetrics {
                    unit: UnitId(u as u32),
                    running: if u == 0 { 0 } else { busy[u - 1] },
                    ..UnitMetrics::default()
                })
                .collect(),
            gil_wait: self
                .spans
                .iter()
                .filter(|s| s.state == State::WaitingGil)
                .map(|s| s.end - s.start)
                .sum(),
            gil_switches: self.gil_switches,
            context_switches: 0,
        };
        t.schedule = "real".to_string();
        t.outcome = Outcome::Completed;
        t
    }
}
