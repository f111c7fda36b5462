//! The worker side: answers requests from the page.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::engine;
use crate::protocol::{ExploreRequest, Request, Response};

fn post(scope: &DedicatedWorkerGlobalScope, r: &Response) {
    // A failed post means the page is gone; there is nobody left to tell.
    let _ = scope.post_message(&JsValue::from_str(&r.to_json()));
}

/// Milliseconds since the Unix epoch on this worker's clock (`timeOrigin + now()`), so spans
/// from several workers share one origin.
fn now_ms(scope: &DedicatedWorkerGlobalScope) -> f64 {
    scope
        .performance()
        .map_or(0.0, |p| p.time_origin() + p.now())
}

/// An exploration (or, `compare`, one under each Python model), with progress and the
/// request's deadline on this worker's clock.
fn search(me: &DedicatedWorkerGlobalScope, ex: &ExploreRequest, compare: bool) {
    let deadline = ex.seconds.map(|s| now_ms(me) + s * 1000.0);
    let mut progress = |runs| {
        post(me, &Response::ExploreProgress { runs });
        deadline.is_none_or(|d| now_ms(me) < d)
    };
    let answer = if compare {
        engine::compare(ex, &mut progress).map(|reports| Response::Compared { reports })
    } else {
        engine::explore(ex, &mut progress).map(|report| Response::Explored { report })
    };
    match answer {
        Ok(r) => post(me, &r),
        Err(refusal) => post(me, &refusal.into_response()),
    }
}

/// Installs the message handler and says it is ready.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let me = scope.clone();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(text) = ev.data().as_string() else {
            post(
                &me,
                &Response::Error {
                    job: None,
                    message: "the engine takes JSON text messages".to_string(),
                },
            );
            return;
        };
        let req: Request = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                post(
                    &me,
                    &Response::Error {
                        job: None,
                        message: format!("a request the engine does not understand: {e}"),
                    },
                );
                return;
            }
        };
        match req {
            Request::Simulate(sim) => {
                let scope = me.clone();
                let mut progress = |steps, time| post(&scope, &Response::Progress { steps, time });
                match engine::simulate(&sim, &mut progress) {
                    Ok((trace, program)) => post(
                        &me,
                        &Response::Trace {
                            races: engine::races(&trace),
                            trace: Box::new(trace),
                            program,
                        },
                    ),
                    Err(refusal) => post(&me, &refusal.into_response()),
                }
            }
            Request::Explore(ex) => search(&me, &ex, false),
            Request::Compare(ex) => search(&me, &ex, true),
            Request::Play(play) => match engine::play(&play) {
                Ok(r) => post(&me, &r),
                Err(refusal) => post(&me, &refusal.into_response()),
            },
            Request::Work { job, work } => {
                let start_ms = now_ms(&me);
                match engine::work(&work) {
                    Ok(answer) => {
                        let end_ms = now_ms(&me);
                        post(
                            &me,
                            &Response::Done {
                                job,
                                start_ms,
                                end_ms,
                                answer,
                            },
                        );
                    }
                    Err(message) => post(
                        &me,
                        &Response::Error {
                            job: Some(job),
                            message,
                        },
                    ),
                }
            }
        }
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post(&scope, &Response::Ready);
}
