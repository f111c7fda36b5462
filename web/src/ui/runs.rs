//! A page's runs, shared by the scenario page and the code page: the simulator's worker (a
//! fresh one per request while the last is busy, replaced on cancel), the session state
//! machine (`crate::session`) and what its answers bring to show.

use std::sync::Arc;

use leptos::prelude::*;

use super::Shell;
use super::client::EngineWorker;
use super::explore_panel::SearchSettings;
use super::timeline_view::Shown;
use crate::i18n;
use crate::permalink::PageMode;
use crate::protocol::{ExploreRequest, PlayRequest, ProgramRun, Request, SimRequest};
use crate::session::{Game, Move, Search, Session, Show, Status};

/// The longest an exploration in the page may take.
const EXPLORE_SECONDS: f64 = 60.0;

/// Everything a page's panels need of its runs.
#[derive(Clone, Copy)]
pub struct Runs {
    pub status: Memo<Status>,
    pub search: Memo<Search>,
    pub game: Memo<Game>,
    /// The trace on the timeline.
    pub shown: RwSignal<Option<Arc<Shown>>>,
    /// The event the cursor is on.
    pub step: RwSignal<Option<usize>>,
    /// For a Python program: what the run shown printed and where it raised.
    pub program: RwSignal<Option<ProgramRun>>,
    /// How many traces have been shown (pages expose it as `data-traces`, for measurements).
    pub traces: RwSignal<u64>,
    pub run: Callback<()>,
    pub cancel: Callback<()>,
    pub explore: Callback<SearchSettings>,
    /// The same search under each Python model (a program only).
    pub compare: Callback<SearchSettings>,
    pub cancel_explore: Callback<()>,
    pub pick: Callback<(String, u64)>,
    pub choose: Callback<u32>,
    pub undo: Callback<()>,
    pub restart: Callback<()>,
    pub hint: Callback<()>,
}

/// The form state the runs read and write back: the seed, the replay string (a picked
/// schedule or a game position lands there) and the mode.
#[derive(Clone, Copy)]
pub struct Form {
    pub seed: RwSignal<String>,
    pub replay: RwSignal<String>,
    pub mode: RwSignal<PageMode>,
    /// The form is valid: nothing is sent otherwise.
    pub valid: Signal<bool>,
}

/// Sets up a page's runs. `sim_req(with_replay)` is the request the form describes now;
/// `step` the event a permalink selects in the first trace.
pub fn runs(form: Form, step: Option<usize>, sim_req: Callback<bool, SimRequest>) -> Runs {
    let shell = expect_context::<Shell>();
    let Form {
        seed,
        replay,
        mode,
        valid,
    } = form;
    let shown = RwSignal::new(None::<Arc<Shown>>);
    let program = RwSignal::new(None::<ProgramRun>);
    let traces = RwSignal::new(0u64);
    let step = RwSignal::new(step);
    let session = RwSignal::new(Session::new(step.get_untracked()));
    let status = Memo::new(move |_| session.with(|s| s.status.clone()));
    let searched = Memo::new(move |_| session.with(|s| s.search.clone()));
    let game = Memo::new(move |_| session.with(|s| s.game.clone()));

    // The simulator's worker; replaced on cancel. Its answers go through the session, and
    // what they bring to show goes on the timeline.
    let worker = StoredValue::new_local(None::<EngineWorker>);
    let spawn = move || {
        let w = EngineWorker::spawn(
            move |r| {
                let Some(Show {
                    trace,
                    races,
                    step: at,
                    replay: schedule,
                    program: printed,
                }) = session.try_update(|s| s.on_response(r)).flatten()
                else {
                    return;
                };
                shown.set(Some(Shown::with_program(trace, races, printed.as_ref())));
                program.set(printed);
                traces.update(|n| *n += 1);
                step.set(at);
                if let Some(schedule) = schedule {
                    replay.set(schedule);
                }
            },
            move |msg| {
                let lang = shell.lang.get_untracked();
                session.update(|s| {
                    s.failed(format!("{}: {msg}", i18n::ui("page.worker_failed", lang)))
                });
                worker.set_value(None);
            },
        );
        match w {
            Ok(w) => worker.set_value(Some(w)),
            Err(e) => session.update(|s| s.failed(e)),
        }
    };
    // Sends a request, starting a fresh worker when the last one is busy or gone.
    let send = move |req: Request| {
        if session.with_untracked(Session::busy) || worker.with_value(Option::is_none) {
            worker.set_value(None);
            spawn();
        }
        worker.with_value(|w| {
            if let Some(w) = w {
                w.send(&req);
            }
        });
    };
    let run = Callback::new(move |()| {
        if valid.get_untracked() {
            send(Request::Simulate(sim_req.run(true)));
            session.update(Session::run_started);
        }
    });
    let cancel = Callback::new(move |()| {
        worker.set_value(None);
        session.update(Session::run_cancelled);
    });
    let search = move |s: SearchSettings, compare: bool| {
        if !valid.get_untracked() {
            return;
        }
        let req = ExploreRequest {
            sim: sim_req.run(false),
            strategy: s.strategy,
            max_preemptions: s.max_preemptions,
            budget: s.budget,
            seconds: Some(EXPLORE_SECONDS),
        };
        send(if compare {
            Request::Compare(req)
        } else {
            Request::Explore(req)
        });
        session.update(Session::search_started);
    };
    let explore = Callback::new(move |s: SearchSettings| search(s, false));
    let compare = Callback::new(move |s: SearchSettings| search(s, true));
    let cancel_explore = Callback::new(move |()| {
        worker.set_value(None);
        session.update(Session::search_cancelled);
    });
    let pick = Callback::new(move |(schedule, s): (String, u64)| {
        replay.set(schedule);
        seed.set(s.to_string());
        mode.set(PageMode::Sim);
        session.update(Session::schedule_picked);
        run.run(());
    });
    let play = move |m: Move| {
        if !valid.get_untracked() {
            return;
        }
        let Some(Some((choices, hint))) =
            session.try_update(|s| s.play(m).map(|c| (c, s.hint_asked())))
        else {
            return;
        };
        send(Request::Play(PlayRequest {
            sim: sim_req.run(false),
            choices,
            hint,
        }));
    };
    // Entering the game starts it from the replay string (a permalink's position) or afresh.
    Effect::new(move |started: Option<bool>| {
        let playing = mode.get() == PageMode::Play;
        if playing && started != Some(true) {
            let from = interleave_sim::Schedule::decode(replay.get_untracked().trim())
                .map(|s| s.choices)
                .unwrap_or_default();
            play(Move::From(from));
        }
        playing
    });
    Runs {
        status,
        search: searched,
        game,
        shown,
        step,
        program,
        traces,
        run,
        cancel,
        explore,
        compare,
        cancel_explore,
        pick,
        choose: Callback::new(move |i: u32| play(Move::Choose(i))),
        undo: Callback::new(move |()| play(Move::Undo)),
        restart: Callback::new(move |()| play(Move::Restart)),
        hint: Callback::new(move |()| play(Move::Hint)),
    }
}
