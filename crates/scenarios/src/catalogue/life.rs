//! `life`: Conway's Game of Life on a torus. The small lesson is the 5×9 glider; the concurrency
//! lesson gives each cell's update a blocking I/O call and compares serial, thread per cell
//! (fan-out, fan-in), a thread pool and asyncio.

use std::cell::RefCell;
use std::rc::Rc;

use interleave_sim::{Ctx, Flavor, Program, PyResult, QueueKind, Value, from_ms_f64};

use super::default_machine;
use crate::params::{ParamError, ParamSpec, Params};
use crate::python::fill;
use crate::{Fidelity, Mode, Scenario, Tag, t};

pub(crate) fn scenario() -> Scenario {
    Scenario {
        id: "life",
        title: t("Game of Life: fan-out and fan-in", "生命游戏：扇出与扇入"),
        lesson: t(
            "With 100 ms of blocking I/O per cell a 5×9 generation takes 4.5 s serially and ≈0.1 s when every cell runs concurrently.",
            "每个细胞带 100 毫秒阻塞 I/O 时，5×9 的一代串行需要 4.5 秒，所有细胞并发时约 0.1 秒。",
        ),
        explanation: t(
            "Each generation reads the old grid and writes a new one (the torus wraps at the edges): \
             a live cell with two or three live neighbours lives on, an empty cell with exactly three \
             comes alive. The default glider on a 5×9 grid moves one cell down and one right every \
             four generations. Each cell's update also does blocking I/O (as if fetching its state \
             from a server). Serially the I/O spans queue up on one lane; 'threads' starts a thread \
             per cell and joins them all before the next generation (fan-out, fan-in), so a \
             generation takes about one latency; 'pool' shares the cells among a fixed number of \
             worker threads over a queue; 'asyncio' makes one task per cell and gathers them. The \
             model gives each cell's rule no CPU cost; only the I/O takes time.",
            "每一代读取旧网格、写出新网格（环面在边缘处回绕）：有两个或三个活邻居的活细胞继续存活，恰好有三个活邻居的空细胞复活。\
             默认的 5×9 网格上的滑翔机每四代向下、向右各移动一格。每个细胞的更新还要做一次阻塞 I/O（好像要从服务器获取它的状态）。\
             串行时 I/O 片段在一条泳道上排队；“threads”为每个细胞启动一个线程，并在下一代之前等待它们全部结束（扇出、扇入），\
             因此一代大约只需一个延迟；“pool”让固定数量的工作线程通过队列分担细胞；“asyncio”为每个细胞创建一个任务并 gather。\
             模型认为细胞规则本身不耗 CPU，只有 I/O 花时间。",
        ),
        tags: &[Tag::Workload, Tag::Asyncio, Tag::Classic],
        modes: &[Mode::Sim, Mode::Real],
        browser_real: Some(crate::RealWork::Life),
        goal: crate::Goal::AnyFailure,
        invariants: &[],
        params: vec![
            ParamSpec::choice(
                "mode",
                "threads",
                &["serial", "threads", "pool", "asyncio"],
                t("How cells are updated.", "细胞如何更新。"),
            ),
            ParamSpec::int("height", "5", 3, 32, t("Grid rows.", "网格行数。")),
            ParamSpec::int("width", "9", 3, 32, t("Grid columns.", "网格列数。")),
            ParamSpec::int(
                "generations",
                "4",
                1,
                50,
                t("Generations to compute.", "计算的代数。"),
            ),
            ParamSpec::float(
                "io_ms",
                "100",
                0.0,
                1000.0,
                t("Blocking I/O per cell update.", "每次细胞更新的阻塞 I/O。"),
            ),
            ParamSpec::choice(
                "pattern",
                "glider",
                &["glider", "blinker", "random"],
                t("The starting cells.", "初始细胞。"),
            ),
            ParamSpec::int(
                "pool_workers",
                "10",
                1,
                64,
                t(
                    "Worker threads in 'pool' mode.",
                    "“pool”模式下的工作线程数。",
                ),
            ),
            ParamSpec::int(
                "real_side",
                "2048",
                64,
                8192,
                t(
                    "Real mode: side of the big random grid.",
                    "真实模式：大随机网格的边长。",
                ),
            ),
            ParamSpec::int(
                "real_generations",
                "50",
                1,
                1000,
                t(
                    "Real mode: generations to compute.",
                    "真实模式：计算的代数。",
                ),
            ),
        ],
        check,
        body: crate::Body::Model(build),
        python,
        machine: default_machine,
        fidelity: Fidelity {
            params: &[("io_ms", "1"), ("mode", "threads")],
            keys: &["final_grid", "alive"],
            deterministic: true,
            more: &[
                &[("mode", "serial")],
                &[("mode", "asyncio")],
                &[("mode", "pool")],
                &[("pattern", "random"), ("height", "8"), ("width", "12")],
            ],
        },
    }
}

fn check(p: &Params) -> Result<(), ParamError> {
    let cells = p.int("height") * p.int("width") * p.int("generations");
    if p.choice("mode") != "serial" && cells > 15_000 {
        return Err(ParamError {
            param: "generations".to_string(),
            message: format!(
                "height × width × generations must be at most 15000 outside serial mode (one unit \
                 per cell update), got {cells}"
            ),
        });
    }
    Ok(())
}

/// A torus of booleans, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grid {
    pub(crate) height: usize,
    pub(crate) width: usize,
    pub(crate) cells: Vec<bool>,
}

impl Grid {
    pub(crate) fn new(height: usize, width: usize) -> Self {
        Grid {
            height,
            width,
            cells: vec![false; height * width],
        }
    }

    fn at(&self, y: isize, x: isize) -> bool {
        let h = self.height as isize;
        let w = self.width as isize;
        self.cells[(y.rem_euclid(h) * w + x.rem_euclid(w)) as usize]
    }

    pub(crate) fn set(&mut self, y: usize, x: usize, alive: bool) {
        let (h, w) = (self.height, self.width);
        self.cells[(y % h) * w + x % w] = alive;
    }

    /// Live neighbours in the order N, NE, E, SE, S, SW, W, NW.
    pub(crate) fn neighbours(&self, y: usize, x: usize) -> usize {
        let (y, x) = (y as isize, x as isize);
        [
            (-1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
            (1, 0),
            (1, -1),
            (0, -1),
            (-1, -1),
        ]
        .iter()
        .filter(|(dy, dx)| self.at(y + dy, x + dx))
        .count()
    }

    pub(crate) fn rows(&self) -> Vec<String> {
        self.cells
            .chunks(self.width)
            .map(|r| r.iter().map(|&c| if c { '*' } else { '-' }).collect())
            .collect()
    }

    pub(crate) fn alive(&self) -> usize {
        self.cells.iter().filter(|&&c| c).count()
    }
}

/// The rule: survive with 2 or 3 neighbours, be born with exactly 3.
pub(crate) fn game_logic(alive: bool, neighbours: usize) -> bool {
    matches!((alive, neighbours), (true, 2) | (true, 3) | (false, 3))
}

/// One synchronous generation.
#[cfg(test)]
pub(crate) fn step(g: &Grid) -> Grid {
    let mut next = Grid::new(g.height, g.width);
    for y in 0..g.height {
        for x in 0..g.width {
            next.set(
                y,
                x,
                game_logic(g.at(y as isize, x as isize), g.neighbours(y, x)),
            );
        }
    }
    next
}

/// The starting grid for a pattern; `random` uses a fixed generator so it is reproducible.
pub(crate) fn initial(pattern: &str, height: usize, width: usize) -> Grid {
    let mut g = Grid::new(height, width);
    match pattern {
        "glider" => {
            for (y, x) in [(0, 3), (1, 4), (2, 2), (2, 3), (2, 4)] {
                g.set(y, x, true);
            }
        }
        "blinker" => {
            for x in 1..4 {
                g.set(1, x, true);
            }
        }
        _ => {
            let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
            for c in g.cells.iter_mut() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                *c = s.is_multiple_of(3);
            }
        }
    }
    g
}

fn build(p: &Params) -> Program {
    let mode = p.choice("mode").to_string();
    let (h, w) = (p.int("height") as usize, p.int("width") as usize);
    let generations = p.int("generations");
    let io = from_ms_f64(p.float("io_ms"));
    let pool = p.int("pool_workers");
    let start = initial(p.choice("pattern"), h, w);
    Program::new(move |cx: Ctx| async move {
        // The grids are ordinary Python lists shared by the threads: each cell's unit writes
        // only its own square of the next grid, so no lock is needed.
        let mut grid = start;
        let t0 = cx.now().await?;
        for generation in 0..generations {
            let old = Rc::new(grid.clone());
            let next = Rc::new(RefCell::new(Grid::new(h, w)));
            let cell = |y: usize, x: usize| {
                let old = Rc::clone(&old);
                let next = Rc::clone(&next);
                move |cx: Ctx, asyncio: bool| async move {
                    let n = old.neighbours(y, x);
                    if asyncio {
                        cx.asleep(io).await?;
                    } else {
                        cx.io(io).await?;
                    }
                    next.borrow_mut()
                        .set(y, x, game_logic(old.at(y as isize, x as isize), n));
                    PyResult::Ok(())
                }
            };
            match mode.as_str() {
                "serial" => {
                    for y in 0..h {
                        for x in 0..w {
                            cell(y, x)(cx.clone(), false).await?;
                        }
                    }
                }
                "threads" => {
                    let mut ts = Vec::with_capacity(h * w);
                    for y in 0..h {
                        for x in 0..w {
                            let f = cell(y, x);
                            let body = Program::new(move |cx: Ctx| f(cx, false));
                            ts.push(
                                cx.spawn_thread(&format!("g{generation} ({y},{x})"), body)
                                    .await?,
                            );
                        }
                    }
                    for t in ts {
                        t.join(&cx).await?;
                    }
                }
                "pool" => {
                    let q = cx.new_queue(
                        Flavor::Threading,
                        QueueKind::Fifo,
                        &format!("cells g{generation}"),
                        0,
                    );
                    for i in 0..h * w {
                        q.put(&cx, i).await?;
                    }
                    let mut ts = Vec::new();
                    for k in 0..pool {
                        let old = Rc::clone(&old);
                        let next = Rc::clone(&next);
                        let body = Program::new(move |cx: Ctx| async move {
                            while let Ok(v) = q.get_nowait(&cx).await {
                                let i = v.as_int()? as usize;
                                let (y, x) = (i / w, i % w);
                                let n = old.neighbours(y, x);
                                cx.io(io).await?;
                                next.borrow_mut().set(
                                    y,
                                    x,
                                    game_logic(old.at(y as isize, x as isize), n),
                                );
                            }
                            PyResult::Ok(())
                        });
                        ts.push(
                            cx.spawn_thread(&format!("g{generation} worker-{k}"), body)
                                .await?,
                        );
                    }
                    for t in ts {
                        t.join(&cx).await?;
                    }
                }
                _ => {
                    let cells: Vec<(usize, usize)> =
                        (0..h).flat_map(|y| (0..w).map(move |x| (y, x))).collect();
                    let old2 = Rc::clone(&old);
                    let next2 = Rc::clone(&next);
                    cx.run_loop(
                        &format!("generation {generation}"),
                        Program::new(move |cx: Ctx| async move {
                            let mut tasks = Vec::new();
                            for (y, x) in cells {
                                let old = Rc::clone(&old2);
                                let next = Rc::clone(&next2);
                                let body = Program::new(move |cx: Ctx| async move {
                                    let n = old.neighbours(y, x);
                                    cx.asleep(io).await?;
                                    next.borrow_mut().set(
                                        y,
                                        x,
                                        game_logic(old.at(y as isize, x as isize), n),
                                    );
                                    PyResult::Ok(())
                                });
                                tasks.push(cx.create_task(&format!("({y},{x})"), body)?);
                            }
                            cx.gather(&tasks).await?;
                            PyResult::Ok(())
                        }),
                    )
                    .await?;
                }
            }
            grid = next.borrow().clone();
            cx.print(format!(
                "generation {}: {} alive",
                generation + 1,
                grid.alive()
            ))
            .await?;
        }
        let elapsed = cx.now().await? - t0;
        cx.set_result("final_grid", grid.rows()).await?;
        cx.set_result("alive", grid.alive()).await?;
        let per_gen = elapsed as f64 / 1e6 / generations as f64;
        cx.set_result("ms_per_generation", (per_gen * 10.0).round() / 10.0)
            .await?;
        Ok(Value::None)
    })
}

const PROGRAM: &str = include_str!("python/life.py");

fn python(p: &Params) -> String {
    fill(PROGRAM, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glider_moves_one_down_and_one_right_every_four_generations() {
        let g0 = initial("glider", 5, 9);
        let mut g = g0.clone();
        for _ in 0..4 {
            g = step(&g);
        }
        let mut shifted = Grid::new(5, 9);
        for y in 0..5 {
            for x in 0..9 {
                shifted.set(y + 1, x + 1, g0.at(y as isize, x as isize));
            }
        }
        assert_eq!(g, shifted);
        assert_eq!(
            step(&g0).rows(),
            [
                "---------",
                "--*-*----",
                "---**----",
                "---*-----",
                "---------"
            ]
        );
    }

    #[test]
    fn neighbours_wrap_around_the_torus() {
        let mut g = Grid::new(3, 3);
        g.set(0, 0, true);
        assert_eq!(g.neighbours(2, 2), 1);
        assert_eq!(g.neighbours(0, 0), 0);
    }
}
