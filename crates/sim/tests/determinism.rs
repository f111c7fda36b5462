//! Determinism: the same program, machine, seed and scheduler give the same trace; a recorded
//! schedule replays to the same trace; the trace exports to Chrome's format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use interleave_sim::*;

/// A busy little program: threads racing on a counter with sleeps, a queue, an event.
fn workload() -> Program {
    Program::new(|cx: Ctx| async move {
        let counter = cx.var("counter", 0);
        let q = cx.queue("q", 2);
        let done = cx.event("done");
        let mut ts = Vec::new();
        for i in 0..3 {
            ts.push(
                cx.spawn_thread(
                    &format!("W{i}"),
                    Program::new(move |cx: Ctx| async move {
                        for k in 0..4 {
                            let v = counter.read_int(&cx).await?;
                            cx.sleep(us(10 + (k * 7 + i * 3) as u64)).await?;
                            counter.write(&cx, v + 1).await?;
                            q.put(&cx, v).await?;
                        }
                        Ok(())
                    }),
                )
                .await?,
            );
        }
        ts.push(
            cx.spawn_thread(
                "drain",
                Program::new(move |cx: Ctx| async move {
                    for _ in 0..12 {
                        q.get(&cx).await?;
                        cx.compute(us(5)).await?;
                    }
                    done.set(&cx).await?;
                    Ok(())
                }),
            )
            .await?,
        );
        done.wait(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        let v = counter.read(&cx).await?;
        cx.set_result("counter", v).await?;
        Ok(())
    })
}

#[test]
fn same_seed_same_trace() {
    for kind in [
        SchedulerKind::Random,
        SchedulerKind::Pct {
            depth: 3,
            expected_steps: 200,
        },
    ] {
        let a = run_with(Machine::default(), 7, kind.clone(), workload());
        let b = run_with(Machine::default(), 7, kind.clone(), workload());
        assert_completed(&a);
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a, b);
    }
}

#[test]
fn seeds_change_the_schedule() {
    let machine = free_threaded(2);
    let hashes: std::collections::BTreeSet<u64> = (0..8)
        .map(|seed| run_with(machine.clone(), seed, SchedulerKind::Random, workload()).hash())
        .collect();
    assert!(hashes.len() > 1, "eight seeds gave one trace");
}

#[test]
fn replaying_a_recorded_schedule_reproduces_the_trace() {
    let machine = free_threaded(2);
    for seed in 0..5 {
        let original = run_with(machine.clone(), seed, SchedulerKind::Random, workload());
        let replay = SchedulerKind::Replay {
            schedule: original.schedule.clone(),
        };
        let again = run_with(machine.clone(), seed, replay, workload());
        assert_eq!(original.events, again.events, "seed {seed}");
        assert_eq!(original.spans, again.spans, "seed {seed}");
        assert_eq!(original.result, again.result, "seed {seed}");
        assert_eq!(original.schedule, again.schedule, "seed {seed}");
    }
}

#[test]
fn a_schedule_from_another_program_is_a_clear_error() {
    let t = run_with(
        free_threaded(2),
        0,
        SchedulerKind::Replay {
            schedule: "v1:z*50.".into(),
        },
        workload(),
    );
    match t.outcome {
        Outcome::SchedulerError { message } => {
            assert!(message.contains("does not belong"), "{message}")
        }
        other => panic!("expected a scheduler error, got {other:?}"),
    }
}

#[test]
/// `Sim::step` (what the explorer and progress bars drive) reports every step once, in time
/// order, and ends with the trace `simulate` gives.
fn stepping_reports_every_step_in_time_order() {
    let mut sim = Sim::new(Machine::default(), 3, &SchedulerKind::Random).unwrap();
    sim.spawn_main("MainProcess", workload());
    let mut steps = 0;
    let mut last_time = 0;
    while let Some(step) = sim.step() {
        assert!(step.time >= last_time, "time went backwards");
        last_time = step.time;
        steps += 1;
    }
    let stepped = sim.finish();
    let ran = run_with(Machine::default(), 3, SchedulerKind::Random, workload());
    assert_eq!(stepped.hash(), ran.hash());
    assert_eq!(stepped.metrics.steps, steps);
}

#[test]
fn chrome_export_is_valid_trace_event_json() {
    let t = run_with(Machine::default(), 1, SchedulerKind::Random, workload());
    let json = chrome::to_chrome(&t);
    let text = serde_json::to_string(&json).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let events = parsed["traceEvents"]
        .as_array()
        .expect("traceEvents is an array");
    assert!(events.len() > 50);
    for e in events {
        for key in ["ph", "ts", "pid", "tid"] {
            assert!(e.get(key).is_some(), "event without {key}: {e}");
        }
    }
    let phases: std::collections::BTreeSet<&str> =
        events.iter().filter_map(|e| e["ph"].as_str()).collect();
    for ph in ["M", "X", "i", "s", "f", "C"] {
        assert!(phases.contains(ph), "no {ph} events: {phases:?}");
    }
    // Complete events on one thread never overlap, so Perfetto nests them properly.
    let mut by_track: std::collections::BTreeMap<(u64, u64), Vec<(f64, f64)>> = Default::default();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        let ts = e["ts"].as_f64().unwrap();
        by_track
            .entry(key)
            .or_default()
            .push((ts, ts + e["dur"].as_f64().unwrap()));
    }
    for spans in by_track.values_mut() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0 + 1e-9, "overlapping spans {w:?}");
        }
    }
}

#[test]
fn trace_round_trips_through_json() {
    let t = run_with(Machine::default(), 2, SchedulerKind::Random, workload());
    let text = serde_json::to_string(&t).unwrap();
    let back: Trace = serde_json::from_str(&text).unwrap();
    assert_eq!(back.hash(), t.hash());
}
