//! Lessons of `pipe`: the chain prints the squares 0..81 and then EOF reaches the reader; a
//! writing end left open means no EOF (a deadlock); ping-pong takes turns on one duplex pipe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use interleave_scenarios::find;
use interleave_sim::{EventKind, LinkKind, Outcome, Trace, Value};

fn run(set: &[(&str, &str)], seed: u64) -> Trace {
    run_seed("pipe", set, seed)
}

/// What the main process printed, in order.
fn main_output(t: &Trace) -> Vec<&str> {
    let main = t.units[0].id;
    t.output
        .iter()
        .filter(|(_, u, l)| *u == main && !l.starts_with("RESULT "))
        .map(|(_, _, l)| l.as_str())
        .collect()
}

#[test]
fn the_chain_prints_the_squares_then_end() {
    let squares: Vec<String> = (0..10).map(|i: i64| (i * i).to_string()).collect();
    for duplex in ["true", "false"] {
        for seed in 0..5 {
            let t = run(&[("duplex", duplex)], seed);
            assert_eq!(t.outcome, Outcome::Completed, "duplex {duplex}");
            let mut expected: Vec<&str> = squares.iter().map(String::as_str).collect();
            expected.push("end");
            assert_eq!(main_output(&t), expected, "duplex {duplex} seed {seed}");
            assert_eq!(
                t.result["received"],
                Value::from((0..10).map(|i: i64| i * i).collect::<Vec<_>>())
            );
            assert_eq!(t.result["eof"], Value::Bool(true));
            // Every message received was sent: 10 on each pipe, each recv linked to its send.
            let feeds = t.links.iter().filter(|l| l.kind == LinkKind::Feed).count();
            assert_eq!(feeds, 20);
            // EOF travels down the chain: P1 closes its ends once it has sent everything,
            // then P2 (after its EOF) closes its ends, then the main process prints "end".
            let last_close = |name: &str| {
                t.events_of(EventKind::Close)
                    .filter(|e| t.unit_name(e.unit) == name)
                    .map(|e| e.time)
                    .max()
                    .unwrap()
            };
            let end = t.output.iter().find(|(_, _, l)| l == "end").unwrap().0;
            assert!(last_close("P1") < last_close("P2"), "seed {seed}");
            assert!(last_close("P2") <= end, "seed {seed}");
        }
    }
}

#[test]
fn an_open_writing_end_means_the_reader_never_sees_eof() {
    let t = run(&[("close_unused_ends", "false")], 1);
    assert_eq!(t.result["eof"], Value::Bool(false));
    assert_eq!(t.result["stuck"], Value::Int(1));
    // Every square still arrived; only the end never comes.
    assert_eq!(
        t.result["received"],
        Value::from((0..10).map(|i: i64| i * i).collect::<Vec<_>>())
    );
    // The main process gives up; P2 is still blocked in recv() when it does.
    assert!(
        printed(&t).contains(&"1 processes are still blocked in recv()"),
        "{:?}",
        printed(&t)
    );
}

#[test]
fn ping_pong_takes_turns_on_one_duplex_pipe() {
    let t = run(&[("variant", "ping_pong"), ("rounds", "4")], 1);
    assert_eq!(t.outcome, Outcome::Completed);
    assert_eq!(
        t.result["received"],
        Value::from(vec!["pong 1", "pong 2", "pong 3", "pong 4"])
    );
    assert_eq!(t.result["eof"], Value::Bool(true));
    assert_eq!(
        printed(&t),
        [
            "child got ping 1",
            "parent got pong 1",
            "child got ping 2",
            "parent got pong 2",
            "child got ping 3",
            "parent got pong 3",
            "child got ping 4",
            "parent got pong 4",
            "child: EOF"
        ]
    );
    let t = run(
        &[("variant", "ping_pong"), ("close_unused_ends", "false")],
        1,
    );
    assert_eq!(t.result["eof"], Value::Bool(false));
    assert_eq!(t.result["stuck"], Value::Int(1));
}

#[test]
fn no_items_means_eof_at_once_and_ping_pong_needs_duplex() {
    let t = run(&[("items", "0")], 1);
    assert_eq!(main_output(&t), ["end"]);
    let s = find("pipe").unwrap();
    let e = s
        .validate(&[
            ("variant".into(), "ping_pong".into()),
            ("duplex".into(), "false".into()),
        ])
        .unwrap_err();
    assert_eq!(e.param, "duplex");
}
