//! Real runs on Web Workers: a sequential baseline on one worker, then the parallel run, side
//! by side with the simulator's prediction for the same parameters. The measurement itself is
//! `crate::real_run::Measurement`; this panel owns the workers, feeds it their answers and
//! carries out what it says.

use std::sync::Arc;

use leptos::prelude::*;

use interleave_scenarios::{ParamError, Params, RealWork};
use interleave_sim::fmt_nanos;

use super::client::{EngineWorker, ThreadsWorker};
use super::timeline_view::{Shown, TimelineView};
use super::{Shell, dom};
use crate::protocol::{Request, Response};
use crate::real::Engine;
use crate::real_run::{Effect, MAX_WORKERS, Measured, Measurement, Phase};

/// The panel's handles: the measurement, its workers and what it shows. `Copy`, so every
/// worker callback holds the same ones.
#[derive(Clone, Copy)]
struct Wires {
    shell: Shell,
    run: StoredValue<Option<Measurement>, LocalStorage>,
    workers: StoredValue<Vec<EngineWorker>, LocalStorage>,
    threads: StoredValue<Option<ThreadsWorker>, LocalStorage>,
    phase: RwSignal<Phase>,
    measured: RwSignal<Option<Measured>>,
    shown: RwSignal<Option<Arc<Shown>>>,
}

impl Wires {
    /// Runs `f` on the measurement, publishes its phase and result, and carries out its
    /// effects.
    fn drive(self, f: impl FnOnce(&mut Measurement) -> Vec<Effect>) {
        let Some(Some((effects, phase, measured))) = self.run.try_update_value(|r| {
            r.as_mut()
                .map(|m| (f(m), m.phase.clone(), m.measured.clone()))
        }) else {
            return;
        };
        if self.phase.get_untracked() != phase {
            self.phase.set(phase);
        }
        if self.measured.get_untracked() != measured {
            self.measured.set(measured);
        }
        for e in effects {
            match e {
                Effect::Send { worker, job, work } => self.workers.with_value(|ws| {
                    if let Some(w) = ws.get(worker) {
                        w.send(&Request::Work { job, work });
                    }
                }),
                Effect::CheckPrimes(numbers) => self.threads.with_value(|t| {
                    if let Some(t) = t {
                        t.check_primes(&numbers);
                    }
                }),
                Effect::Show(trace) => self.shown.set(Some(Shown::new(*trace))),
            }
        }
        if !self.phase.with_untracked(Phase::busy) {
            self.stop_workers();
        }
    }

    fn fail(self, message: String) {
        self.drive(|m| {
            m.fail(message);
            Vec::new()
        });
    }

    fn stop_workers(self) {
        self.workers.set_value(Vec::new());
        self.threads.set_value(None);
    }

    fn failed_text(self) -> &'static str {
        crate::i18n::ui("real.failed", self.shell.lang.get_untracked())
    }

    /// Starts `m`'s workers; the first answers drive it from there.
    fn start(self, m: Measurement) -> Result<(), String> {
        let n_proc = m.process_workers();
        let threads = m.threads();
        self.run.set_value(Some(m));
        self.measured.set(None);
        self.shown.set(None);
        self.phase.set(Phase::Starting);
        let mut ws = Vec::with_capacity(n_proc);
        for w in 0..n_proc {
            ws.push(EngineWorker::spawn(
                move |resp| match resp {
                    Response::Ready => self.drive(|m| m.on_ready(dom::now_ms())),
                    Response::Done {
                        start_ms,
                        end_ms,
                        answer,
                        ..
                    } => self.drive(|m| m.on_done(w, start_ms, end_ms, answer, dom::now_ms())),
                    Response::Error { message, .. } => {
                        let lang = self.shell.lang.get_untracked();
                        self.fail(format!(
                            "{} {w}: {message}",
                            crate::i18n::ui("real.worker", lang)
                        ));
                    }
                    _ => {}
                },
                move |msg| self.fail(format!("{} {w}: {msg}", self.failed_text())),
            )?);
        }
        self.workers.set_value(ws);
        if let Some(n) = threads {
            let t = ThreadsWorker::spawn(
                n,
                move |shared| {
                    self.drive(|m| {
                        m.on_shared(shared);
                        Vec::new()
                    })
                },
                move |json| self.drive(|m| m.on_threads_report(&json)),
                move |msg| self.fail(format!("{}: {msg}", self.failed_text())),
            )?;
            self.threads.set_value(Some(t));
        }
        Ok(())
    }
}

#[component]
pub fn RealPanel(
    scenario: &'static str,
    work: RealWork,
    validated: Memo<Result<Params, ParamError>>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let isolated = dom::cross_origin_isolated();
    let offered = move |e: Engine| e.runs(work, isolated);
    let engine = RwSignal::new(if offered(Engine::SharedThreads) {
        Engine::SharedThreads
    } else {
        Engine::Processes
    });
    let workers = RwSignal::new(dom::hardware_concurrency().to_string());
    let wires = Wires {
        shell,
        run: StoredValue::new_local(None),
        workers: StoredValue::new_local(Vec::new()),
        threads: StoredValue::new_local(None),
        phase: RwSignal::new(Phase::Idle),
        measured: RwSignal::new(None),
        shown: RwSignal::new(None),
    };
    let Wires {
        phase,
        measured,
        shown,
        ..
    } = wires;
    let step = RwSignal::new(None::<usize>);
    let predicted = RwSignal::new(None::<f64>);
    let predictor = StoredValue::new_local(None::<EngineWorker>);
    let n_workers = Memo::new(move |_| {
        workers
            .with(|w| w.trim().parse::<usize>().ok())
            .filter(|n| (1..=MAX_WORKERS).contains(n))
    });

    // The simulator's prediction for the same parameters: sequential vs this many workers.
    let predict = move |m: &Measurement| {
        predicted.set(None);
        let Some(reqs) = m.prediction() else { return };
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
    };
    let start = move || {
        let (Ok(params), Some(n)) = (validated.get_untracked(), n_workers.get_untracked()) else {
            return;
        };
        wires.stop_workers();
        step.set(None);
        measured.set(None);
        shown.set(None);
        match Measurement::new(scenario, params, engine.get_untracked(), n) {
            Ok(m) => {
                predict(&m);
                if let Err(e) = wires.start(m) {
                    wires.fail(e);
                }
            }
            Err(e) => phase.set(Phase::Failed(e)),
        }
    };
    let cancel = move || {
        wires.run.set_value(None);
        wires.stop_workers();
        phase.set(Phase::Idle);
    };

    let busy = move || phase.with(Phase::busy);
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
                    <select data-testid="real-engine" on:change=move |ev| {
                        if let Some(e) = Engine::parse(&event_target_value(&ev)) { engine.set(e) }
                    }>
                        {Engine::ALL.into_iter().map(|e| view! {
                            <option value=e.name() disabled=!offered(e) selected=move || engine.get() == e>
                                {move || shell.t(e.text_key())}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{move || shell.t("real.workers")}</span>
                    <input data-testid="real-workers" inputmode="numeric" prop:value=move || workers.get()
                        aria-invalid=move || n_workers.get().is_none().to_string()
                        on:input=move |ev| workers.set(event_target_value(&ev))/>
                    <Show when=move || n_workers.get().is_none()>
                        <span class="err" role="alert">{format!("1 … {MAX_WORKERS}")}</span>
                    </Show>
                </label>
                <button class="primary" data-testid="real-run"
                    disabled=move || busy() || n_workers.get().is_none() || validated.with(Result::is_err)
                    on:click=move |_| start()>
                    {move || shell.t("real.run")}
                </button>
                <Show when=busy>
                    <button data-testid="real-cancel" on:click=move |_| cancel()>
                        {move || shell.t("page.cancel")}
                    </button>
                </Show>
            </div>
            {move || phase_text().map(|t| view! { <p class="status" role="status" data-testid="real-status">{t}</p> })}
            {move || measured.get().map(|m| view! { <Results m=m predicted=predicted/> })}
            <Show when=move || shown.with(Option::is_some)>
                <TimelineView shown=shown step=step testid="real-timeline"/>
                <p class="hint">{move || shown.with(|s| s.as_ref().map(|s| format!("{} {}", shell.t("real.wall"), fmt_nanos(s.trace.metrics.makespan))).unwrap_or_default())}</p>
            </Show>
        </section>
    }
}

/// The results table of a finished measurement.
#[component]
fn Results(m: Measured, predicted: RwSignal<Option<f64>>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let speedup = m.speedup();
    view! {
        <table class="kv" data-testid="real-results">
            <tr><th>{shell.t("real.engine")}</th><td data-testid="real-engine-used">{m.engine.name()}</td></tr>
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
}
