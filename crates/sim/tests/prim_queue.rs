//! Queues: FIFO/LIFO/priority/simple order, Full/Empty, timeouts, blocking put/get, task_done/join,
//! multiprocessing queues between processes and their copy cost, asyncio queues.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
use common::*;
use interleave_sim::*;

fn os<T: Into<Value>>(r: PyResult<T>) -> String {
    outcome_str(r.map(Into::into))
}

async fn drain(cx: &Ctx, q: Queue, n: usize) -> PyResult<Vec<Value>> {
    let mut out = vec![];
    for _ in 0..n {
        out.push(q.get(cx).await?);
    }
    Ok(out)
}

#[test]
fn each_kind_hands_items_out_in_its_order() {
    let t = run(Program::new(|cx: Ctx| async move {
        for (name, kind) in [
            ("fifo", QueueKind::Fifo),
            ("lifo", QueueKind::Lifo),
            ("priority", QueueKind::Priority),
            ("simple", QueueKind::Simple),
        ] {
            let q = cx.new_queue(Flavor::Threading, kind, name, 0);
            for x in [3, 1, 2] {
                q.put(&cx, x).await?;
            }
            cx.set_result(name, drain(&cx, q, 3).await?).await?;
        }
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "fifo"), Value::from(vec![3, 1, 2]));
    assert_eq!(result(&t, "lifo"), Value::from(vec![2, 1, 3]));
    assert_eq!(result(&t, "priority"), Value::from(vec![1, 2, 3]));
    assert_eq!(result(&t, "simple"), Value::from(vec![3, 1, 2]));
}

#[test]
fn priority_queue_orders_tuples_and_rejects_incomparable_items() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.new_queue(Flavor::Threading, QueueKind::Priority, "pq", 0);
        let item = |p: i64, s: &str| Value::List(vec![Value::Int(p), Value::from(s)]);
        for v in [item(2, "b"), item(1, "z"), item(1, "a")] {
            q.put(&cx, v).await?;
        }
        cx.set_result("order", drain(&cx, q, 3).await?).await?;
        q.put(&cx, 1).await?;
        cx.set_result("bad", os(q.put(&cx, "x").await)).await?;
        cx.set_result("qsize", q.qsize(&cx).await?).await
    }));
    let item = |p: i64, s: &str| Value::List(vec![Value::Int(p), Value::from(s)]);
    assert_eq!(
        result(&t, "order"),
        Value::List(vec![item(1, "a"), item(1, "z"), item(2, "b")])
    );
    assert_eq!(
        result(&t, "bad"),
        Value::from("TypeError:'<' not supported between instances of 'str' and 'int'")
    );
    assert_eq!(result_int(&t, "qsize"), 1);
}

#[test]
fn put_nowait_on_a_full_queue_is_full_and_get_nowait_on_an_empty_one_is_empty() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.queue("q", 2);
        cx.set_result("empty_get", os(q.get_nowait(&cx).await))
            .await?;
        cx.set_result("empty", q.empty(&cx).await?).await?;
        q.put_nowait(&cx, "a").await?;
        q.put_nowait(&cx, "b").await?;
        cx.set_result("full", q.full(&cx).await?).await?;
        cx.set_result("full_put", os(q.put_nowait(&cx, "c").await))
            .await?;
        cx.set_result("qsize", q.qsize(&cx).await?).await?;
        cx.set_result("first", q.get_nowait(&cx).await?).await
    }));
    assert_eq!(result(&t, "empty_get"), Value::from("Empty:"));
    assert_eq!(result(&t, "empty"), Value::Bool(true));
    assert_eq!(result(&t, "full"), Value::Bool(true));
    assert_eq!(result(&t, "full_put"), Value::from("Full:"));
    assert_eq!(result_int(&t, "qsize"), 2);
    assert_eq!(result(&t, "first"), Value::from("a"));
}

#[test]
fn get_and_put_with_timeouts_raise_after_the_timeout() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.queue("q", 1);
        let t0 = cx.now().await?;
        cx.set_result("get", os(q.get_timeout(&cx, ms(20)).await))
            .await?;
        let t1 = cx.now().await?;
        q.put(&cx, 1).await?;
        cx.set_result("put", os(q.put_timeout(&cx, 2, ms(30)).await))
            .await?;
        let t2 = cx.now().await?;
        cx.set_result("get_waited", (t1 - t0) as i64).await?;
        cx.set_result("put_waited", (t2 - t1) as i64).await
    }));
    assert_eq!(result(&t, "get"), Value::from("Empty:"));
    assert_eq!(result(&t, "put"), Value::from("Full:"));
    assert_eq!(result_int(&t, "get_waited"), ms(20) as i64);
    assert_eq!(result_int(&t, "put_waited"), ms(30) as i64);
}

#[test]
fn get_blocks_until_an_item_is_put() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.queue("q", 0);
        let c = cx
            .spawn_thread(
                "consumer",
                Program::new(move |cx: Ctx| async move {
                    let v = q.get(&cx).await?;
                    cx.set_result("got", v).await?;
                    cx.set_result("got_at", cx.now().await? as i64).await
                }),
            )
            .await?;
        cx.sleep(ms(15)).await?;
        cx.set_result("put_at", cx.now().await? as i64).await?;
        q.put(&cx, "item").await?;
        c.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "got"), Value::from("item"));
    assert_eq!(result_int(&t, "got_at"), result_int(&t, "put_at"));
}

#[test]
fn put_on_a_bounded_queue_blocks_until_there_is_space() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.queue("q", 1);
        let p = cx
            .spawn_thread(
                "producer",
                Program::new(move |cx: Ctx| async move {
                    for i in 0..3 {
                        q.put(&cx, i).await?;
                    }
                    cx.set_result("producer_done", cx.now().await? as i64).await
                }),
            )
            .await?;
        let mut got = vec![];
        for _ in 0..3 {
            cx.sleep(ms(10)).await?;
            got.push(q.get(&cx).await?);
        }
        p.join(&cx).await?;
        cx.set_result("got", got).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "got"), Value::from(vec![0, 1, 2]));
    // The third put fits only after the second get, at about 20 ms.
    let done = result_int(&t, "producer_done");
    assert!((ms(20) as i64..ms(21) as i64).contains(&done), "{done}");
}

/// A daemon worker's `while True: q.get(); work; q.task_done()`.
async fn serve(cx: Ctx, q: Queue) -> PyResult<()> {
    loop {
        q.get(&cx).await?;
        cx.io(ms(10)).await?;
        q.task_done(&cx).await?;
    }
}

#[test]
fn join_returns_once_every_item_is_marked_done() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.queue("q", 0);
        let worker = cx.thread("worker", Program::new(move |cx: Ctx| serve(cx, q)));
        worker.set_daemon(&cx, true).await?;
        worker.start(&cx).await?;
        for i in 0..3 {
            q.put(&cx, i).await?;
        }
        q.join(&cx).await?;
        cx.set_result("joined_at", cx.now().await? as i64).await?;
        cx.set_result("extra_task_done", os(q.task_done(&cx).await))
            .await
    }));
    assert_completed(&t);
    let joined = result_int(&t, "joined_at");
    assert!((ms(30) as i64..ms(31) as i64).contains(&joined), "{joined}");
    assert_eq!(
        result(&t, "extra_task_done"),
        Value::from("ValueError:task_done() called too many times")
    );
}

#[test]
fn join_on_a_queue_with_no_unfinished_items_returns_at_once() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.queue("q", 0);
        q.put(&cx, 1).await?;
        q.get(&cx).await?;
        q.task_done(&cx).await?;
        q.join(&cx).await?;
        cx.set_result("at", cx.now().await? as i64).await
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "at"), 0);
}

#[test]
fn simple_queue_and_multiprocessing_queue_have_no_task_done_or_join() {
    let t = run(Program::new(|cx: Ctx| async move {
        let sq = cx.new_queue(Flavor::Threading, QueueKind::Simple, "sq", 0);
        cx.set_result("simple_task_done", os(sq.task_done(&cx).await))
            .await?;
        cx.set_result("simple_join", os(sq.join(&cx).await)).await?;
        let mq = cx.new_queue(Flavor::Multiprocessing, QueueKind::Fifo, "mq", 0);
        cx.set_result("mp_task_done", os(mq.task_done(&cx).await))
            .await?;
        cx.set_result("mp_join", os(mq.join(&cx).await)).await
    }));
    assert_eq!(
        result(&t, "simple_task_done"),
        Value::from("AttributeError:'_queue.SimpleQueue' object has no attribute 'task_done'")
    );
    assert_eq!(
        result(&t, "simple_join"),
        Value::from("AttributeError:'_queue.SimpleQueue' object has no attribute 'join'")
    );
    assert_eq!(
        result(&t, "mp_task_done"),
        Value::from("AttributeError:'Queue' object has no attribute 'task_done'")
    );
    assert_eq!(
        result(&t, "mp_join"),
        Value::from("AttributeError:'Queue' object has no attribute 'join'")
    );
}

#[test]
fn get_on_a_queue_nobody_feeds_deadlocks() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.queue("jobs", 0);
        q.get(&cx).await?;
        Ok(())
    }));
    let Outcome::Deadlock { blocked, .. } = &t.outcome else {
        panic!("expected a deadlock, got {:?}", t.outcome)
    };
    assert_eq!(blocked[0].unit_name, "MainProcess");
    assert_eq!(blocked[0].waits_for, "an item in queue.Queue 'jobs'");
}

#[test]
fn multiprocessing_queue_carries_items_between_processes_in_order() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.new_queue(Flavor::Multiprocessing, QueueKind::Fifo, "mq", 0);
        let p = cx
            .spawn_process(
                "producer",
                Program::new(move |cx: Ctx| async move {
                    for i in 0..3 {
                        q.put(&cx, i).await?;
                    }
                    Ok(())
                }),
            )
            .await?;
        cx.set_result("got", drain(&cx, q, 3).await?).await?;
        p.join(&cx).await
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "got"), Value::from(vec![0, 1, 2]));
}

#[test]
fn multiprocessing_queue_put_and_get_each_pay_the_message_and_copy_cost() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.new_queue(Flavor::Multiprocessing, QueueKind::Fifo, "mq", 0);
        let tq = cx.queue("tq", 0);
        let t0 = cx.now().await?;
        q.put(&cx, 7).await?;
        let t1 = cx.now().await?;
        q.get(&cx).await?;
        let t2 = cx.now().await?;
        tq.put(&cx, 7).await?;
        tq.get(&cx).await?;
        let t3 = cx.now().await?;
        cx.set_result("put", (t1 - t0) as i64).await?;
        cx.set_result("get", (t2 - t1) as i64).await?;
        cx.set_result("threading", (t3 - t2) as i64).await
    }));
    let costs = Costs::default();
    // An int pickles to 12 bytes in the model.
    let one = (costs.message + 12 * costs.copy_per_byte) as i64;
    assert_eq!(result_int(&t, "put"), one);
    assert_eq!(result_int(&t, "get"), one);
    assert_eq!(
        result_int(&t, "threading"),
        0,
        "a queue.Queue shares the object, no copy"
    );
}

#[test]
fn joinable_queue_join_waits_for_task_done_from_a_child_process() {
    let t = run(Program::new(|cx: Ctx| async move {
        let q = cx.mp_joinable_queue("jq", 0);
        for i in 0..2 {
            q.put(&cx, i).await?;
        }
        let worker = cx
            .spawn_process(
                "worker",
                Program::new(move |cx: Ctx| async move {
                    for _ in 0..2 {
                        q.get(&cx).await?;
                        cx.compute(ms(5)).await?;
                        q.task_done(&cx).await?;
                    }
                    Ok(())
                }),
            )
            .await?;
        q.join(&cx).await?;
        cx.set_result("joined_at", cx.now().await? as i64).await?;
        worker.join(&cx).await
    }));
    assert_completed(&t);
    // The child starts after the 10 ms process start-up and works 2 × 5 ms.
    assert!(
        result_int(&t, "joined_at") >= ms(20) as i64,
        "{}",
        result_int(&t, "joined_at")
    );
}

#[test]
fn asyncio_queue_between_tasks_with_join() {
    let t = run(Program::new(|cx: Ctx| async move {
        cx.run_loop(
            "loop",
            Program::new(|cx: Ctx| async move {
                let q = cx.new_queue(Flavor::Asyncio, QueueKind::Fifo, "aq", 1);
                cx.set_result("get_nowait", os(q.get_nowait(&cx).await))
                    .await?;
                let consumer = cx.create_task(
                    "consumer",
                    Program::new(move |cx: Ctx| async move {
                        let mut got = vec![];
                        for _ in 0..3 {
                            got.push(q.get(&cx).await?);
                            cx.asleep(ms(10)).await?;
                            q.task_done(&cx).await?;
                        }
                        Ok(got)
                    }),
                )?;
                for i in 0..3 {
                    q.put(&cx, i).await?;
                }
                cx.set_result("put_nowait", os(q.put_nowait(&cx, 99).await))
                    .await?;
                q.join(&cx).await?;
                cx.set_result("joined_at", cx.now().await? as i64).await?;
                cx.set_result("got", consumer.wait(&cx).await?).await
            }),
        )
        .await?;
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(result(&t, "get_nowait"), Value::from("Empty:"));
    assert_eq!(result(&t, "put_nowait"), Value::from("Full:"));
    assert_eq!(result(&t, "got"), Value::from(vec![0, 1, 2]));
    assert_eq!(result_int(&t, "joined_at"), ms(30) as i64);
}
