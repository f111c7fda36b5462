//! The engine every Web Worker runs (built by Trunk as a worker).

#[cfg(target_arch = "wasm32")]
fn main() {
    interleave_web::ui::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the engine runs inside a browser's Web Worker");
    std::process::exit(2);
}
