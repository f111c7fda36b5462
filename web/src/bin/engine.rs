//! The engine every page's Web Workers run (built by Trunk as a worker): scenarios, programs
//! from the code page, and real work.

#[cfg(target_arch = "wasm32")]
fn main() {
    interleave_web::ui::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the engine runs inside a browser's Web Worker");
    std::process::exit(2);
}
