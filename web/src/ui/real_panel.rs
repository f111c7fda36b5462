//! Real runs on Web Workers: a sequential baseline on one worker, then the parallel run, side
//! by side with the simulator's prediction for the same parameters.

use std::sync::Arc;

use leptos::prelude::*;

use interleave_scenarios::{ParamError, Params};
use interleave_sim::{Trace, Value, fmt_nanos};

use super::client::{EngineWorker, ThreadsWorker};
use super::timeline_view::{Shown, TimelineView};
use super::{Shell, dom};
use crate::protocol::{Request, Response, Sched, SimRequest, ThreadsReport};
use crate::real::{Engine, RealState, prime_inputs, threads_trace};

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Idle,
    Starting,
    Sequential { done: usize, total: usize },
    Parallel { done: usize, total: usize },
    Done,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Measured {
    seq_ms: f64,
    par_ms: f64,
    workers: usize,
    workers_used: usize,
    engine: &'static str,
    answers: String,
    shared: Option<bool>,
}

/// One real run in progress: its workers and the bookkeeping of the current phase.
struct Run {
    workers: Vec<EngineWorker>,
    ready: usize,
    params: Params,
    engine: Engine,
    /// The shared-memory thread engine, when that is what runs in parallel.
    threads: Option<ThreadsWorker>,
    threads_n: usize,
    shared: Option<bool>,
    threads_origin: f64,
    state: Option<RealState>,
    sequential: bool,
    seq_ms: f64,
}

#[component]
pub fn RealPanel(
    scenario: &'static str,
    validated: Memo<Result<Params, ParamError>>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let isolated = dom::cross_origin_isolated();
    // Shared-memory threads need isolation; the thread engine checks primes.
    let threads_ok = isolated && scenario == "primes";
    let engine = RwSignal::new(if threads_ok { "threads" } else { "processes" }.to_string());
    let workers = RwSignal::new(dom::hardware_concurrency().to_string());

    let phase = RwSignal::new(Phase::Idle);
    let measured = RwSignal::new(None::<Measured>);
    let predicted = RwSignal::new(None::<f64>);
    let shown = RwSignal::new(None::<Arc<Shown>>);
    let step = RwSignal::new(None::<usize>);
    let run = StoredValue::new_local(None::<Run>);
    let predictor = StoredValue::new_local(None::<EngineWorker>);
    let n_workers = Memo::new(move |_| {
        workers
            .with(|w| w.trim().parse::<usize>().ok())
            .filter(|n| (1..=64).contains(n))
    });

    let fail = move |msg: String| {
        run.set_value(None);
        phase.set(Phase::Failed(msg));
    };

    // Hands out work to every idle worker; moves on when a phase is complete.
    let pump = move || loop {
        let mut finished = None;
        run.update_value(|r| {
            let Some(r) = r else { return };
            let Some(st) = r.state.as_mut() else { return };
            let active = if r.sequential { 1 } else { r.workers.len() };
            for w in 0..active {
                if let Some((job, work)) = st.next_for(w, dom::now_ms()) {
                    r.workers[w].send(&Request::Work { job, work });
                }
            }
            let (total, done) = st.progress();
            phase.set(if r.sequential {
                Phase::Sequential { done, total }
            } else {
                Phase::Parallel { done, total }
            });
            if st.finished() {
                finished = r.state.take();
            }
        });
        let Some(st) = finished else { break };
        let wall = st.wall_ms();
        let mut next_state = None;
        let mut result = None;
        run.update_value(|r| {
            let Some(r) = r else { return };
            if r.sequential {
                r.sequential = false;
                r.seq_ms = wall;
                if let Some(t) = &r.threads {
                    // The parallel run is the thread engine's.
                    r.threads_origin = dom::now_ms();
                    t.check_primes(&prime_inputs(&r.params));
                    phase.set(Phase::Parallel {
                        done: 0,
                        total: prime_inputs(&r.params).len(),
                    });
                    return;
                }
                let n = r.workers.len();
                next_state = Some(RealState::new(
                    scenario,
                    &r.params,
                    r.engine,
                    n,
                    dom::now_ms(),
                ));
            } else {
                result = Some((r.seq_ms, r.workers.len(), r.engine));
            }
        });
        match (next_state, result) {
            (Some(Ok(st)), _) => {
                run.update_value(|r| {
                    if let Some(r) = r {
                        r.state = Some(st);
                    }
                });
                // The parallel phase starts right away.
                continue;
            }
            (Some(Err(e)), _) => fail(e),
            (None, Some((seq_ms, n, eng))) => {
                let trace: Trace = st.into_trace();
                let used = (1..=n)
                    .filter(|w| {
                        trace.spans.iter().any(|s| {
                            s.unit.index() == *w && s.state == interleave_sim::State::Running
                        })
                    })
                    .count();
                let answers = trace
                    .result
                    .get("answers")
                    .map(Value::repr)
                    .unwrap_or_else(|| {
                        trace
                            .result
                            .get("alive")
                            .map(|a| format!("alive = {}", a.repr()))
                            .unwrap_or_default()
                    });
                measured.set(Some(Measured {
                    seq_ms,
                    par_ms: wall,
                    workers: n,
                    workers_used: used,
                    engine: match eng {
                        Engine::Processes => "processes",
                        Engine::GilThreads => "gil",
                    },
                    answers,
                    shared: None,
                }));
                shown.set(Some(Shown::new(trace)));
                step.set(None);
                run.set_value(None);
                phase.set(Phase::Done);
            }
            (None, None) => {}
        }
        break;
    };

    // The thread engine's report ends the run.
    let finish_threads = move |json: String| {
        let mut out = None;
        run.update_value(|r| {
            if let Some(r) = r {
                out = Some((
                    prime_inputs(&r.params),
                    r.threads_origin,
                    r.seq_ms,
                    r.threads_n,
                    r.shared,
                ));
            }
        });
        let Some((numbers, origin, seq_ms, n, shared)) = out else {
            return;
        };
        let report: ThreadsReport = match serde_json::from_str(&json) {
            Ok(r) => r,
            Err(e) => return fail(format!("the thread engine's report: {e}")),
        };
        let trace = match threads_trace(&numbers, &report, origin) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let used = report
            .jobs
            .iter()
            .map(|j| j.thread)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let par_ms = report.jobs.iter().map(|j| j.end_ms).fold(origin, f64::max) - origin;
        measured.set(Some(Measured {
            seq_ms,
            par_ms,
            workers: n,
            workers_used: used,
            engine: "threads",
            answers: trace
                .result
                .get("answers")
                .map(Value::repr)
                .unwrap_or_default(),
            shared: Some(report.shared_memory || shared == Some(true)),
        }));
        shown.set(Some(Shown::new(trace)));
        step.set(None);
        run.set_value(None);
        phase.set(Phase::Done);
    };

    let start = move || {
        let Ok(params) = validated.get_untracked() else {
            return;
        };
        let Some(n) = n_workers.get_untracked() else {
            return;
        };
        let use_threads = engine.get_untracked() == "threads";
        let eng = if engine.get_untracked() == "gil" {
            Engine::GilThreads
        } else {
            Engine::Processes
        };
        // With the thread engine, one process-style worker measures the baseline.
        let n_proc = if use_threads { 1 } else { n };
        run.set_value(None);
        measured.set(None);
        shown.set(None);
        phase.set(Phase::Starting);
        // Plan once up front so a bad plan fails before any worker starts.
        if let Err(e) = RealState::new(scenario, &params, Engine::Processes, 1, 0.0) {
            return fail(e);
        }
        let mut ws = Vec::with_capacity(n_proc);
        for w in 0..n_proc {
            let spawned = EngineWorker::spawn(
                move |resp| match resp {
                    Response::Ready => {
                        let mut all = false;
                        run.update_value(|r| {
                            if let Some(r) = r {
                                r.ready += 1;
                                all = r.ready == r.workers.len();
                                if all {
                                    // Every worker is up: the clock starts now.
                                    r.state = RealState::new(
                                        scenario,
                                        &r.params,
                                        Engine::Processes,
                                        1,
                                        dom::now_ms(),
                                    )
                                    .ok();
                                }
                            }
                        });
                        if all {
                            pump();
                        }
                    }
                    Response::Done {
                        start_ms,
                        end_ms,
                        answer,
                        ..
                    } => {
                        let mut err = None;
                        run.update_value(|r| {
                            if let Some(st) = r.as_mut().and_then(|r| r.state.as_mut())
                                && let Err(e) = st.done(w, start_ms, end_ms, answer)
                            {
                                err = Some(e);
                            }
                        });
                        match err {
                            Some(e) => fail(e),
                            None => pump(),
                        }
                    }
                    Response::Error { message, .. } => fail(format!("worker {w}: {message}")),
                    Response::Progress { .. }
                    | Response::Trace { .. }
                    | Response::ExploreProgress { .. }
                    | Response::Explored { .. }
                    | Response::Position { .. } => {}
                },
                move |msg| fail(format!("{} {w}: {msg}", i18n_failed(shell))),
            );
            match spawned {
                Ok(x) => ws.push(x),
                Err(e) => return fail(e),
            }
        }
        let threads = if use_threads {
            let t = ThreadsWorker::spawn(
                n,
                move |shared| {
                    run.update_value(|r| {
                        if let Some(r) = r {
                            r.shared = Some(shared);
                        }
                    })
                },
                finish_threads,
                move |msg| fail(format!("{}: {msg}", i18n_failed(shell))),
            );
            match t {
                Ok(t) => Some(t),
                Err(e) => return fail(e),
            }
        } else {
            None
        };
        run.set_value(Some(Run {
            workers: ws,
            ready: 0,
            params: params.clone(),
            engine: eng,
            threads,
            threads_n: n,
            shared: None,
            threads_origin: 0.0,
            state: None,
            sequential: true,
            seq_ms: 0.0,
        }));
        // The simulator's prediction for the same parameters: sequential vs this many workers.
        predicted.set(None);
        if params.to_pairs().iter().any(|(k, _)| k == "mode") && scenario != "life" {
            let base: Vec<(String, String)> = params
                .to_pairs()
                .into_iter()
                .filter(|(k, _)| k != "mode" && k != "workers")
                .collect();
            let mode = if eng == Engine::GilThreads {
                "threads"
            } else {
                "processes"
            };
            let reqs = [("sequential", 1), (mode, n)].map(|(m, k)| {
                let mut p = base.clone();
                p.push(("mode".to_string(), m.to_string()));
                p.push(("workers".to_string(), k.to_string()));
                SimRequest {
                    scenario: scenario.to_string(),
                    params: p,
                    seed: 1,
                    cores: Some(u32::try_from(n.max(1)).unwrap_or(1)),
                    gil: None,
                    sched: Sched::Fifo,
                    replay: None,
                }
            });
            let makespans = StoredValue::new(Vec::<u64>::new());
            let w = EngineWorker::spawn(
                move |resp| {
                    if let Response::Trace { trace, .. } = resp {
                        makespans.update_value(|m| m.push(trace.metrics.makespan));
                        let m = makespans.get_value();
                        if m.len() == 2 && m[1] > 0 {
                            predicted.set(Some(m[0] as f64 / m[1] as f64));
                        }
                    }
                },
                |_| {},
            );
            if let Ok(w) = w {
                for r in reqs {
                    w.send(&Request::Simulate(r));
                }
                predictor.set_value(Some(w));
            }
        }
    };

    let busy = move || {
        matches!(
            phase.get(),
            Phase::Starting | Phase::Sequential { .. } | Phase::Parallel { .. }
        )
    };
    let phase_text = move || match phase.get() {
        Phase::Idle | Phase::Done => None,
        Phase::Starting => Some(shell.t("real.measuring").to_string()),
        Phase::Sequential { done, total } => {
            Some(format!("{} {done}/{total}", shell.t("real.sequential")))
        }
        Phase::Parallel { done, total } => {
            Some(format!("{} × {done}/{total}", n_workers.get().unwrap_or(0)))
        }
        Phase::Failed(m) => Some(format!("{}: {m}", shell.t("real.failed"))),
    };

    view! {
        <section class="real" data-testid="real-panel">
            <h2>{move || shell.t("real.title")}</h2>
            <p class="facts">
                {move || shell.t("real.isolated")}": "
                <code data-testid="real-isolated">{isolated.to_string()}</code>
                {(!isolated).then(|| view! { <span class="note">" · "{move || shell.t("real.threads_off")}</span> })}
            </p>
            <div class="real-form">
                <label class="field">
                    <span>{move || shell.t("real.engine")}</span>
                    <select data-testid="real-engine" on:change=move |ev| engine.set(event_target_value(&ev))>
                        <option value="processes" selected=move || engine.get() == "processes">{move || shell.t("real.processes")}</option>
                        <option value="gil" selected=move || engine.get() == "gil">{move || shell.t("real.gil")}</option>
                        <option value="threads" disabled=!threads_ok selected=move || engine.get() == "threads">{move || shell.t("real.threads")}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{move || shell.t("real.workers")}</span>
                    <input data-testid="real-workers" inputmode="numeric" prop:value=move || workers.get()
                        aria-invalid=move || n_workers.get().is_none().to_string()
                        on:input=move |ev| workers.set(event_target_value(&ev))/>
                    <Show when=move || n_workers.get().is_none()>
                        <span class="err" role="alert">"1 … 64"</span>
                    </Show>
                </label>
                <button class="primary" data-testid="real-run"
                    disabled=move || busy() || n_workers.get().is_none() || validated.with(Result::is_err)
                    on:click=move |_| start()>
                    {move || shell.t("real.run")}
                </button>
                <Show when=busy>
                    <button data-testid="real-cancel" on:click=move |_| { run.set_value(None); phase.set(Phase::Idle); }>
                        {move || shell.t("page.cancel")}
                    </button>
                </Show>
            </div>
            {move || phase_text().map(|t| view! { <p class="status" role="status" data-testid="real-status">{t}</p> })}
            {move || measured.get().map(|m| {
                let speedup = m.seq_ms / m.par_ms.max(1e-9);
                view! {
                    <table class="kv" data-testid="real-results">
                        <tr><th>{shell.t("real.engine")}</th><td data-testid="real-engine-used">{m.engine}</td></tr>
                        <tr><th>{shell.t("real.sequential")}" · "{shell.t("real.wall")}</th>
                            <td data-testid="real-seq-ms">{format!("{:.1} ms", m.seq_ms)}</td></tr>
                        <tr><th>{format!("{} × {}", m.workers, shell.t("real.wall"))}</th>
                            <td data-testid="real-par-ms">{format!("{:.1} ms", m.par_ms)}</td></tr>
                        <tr><th>{shell.t("real.speedup")}</th>
                            <td data-testid="real-speedup" data-value=format!("{speedup:.3}")>{format!("{speedup:.2}×")}</td></tr>
                        <tr><th>{shell.t("real.predicted")}</th>
                            <td data-testid="real-predicted">{move || predicted.get().map_or("—".to_string(), |p| format!("{p:.2}×"))}</td></tr>
                        <tr><th>{shell.t("real.workers")}</th>
                            <td data-testid="real-workers-used" data-value=m.workers_used.to_string()>{format!("{} / {}", m.workers_used, m.workers)}</td></tr>
                        {m.shared.map(|sh| view! {
                            <tr><th>{shell.t("real.shared")}</th><td data-testid="real-shared">{sh.to_string()}</td></tr>
                        })}
                        <tr><th>{shell.t("real.answers")}</th><td class="answers" data-testid="real-answers">{m.answers.clone()}</td></tr>
                    </table>
                }
            })}
            <Show when=move || shown.with(Option::is_some)>
                <TimelineView shown=shown step=step testid="real-timeline"/>
                <p class="hint">{move || shown.with(|s| s.as_ref().map(|s| format!("{} {}", shell.t("real.wall"), fmt_nanos(s.trace.metrics.makespan))).unwrap_or_default())}</p>
            </Show>
        </section>
    }
}

fn i18n_failed(shell: Shell) -> &'static str {
    crate::i18n::ui("real.failed", shell.lang.get_untracked())
}
