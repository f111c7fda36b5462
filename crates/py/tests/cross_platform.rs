//! Python programs give the same traces (and output) natively and in wasm (run in headless
//! Chrome by `wasm-pack test`): the native test keeps the hashes in
//! `fixtures/trace_hashes.txt` (rewrite it with `UPDATE_HASHES=1` after an intended change),
//! the wasm test checks against the same file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use interleave_py::{Model, PyOptions, run_program};
use interleave_sim::SchedulerKind;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const THREADS: &str = "import threading, time, random
counter = 0
lock = threading.Lock()
def work(n):
    global counter
    for i in range(30):
        v = counter
        time.sleep(0)
        counter = v + 1
    with lock:
        print('worker', n, 'done', round(random.random(), 6))
ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(counter, 1.0 / 3, 2 ** 40, '%.3f' % 3.14159)
";

const ASYNC: &str = "import asyncio
async def worker(q, name, out):
    while True:
        item = await q.get()
        await asyncio.sleep(0.001 * item)
        out.append((name, item))
        q.task_done()
async def main():
    q = asyncio.Queue(maxsize=2)
    out = []
    ws = [asyncio.create_task(worker(q, f'w{i}', out)) for i in range(2)]
    for i in range(6):
        await q.put(i)
    await q.join()
    for w in ws:
        w.cancel()
    print(out)
asyncio.run(main())
";

const PROCESSES: &str = "import multiprocessing as mp
from concurrent.futures import ThreadPoolExecutor
def square(x):
    return x * x
def child(q, n):
    q.put(sum(range(n)))
if __name__ == '__main__':
    q = mp.Queue()
    ps = [mp.Process(target=child, args=(q, 100 * i)) for i in range(1, 3)]
    for p in ps:
        p.start()
    print(sorted(q.get() for _ in ps))
    for p in ps:
        p.join()
    with ThreadPoolExecutor(2) as ex:
        print(list(ex.map(square, range(5))))
";

fn hashes() -> String {
    let cases: [(&str, &str, Model, u64, SchedulerKind); 5] = [
        (
            "threads-random-1",
            THREADS,
            Model::Py311,
            1,
            SchedulerKind::Random,
        ),
        (
            "threads-py39-random-4",
            THREADS,
            Model::Py39,
            4,
            SchedulerKind::Random,
        ),
        (
            "threads-313t-fifo",
            THREADS,
            Model::Py313t,
            1,
            SchedulerKind::Fifo,
        ),
        (
            "asyncio-random-2",
            ASYNC,
            Model::Py311,
            2,
            SchedulerKind::Random,
        ),
        (
            "processes-random-3",
            PROCESSES,
            Model::Py311,
            3,
            SchedulerKind::Random,
        ),
    ];
    let mut out = String::new();
    for (name, src, model, seed, sched) in cases {
        let opts = PyOptions {
            model,
            seed,
            ..PyOptions::default()
        };
        let r = run_program(src, &opts, opts.machine(), &sched).unwrap();
        let output_hash = r.stdout.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        out.push_str(&format!(
            "{name} {:016x} {output_hash:016x} {}\n",
            r.trace.hash(),
            r.instructions
        ));
    }
    out
}

const EXPECTED: &str = include_str!("fixtures/trace_hashes.txt");

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_hashes_match_the_fixture() {
    let got = hashes();
    if std::env::var_os("UPDATE_HASHES").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/trace_hashes.txt");
        std::fs::write(path, &got).unwrap();
        return;
    }
    assert_eq!(
        got, EXPECTED,
        "trace hashes changed; if intended, rerun with UPDATE_HASHES=1"
    );
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn wasm_hashes_match_the_native_ones() {
    assert_eq!(hashes(), EXPECTED);
}
