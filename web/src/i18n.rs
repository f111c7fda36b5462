//! Every string of the page in English and Chinese. Scenario texts live in the catalogue;
//! these are the page's own.

pub use interleave_scenarios::Lang;
use interleave_sim::State;

/// (key, English, Chinese).
static STRINGS: &[(&str, &str, &str)] = &[
    ("app.title", "Interleave", "Interleave 交错"),
    (
        "app.tagline",
        "See how threads, processes and coroutines really interleave.",
        "看清线程、进程与协程如何真正交错执行。",
    ),
    ("nav.gallery", "All scenarios", "全部场景"),
    ("outcome.deadlock", "deadlock", "死锁"),
    ("nav.lang", "中文", "English"),
    ("nav.lang.label", "Switch language", "切换语言"),
    ("gallery.search", "Search scenarios", "搜索场景"),
    ("gallery.all", "All", "全部"),
    ("gallery.count", "scenarios", "个场景"),
    ("gallery.none", "No scenario matches.", "没有匹配的场景。"),
    ("tag.primitive", "primitive", "同步原语"),
    ("tag.workload", "workload", "计算负载"),
    ("tag.asyncio", "asyncio", "asyncio"),
    ("tag.scheduling", "scheduling", "调度"),
    ("tag.classic", "classic problem", "经典问题"),
    ("tag.process", "processes", "多进程"),
    ("gallery.write", "Write your own", "自己写程序"),
    (
        "gallery.write.text",
        "Paste a Python program with threads, processes or asyncio and watch every thread run.",
        "粘贴一个使用线程、进程或 asyncio 的 Python 程序，看每个线程如何运行。",
    ),
    ("code.title", "Your program", "你的程序"),
    (
        "code.lead",
        "It runs on Interleave's Python interpreter: each thread is a lane, and the GIL changes hands where CPython's does. Step through the timeline to see where every thread is in the code.",
        "程序运行在 Interleave 的 Python 解释器上：每个线程一条泳道，GIL 在 CPython 切换的地方切换。在时间线上逐步前进，就能看到每个线程执行到代码的哪一行。",
    ),
    ("code.editor", "Python program", "Python 程序"),
    (
        "code.editor_loading",
        "Loading the editor…",
        "正在加载编辑器…",
    ),
    (
        "code.editor_failed",
        "The editor did not load; the program can still be edited as plain text.",
        "编辑器未能加载；仍可以纯文本方式编辑程序。",
    ),
    ("code.model", "Python", "Python 版本"),
    ("code.model.311", "3.11 (GIL)", "3.11（有 GIL）"),
    (
        "code.model.39",
        "3.9 (GIL, switches between any bytecodes)",
        "3.9（有 GIL，任意字节码之间都可能切换）",
    ),
    (
        "code.model.313t",
        "3.13t (free-threaded, no GIL)",
        "3.13t（自由线程，无 GIL）",
    ),
    (
        "code.run_keys",
        "Run (Ctrl+Enter in the editor)",
        "运行（在编辑器中按 Ctrl+Enter）",
    ),
    ("code.starter", "Start from", "示例程序"),
    ("code.starter.pick", "choose a starter…", "选择一个示例…"),
    (
        "code.settings",
        "Seed, cores, scheduler, replay",
        "种子、核数、调度器、重放",
    ),
    (
        "code.none",
        "Press Run to see the program's threads on a timeline.",
        "按“运行”，在时间线上查看程序的各个线程。",
    ),
    (
        "code.lines.hint",
        "Step through the timeline (← → Home End) to see each thread's line; hover a line to ring the events it produced.",
        "在时间线上逐步前进（← → Home End）可看到每个线程所在的行；把鼠标悬停在某一行上，会圈出该行产生的事件。",
    ),
    ("code.line", "line", "行"),
    ("code.exit", "exit code", "退出码"),
    ("code.open", "Open .py", "打开 .py"),
    ("code.download", "Download .py", "下载 .py"),
    (
        "code.too_long.link",
        "This program is too long for a link: the address bar no longer carries it. Download it as a .py file to share it.",
        "程序太长，无法放进链接：地址栏中已不再包含它。请下载为 .py 文件后分享。",
    ),
    (
        "code.too_long.source",
        "This program is longer than 64 KiB: links do not carry it. Download it as a .py file to share it.",
        "程序超过 64 KiB，链接无法携带。请下载为 .py 文件后分享。",
    ),
    (
        "code.edit_own",
        "Edit and run it as your own program",
        "作为自己的程序编辑并运行",
    ),
    (
        "explore.compare",
        "Compare 3.11 · 3.9 · 3.13t",
        "对比 3.11 · 3.9 · 3.13t",
    ),
    (
        "explore.compare.what",
        "The same search under each Python model, side by side: which outcomes each one allows. Pick a model and Explore to replay one.",
        "在每个 Python 版本下做同样的搜索并排对比：每个版本可能出现哪些结果。选定版本后点“探索”即可重放其中之一。",
    ),
    (
        "code.file_too_large",
        "this file is larger than 256 KiB, too large to open as a program",
        "文件超过 256 KiB，太大，无法作为程序打开",
    ),
    ("page.params", "Parameters", "参数"),
    ("page.run", "Run", "运行"),
    ("page.running", "Running…", "运行中…"),
    ("page.cancel", "Cancel", "取消"),
    ("page.cancelled", "Cancelled.", "已取消。"),
    ("page.seed", "Seed", "种子"),
    ("page.cores", "Cores", "核数"),
    ("page.gil", "GIL", "GIL"),
    ("page.default", "scenario default", "场景默认"),
    ("page.on", "on", "开"),
    ("page.off", "off", "关"),
    ("page.sched", "Scheduler", "调度器"),
    ("page.replay", "Replay", "重放"),
    (
        "page.replay.help",
        "A recorded schedule (from a permalink or the explorer); empty to use the scheduler.",
        "录制的调度串（来自永久链接或探索器）；留空则使用调度器。",
    ),
    (
        "page.invalid",
        "Fix the parameters to run.",
        "请先修正参数。",
    ),
    ("page.python", "The Python program", "对应的 Python 程序"),
    ("page.outcome", "Outcome", "结果"),
    ("page.result", "Result", "程序结果"),
    ("page.metrics", "Metrics", "指标"),
    ("page.errors", "Errors", "异常"),
    ("page.output", "Output", "输出"),
    ("page.cycle", "Wait-for cycle", "等待环"),
    ("page.steps", "steps", "步"),
    ("page.progress", "Simulating", "模拟中"),
    ("page.permalink", "Copy permalink", "复制永久链接"),
    (
        "page.copied",
        "Link copied to the address bar and clipboard.",
        "链接已写入地址栏和剪贴板。",
    ),
    ("page.embed", "Embed", "嵌入"),
    (
        "page.worker_failed",
        "The simulator worker failed",
        "模拟器工作线程出错",
    ),
    ("page.makespan", "makespan", "总时长"),
    ("page.gil_wait", "GIL wait", "GIL 等待"),
    ("page.gil_switches", "GIL switches", "GIL 切换"),
    ("page.ctx_switches", "context switches", "上下文切换"),
    ("page.events", "events", "事件"),
    ("page.util", "core utilisation", "核利用率"),
    ("page.mode.sim", "Simulate", "模拟"),
    ("page.mode.real", "Run for real", "真实运行"),
    ("tl.title", "Timeline", "时间线"),
    ("tl.legend", "Legend", "图例"),
    ("tl.first", "First event", "第一个事件"),
    ("tl.prev", "Previous event", "上一个事件"),
    ("tl.next", "Next event", "下一个事件"),
    ("tl.last", "Last event", "最后一个事件"),
    ("tl.zoom_in", "Zoom in", "放大"),
    ("tl.zoom_out", "Zoom out", "缩小"),
    ("tl.fit", "Fit", "适应宽度"),
    (
        "tl.keys",
        "Keys: ← → step, Home/End, + − zoom, drag or Shift+wheel to pan, click an event to see its causes.",
        "按键：← → 单步，Home/End，+ − 缩放，拖动或 Shift+滚轮平移，点击事件查看因果。",
    ),
    ("tl.event", "Event", "事件"),
    ("tl.of", "of", "/"),
    ("tl.log", "Event log", "事件日志"),
    (
        "tl.none",
        "Run the scenario to see its timeline.",
        "运行场景以查看时间线。",
    ),
    ("tl.counters", "Counters", "计数器"),
    ("export.json", "JSON trace", "JSON 轨迹"),
    (
        "export.chrome",
        "Chrome trace (Perfetto)",
        "Chrome 轨迹（Perfetto）",
    ),
    ("export.svg", "SVG image", "SVG 图片"),
    ("export.title", "Export", "导出"),
    (
        "real.title",
        "Real run on Web Workers",
        "在 Web Worker 上真实运行",
    ),
    ("real.engine", "Engine", "引擎"),
    (
        "real.processes",
        "process-style workers (messages only)",
        "进程式工作者（仅消息）",
    ),
    (
        "real.gil",
        "GIL threads (one runs at a time)",
        "GIL 线程（一次只运行一个）",
    ),
    (
        "real.threads",
        "shared-memory threads (rayon)",
        "共享内存线程（rayon）",
    ),
    (
        "real.threads_off",
        "Shared-memory threads need a cross-origin isolated page; using process-style workers.",
        "共享内存线程需要跨源隔离的页面；改用进程式工作者。",
    ),
    ("real.workers", "Workers", "工作者数"),
    ("real.run", "Run for real", "真实运行"),
    ("real.wall", "wall time", "墙钟时间"),
    ("real.sequential", "sequential", "串行"),
    ("real.speedup", "speedup vs sequential", "相对串行加速比"),
    ("real.predicted", "simulator's prediction", "模拟器预测"),
    ("real.isolated", "cross-origin isolated", "跨源隔离"),
    ("real.failed", "A worker failed", "工作者出错"),
    ("real.worker", "worker", "工作者"),
    ("real.answers", "answers", "答案"),
    (
        "real.shared",
        "memory shared between threads",
        "线程间共享内存",
    ),
    (
        "real.measuring",
        "Measuring the sequential baseline, then the parallel run…",
        "先测量串行基线，再进行并行运行…",
    ),
    ("page.mode.explore", "Explore", "探索"),
    ("page.mode.play", "You schedule", "你来调度"),
    (
        "explore.title",
        "Explore every interleaving",
        "探索所有交错",
    ),
    (
        "explore.what",
        "Runs the scenario under many schedules (depth first with a preemption bound, random, or PCT) and counts the outcomes; each outcome keeps its shortest schedule.",
        "在许多调度下运行场景（带抢占上界的深度优先、随机或 PCT），统计各种结果；每种结果保留最短的调度。",
    ),
    ("explore.strategy", "Strategy", "策略"),
    (
        "explore.dpor",
        "every schedule, independent steps merged (DPOR)",
        "所有调度，合并独立步骤（DPOR）",
    ),
    (
        "explore.dfs",
        "every schedule (depth first)",
        "所有调度（深度优先）",
    ),
    ("explore.random", "random schedules", "随机调度"),
    ("explore.bound", "Max preemptions", "最多抢占次数"),
    ("explore.budget", "Budget (runs)", "预算（运行次数）"),
    ("explore.run", "Explore", "开始探索"),
    ("explore.runs", "runs", "次运行"),
    (
        "explore.exhausted",
        "every schedule explored",
        "已探索全部调度",
    ),
    (
        "explore.budget_used",
        "budget used up (not exhaustive)",
        "预算用完（未穷尽）",
    ),
    ("explore.preemptions", "preemptions", "次抢占"),
    (
        "explore.show",
        "Load the shortest schedule into the timeline",
        "把最短调度载入时间线",
    ),
    (
        "explore.click",
        "Click an outcome to replay its shortest schedule on the timeline, then step through it.",
        "点击一个结果，在时间线上重放它的最短调度，然后逐步查看。",
    ),
    ("play.title", "You are the scheduler", "你来当调度器"),
    ("play.goal", "Goal", "目标"),
    (
        "play.how",
        "At each step, pick which ready unit runs next (keys 1–9; Backspace undoes; h asks for a hint). The timeline shows the run so far.",
        "每一步选择下一个运行的就绪单元（按键 1–9；退格撤销；h 请求提示）。时间线显示到目前为止的运行。",
    ),
    ("play.pick", "Units that can run next", "下一步可运行的单元"),
    ("play.choices", "choices", "次选择"),
    ("play.undo", "Undo", "撤销"),
    ("play.hint", "Hint", "提示"),
    ("play.restart", "Restart", "重新开始"),
    (
        "play.hint_path",
        "Shortest path to the goal, by button number:",
        "到达目标的最短路径（按钮编号）：",
    ),
    (
        "play.no_hint",
        "No path to the goal found from here within the search budget: undo a few choices.",
        "在搜索预算内从这里找不到通往目标的路径：请撤销几步。",
    ),
    (
        "play.reached",
        "Goal reached! The timeline shows the interleaving you found.",
        "达成目标！时间线展示了你找到的交错。",
    ),
    (
        "play.missed",
        "The run ended without reaching the goal. Undo and try another order.",
        "运行结束但未达成目标。撤销并尝试另一种顺序。",
    ),
    ("page.races", "Data races", "数据竞争"),
    (
        "page.findings",
        "Lost wakeups and broken invariants",
        "丢失的唤醒与被破坏的不变式",
    ),
    ("page.invariant", "Invariant broken", "不变式被破坏"),
    (
        "page.races.what",
        "Accesses to a shared variable by two units, at least one a write, that no lock, queue, event, start or join orders (happens-before with vector clocks). #n is the event number in the log.",
        "两个单元对同一共享变量的访问（至少一个是写），且没有任何锁、队列、事件、启动或 join 为它们排序（用向量时钟计算的 happens-before）。#n 是事件日志中的编号。",
    ),
    (
        "notice.stale",
        "Some values in the link were not understood and were replaced by defaults",
        "链接中的部分值无法识别，已替换为默认值",
    ),
    ("notice.unknown", "There is no scenario", "没有这个场景"),
    ("notice.dismiss", "Dismiss", "关闭"),
    ("embed.open", "Open in Interleave", "在 Interleave 中打开"),
];

/// The page string `key` in `lang` (the key itself when it is missing, which a test forbids).
pub fn ui(key: &'static str, lang: Lang) -> &'static str {
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, en, zh)| match lang {
            Lang::En => en,
            Lang::Zh => zh,
        })
}

/// Every key (for tests).
pub fn keys() -> impl Iterator<Item = &'static str> {
    STRINGS.iter().map(|(k, _, _)| *k)
}

/// The name of a lane state.
pub fn state_label(state: State, lang: Lang) -> &'static str {
    match lang {
        Lang::En => state.label(),
        Lang::Zh => match state {
            State::Running => "运行",
            State::Ready => "就绪",
            State::WaitingGil => "等待 GIL",
            State::Blocked => "阻塞",
            State::Sleeping => "睡眠",
            State::Io => "I/O",
            State::Idle => "空闲",
            State::Loop => "事件循环",
            State::Starting => "启动中",
        },
    }
}

/// The language's code for `<html lang>` and permalinks.
pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}
