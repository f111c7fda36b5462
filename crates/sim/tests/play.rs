#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Playing the scheduler: positions replay exactly, and the shortest path is shortest.

use interleave_sim::play::{position, schedule_string, shortest_path};
use interleave_sim::*;

/// Two threads doing an unprotected read-modify-write once each.
fn race() -> Program {
    Program::new(|cx: Ctx| async move {
        let counter = cx.var("counter", 0);
        // A start gate, so both threads are ready at once.
        let go = cx.event("go");
        let mut ts = Vec::new();
        for i in 0..2 {
            ts.push(
                cx.spawn_thread(
                    &format!("t{i}"),
                    Program::new(move |cx: Ctx| async move {
                        go.wait(&cx).await?;
                        let v = counter.read_int(&cx).await?;
                        counter.write(&cx, v + 1).await?;
                        Ok(())
                    }),
                )
                .await?,
            );
        }
        go.set(&cx).await?;
        for t in ts {
            t.join(&cx).await?;
        }
        let v = counter.read_int(&cx).await?;
        cx.set_result("counter", v).await
    })
}

fn machine() -> Machine {
    Machine {
        gil: false,
        cores: 2,
        ..Machine::default()
    }
}

#[test]
fn a_position_is_a_replay_prefix() {
    let m = machine();
    let mut choices = Vec::new();
    // Always pick the last candidate until the run ends.
    let mut decisions = 0;
    let end = loop {
        let pos = position(&m, 1, &race, &choices).unwrap();
        match pos.next {
            Some(units) => {
                assert!(units.len() >= 2);
                assert_eq!(
                    pos.trace.outcome,
                    Outcome::Running,
                    "a paused run has not ended"
                );
                choices.push(units.len() as u32 - 1);
                decisions += 1;
            }
            None => break pos.trace,
        }
    };
    assert!(decisions >= 2, "{decisions} decisions");
    assert_eq!(end.schedule, schedule_string(&choices));
    // Replaying the same choices as a schedule gives the same run.
    let replayed = simulate(
        m,
        1,
        &SchedulerKind::Replay {
            schedule: schedule_string(&choices),
        },
        race(),
    )
    .unwrap();
    assert_eq!(replayed.hash(), end.hash());
}

#[test]
fn out_of_range_choices_are_errors_in_the_trace() {
    let pos = position(&machine(), 1, &race, &[9, 9, 9]).unwrap();
    assert!(pos.next.is_none());
    assert!(matches!(pos.trace.outcome, Outcome::SchedulerError { .. }));
}

fn lost(t: &Trace) -> bool {
    t.result.get("counter") == Some(&Value::Int(1))
}

#[test]
fn the_shortest_path_reaches_the_goal_and_nothing_shorter_does() {
    let m = machine();
    let path = shortest_path(&m, 1, &race, &[], &lost, 10_000)
        .unwrap()
        .unwrap();
    let end = position(&m, 1, &race, &path).unwrap();
    assert!(end.next.is_none() && lost(&end.trace));
    // Exhaustively: no complete run with fewer choices loses the update.
    fn all(m: &Machine, prefix: Vec<u32>, out: &mut Vec<(Vec<u32>, Trace)>) {
        let pos = position(m, 1, &race, &prefix).unwrap();
        match pos.next {
            None => out.push((prefix, pos.trace)),
            Some(units) => {
                for i in 0..units.len() as u32 {
                    let mut p = prefix.clone();
                    p.push(i);
                    all(m, p, out);
                }
            }
        }
    }
    let mut runs = Vec::new();
    all(&m, Vec::new(), &mut runs);
    let best = runs
        .iter()
        .filter(|(_, t)| lost(t))
        .map(|(c, _)| c.len())
        .min()
        .unwrap();
    assert_eq!(path.len(), best);
    // Both outcomes exist: the race is real.
    assert!(
        runs.iter()
            .any(|(_, t)| t.result.get("counter") == Some(&Value::Int(2)))
    );
    // From a position after which the goal is out of reach, no path is found.
    let safe = runs.iter().find(|(_, t)| !lost(t)).unwrap().0.clone();
    assert_eq!(
        shortest_path(&m, 1, &race, &safe, &lost, 10_000).unwrap(),
        None
    );
}
