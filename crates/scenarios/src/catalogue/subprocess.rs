//! `subprocess`: child processes run in parallel with the parent — ten `sleep 1` children take
//! about one second together; a pipe chain of children; `communicate(timeout)` then
//! `terminate()`.

use interleave_sim::{Ctx, Program, PyResult, Value, from_secs_f64};

use super::default_machine;
use crate::params::{ParamSpec, Params, no_check};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "subprocess",
        title: t("Child processes", "子进程"),
        lesson: t(
            "Children started with Popen run at the same time as each other and the parent: ten one-second sleeps finish in about one second.",
            "用 Popen 启动的子进程彼此并行，也与父进程并行：十个一秒的 sleep 大约一秒就全部结束。",
        ),
        explanation: t(
            "'parallel': the parent starts every child first and only then waits for each with \
             communicate(); the children's lanes overlap and the whole thing takes about one child's \
             time. With 'sequential' each child is waited for before the next starts: n times as \
             long. 'chain': each producer child writes its data into a pipe that feeds a digest \
             child; the parent closes its copy of the pipe ends and collects every digest. \
             'timeout': communicate(timeout) gives up on a child that runs too long \
             (TimeoutExpired), terminates it and reports its exit code, −15 (SIGTERM). The model \
             charges 10 ms to start each child and does not draw the program the child executes.",
            "“parallel”：父进程先启动所有子进程，之后才用 communicate() 逐个等待；子进程的泳道相互重叠，总耗时约为一个子进程的时间。\
             “sequential”时每个子进程都要等它结束才启动下一个：耗时为 n 倍。“chain”：每个生产者子进程把数据写入管道，管道通向一个计算摘要的子进程；\
             父进程关闭自己持有的管道端并收集每个摘要。“timeout”：communicate(timeout) 放弃运行过久的子进程（TimeoutExpired），\
             终止它并报告退出码 −15（SIGTERM）。模型为启动每个子进程计 10 毫秒，并且不画出子进程执行的程序。",
        ),
        tags: &[Tag::Process, Tag::Workload],
        modes: &[Mode::Sim],
        browser_real: None,
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "demo",
                "parallel",
                &["parallel", "sequential", "chain", "timeout"],
                t("Which lesson.", "哪一个示例。"),
            ),
            ParamSpec::int(
                "children",
                "10",
                1,
                200,
                t("How many children.", "子进程的数量。"),
            ),
            ParamSpec::float(
                "child_s",
                "1",
                0.01,
                60.0,
                t("How long each child runs.", "每个子进程运行多久。"),
            ),
            ParamSpec::float(
                "timeout_s",
                "0.1",
                0.01,
                60.0,
                t(
                    "communicate() timeout ('timeout').",
                    "communicate() 的超时（“timeout”）。",
                ),
            ),
        ],
        check: no_check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("children", "5"), ("child_s", "0.3")],
            keys: &["returncodes", "elapsed_units", "error"],
            deterministic: true,
            more: &[
                &[("demo", "sequential"), ("children", "3")],
                &[("demo", "timeout")],
            ],
        },
    }
}

fn build(p: &Params) -> Program {
    let demo = p.choice("demo").to_string();
    let children = p.int("children");
    let child = from_secs_f64(p.float("child_s")).max(1);
    let timeout = from_secs_f64(p.float("timeout_s"));
    Program::new(move |cx: Ctx| async move {
        let t0 = cx.now().await?;
        let mut codes = Vec::new();
        let mut error = String::new();
        let sleeper = move || Program::new(move |cx: Ctx| async move { cx.sleep(child).await });
        match demo.as_str() {
            "parallel" | "sequential" => {
                let mut procs = Vec::new();
                for i in 0..children {
                    let p = cx.spawn_process(&format!("sleep #{i}"), sleeper()).await?;
                    if demo == "sequential" {
                        p.join(&cx).await?;
                    }
                    procs.push(p);
                }
                for p in procs {
                    p.join(&cx).await?; // communicate(): wait for it to exit
                    codes.push(p.exitcode(&cx).await?.map_or(Value::None, Value::Int));
                }
            }
            "chain" => {
                let mut digests = Vec::new();
                for i in 0..children {
                    let (read_end, write_end) = cx.pipe(&format!("pipe #{i}"), false);
                    let producer = cx
                        .spawn_process(
                            &format!("producer #{i}"),
                            Program::new(move |cx: Ctx| async move {
                                cx.compute(child / 10).await?;
                                write_end.send(&cx, format!("data {i}")).await?;
                                write_end.close(&cx).await
                            }),
                        )
                        .await?;
                    let digest = cx
                        .spawn_process(
                            &format!("digest #{i}"),
                            Program::new(move |cx: Ctx| async move {
                                let mut n = 0;
                                while read_end.recv(&cx).await.is_ok() {
                                    n += 1;
                                    cx.compute(child / 10).await?;
                                }
                                cx.print(format!("digest #{i}: {n} message(s)")).await?;
                                PyResult::Ok(())
                            }),
                        )
                        .await?;
                    digests.push((producer, digest));
                }
                for (producer, digest) in digests {
                    producer.join(&cx).await?;
                    digest.join(&cx).await?;
                    codes.push(
                        producer
                            .exitcode(&cx)
                            .await?
                            .map_or(Value::None, Value::Int),
                    );
                    codes.push(digest.exitcode(&cx).await?.map_or(Value::None, Value::Int));
                }
            }
            _ => {
                let slow = cx
                    .spawn_process(
                        "sleep 10",
                        Program::new(move |cx: Ctx| async move { cx.sleep(100 * timeout).await }),
                    )
                    .await?;
                slow.join_timeout(&cx, timeout).await?;
                if slow.is_alive(&cx).await? {
                    error = "TimeoutExpired".to_string();
                    cx.print("communicate() timed out: terminating the child")
                        .await?;
                    slow.terminate(&cx).await?;
                    slow.join(&cx).await?;
                }
                codes.push(slow.exitcode(&cx).await?.map_or(Value::None, Value::Int));
            }
        }
        let elapsed = cx.now().await? - t0;
        let unit = if demo == "timeout" { timeout } else { child };
        cx.set_result("returncodes", codes).await?;
        cx.set_result(
            "elapsed_units",
            (elapsed as f64 / unit.max(1) as f64).round() as i64,
        )
        .await?;
        cx.set_result("error", error).await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/subprocess.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}
