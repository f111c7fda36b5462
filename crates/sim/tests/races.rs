#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Data-race detection by happens-before over the trace.

use interleave_sim::*;

fn counter(threads: usize, locked: bool, join_between: bool) -> Program {
    Program::new(move |cx: Ctx| async move {
        let v = cx.var("counter", 0);
        let lock = cx.lock("lock");
        let mut hs = Vec::new();
        for i in 0..threads {
            let body = Program::new(move |cx: Ctx| async move {
                if locked {
                    lock.acquire(&cx).await?;
                }
                let x = v.read_int(&cx).await?;
                cx.sleep(ms(1)).await?;
                v.write(&cx, x + 1).await?;
                if locked {
                    lock.release(&cx).await?;
                }
                Ok(())
            });
            let h = cx.spawn_thread(&format!("T{i}"), body).await?;
            if join_between {
                h.join(&cx).await?;
            } else {
                hs.push(h);
            }
        }
        for h in hs {
            h.join(&cx).await?;
        }
        let x = v.read(&cx).await?;
        cx.set_result("counter", x).await
    })
}

fn run(p: Program) -> Trace {
    simulate(Machine::default(), 1, &SchedulerKind::Random, p).unwrap()
}

#[test]
fn unprotected_read_modify_write_races_and_names_both_accesses() {
    let t = run(counter(2, false, false));
    let races = races::find(&t, 100);
    assert!(!races.is_empty());
    let r = &races[0];
    assert_ne!(r.first.unit, r.second.unit);
    assert!(r.first.write || r.second.write);
    assert!(r.first.event < r.second.event);
    for a in [r.first, r.second] {
        let e = &t.events[a.event];
        assert_eq!(e.obj, Some(r.obj));
        assert_eq!(e.unit, a.unit);
    }
    assert!(
        r.describe(&t).starts_with("counter: T"),
        "{}",
        r.describe(&t)
    );
}

#[test]
fn a_lock_or_a_join_orders_the_accesses() {
    assert_eq!(races::find(&run(counter(3, true, false)), 100), vec![]);
    // One thread after another (start, join, start, join): ordered through join and start.
    assert_eq!(races::find(&run(counter(3, false, true)), 100), vec![]);
}

#[test]
fn the_limit_bounds_the_report() {
    let t = run(counter(4, false, false));
    assert!(races::find(&t, 100).len() > 2);
    assert_eq!(races::find(&t, 2).len(), 2);
}
