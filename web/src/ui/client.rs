//! The page side of a Web Worker running the engine.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::protocol::{Request, Response};

/// The worker script Trunk emits for the `engine` binary.
const SCRIPT: &str = "./engine_loader.js";

/// One engine worker. Requests sent before the worker has loaded wait for its `Ready`.
pub struct EngineWorker {
    worker: Worker,
    state: Rc<RefCell<State>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

#[derive(Default)]
struct State {
    ready: bool,
    queued: Vec<String>,
}

impl EngineWorker {
    /// Starts a worker; `on_response` gets every response (`Ready` once the queued requests
    /// have gone out), `on_error` a message
    /// when the worker itself fails (a script that does not load, a panic).
    pub fn spawn(
        on_response: impl Fn(Response) + 'static,
        on_error: impl Fn(String) + 'static,
    ) -> Result<EngineWorker, String> {
        let worker = Worker::new(SCRIPT).map_err(|e| format!("cannot start a worker: {e:?}"))?;
        let state = Rc::new(RefCell::new(State::default()));
        let (st, w) = (state.clone(), worker.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            match serde_json::from_str::<Response>(&text) {
                Ok(Response::Ready) => {
                    let queued = {
                        let mut s = st.borrow_mut();
                        s.ready = true;
                        std::mem::take(&mut s.queued)
                    };
                    for q in queued {
                        let _ = w.post_message(&JsValue::from_str(&q));
                    }
                    on_response(Response::Ready);
                }
                Ok(r) => on_response(r),
                Err(e) => on_response(Response::Error {
                    job: None,
                    message: format!("an answer the page does not understand: {e}"),
                }),
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |ev: ErrorEvent| {
            ev.prevent_default();
            let msg = ev.message();
            on_error(if msg.is_empty() {
                "the worker stopped with an error".to_string()
            } else {
                msg
            });
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(EngineWorker {
            worker,
            state,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    pub fn send(&self, req: &Request) {
        let text = match serde_json::to_string(req) {
            Ok(t) => t,
            Err(_) => return,
        };
        let mut s = self.state.borrow_mut();
        if s.ready {
            let _ = self.worker.post_message(&JsValue::from_str(&text));
        } else {
            s.queued.push(text);
        }
    }

}

impl Drop for EngineWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
