//! Golden terminal output for three scenarios (expect-test; refresh with `UPDATE_EXPECT=1`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use expect_test::{Expect, expect};

fn check(args: &[&str], expected: Expect) {
    let out = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    expected.assert_eq(&String::from_utf8(out.stdout).unwrap());
}

#[test]
fn lock_race_text() {
    check(
        &["run", "lock-race", "--seed", "1"],
        expect![[r#"
            lock-race — Race condition on a counter (seed 1, 2 cores, GIL on)
            time         0                                                          5.2ms
            MainProcess  ██░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░
                                                                                        r
            worker-0     gzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
                         r           *            *           *           *            w
            worker-1     gzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
                          r           *           *            *           *           w
            worker-2      gzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
                          r            *           *           *            *           w
            worker-3      gzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
                           r           *            *           *           *           w
            legend: █ running  ▒ ready  g waiting for GIL  ░ blocked  z sleeping  ~ I/O  · idle  = event loop  ^ starting  ! error
            events: + acquire  - release  r read  w write  p put  g get  s send  v recv  n notify  e set  ? wait  ! woken  * several

            outcome: completed
            result:  counter = 5, expected = 20, lost = 15
            data race: counter: worker-1 reads (#8) ‖ worker-0 writes (#18) (and more: 4 shown at most)
            metrics: makespan 5.2ms, 82 steps, 84 events, core utilisation 4%/0%, GIL wait 200µs (33 hand-overs)
            replay:  v1:

            invariant broken: counter == expected
        "#]],
    );
}

#[test]
fn rlock_deadlock_text() {
    check(
        &["run", "rlock", "--set", "lock=lock"],
        expect![[r#"
            rlock — Re-entrant lock (RLock) (seed 1, 2 cores, GIL on)
            time         0                                                      113.943µs
            MainProcess  ███████████████████████████████g█████████████████████████████gg█
                                                        *                              *
            adder          ggggggggggggggggggggggggggggg█░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░
                                                       r*
            remover                                       gggggggggggggggggggggggggggg██░
                                                                                      r
            legend: █ running  ▒ ready  g waiting for GIL  ░ blocked  z sleeping  ~ I/O  · idle  = event loop  ^ starting  ! error
            events: + acquire  - release  r read  w write  p put  g get  s send  v recv  n notify  e set  ? wait  ! woken  * several

            outcome: deadlock: wait-for cycle: adder waits for threading.Lock 'lock' held by adder
            metrics: makespan 113.943µs, 14 steps, 17 events, core utilisation 100%/0%, GIL wait 104.759µs (5 hand-overs)
            replay:  v1:

        "#]],
    );
}

#[test]
fn asyncio_tasks_text() {
    check(
        &["run", "asyncio", "--set", "demo=tasks"],
        expect![[r#"
            asyncio — asyncio: tasks on one event loop (seed 1, 2 cores, GIL on)
            time         0                                                      200.006ms
            MainProcess  ································································
                                                                                        *
              Task-1     ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░
                         r                               *                              !
              Task-2     zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
              Task-3     zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
            legend: █ running  ▒ ready  g waiting for GIL  ░ blocked  z sleeping  ~ I/O  · idle  = event loop  ^ starting  ! error
            events: + acquire  - release  r read  w write  p put  g get  s send  v recv  n notify  e set  ? wait  ! woken  * several

            outcome: completed
            result:  elapsed_units = 2, error = '', order = ['hello', 'world'], results = []
            metrics: makespan 200.006ms, 28 steps, 33 events, core utilisation 0%/0%, GIL wait 0 (5 hand-overs)
            replay:  v1:

        "#]],
    );
}
