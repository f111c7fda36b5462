#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The page's pure parts: permalinks, the engine's requests, real-run bookkeeping, the
//! timeline's geometry and SVG, and the texts.

use interleave_scenarios::{Lang, RunOptions};
use interleave_sim::{SchedulerKind, State, Value};
use interleave_web::engine;
use interleave_web::i18n;
use interleave_web::permalink::{self, Link, PageMode};
use interleave_web::protocol::{
    Answer, Sched, SimRequest, Subject, ThreadJob, ThreadsReport, Work,
};
use interleave_web::real::{Engine, RealState, threads_trace};
use interleave_web::timeline::{self, Hit, Layout, Painter, Pattern, Row, View};
use interleave_workloads::factorize::divisors_fast;
use interleave_workloads::life::{BitGrid, ByteGrid};
use interleave_workloads::primes::{FIXTURE, is_prime_reference};
use proptest::prelude::*;

fn sim_req(id: &str, params: &[(&str, &str)], seed: u64) -> SimRequest {
    SimRequest {
        subject: Subject::Scenario {
            id: id.to_string(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
        seed,
        cores: None,
        gil: None,
        sched: Sched::Random,
        replay: None,
    }
}

// ---- permalinks ---------------------------------------------------------------------------

#[test]
fn a_full_link_round_trips() {
    let link = Link {
        scenario: Some("lock-race".into()),
        params: vec![
            ("workers".into(), "3".into()),
            ("use_lock".into(), "true".into()),
        ],
        seed: 42,
        cores: Some(2),
        gil: Some(false),
        sched: Sched::Pct,
        replay: Some("v1:0*12.101".into()),
        step: Some(17),
        mode: PageMode::Sim,
        lang: Some(Lang::Zh),
        embed: true,
    };
    let q = permalink::encode(&link);
    let (back, notices) = permalink::parse(&q);
    assert_eq!(notices, Vec::<String>::new(), "{q}");
    assert_eq!(back, link);
}

#[test]
fn bad_values_fall_back_with_a_notice_each() {
    let (link, notices) = permalink::parse(
        "?v=7&s=lock-race&p.workers=banana&p.nope=1&seed=-3&cores=0&gil=maybe&sched=x&lang=fr&mode=warp&zzz=1",
    );
    assert_eq!(link.scenario.as_deref(), Some("lock-race"));
    assert!(link.params.is_empty());
    assert_eq!((link.seed, link.cores, link.gil), (1, None, None));
    assert_eq!(link.sched, Sched::Random);
    assert_eq!(link.lang, None);
    // version, workers, nope, seed, cores, gil, sched, lang, mode, zzz
    assert_eq!(notices.len(), 10, "{notices:#?}");
}

#[test]
fn unknown_scenarios_and_missing_real_modes_are_reported() {
    let (link, notices) = permalink::parse("?s=no-such&p.x=1");
    assert_eq!(link.scenario, None);
    assert_eq!(notices.len(), 1, "{notices:?}");
    let (link, notices) = permalink::parse("?s=rlock&mode=real");
    assert_eq!(link.mode, PageMode::Sim);
    assert!(notices[0].contains("no real mode"));
    let (link, notices) = permalink::parse("?s=primes&mode=real&p.workers=4");
    assert_eq!((link.mode, notices.len()), (PageMode::Real, 0));
}

#[test]
fn cross_parameter_errors_drop_the_overrides() {
    // Each value alone is in range; the scenario's own check decides the combination.
    let sc = interleave_scenarios::find("lock-race").unwrap();
    let (link, _) = permalink::parse("?s=lock-race&p.workers=2");
    assert!(sc.validate(&link.params).is_ok());
}

proptest! {
    #[test]
    fn links_round_trip(seed in 0u64..permalink::MAX_SEED, step in proptest::option::of(0usize..100_000),
                        workers in 1i64..=16, lock in any::<bool>(), zh in any::<bool>(),
                        replay in proptest::option::of(proptest::collection::vec(0u32..5, 0..20))) {
        let replay = replay.map(|c| interleave_sim::Schedule { choices: c }.encode());
        let link = Link {
            scenario: Some("lock-race".into()),
            params: vec![("workers".into(), workers.to_string()), ("use_lock".into(), lock.to_string())],
            seed,
            step,
            replay,
            lang: Some(if zh { Lang::Zh } else { Lang::En }),
            ..Link::default()
        };
        let (back, notices) = permalink::parse(&permalink::encode(&link));
        prop_assert!(notices.is_empty(), "{:?}", notices);
        prop_assert_eq!(back, link);
    }
}

// ---- the engine -----------------------------------------------------------------------------

#[test]
fn the_worker_path_gives_the_same_trace_as_the_catalogue() {
    for (id, seed) in [
        ("lock-race", 3),
        ("condition", 1),
        ("philosophers", 2),
        ("asyncio", 5),
    ] {
        let req = sim_req(id, &[], seed);
        let mut calls = 0;
        let via_worker = engine::simulate(&req, &mut |_, _| calls += 1).unwrap().0;
        let sc = interleave_scenarios::find(id).unwrap();
        let direct = sc
            .simulate(
                &sc.defaults(),
                &RunOptions {
                    seed,
                    scheduler: SchedulerKind::Random,
                    ..RunOptions::default()
                },
            )
            .unwrap();
        assert_eq!(via_worker.hash(), direct.hash(), "{id}");
        // A replay of the recorded schedule is the same run.
        let mut replay = req.clone();
        replay.replay = Some(direct.schedule.clone());
        replay.seed = seed;
        assert_eq!(
            engine::simulate(&replay, &mut |_, _| {}).unwrap().0.hash(),
            direct.hash()
        );
    }
}

#[test]
fn long_runs_report_progress() {
    let req = sim_req("lock-race", &[("workers", "16"), ("increments", "1000")], 1);
    let mut last = (0, 0);
    let mut calls = 0;
    let trace = engine::simulate(&req, &mut |steps, time| {
        assert!(steps > last.0 && time >= last.1);
        last = (steps, time);
        calls += 1;
    })
    .unwrap()
    .0;
    assert!(calls >= 1, "{} steps, {calls} reports", trace.metrics.steps);
    assert_eq!(calls as u64, trace.metrics.steps / engine::PROGRESS_EVERY);
}

#[test]
fn bad_requests_are_errors_not_panics() {
    let mut p = |_, _| {};
    assert!(
        engine::simulate(&sim_req("nope", &[], 1), &mut p)
            .unwrap_err()
            .to_string()
            .contains("nope")
    );
    let e = engine::simulate(&sim_req("lock-race", &[("workers", "0")], 1), &mut p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("workers"), "{e}");
    let mut r = sim_req("lock-race", &[], 1);
    r.replay = Some("garbage".into());
    assert!(engine::simulate(&r, &mut p).is_err());
    let mut r = sim_req("lock-race", &[], 1);
    r.cores = Some(0);
    assert!(engine::simulate(&r, &mut p).is_err());
    assert!(
        engine::work(&Work::Prime {
            n: 7,
            kernel: "magic".into()
        })
        .is_err()
    );
    assert!(
        engine::work(&Work::Divisors {
            n: 0,
            from: 1,
            to: 2
        })
        .is_err()
    );
    assert!(
        engine::work(&Work::LifeBand {
            width: 64,
            rows: vec![0; 2],
            words: 1
        })
        .is_err()
    );
    assert!(
        engine::work(&Work::LifeBand {
            width: 65,
            rows: vec![0; 6],
            words: 1
        })
        .is_err()
    );
}

#[test]
fn prime_work_agrees_with_the_reference() {
    for n in [
        0u64,
        1,
        2,
        3,
        4,
        97,
        1_000_003,
        999_999_000_001,
        142_702_110_479_723,
    ] {
        for kernel in ["faithful", "fast", "miller-rabin", "reference"] {
            let a = engine::work(&Work::Prime {
                n,
                kernel: kernel.into(),
            })
            .unwrap();
            assert_eq!(
                a,
                Answer::Prime {
                    n,
                    prime: is_prime_reference(n)
                },
                "{n} {kernel}"
            );
        }
    }
}

// ---- real runs ------------------------------------------------------------------------------

/// Drives a RealState like the page does, with fake clocks: every idle worker gets work; the
/// worker with the earliest finish answers first.
fn drive(mut st: RealState, workers: usize, cost: impl Fn(&Work) -> f64) -> (RealState, usize) {
    let mut now = 0.0;
    let mut busy: Vec<Option<(f64, f64, Work)>> = vec![None; workers];
    let mut max_parallel = 0;
    loop {
        for (w, slot) in busy.iter_mut().enumerate() {
            if slot.is_none()
                && let Some((_, work)) = st.next_for(w, now)
            {
                *slot = Some((now, now + cost(&work), work));
            }
        }
        max_parallel = max_parallel.max(busy.iter().filter(|b| b.is_some()).count());
        let Some(w) = (0..workers)
            .filter(|&w| busy[w].is_some())
            .min_by(|&a, &b| {
                busy[a]
                    .as_ref()
                    .unwrap()
                    .1
                    .total_cmp(&busy[b].as_ref().unwrap().1)
            })
        else {
            break;
        };
        let (start, end, work) = busy[w].take().unwrap();
        now = end;
        st.done(w, start, end, engine::work(&work).unwrap())
            .unwrap();
    }
    assert!(st.finished());
    (st, max_parallel)
}

fn params(id: &str, overrides: &[(&str, &str)]) -> interleave_scenarios::Params {
    let ov: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    interleave_scenarios::find(id)
        .unwrap()
        .validate(&ov)
        .unwrap()
}

#[test]
fn a_real_primes_run_answers_every_number_once_in_input_order() {
    let nums = "2,97,1000003,999999000001,4,1000036000099";
    let p = params("primes", &[("numbers", nums)]);
    let st = RealState::new("primes", &p, Engine::Processes, 3, 0.0).unwrap();
    let (st, par) = drive(st, 3, |_| 1.0);
    assert_eq!(par, 3);
    let t = st.into_trace();
    let want: Vec<Value> = nums
        .split(',')
        .map(|n| Value::Bool(is_prime_reference(n.parse().unwrap())))
        .collect();
    assert_eq!(t.result["answers"], Value::List(want));
    // Three worker lanes plus the main process, every span running and in bounds.
    assert_eq!(t.units.len(), 4);
    assert!(
        t.spans
            .iter()
            .all(|s| s.state == State::Running && s.end >= s.start)
    );
}

#[test]
fn gil_mode_never_runs_two_pieces_at_once() {
    let p = params("primes", &[("numbers", "2,3,5,7,11,13,17,19")]);
    let st = RealState::new("primes", &p, Engine::GilThreads, 4, 0.0).unwrap();
    let (st, par) = drive(st, 4, |_| 1.0);
    assert_eq!(par, 1);
    let t = st.into_trace();
    assert!(t.spans.iter().any(|s| s.state == State::WaitingGil));
    assert!(t.metrics.gil_switches > 0);
}

#[test]
fn factorising_in_pieces_gives_every_divisor() {
    let p = params("factorize", &[("numbers", "2139079,12,99999989")]);
    let st = RealState::new("factorize", &p, Engine::Processes, 2, 0.0).unwrap();
    let (st, _) = drive(st, 2, |w| match w {
        Work::Divisors { from, to, .. } => (to - from) as f64,
        _ => 1.0,
    });
    let t = st.into_trace();
    let want = Value::List(
        [2139079u64, 12, 99999989]
            .iter()
            .map(|&n| {
                Value::List(
                    divisors_fast(n)
                        .into_iter()
                        .map(|d| Value::Int(d as i64))
                        .collect(),
                )
            })
            .collect(),
    );
    assert_eq!(t.result["answers"], want);
}

#[test]
fn life_in_bands_equals_the_whole_grid_stepped() {
    for workers in [1, 2, 3, 5] {
        let p = params("life", &[("real_side", "64"), ("real_generations", "7")]);
        let st = RealState::new("life", &p, Engine::Processes, workers, 0.0).unwrap();
        let (st, _) = drive(st, workers, |_| 1.0);
        let t = st.into_trace();
        let mut g = BitGrid::from_bytes(&ByteGrid::random(64, 64, 30, 42).unwrap());
        let mut per_gen = Vec::new();
        for _ in 0..7 {
            g = g.step();
            per_gen.push(Value::Int(g.alive() as i64));
        }
        assert_eq!(
            t.result["alive"],
            Value::from(g.alive()),
            "{workers} workers"
        );
        assert_eq!(t.result["alive_per_generation"], Value::List(per_gen));
    }
}

#[test]
fn answers_of_the_wrong_kind_or_from_idle_workers_are_errors() {
    let p = params("primes", &[("numbers", "7")]);
    let mut st = RealState::new("primes", &p, Engine::Processes, 2, 0.0).unwrap();
    assert!(
        st.done(1, 0.0, 1.0, Answer::Prime { n: 7, prime: true })
            .is_err()
    );
    st.next_for(0, 0.0).unwrap();
    let wrong = Answer::Divisors {
        n: 7,
        divisors: vec![1, 7],
    };
    assert!(st.done(0, 0.0, 1.0, wrong).is_err());
    assert!(RealState::new("rlock", &params("rlock", &[]), Engine::Processes, 2, 0.0).is_err());
    assert!(RealState::new("primes", &p, Engine::Processes, 0, 0.0).is_err());
}

#[test]
fn a_thread_engine_report_becomes_a_timeline() {
    let numbers = [7u64, 8, 7];
    let report = ThreadsReport {
        jobs: vec![
            ThreadJob {
                n: "7".into(),
                prime: true,
                thread: 0,
                start_ms: 10.0,
                end_ms: 12.0,
            },
            ThreadJob {
                n: "8".into(),
                prime: false,
                thread: 1,
                start_ms: 10.0,
                end_ms: 11.0,
            },
            ThreadJob {
                n: "7".into(),
                prime: true,
                thread: 1,
                start_ms: 11.0,
                end_ms: 14.0,
            },
        ],
        threads: 2,
        shared_memory: true,
    };
    let t = threads_trace(&numbers, &report, 10.0).unwrap();
    assert_eq!(
        t.result["answers"],
        Value::List(vec![
            Value::Bool(true),
            Value::Bool(false),
            Value::Bool(true)
        ])
    );
    assert_eq!(t.metrics.makespan, 4_000_000);
    let mut missing = report.clone();
    missing.jobs.pop();
    assert!(threads_trace(&numbers, &missing, 10.0).is_err());
    let mut stranger = report;
    stranger.jobs[0].n = "9".into();
    assert!(threads_trace(&numbers, &stranger, 10.0).is_err());
}

// ---- the timeline ---------------------------------------------------------------------------

fn trace(id: &str, params: &[(&str, &str)]) -> interleave_sim::Trace {
    engine::simulate(&sim_req(id, params, 1), &mut |_, _| {})
        .unwrap()
        .0
}

#[test]
fn every_unit_has_one_lane_and_every_counter_a_row() {
    for id in ["lock-race", "pipe", "asyncio", "shared-state", "pool"] {
        let t = trace(id, &[]);
        let l = Layout::new(&t);
        let lanes: Vec<u32> = l
            .rows
            .iter()
            .filter_map(|r| match r {
                Row::Lane { unit, .. } => Some(unit.0),
                _ => None,
            })
            .collect();
        let mut sorted = lanes.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (0..t.units.len() as u32).collect::<Vec<_>>(),
            "{id}"
        );
        let counters = l
            .rows
            .iter()
            .filter(|r| matches!(r, Row::Counter { .. }))
            .count();
        assert_eq!(counters, t.counters.len());
        // Rows do not overlap.
        assert!(l.row_y.windows(2).all(|w| w[0] < w[1]));
        // Tasks sit right after the thread that runs their loop.
        for u in t.units.iter().filter(|u| u.host.is_some()) {
            let host = u.host.unwrap().index();
            assert!(
                l.lane_of[u.id.index()] > l.lane_of[host],
                "{id}: {}",
                u.name
            );
        }
    }
}

#[test]
fn hit_testing_finds_events_where_they_are_drawn() {
    let t = trace("lock-race", &[]);
    let l = Layout::new(&t);
    let v = View::whole(&l, 1200.0);
    // Zoom in on one event so it is alone under the pointer.
    let (i, e) = t
        .events
        .iter()
        .enumerate()
        .find(|(_, e)| e.time > 0)
        .unwrap();
    let x = v.x(e.time as f64);
    let v = v.zoom(0.001, x, l.end);
    let x = v.x(e.time as f64);
    let y = l.lane_mid(e.unit);
    match timeline::hit(&t, &l, &v, x, y) {
        Some(Hit::Event(j)) => assert_eq!(t.events[j].time, t.events[i].time),
        other => panic!("{other:?}"),
    }
    assert_eq!(timeline::hit(&t, &l, &v, 5.0, y), None);
}

#[test]
fn zooming_keeps_the_time_under_the_pointer() {
    let t = trace("queue", &[]);
    let l = Layout::new(&t);
    let v = View::whole(&l, 1000.0);
    let x = 600.0;
    let before = v.time_at(x);
    let z = v.zoom(0.25, x, l.end);
    assert!((z.time_at(x) - before).abs() < (v.t1 - v.t0) * 1e-9 + 1.0);
    assert!((z.t1 - z.t0) < (v.t1 - v.t0));
    let back = z.zoom(4.0, x, l.end);
    assert!(((back.t1 - back.t0) - (v.t1 - v.t0)).abs() < 1.0);
}

#[derive(Default)]
struct Count {
    rects: usize,
    texts: usize,
    depth: i32,
}

impl Painter for Count {
    fn rect(&mut self, _: f64, _: f64, _: f64, _: f64, _: &str, _: Pattern) {
        self.rects += 1;
    }
    fn line(&mut self, _: f64, _: f64, _: f64, _: f64, _: &str, _: f64) {}
    fn text(&mut self, _: f64, _: f64, _: &str, _: &str, _: f64, _: bool) {
        self.texts += 1;
    }
    fn clip(&mut self, _: f64, _: f64, _: f64, _: f64) {
        self.depth += 1;
    }
    fn unclip(&mut self) {
        self.depth -= 1;
    }
}

#[test]
fn drawing_cost_is_bounded_by_the_width_not_the_trace() {
    // Ten units with 10 000 one-microsecond spans each: 100 000 spans.
    let mut t = interleave_sim::Trace::default();
    for u in 0..10u32 {
        t.units.push(interleave_sim::UnitInfo {
            id: interleave_sim::UnitId(u),
            name: format!("t{u}"),
            kind: if u == 0 {
                interleave_sim::UnitKind::Process
            } else {
                interleave_sim::UnitKind::Thread
            },
            process: interleave_sim::UnitId(0),
            parent: None,
            daemon: false,
            host: None,
            created: 0,
        });
        for k in 0..10_000u64 {
            t.spans.push(interleave_sim::Span {
                unit: interleave_sim::UnitId(u),
                start: k * 1000,
                end: k * 1000 + 1000,
                state: if k % 2 == 0 {
                    State::Running
                } else {
                    State::WaitingGil
                },
                obj: None,
                core: None,
            });
        }
    }
    let l = Layout::new(&t);
    let v = View::whole(&l, 1000.0);
    let mut c = Count::default();
    timeline::draw(&t, &l, &v, Default::default(), Lang::En, &mut c);
    assert_eq!(c.depth, 0, "every clip is undone");
    assert!(
        c.rects <= 10 * 1000 + 50,
        "{} rects for 100 000 spans",
        c.rects
    );
    // Zoomed in, only the visible spans are drawn.
    let z = v.zoom(0.001, 500.0, l.end);
    let mut c = Count::default();
    timeline::draw(&t, &l, &z, Default::default(), Lang::En, &mut c);
    assert!(c.rects < 200, "{}", c.rects);
}

#[test]
fn the_svg_export_is_a_whole_document_with_every_lane() {
    let t = trace("philosophers", &[]);
    let svg = timeline::to_svg(&t, 1200.0, Lang::Zh);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<g ").count(), svg.matches("</g>").count());
    for u in &t.units {
        assert!(svg.contains(&format!(">{}</text>", u.name)), "{}", u.name);
    }
    assert!(svg.contains("阻塞"), "state labels in the chosen language");
    assert!(!svg.contains("<script"));
}

// ---- texts ----------------------------------------------------------------------------------

#[test]
fn every_text_has_both_languages_and_every_key_used_exists() {
    let keys: Vec<&str> = i18n::keys().collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), keys.len(), "duplicate keys");
    for k in &keys {
        assert!(
            !i18n::ui(k, Lang::En).is_empty() && !i18n::ui(k, Lang::Zh).is_empty(),
            "{k}"
        );
        assert_ne!(i18n::ui(k, Lang::En), *k, "{k} is missing");
    }
    // Every key the UI code asks for is in the table.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut used = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        // Page texts come from the table: no Chinese written into a component.
        let cjk = src.chars().find(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
        assert!(cjk.is_none(), "{} writes {cjk:?} itself", path.display());
        for pat in ["shell.t(\"", "ui(\"", "btn(\""] {
            for part in src.split(pat).skip(1) {
                let key = part.split('"').next().unwrap();
                assert!(keys.contains(&key), "unknown text key {key:?}");
                used += 1;
            }
        }
    }
    assert!(used > 50, "{used} uses found: the scan is broken");
    // Keys the UI asks for through a value, not a literal.
    for e in Engine::ALL {
        assert!(
            keys.contains(&e.text_key()),
            "unknown text key {:?}",
            e.text_key()
        );
    }
    for s in State::ALL.into_iter().filter(|s| *s != State::Io) {
        assert_ne!(i18n::state_label(s, Lang::Zh), s.label());
    }
}

#[test]
fn the_fixture_is_what_the_engine_checks_by_default() {
    assert_eq!(
        interleave_web::real::prime_inputs(&params("primes", &[])),
        FIXTURE.to_vec()
    );
}

// ---- exploring and playing ------------------------------------------------------------------

fn explore_req(
    id: &str,
    params: &[(&str, &str)],
    budget: u64,
) -> interleave_web::protocol::ExploreRequest {
    interleave_web::protocol::ExploreRequest {
        sim: sim_req(id, params, 1),
        strategy: "dfs".into(),
        max_preemptions: Some(2),
        budget,
        seconds: None,
    }
}

#[test]
fn exploring_finds_the_lost_update_and_the_deadlock_and_nothing_with_the_lock() {
    let mut reports = 0;
    let r = engine::explore(
        &explore_req("lock-race", &[("workers", "2"), ("increments", "2")], 3000),
        &mut |_| {
            reports += 1;
            true
        },
    )
    .unwrap();
    assert!(
        r.outcomes
            .iter()
            .any(|o| o.failing && o.label.contains("lost")),
        "{r:#?}"
    );
    let runs: u64 = r.outcomes.iter().map(|o| o.count).sum();
    assert_eq!(runs, r.runs);
    assert!(reports as u64 <= r.runs / interleave_sim::explore::PROGRESS_EVERY + 1);
    // Each counterexample replays to its outcome.
    for o in &r.outcomes {
        let mut req = sim_req(
            "lock-race",
            &[("workers", "2"), ("increments", "2")],
            o.shortest.seed,
        );
        req.replay = Some(o.shortest.schedule.clone());
        let t = engine::simulate(&req, &mut |_, _| {}).unwrap().0;
        let s = interleave_scenarios::find("lock-race").unwrap();
        assert_eq!(s.outcome_label(&t).0, o.label);
    }
    // Without the GIL and without the pause, the read-modify-write race depends on the
    // schedule: some schedules lose an update, some do not.
    let mut free = explore_req(
        "lock-race",
        &[
            ("workers", "2"),
            ("increments", "1"),
            ("variant", "inplace"),
        ],
        3000,
    );
    free.sim.gil = Some(false);
    free.sim.cores = Some(1);
    let r = engine::explore(&free, &mut |_| true).unwrap();
    assert!(
        r.outcomes.iter().any(|o| o.failing) && r.outcomes.iter().any(|o| !o.failing),
        "{r:#?}"
    );
    let r = engine::explore(&explore_req("rlock", &[("lock", "lock")], 200), &mut |_| {
        true
    })
    .unwrap();
    assert!(
        r.outcomes
            .iter()
            .all(|o| o.failing && o.label.contains("deadlock")),
        "{r:#?}"
    );
    let r = engine::explore(
        &explore_req(
            "lock-race",
            &[("workers", "2"), ("increments", "1"), ("use_lock", "true")],
            5000,
        ),
        &mut |_| true,
    )
    .unwrap();
    assert!(r.exhausted, "small enough to finish");
    assert!(r.outcomes.iter().all(|o| !o.failing), "{r:#?}");
}

#[test]
fn bad_explorations_are_errors() {
    let mut p = |_| true;
    let mut r = explore_req("lock-race", &[], 0);
    assert!(engine::explore(&r, &mut p).is_err());
    r.budget = 10;
    r.strategy = "bfs".into();
    assert!(engine::explore(&r, &mut p).is_err());
    assert!(engine::explore(&explore_req("scheduling", &[], 10), &mut p).is_err());
}

#[test]
fn following_the_hint_reaches_the_goal() {
    use interleave_web::protocol::{PlayRequest, Response};
    let mut sim = sim_req(
        "lock-race",
        &[
            ("workers", "2"),
            ("increments", "1"),
            ("variant", "inplace"),
        ],
        1,
    );
    sim.gil = Some(false);
    sim.cores = Some(1);
    let play = |choices: Vec<u32>, hint: bool| match engine::play(&PlayRequest {
        sim: sim.clone(),
        choices,
        hint,
    })
    .unwrap()
    {
        Response::Position {
            next,
            goal_reached,
            hint,
            choices,
            ..
        } => (next, goal_reached, hint, choices),
        other => panic!("{other:?}"),
    };
    let (next, reached, _, _) = play(vec![], false);
    assert!(next.as_ref().is_some_and(|n| n.len() >= 2), "{next:?}");
    assert!(!reached);
    let (_, _, hint, _) = play(vec![], true);
    let path = hint.expect("a path to a lost update exists");
    assert!(!path.is_empty());
    let (next, reached, hint, choices) = play(path.clone(), false);
    assert_eq!(choices, path);
    assert!(
        next.is_none() && reached,
        "the hint's path ends at the goal"
    );
    assert_eq!(hint, Some(vec![]));
    // Undo is replaying fewer choices: the same position as before.
    let (n1, ..) = play(path[..1].to_vec(), false);
    let (n2, ..) = play(path[..1].to_vec(), false);
    assert_eq!(n1, n2);
}

// ---- Python programs from the page ----------------------------------------------------------

fn code_req(source: &str, python: &str, seed: u64) -> SimRequest {
    SimRequest {
        subject: Subject::Code {
            source: source.to_string(),
            python: python.to_string(),
        },
        seed,
        cores: None,
        gil: None,
        sched: Sched::Fifo,
        replay: None,
    }
}

const TWO_WORKERS: &str = "\
import threading

lock = threading.Lock()
total = 0

def work(n):
    global total
    for _ in range(n):
        with lock:
            total += 1

threads = [threading.Thread(target=work, args=(3,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(total)
";

#[test]
fn a_program_runs_with_its_threads_named_as_python_names_them_and_its_lines_marked() {
    let (trace, program) =
        engine::simulate(&code_req(TWO_WORKERS, "3.11", 1), &mut |_, _| {}).unwrap();
    let program = program.expect("a program's run carries its output");
    assert_eq!(program.stdout, "6\n");
    assert_eq!(program.exit_code, 0);
    assert!(program.uncaught.is_empty());
    let names: Vec<&str> = trace.units.iter().map(|u| u.name.as_str()).collect();
    assert!(names.contains(&"Thread-1 (work)"), "{names:?}");
    assert!(names.contains(&"Thread-2 (work)"), "{names:?}");
    // The lock's acquisitions happened at the `with lock:` line (9).
    let acquire_lines: Vec<u32> = (0..trace.events.len())
        .filter(|&i| trace.events[i].kind == interleave_sim::EventKind::Acquire)
        .filter_map(|i| trace.line(i))
        .collect();
    assert!(!acquire_lines.is_empty());
    assert!(acquire_lines.iter().all(|&l| l == 9), "{acquire_lines:?}");
    // The same request is the same run.
    let again = engine::simulate(&code_req(TWO_WORKERS, "3.11", 1), &mut |_, _| {})
        .unwrap()
        .0;
    assert_eq!(again.hash(), trace.hash());
}

#[test]
fn a_program_that_cannot_run_says_where_and_what_in_both_languages() {
    use engine::Refusal;
    let bad = |src: &str| match engine::simulate(&code_req(src, "3.11", 1), &mut |_, _| {}) {
        Err(Refusal::Source(b)) => b,
        other => panic!("{other:?}"),
    };
    let b = bad("x = 1\nif x\n    print(x)\n");
    assert_eq!((b.kind.as_str(), b.line), ("syntax", 2));
    assert!(b.en.contains("SyntaxError"), "{}", b.en);
    assert!(b.zh.contains("语法错误"), "{}", b.zh);
    let b = bad("x = 3\nmatch x:\n    case 3:\n        pass\n");
    assert_eq!((b.kind.as_str(), b.line), ("unsupported", 2));
    assert!(b.en.contains("`match"), "{}", b.en);
    assert!(b.zh.contains("不支持"), "{}", b.zh);
    // A module the playground refuses fails where it is imported, as CPython's missing
    // modules do, and names itself.
    let (_, run) =
        engine::simulate(&code_req("import tkinter\n", "3.11", 1), &mut |_, _| {}).unwrap();
    let run = run.unwrap();
    assert_eq!(run.uncaught.len(), 1, "{run:?}");
    assert!(
        run.uncaught[0].message.contains("`import tkinter`"),
        "{run:?}"
    );
    assert_eq!(run.uncaught[0].line, Some(1));
    // A bad model or core count is a plain error.
    assert!(matches!(
        engine::simulate(&code_req("x = 1\n", "2.7", 1), &mut |_, _| {}),
        Err(Refusal::Message(m)) if m.contains("2.7")
    ));
    let mut r = code_req("x = 1\n", "3.11", 1);
    r.cores = Some(0);
    assert!(engine::simulate(&r, &mut |_, _| {}).is_err());
}

#[test]
fn an_uncaught_exception_is_placed_on_its_threads_lane_and_line() {
    let src = "\
import threading

def work():
    x = 1
    raise ValueError('no luck')

t = threading.Thread(target=work)
t.start()
t.join()
print('after')
";
    let (trace, program) = engine::simulate(&code_req(src, "3.11", 1), &mut |_, _| {}).unwrap();
    let program = program.unwrap();
    assert_eq!(program.stdout, "after\n");
    assert_eq!(program.uncaught.len(), 1, "{program:?}");
    let u = &program.uncaught[0];
    assert_eq!(u.message, "ValueError: no luck");
    assert_eq!(u.line, Some(5));
    let unit = u.unit.expect("the thread's lane");
    assert_eq!(trace.units[unit as usize].name, "Thread-1 (work)");
}

#[test]
fn a_program_that_never_ends_hits_a_named_limit() {
    let (_, run) = engine::simulate(
        &code_req("while True:\n    pass\n", "3.11", 1),
        &mut |_, _| {},
    )
    .unwrap();
    let run = run.unwrap();
    assert_eq!(run.exit_code, 1);
    assert!(
        run.stderr.contains("instruction limit")
            && run
                .stderr
                .contains(&interleave_web::engine_python::MAX_PROGRAM_INSTRUCTIONS.to_string()),
        "{}",
        run.stderr
    );
    assert_eq!(run.uncaught.len(), 1, "{}", run.stderr);
    assert!(
        matches!(run.uncaught[0].line, Some(1 | 2)),
        "{:?}",
        run.uncaught
    );
}

/// `counter += 1` from two threads long enough to outlive several switch intervals: what one
/// run under each model prints.
fn plus_equals_total(python: &str) -> i64 {
    let src = crate_starter("plus-equals");
    let (_, run) = engine::simulate(&code_req(&src, python, 1), &mut |_, _| {}).unwrap();
    let run = run.unwrap();
    run.stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{run:?}"))
}

fn crate_starter(id: &str) -> String {
    interleave_web::starters::STARTERS
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.source.to_string())
        .unwrap_or_else(|| panic!("no starter {id}"))
}

#[test]
fn the_python_model_decides_whether_plus_equals_loses_updates() {
    // 3.11 switches only at eval-breaker points, never inside `counter += 1`; 3.9 may switch
    // between its bytecodes; 3.13t has no GIL at all.
    assert_eq!(plus_equals_total("3.11"), 400_000);
    for model in ["3.9", "3.13t"] {
        let n = plus_equals_total(model);
        assert!((200_000..400_000).contains(&n), "{model}: {n}");
    }
}

#[test]
fn every_starter_runs_to_its_end() {
    for s in interleave_web::starters::STARTERS {
        let (trace, run) =
            engine::simulate(&code_req(s.source, "3.11", 1), &mut |_, _| {}).unwrap();
        let run = run.unwrap();
        // The lost update fails or not depending on the schedule; the others never fail.
        if s.id != "lost-update" {
            assert_eq!(run.exit_code, 0, "{}: {run:?}", s.id);
            assert!(!run.stdout.is_empty(), "{}", s.id);
        }
        assert!(!trace.lines.is_empty(), "{}: no lines recorded", s.id);
    }
}

#[test]
fn explore_finds_the_lost_update_in_a_read_sleep_write_program_and_it_replays() {
    let src = &crate_starter("lost-update");
    let req = interleave_web::protocol::ExploreRequest {
        sim: code_req(src, "3.11", 1),
        strategy: "dpor".into(),
        max_preemptions: None,
        budget: 1000,
        seconds: None,
    };
    let r = engine::explore(&req, &mut |_| true).unwrap();
    let failing = r
        .outcomes
        .iter()
        .find(|o| o.failing)
        .unwrap_or_else(|| panic!("{r:#?}"));
    assert!(
        failing.label.contains("AssertionError"),
        "{}",
        failing.label
    );
    assert!(r.outcomes.iter().any(|o| !o.failing), "{r:#?}");
    // Its shortest schedule replays to the same outcome.
    let mut run = code_req(src, "3.11", failing.shortest.seed);
    run.replay = Some(failing.shortest.schedule.clone());
    let (_, program) = engine::simulate(&run, &mut |_, _| {}).unwrap();
    let program = program.unwrap();
    assert_eq!(program.uncaught.len(), 1, "{program:?}");
    assert!(program.uncaught[0].message.starts_with("AssertionError"));
    assert_eq!(program.uncaught[0].line, Some(18));
}

#[test]
fn comparing_the_models_explores_the_program_under_each() {
    let req = interleave_web::protocol::ExploreRequest {
        sim: code_req(&crate_starter("plus-equals"), "3.11", 1),
        strategy: "random".into(),
        max_preemptions: None,
        budget: 2,
        seconds: None,
    };
    let mut runs = Vec::new();
    let reports = engine::compare(&req, &mut |n| {
        runs.push(n);
        true
    })
    .unwrap();
    let models: Vec<&str> = reports.iter().map(|m| m.python.as_str()).collect();
    assert_eq!(models, ["3.11", "3.9", "3.13t"]);
    let printed = |i: usize| -> Vec<i64> {
        reports[i]
            .report
            .outcomes
            .iter()
            .map(|o| {
                o.label
                    .rsplit(": ")
                    .next()
                    .unwrap_or("")
                    .parse()
                    .unwrap_or(-1)
            })
            .collect()
    };
    assert_eq!(printed(0), [400_000], "{:?}", reports[0]);
    for i in [1, 2] {
        assert!(
            printed(i).iter().all(|n| (200_000..400_000).contains(n)),
            "{}: {:?}",
            reports[i].python,
            printed(i)
        );
    }
    // Progress counts the runs of all three.
    assert!(runs.windows(2).all(|w| w[0] <= w[1]), "{runs:?}");
    // A scenario has no Python models to compare.
    let mut r = req.clone();
    r.sim = sim_req("lock-race", &[], 1);
    assert!(engine::compare(&r, &mut |_| true).is_err());
}
