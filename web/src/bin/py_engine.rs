//! The engine the code page's Web Workers run (built by Trunk as a worker): what `engine`
//! does, and Python programs on the interpreter.

#[cfg(target_arch = "wasm32")]
fn main() {
    interleave_web::ui::worker::start(interleave_web::engine::PYTHON);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the engine runs inside a browser's Web Worker");
    std::process::exit(2);
}
