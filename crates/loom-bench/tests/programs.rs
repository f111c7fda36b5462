//! The bench's programs reach the outcome sets derived by hand, with and without reduction.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_loom_bench::explore_counter;
use interleave_sim::explore::Strategy;

#[test]
fn unprotected_read_modify_write_loses_every_possible_number_of_updates() {
    // 2 threads × 3 increments: anything from 2 (each thread's last write built on a
    // stale read) up to 6.
    let (values, report) = explore_counter(2, 3, false, Strategy::Dpor, 100_000).unwrap();
    assert!(report.exhausted);
    assert_eq!(values, vec![2, 3, 4, 5, 6]);
}

#[test]
fn the_mutex_counter_always_ends_exact() {
    let (values, report) = explore_counter(3, 1, true, Strategy::Dpor, 100_000).unwrap();
    assert!(report.exhausted);
    assert_eq!(values, vec![3]);
}

#[test]
fn reduction_finds_what_the_plain_search_finds_in_fewer_runs() {
    for locked in [false, true] {
        let (full, full_report) = explore_counter(2, 1, locked, Strategy::Dfs, 100_000).unwrap();
        let (reduced, reduced_report) =
            explore_counter(2, 1, locked, Strategy::Dpor, 100_000).unwrap();
        assert!(full_report.exhausted && reduced_report.exhausted);
        assert_eq!(full, reduced, "locked = {locked}");
        assert_eq!(full, if locked { vec![2] } else { vec![1, 2] });
        assert!(
            reduced_report.runs * 10 < full_report.runs,
            "locked = {locked}"
        );
    }
}
