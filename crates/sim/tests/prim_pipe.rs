//! `multiprocessing.Pipe`: duplex and simplex ends, blocking recv, poll, close → EOFError at the
//! other end, a closed handle → OSError, copy costs, pipes between processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;

fn os<T: Into<Value>>(r: PyResult<T>) -> String {
    outcome_str(r.map(Into::into))
}

#[test]
fn a_duplex_pipe_carries_messages_both_ways_in_order() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (a, b) = cx.pipe("p", true);
        a.send(&cx, 1).await?;
        a.send(&cx, "two").await?;
        b.send(&cx, vec![3, 4]).await?;
        let got_b = vec![b.recv(&cx).await?, b.recv(&cx).await?];
        cx.set_result("b", got_b).await?;
        cx.set_result("a", a.recv(&cx).await?).await
    }));
    assert_completed(&t);
    assert_eq!(
        result(&t, "b"),
        Value::List(vec![Value::Int(1), Value::from("two")])
    );
    assert_eq!(result(&t, "a"), Value::from(vec![3, 4]));
}

#[test]
fn a_simplex_pipe_reads_at_the_first_end_and_writes_at_the_second() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (reader, writer) = cx.pipe("p", false);
        cx.set_result("reader_send", os(reader.send(&cx, 1).await))
            .await?;
        cx.set_result("writer_recv", os(writer.recv(&cx).await))
            .await?;
        writer.send(&cx, "ok").await?;
        cx.set_result("recv", reader.recv(&cx).await?).await
    }));
    assert_eq!(
        result(&t, "reader_send"),
        Value::from("OSError:connection is read-only")
    );
    assert_eq!(
        result(&t, "writer_recv"),
        Value::from("OSError:connection is write-only")
    );
    assert_eq!(result(&t, "recv"), Value::from("ok"));
}

#[test]
fn after_the_other_end_closes_recv_drains_then_raises_eof() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (a, b) = cx.pipe("p", true);
        b.send(&cx, 1).await?;
        b.send(&cx, 2).await?;
        b.close(&cx).await?;
        let mut got = vec![];
        for _ in 0..3 {
            got.push(os(a.recv(&cx).await));
        }
        cx.set_result("got", got).await
    }));
    assert_eq!(
        result(&t, "got"),
        Value::from(vec!["ok:1", "ok:2", "EOFError:"])
    );
}

#[test]
fn a_closed_handle_raises_os_error_for_every_use() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (a, _b) = cx.pipe("p", true);
        a.close(&cx).await?;
        cx.set_result("recv", os(a.recv(&cx).await)).await?;
        cx.set_result("send", os(a.send(&cx, 1).await)).await?;
        cx.set_result("poll", os(a.poll(&cx, 0).await)).await?;
        cx.set_result("close_again", os(a.close(&cx).await)).await
    }));
    assert_eq!(result(&t, "recv"), Value::from("OSError:handle is closed"));
    assert_eq!(result(&t, "send"), Value::from("OSError:handle is closed"));
    assert_eq!(result(&t, "poll"), Value::from("OSError:handle is closed"));
    assert_eq!(result(&t, "close_again"), Value::from("ok:None"));
}

#[test]
fn sending_to_a_closed_end_is_a_broken_pipe() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (a, b) = cx.pipe("p", true);
        b.close(&cx).await?;
        cx.set_result("send", os(a.send(&cx, 1).await)).await
    }));
    assert_eq!(
        result(&t, "send"),
        Value::from("OSError:[Errno 32] Broken pipe")
    );
}

#[test]
fn a_blocked_recv_gets_eof_when_the_other_end_closes() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (a, b) = cx.pipe("p", true);
        let reader = cx
            .spawn_thread(
                "reader",
                Program::new(move |cx: Ctx| async move {
                    let r = os(a.recv(&cx).await);
                    cx.set_result("recv", r).await?;
                    cx.set_result("at", cx.now().await? as i64).await
                }),
            )
            .await?;
        cx.sleep(ms(10)).await?;
        b.close(&cx).await?;
        reader.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "recv"), Value::from("EOFError:"));
    let at = result_int(&t, "at");
    assert!((ms(10) as i64..ms(11) as i64).contains(&at), "{at}");
}

#[test]
fn recv_blocks_until_a_message_arrives_and_both_sides_pay_the_copy() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (a, b) = cx.pipe("p", true);
        let reader = cx
            .spawn_thread(
                "reader",
                Program::new(move |cx: Ctx| async move {
                    let v = a.recv(&cx).await?;
                    cx.set_result("got", v).await?;
                    cx.set_result("got_at", cx.now().await? as i64).await
                }),
            )
            .await?;
        cx.sleep(ms(5)).await?;
        let t0 = cx.now().await?;
        b.send(&cx, "hello").await?;
        let t1 = cx.now().await?;
        cx.set_result("sent_at", t0 as i64).await?;
        cx.set_result("send_cost", (t1 - t0) as i64).await?;
        reader.join(&cx).await
    }));
    assert_completed(&t);
    let costs = Costs::default();
    // 'hello' pickles to 8 + 5 bytes in the model.
    let one = (costs.message + 13 * costs.copy_per_byte) as i64;
    assert_eq!(result(&t, "got"), Value::from("hello"));
    assert_eq!(result_int(&t, "send_cost"), one);
    // The message exists once send() is done; then recv() pays its own copy (plus a context
    // switch: under the GIL the reader runs only after the sender let go).
    let latency = result_int(&t, "got_at") - result_int(&t, "sent_at");
    assert!(
        (2 * one..=2 * one + us(5) as i64).contains(&latency),
        "{latency}"
    );
}

#[test]
fn poll_says_whether_recv_would_block() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (a, b) = cx.pipe("p", true);
        let t0 = cx.now().await?;
        cx.set_result("empty", a.poll(&cx, ms(20)).await?).await?;
        cx.set_result("waited", (cx.now().await? - t0) as i64)
            .await?;
        b.send(&cx, 1).await?;
        cx.set_result("ready", a.poll(&cx, 0).await?).await?;
        a.recv(&cx).await?;
        b.close(&cx).await?;
        // At EOF recv would not block either (it raises).
        cx.set_result("eof", a.poll(&cx, 0).await?).await
    }));
    assert_eq!(result(&t, "empty"), Value::Bool(false));
    assert_eq!(result_int(&t, "waited"), ms(20) as i64);
    assert_eq!(result(&t, "ready"), Value::Bool(true));
    assert_eq!(result(&t, "eof"), Value::Bool(true));
}

#[test]
fn a_child_process_sends_its_result_through_a_pipe() {
    let t = run(Program::new(|cx: Ctx| async move {
        let (parent_end, child_end) = cx.pipe("p", true);
        let child = cx
            .spawn_process(
                "child",
                Program::new(move |cx: Ctx| async move {
                    let x = child_end.recv(&cx).await?.as_int()?;
                    child_end.send(&cx, x * 2).await?;
                    child_end.close(&cx).await
                }),
            )
            .await?;
        parent_end.send(&cx, 21).await?;
        cx.set_result("answer", parent_end.recv(&cx).await?).await?;
        cx.set_result("then", os(parent_end.recv(&cx).await))
            .await?;
        cx.set_result("at", cx.now().await? as i64).await?;
        child.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "answer"), 42);
    assert_eq!(result(&t, "then"), Value::from("EOFError:"));
    assert!(result_int(&t, "at") >= Costs::default().process_spawn as i64);
}

#[test]
fn with_inherited_handles_the_end_closes_when_the_last_holder_closes_or_exits() {
    // The parent forks a child that holds the writer too: the parent closing its own copy is
    // no end of file; the child exiting (without closing) is.
    let t = run(Program::new(|cx: Ctx| async move {
        let (reader, writer) = cx.pipe("p", false);
        let child = cx.process(
            "child",
            Program::new(move |cx: Ctx| async move {
                cx.sleep(ms(10)).await?;
                writer.send(&cx, 7).await
            }),
        );
        writer.dup_for(&cx, child.id).await?;
        child.start(&cx).await?;
        writer.close(&cx).await?;
        cx.set_result("first", reader.recv(&cx).await?).await?;
        cx.set_result("then", os(reader.recv(&cx).await)).await?;
        cx.set_result("at", cx.now().await? as i64).await?;
        child.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "first"), 7);
    assert_eq!(result(&t, "then"), Value::from("EOFError:"));
    assert!(result_int(&t, "at") >= ms(10) as i64);
}
