//! A program that misuses the simulator's futures ends its own unit with a clear error, and
//! the simulation goes on: awaiting two operations at once (whichever way each travels to the
//! kernel), or awaiting a future the simulator does not know.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use common::*;
use interleave_sim::*;

/// Polls both futures once each, in one poll of the unit, then waits forever.
async fn both_at_once<A: Future, B: Future>(a: A, b: B) {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    std::future::poll_fn(|c| {
        let _ = Pin::as_mut(&mut a).poll(c);
        let _ = Pin::as_mut(&mut b).poll(c);
        Poll::<()>::Pending
    })
    .await;
}

/// Runs `body` in a thread `T` while the main thread holds on: the main thread must still
/// complete, with the lock untouched by `T`'s refused operations.
fn run_misbehaving(body: fn(Lock) -> Program) -> Trace {
    run(Program::new(move |cx: Ctx| async move {
        let lock = cx.lock("lock");
        let t = cx.spawn_thread("T", body(lock)).await?;
        t.join(&cx).await?;
        // T's acquire, if it had gone through, would leave the lock held.
        let free = lock.acquire_timeout(&cx, ms(1)).await?;
        cx.set_result("lock_free_after", free).await?;
        cx.set_result("main_done", true).await?;
        Ok(())
    }))
}

fn assert_ended_with(trace: &Trace, text: &str) {
    assert_eq!(trace.outcome, Outcome::Completed, "{:?}", trace.errors);
    let err = error_of(trace, "T").expect("T ended with an error");
    assert_eq!(err.kind, PyErrorKind::RuntimeError);
    assert!(err.message.contains(text), "{}", err.message);
    assert_eq!(trace.result.get("main_done"), Some(&Value::Bool(true)));
    assert_eq!(
        trace.result.get("lock_free_after"),
        Some(&Value::Bool(true))
    );
    assert!(error_of(trace, "MainThread").is_none());
}

#[test]
fn two_operations_at_once_end_the_unit_whatever_their_kinds() {
    // Acquire and compute travel as words; print and set_result as whole operations.
    let bodies: [fn(Lock) -> Program; 4] = [
        |lock| {
            Program::new(move |cx: Ctx| async move {
                both_at_once(lock.acquire(&cx), cx.compute(us(5))).await;
                Ok(())
            })
        },
        |lock| {
            Program::new(move |cx: Ctx| async move {
                both_at_once(lock.acquire(&cx), cx.print("x")).await;
                Ok(())
            })
        },
        |lock| {
            Program::new(move |cx: Ctx| async move {
                both_at_once(cx.print("x"), lock.acquire(&cx)).await;
                Ok(())
            })
        },
        |_| {
            Program::new(move |cx: Ctx| async move {
                both_at_once(cx.print("x"), cx.set_result("k", 1)).await;
                Ok(())
            })
        },
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        let trace = run_misbehaving(body);
        assert_ended_with(&trace, "two simulator operations at once");
        assert!(trace.output.is_empty(), "case {i}: {:?}", trace.output);
        assert!(!trace.result.contains_key("k"), "case {i}");
    }
}

#[test]
fn awaiting_a_foreign_future_ends_the_unit() {
    let trace = run_misbehaving(|_| {
        Program::new(move |_cx: Ctx| async move {
            std::future::pending::<()>().await;
            Ok(())
        })
    });
    assert_ended_with(&trace, "not a simulator operation");
}

#[test]
fn a_refused_operation_leaves_the_next_one_working() {
    // After a refused pair in one unit, another unit's ordinary operations still run: the
    // mailbox of one unit never leaks into another's.
    let trace = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("lock");
        let bad = cx
            .spawn_thread(
                "T",
                Program::new(move |cx: Ctx| async move {
                    both_at_once(cx.compute(us(1)), cx.sleep(us(1))).await;
                    Ok(())
                }),
            )
            .await?;
        let good = cx
            .spawn_thread(
                "U",
                Program::new(move |cx: Ctx| async move {
                    lock.acquire(&cx).await?;
                    cx.compute(us(3)).await?;
                    lock.release(&cx).await?;
                    cx.set_result("u", 1).await?;
                    Ok(())
                }),
            )
            .await?;
        bad.join(&cx).await?;
        good.join(&cx).await?;
        Ok(())
    }));
    assert_eq!(trace.outcome, Outcome::Completed);
    assert!(error_of(&trace, "T").is_some());
    assert!(error_of(&trace, "U").is_none());
    assert_eq!(result_int(&trace, "u"), 1);
}
