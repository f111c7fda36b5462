//! Interleave in the browser.
//!
//! The page (`src/main.rs`, a Leptos app) never computes: simulations and real work run in
//! Web Workers (`src/bin/engine.rs`), which answer [`protocol`] messages with the functions in
//! [`engine`]. Everything that can be pure is pure and tested natively: the timeline's
//! geometry and SVG export ([`timeline`]), permalinks ([`permalink`]; the code page's:
//! [`code_link`], its program compressed by [`source_link`]), the page's texts ([`i18n`]), the scenario page's runs ([`session`]) and
//! the real runs' bookkeeping and measurement ([`real`], [`real_run`]) and code beside the
//! timeline: badges, each thread's line, the problems underlined ([`code_view`]).

pub mod code_link;
pub mod code_view;
pub mod engine;
pub mod engine_python;
pub mod i18n;
pub mod permalink;
pub mod protocol;
pub mod real;
pub mod real_run;
pub mod session;
pub mod source_link;
pub mod starters;
pub mod timeline;

#[cfg(target_arch = "wasm32")]
pub mod ui;
