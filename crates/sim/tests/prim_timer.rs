//! `threading.Timer`: the function runs once after the interval; `cancel()` before then means it
//! never runs; a Timer is a thread (start once, join, daemon).
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;

fn os<T: Into<Value>>(r: PyResult<T>) -> String {
    outcome_str(r.map(Into::into))
}

fn output(t: &Trace) -> Vec<&str> {
    t.output.iter().map(|(_, _, s)| s.as_str()).collect()
}

fn announce(line: &'static str) -> Program {
    Program::new(move |cx: Ctx| async move {
        let now = cx.now().await?;
        cx.set_result(line, now as i64).await?;
        cx.print(line).await
    })
}

#[test]
fn the_function_runs_once_after_the_interval() {
    let t = run(Program::new(|cx: Ctx| async move {
        let timer = cx.timer("timer", ms(100), announce("fired"));
        timer.start(&cx).await?;
        let started = cx.now().await?;
        cx.set_result("started", started as i64).await?;
        cx.set_result("alive", timer.thread.is_alive(&cx).await?)
            .await?;
        timer.join(&cx).await?;
        cx.set_result("joined", cx.now().await? as i64).await
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["fired"]);
    assert_eq!(result(&t, "alive"), Value::Bool(true));
    let fired = result_int(&t, "fired");
    let started = result_int(&t, "started");
    assert!(
        (ms(100) as i64..=started + ms(100) as i64).contains(&fired),
        "fired at {fired}"
    );
    assert_eq!(result_int(&t, "joined"), fired);
}

#[test]
fn cancel_before_the_interval_means_the_function_never_runs() {
    let t = run(Program::new(|cx: Ctx| async move {
        let timer = cx.timer("timer", ms(100), announce("fired"));
        timer.start(&cx).await?;
        cx.sleep(ms(30)).await?;
        timer.cancel(&cx).await?;
        cx.set_result("cancelled_at", cx.now().await? as i64)
            .await?;
        timer.join(&cx).await?;
        cx.set_result("joined_at", cx.now().await? as i64).await
    }));
    assert_completed(&t);
    assert!(output(&t).is_empty(), "{:?}", output(&t));
    assert!(!t.result.contains_key("fired"));
    // The timer thread wakes at cancel() and ends at once.
    assert_eq!(result_int(&t, "joined_at"), result_int(&t, "cancelled_at"));
}

#[test]
fn a_cancelled_timer_does_not_keep_the_program_running() {
    let t = run(Program::new(|cx: Ctx| async move {
        let timer = cx.timer("timer", secs(60), announce("fired"));
        timer.start(&cx).await?;
        cx.sleep(ms(10)).await?;
        timer.cancel(&cx).await
    }));
    assert_completed(&t);
    assert!(output(&t).is_empty());
    // time.sleep(0.01) plus the start-up: the program ends about 10 ms in, not after 60 s.
    assert!(
        t.metrics.makespan < ms(11),
        "makespan {}",
        fmt_nanos(t.metrics.makespan)
    );
}

#[test]
fn cancel_after_the_function_ran_changes_nothing() {
    let t = run(Program::new(|cx: Ctx| async move {
        let timer = cx.timer("timer", ms(10), announce("fired"));
        timer.start(&cx).await?;
        timer.join(&cx).await?;
        cx.set_result("cancel", os(timer.cancel(&cx).await)).await
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["fired"]);
    assert_eq!(result(&t, "cancel"), Value::from("ok:None"));
}

#[test]
fn timers_fire_in_the_order_of_their_deadlines() {
    let t = run(Program::new(|cx: Ctx| async move {
        let timers = [
            cx.timer("t30", ms(30), announce("t30")),
            cx.timer("t10", ms(10), announce("t10")),
            cx.timer("t20", ms(20), announce("t20")),
        ];
        for tm in &timers {
            tm.start(&cx).await?;
        }
        for tm in &timers {
            tm.join(&cx).await?;
        }
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["t10", "t20", "t30"]);
}

#[test]
fn a_timer_is_a_thread_that_starts_only_once() {
    let t = run(Program::new(|cx: Ctx| async move {
        let timer = cx.timer("timer", ms(5), announce("fired"));
        timer.start(&cx).await?;
        cx.set_result("again", os(timer.start(&cx).await)).await?;
        timer.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "again"),
        Value::from("RuntimeError:threads can only be started once")
    );
    assert_eq!(output(&t), ["fired"]);
}

#[test]
fn an_exception_in_the_function_ends_the_timer_thread_only() {
    let t = run(Program::new(|cx: Ctx| async move {
        let timer = cx.timer(
            "timer",
            ms(5),
            Program::new(|_cx: Ctx| async move {
                err::<()>(PyErrorKind::ZeroDivisionError, "division by zero")
            }),
        );
        timer.start(&cx).await?;
        timer.join(&cx).await?;
        cx.print("main goes on").await
    }));
    assert_completed(&t);
    assert_eq!(output(&t), ["main goes on"]);
    assert_eq!(
        error_of(&t, "timer").map(|e| e.kind),
        Some(PyErrorKind::ZeroDivisionError)
    );
}
