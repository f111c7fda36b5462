//! The engine the scenario pages' Web Workers run (built by Trunk as a worker): scenarios and
//! real work, without the Python interpreter (`py-engine` has it).

#[cfg(target_arch = "wasm32")]
fn main() {
    interleave_web::ui::worker::start(interleave_web::engine::NO_PYTHON);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the engine runs inside a browser's Web Worker");
    std::process::exit(2);
}
