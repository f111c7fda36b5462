//! The scenario page's runs as a pure state machine: what the simulator's worker is doing
//! (a run, a search, a game position), and what each of its answers changes. The page
//! (`ui::page`) only turns user actions into calls here, sends the requests these calls say,
//! and draws the result; everything it decides is tested natively below.

use interleave_sim::Trace;
use interleave_sim::explore::Report;

use crate::protocol::{BadSource, Choice, ModelReport, ProgramRun, Response};

/// Where a simulated run is.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    Running {
        steps: u64,
        time: u64,
    },
    Done,
    Failed(String),
    /// The program does not parse or uses what the playground does not run.
    BadSource(BadSource),
    Cancelled,
}

/// Where an exploration is.
#[derive(Clone, Debug, PartialEq)]
pub enum Search {
    Idle,
    Running(u64),
    Done(Report),
    /// A program explored under each Python model.
    Compared(Vec<ModelReport>),
    Failed(String),
}

/// A position of "you are the scheduler", as the play panel shows it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Game {
    pub choices: Vec<u32>,
    pub next: Option<Vec<Choice>>,
    pub goal_reached: bool,
    pub hint: Option<Vec<u32>>,
    /// A position was asked for and has not arrived.
    pub waiting: bool,
    /// The hint was asked for and nothing was found within the search budget.
    pub no_hint: bool,
}

/// A move of the game: what the player clicked.
#[derive(Clone, Debug, PartialEq)]
pub enum Move {
    /// Start from these choices (a permalink's replay string, or none).
    From(Vec<u32>),
    /// Take candidate `i` at the current decision.
    Choose(u32),
    Undo,
    Restart,
    /// The same position, with the fewest further choices to the goal.
    Hint,
}

/// A trace to put on the timeline, with the step to select and, for a game position, the
/// replay string of its choices.
#[derive(Debug)]
pub struct Show {
    pub trace: Trace,
    pub races: Vec<String>,
    pub step: Option<usize>,
    pub replay: Option<String>,
    /// For a Python program: what it printed and where its exceptions were raised.
    pub program: Option<ProgramRun>,
}

/// The page's runs: the status line, the search, the game, and what is carried between a
/// request and its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub status: Status,
    pub search: Search,
    pub game: Game,
    /// The step a permalink selects, applied once to the first trace that has it.
    pending_step: Option<usize>,
    /// The position on its way was asked for with a hint.
    hint_asked: bool,
    /// The rest of a followed hint, shown again with the next position.
    carry_hint: Option<Vec<u32>>,
}

impl Session {
    /// A page that opened with `step` selected (from its permalink).
    pub fn new(step: Option<usize>) -> Session {
        Session {
            status: Status::Idle,
            search: Search::Idle,
            game: Game::default(),
            pending_step: step,
            hint_asked: false,
            carry_hint: None,
        }
    }

    /// The worker is running something (a new request needs a fresh worker).
    pub fn busy(&self) -> bool {
        matches!(self.status, Status::Running { .. }) || matches!(self.search, Search::Running(_))
    }

    pub fn run_started(&mut self) {
        self.status = Status::Running { steps: 0, time: 0 };
    }

    pub fn run_cancelled(&mut self) {
        self.status = Status::Cancelled;
    }

    pub fn search_started(&mut self) {
        self.search = Search::Running(0);
    }

    pub fn search_cancelled(&mut self) {
        self.search = Search::Idle;
    }

    /// A schedule from the search's results is loaded: its run opens at its first step.
    pub fn schedule_picked(&mut self) {
        self.pending_step = Some(0);
    }

    /// The worker could not be started, or died.
    pub fn failed(&mut self, message: String) {
        self.status = Status::Failed(message);
    }

    /// The choices to ask the worker's position for after `m`, or `None` when the move
    /// changes nothing (undo at the start).
    pub fn play(&mut self, m: Move) -> Option<Vec<u32>> {
        let mut choices = self.game.choices.clone();
        let mut hint = false;
        match m {
            Move::From(c) => choices = c,
            Move::Choose(i) => {
                // Following the hint keeps the rest of its path on screen.
                self.carry_hint = match &self.game.hint {
                    Some(h) if h.first() == Some(&i) => Some(h[1..].to_vec()),
                    _ => None,
                };
                choices.push(i);
            }
            Move::Undo => {
                choices.pop()?;
            }
            Move::Restart => choices.clear(),
            Move::Hint => hint = true,
        }
        self.hint_asked = hint;
        self.game.waiting = true;
        Some(choices)
    }

    /// Whether the position on its way was asked for with a hint.
    pub fn hint_asked(&self) -> bool {
        self.hint_asked
    }

    /// Takes in the worker's answer; returns the trace to show, if it brought one.
    pub fn on_response(&mut self, r: Response) -> Option<Show> {
        match r {
            Response::Progress { steps, time } => {
                self.status = Status::Running { steps, time };
                None
            }
            Response::Trace {
                trace,
                races,
                program,
            } => {
                let n = trace.events.len();
                let step = self.pending_step.take().filter(|s| *s < n);
                self.status = Status::Done;
                Some(Show {
                    trace: *trace,
                    races,
                    step,
                    replay: None,
                    program,
                })
            }
            Response::ExploreProgress { runs } => {
                self.search = Search::Running(runs);
                None
            }
            Response::Explored { report } => {
                self.search = Search::Done(report);
                None
            }
            Response::Compared { reports } => {
                self.search = Search::Compared(reports);
                None
            }
            Response::Position {
                trace,
                choices,
                next,
                goal_reached,
                hint,
            } => {
                let asked = std::mem::take(&mut self.hint_asked);
                let carried = self.carry_hint.take().filter(|h| !h.is_empty());
                let hint = hint.or(carried);
                let replay = interleave_sim::play::schedule_string(&choices);
                self.game = Game {
                    no_hint: asked && hint.is_none(),
                    choices,
                    next,
                    goal_reached,
                    hint,
                    waiting: false,
                };
                self.status = Status::Done;
                let step = trace.events.len().checked_sub(1);
                Some(Show {
                    trace: *trace,
                    races: Vec::new(),
                    step,
                    replay: Some(replay),
                    program: None,
                })
            }
            Response::Error { message, .. } => {
                if matches!(self.search, Search::Running(_)) {
                    self.search = Search::Failed(message.clone());
                }
                self.game.waiting = false;
                self.status = Status::Failed(message);
                None
            }
            Response::BadSource(bad) => {
                if matches!(self.search, Search::Running(_)) {
                    self.search = Search::Failed(bad.en.clone());
                }
                self.game.waiting = false;
                self.status = Status::BadSource(bad);
                None
            }
            Response::Ready | Response::Done { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use interleave_sim::{EventKind, TraceEvent, UnitId};

    fn trace_with_events(n: usize) -> Box<Trace> {
        let mut t = Trace::default();
        for i in 0..n {
            t.events.push(TraceEvent {
                time: i as u64,
                unit: UnitId(0),
                kind: EventKind::Print,
                obj: None,
            });
        }
        Box::new(t)
    }

    fn position(choices: Vec<u32>, hint: Option<Vec<u32>>) -> Response {
        Response::Position {
            trace: trace_with_events(3),
            choices,
            next: Some(Vec::new()),
            goal_reached: false,
            hint,
        }
    }

    #[test]
    fn a_permalinks_step_is_selected_once_and_only_if_the_trace_has_it() {
        let mut s = Session::new(Some(2));
        s.run_started();
        assert!(s.busy());
        let shown = s.on_response(Response::Trace {
            trace: trace_with_events(5),
            races: vec!["race".into()],
            program: None,
        });
        let shown = shown.expect("a trace is shown");
        assert_eq!(shown.step, Some(2));
        assert_eq!(shown.races, vec!["race".to_string()]);
        assert_eq!(s.status, Status::Done);
        assert!(!s.busy());
        // The next run opens with nothing selected.
        let again = s.on_response(Response::Trace {
            trace: trace_with_events(5),
            races: Vec::new(),
            program: None,
        });
        assert_eq!(again.expect("shown").step, None);
        // A step past the end of the trace is dropped.
        let mut s = Session::new(Some(9));
        let shown = s.on_response(Response::Trace {
            trace: trace_with_events(5),
            races: Vec::new(),
            program: None,
        });
        assert_eq!(shown.expect("shown").step, None);
    }

    #[test]
    fn a_picked_schedule_opens_at_its_first_step() {
        let mut s = Session::new(None);
        s.schedule_picked();
        let shown = s.on_response(Response::Trace {
            trace: trace_with_events(4),
            races: Vec::new(),
            program: None,
        });
        assert_eq!(shown.expect("shown").step, Some(0));
    }

    #[test]
    fn a_program_that_cannot_run_is_a_status_with_its_place_and_ends_a_search() {
        let bad = BadSource {
            kind: "syntax".into(),
            line: 3,
            col: 7,
            en: "SyntaxError: expected ':' (line 3, column 7)".into(),
            zh: "语法错误".into(),
        };
        let mut s = Session::new(None);
        s.search_started();
        assert!(s.on_response(Response::BadSource(bad.clone())).is_none());
        assert_eq!(s.status, Status::BadSource(bad.clone()));
        assert_eq!(s.search, Search::Failed(bad.en.clone()));
        assert!(!s.busy());
        // A run that works afterwards shows its trace and output.
        s.run_started();
        let shown = s.on_response(Response::Trace {
            trace: trace_with_events(2),
            races: Vec::new(),
            program: Some(ProgramRun {
                stdout: "4\n".into(),
                ..ProgramRun::default()
            }),
        });
        assert_eq!(
            shown.and_then(|s| s.program).map(|p| p.stdout),
            Some("4\n".to_string())
        );
        assert_eq!(s.status, Status::Done);
    }

    #[test]
    fn progress_and_errors_move_the_status_and_the_search() {
        let mut s = Session::new(None);
        s.search_started();
        assert!(s.busy());
        assert!(
            s.on_response(Response::ExploreProgress { runs: 40 })
                .is_none()
        );
        assert_eq!(s.search, Search::Running(40));
        s.on_response(Response::Error {
            job: None,
            message: "too many units".into(),
        });
        assert_eq!(s.search, Search::Failed("too many units".into()));
        assert_eq!(s.status, Status::Failed("too many units".into()));
        // An error outside a search leaves the search as it was.
        let mut s = Session::new(None);
        s.run_started();
        s.on_response(Response::Progress { steps: 10, time: 5 });
        assert_eq!(s.status, Status::Running { steps: 10, time: 5 });
        s.on_response(Response::Error {
            job: None,
            message: "bad".into(),
        });
        assert_eq!(s.search, Search::Idle);
        s.search_started();
        s.search_cancelled();
        assert_eq!(s.search, Search::Idle);
        s.run_cancelled();
        assert_eq!(s.status, Status::Cancelled);
        assert!(!s.busy());
    }

    #[test]
    fn a_position_updates_the_game_and_the_replay_string() {
        let mut s = Session::new(None);
        assert_eq!(s.play(Move::From(vec![1, 0])), Some(vec![1, 0]));
        assert!(s.game.waiting);
        let shown = s.on_response(position(vec![1, 0], None)).expect("shown");
        assert_eq!(shown.step, Some(2), "the last event is selected");
        assert_eq!(
            shown.replay.as_deref(),
            Some(interleave_sim::play::schedule_string(&[1, 0]).as_str())
        );
        assert_eq!(s.game.choices, vec![1, 0]);
        assert!(!s.game.waiting);
        assert_eq!(s.status, Status::Done);
        // Undo pops a choice; at the start it asks for nothing.
        assert_eq!(s.play(Move::Undo), Some(vec![1]));
        s.on_response(position(vec![], None));
        assert_eq!(s.play(Move::Undo), None);
        assert_eq!(s.play(Move::Choose(2)), Some(vec![2]));
        assert_eq!(s.play(Move::Restart), Some(vec![]));
    }

    #[test]
    fn a_followed_hint_stays_on_screen_and_a_missing_one_is_reported() {
        let mut s = Session::new(None);
        // Asking for a hint that the search does not find.
        assert_eq!(s.play(Move::Hint), Some(vec![]));
        assert!(s.hint_asked());
        s.on_response(position(vec![], None));
        assert!(s.game.no_hint);
        // A hint found: following its first choice keeps the rest.
        s.play(Move::Hint);
        s.on_response(position(vec![], Some(vec![1, 0, 1])));
        assert_eq!(s.game.hint, Some(vec![1, 0, 1]));
        assert!(!s.game.no_hint);
        assert_eq!(s.play(Move::Choose(1)), Some(vec![1]));
        assert!(!s.hint_asked());
        s.on_response(position(vec![1], None));
        assert_eq!(s.game.hint, Some(vec![0, 1]));
        assert!(!s.game.no_hint, "a hint was not asked for this time");
        // Leaving the hint's path drops it.
        s.play(Move::Choose(1));
        s.on_response(position(vec![1, 1], None));
        assert_eq!(s.game.hint, None);
    }

    #[test]
    fn only_a_choice_changes_the_carried_hint() {
        let mut s = Session::new(None);
        s.play(Move::Hint);
        s.on_response(position(vec![], Some(vec![0, 1])));
        // Follow the hint, then press undo before the position arrives: at the start undo
        // asks for nothing and leaves the carried rest of the hint alone.
        assert_eq!(s.play(Move::Choose(0)), Some(vec![0]));
        assert_eq!(s.play(Move::Undo), None);
        s.on_response(position(vec![0], None));
        assert_eq!(s.game.hint, Some(vec![1]));
    }
}
