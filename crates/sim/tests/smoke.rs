#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The smallest end-to-end check: two threads increment a counter under a lock, and the run
//! completes with the right total (each thread's three increments, none lost).
mod common;
use common::*;
use interleave_sim::*;

#[test]
fn two_threads_and_a_lock() {
    let t = run(Program::new(|cx: Ctx| async move {
        let lock = cx.lock("l");
        let counter = cx.var("counter", 0);
        let mut ts = vec![];
        for i in 0..2 {
            let t = cx
                .spawn_thread(
                    &format!("T{i}"),
                    Program::new(move |cx: Ctx| async move {
                        for _ in 0..3 {
                            lock.acquire(&cx).await?;
                            let v = counter.read_int(&cx).await?;
                            cx.compute(us(10)).await?;
                            counter.write(&cx, v + 1).await?;
                            lock.release(&cx).await?;
                        }
                        Ok(())
                    }),
                )
                .await?;
            ts.push(t);
        }
        for t in ts {
            t.join(&cx).await?;
        }
        let v = counter.read(&cx).await?;
        cx.set_result("counter", v).await?;
        Ok(())
    }));
    assert_completed(&t);
    assert_eq!(result_int(&t, "counter"), 6);
}
