//! `interleave-py` for JavaScript: one function that runs a Python program on the simulator,
//! as `interleave run FILE.py` does natively. The wasm benchmark (`xtask/bench-python.sh`)
//! times it in Node beside the native build and CPython.

use wasm_bindgen::prelude::*;

/// Runs `src` once (seed 1, FIFO scheduler, no instruction limit) and returns JSON:
/// `{"stdout", "stderr", "instructions", "exit_code", "outcome"}`, or a clear error for a
/// program that does not compile.
#[wasm_bindgen]
pub fn run_python(src: &str) -> Result<String, JsValue> {
    run(src).map_err(|e| JsValue::from_str(&e))
}

/// The native half of [`run_python`] (also what the tests call).
pub fn run(src: &str) -> Result<String, String> {
    let opts = interleave_py::PyOptions {
        max_instructions: u64::MAX / 2,
        ..interleave_py::PyOptions::default()
    };
    let compiled = interleave_py::compile(src, "bench.py").map_err(|e| e.render("en"))?;
    let r = compiled.run(&opts, opts.machine(), &interleave_sim::SchedulerKind::Fifo)?;
    let outcome = r.trace.outcome.summary();
    Ok(serde_json::json!({
        "stdout": r.stdout,
        "stderr": r.stderr,
        "instructions": r.instructions,
        "exit_code": r.exit_code,
        "outcome": outcome,
    })
    .to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_program_runs_and_reports_its_output_and_instructions() {
        let out = super::run("x = 0\nfor i in range(10):\n    x += i\nprint(x)\n");
        let v: serde_json::Value = match out {
            Ok(s) => serde_json::from_str(&s).unwrap_or_default(),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(v["stdout"], "45\n");
        assert!(v["instructions"].as_u64().unwrap_or(0) > 30);
    }

    #[test]
    fn a_syntax_error_is_an_error_not_a_panic() {
        assert!(super::run("def (:\n").is_err());
    }
}
