//! The page's entry point (built by Trunk for the browser).

#[cfg(target_arch = "wasm32")]
fn main() {
    interleave_web::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "interleave-web is the browser playground; build and serve it with `bash xtask/serve.sh`"
    );
    std::process::exit(2);
}
