//! The code page's entry point (`code/`, built by Trunk from web/code/index.html): "Write your
//! own", a separate module so the gallery never loads it.

#[cfg(target_arch = "wasm32")]
fn main() {
    interleave_web::ui::start_code();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("interleave-code is the playground's code page; serve it with `bash xtask/serve.sh`");
    std::process::exit(2);
}
