//! Prime checking on rayon threads that share one wasm memory (Web Workers started by
//! wasm-bindgen-rayon). Called from a module worker, never from the page's main thread: a
//! rayon call blocks its caller until the pool is done.

use rayon::prelude::*;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use interleave_workloads::primes::Trial;

pub use wasm_bindgen_rayon::init_thread_pool;

/// Divisors tried per kernel call: short calls let the browser swap in optimised code.
const CHUNK: u64 = 1 << 20;

#[derive(Serialize)]
struct Job {
    n: String,
    prime: bool,
    thread: usize,
    start_ms: f64,
    end_ms: f64,
}

#[derive(Serialize)]
struct Report {
    jobs: Vec<Job>,
    threads: usize,
    shared_memory: bool,
}

/// Milliseconds since the Unix epoch on this thread's clock (`timeOrigin + now()`).
fn now_ms() -> f64 {
    let global = js_sys::global();
    let perf = js_sys::Reflect::get(&global, &"performance".into()).unwrap_or(JsValue::UNDEFINED);
    let origin = js_sys::Reflect::get(&perf, &"timeOrigin".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let now = js_sys::Reflect::get(&perf, &"now".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&perf).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    origin + now
}

#[inline(never)]
fn check(n: u64) -> bool {
    let mut trial = Trial::new(n);
    loop {
        if let Some(answer) = trial.run(CHUNK) {
            return answer;
        }
    }
}

/// True when this module's memory is a SharedArrayBuffer (the threads really share it).
#[wasm_bindgen]
pub fn memory_is_shared() -> bool {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| m.buffer().is_instance_of::<js_sys::SharedArrayBuffer>())
        .unwrap_or(false)
}

/// Checks every number (decimal strings, so 64-bit values survive JavaScript), largest first,
/// one number per rayon task; returns a JSON report with each job's thread and times.
#[wasm_bindgen]
pub fn check_primes(numbers: Vec<String>) -> Result<String, JsError> {
    let mut nums = numbers
        .iter()
        .map(|s| s.trim().parse::<u64>().map_err(|_| JsError::new(&format!("not a number: {s:?}"))))
        .collect::<Result<Vec<u64>, JsError>>()?;
    nums.sort_unstable_by(|a, b| b.cmp(a));
    let jobs: Vec<Job> = nums
        .par_iter()
        .with_max_len(1)
        .map(|&n| {
            let start_ms = now_ms();
            let prime = check(n);
            Job {
                n: n.to_string(),
                prime,
                thread: rayon::current_thread_index().unwrap_or(0),
                start_ms,
                end_ms: now_ms(),
            }
        })
        .collect();
    let report = Report {
        jobs,
        threads: rayon::current_num_threads(),
        shared_memory: memory_is_shared(),
    };
    serde_json::to_string(&report).map_err(|e| JsError::new(&e.to_string()))
}
