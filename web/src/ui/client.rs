//! The page side of a Web Worker running the engine.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::protocol::{Request, Response};

/// The worker script Trunk emits for the `engine` binary, relative to the gallery.
const SCRIPT: &str = "./engine_loader.js";

/// The worker script this page's workers run, when not [`SCRIPT`].
static CHOSEN: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Says where the worker script is (once, before the first worker starts): the code page
/// under `code/` starts `../engine_loader.js`.
pub fn set_worker_script(script: &'static str) {
    let _ = CHOSEN.set(script);
}

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
        let script = CHOSEN.get().copied().unwrap_or(SCRIPT);
        let worker = Worker::new(script).map_err(|e| format!("cannot start a worker: {e:?}"))?;
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

/// The module worker of the shared-memory thread engine (`dist/threads/worker.js`).
pub struct ThreadsWorker {
    worker: Worker,
    state: Rc<RefCell<ThreadsState>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

#[derive(Default)]
struct ThreadsState {
    ready: bool,
    queued: Option<Vec<String>>,
}

fn field(v: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn post_primes(worker: &Worker, numbers: &[String]) {
    let msg = js_sys::Object::new();
    let arr = js_sys::Array::new();
    for n in numbers {
        arr.push(&JsValue::from_str(n));
    }
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"primes".into());
    let _ = js_sys::Reflect::set(&msg, &"numbers".into(), &arr);
    let _ = worker.post_message(&msg);
}

impl ThreadsWorker {
    /// Starts the engine with a pool of `threads`; `on_ready(shared_memory)` once the pool is
    /// up, `on_report(json)` per run, `on_error` when anything fails.
    pub fn spawn(
        threads: usize,
        on_ready: impl Fn(bool) + 'static,
        on_report: impl Fn(String) + 'static,
        on_error: impl Fn(String) + 'static,
    ) -> Result<ThreadsWorker, String> {
        let opts = web_sys::WorkerOptions::new();
        opts.set_type(web_sys::WorkerType::Module);
        let worker = Worker::new_with_options("./threads/worker.js", &opts)
            .map_err(|e| format!("cannot start the thread engine: {e:?}"))?;
        let state = Rc::new(RefCell::new(ThreadsState::default()));
        let on_error = Rc::new(on_error);
        let (st, w, err) = (state.clone(), worker.clone(), on_error.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            match field(&data, "type").as_string().as_deref() {
                Some("ready") => {
                    let queued = {
                        let mut s = st.borrow_mut();
                        s.ready = true;
                        s.queued.take()
                    };
                    on_ready(field(&data, "shared").as_bool().unwrap_or(false));
                    if let Some(q) = queued {
                        post_primes(&w, &q);
                    }
                }
                Some("primes") => on_report(field(&data, "report").as_string().unwrap_or_default()),
                Some("error") => err(field(&data, "message").as_string().unwrap_or_default()),
                _ => {}
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_err = Closure::<dyn FnMut(ErrorEvent)>::new(move |ev: ErrorEvent| {
            ev.prevent_default();
            let m = ev.message();
            on_error(if m.is_empty() {
                "the thread engine is not available in this build".to_string()
            } else {
                m
            });
        });
        worker.set_onerror(Some(on_err.as_ref().unchecked_ref()));
        let init = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&init, &"type".into(), &"init".into());
        let _ = js_sys::Reflect::set(&init, &"threads".into(), &JsValue::from(threads as u32));
        worker
            .post_message(&init)
            .map_err(|e| format!("cannot start the thread engine: {e:?}"))?;
        Ok(ThreadsWorker {
            worker,
            state,
            _on_message: on_message,
            _on_error: on_err,
        })
    }

    /// Checks `numbers` on the pool (after it is up).
    pub fn check_primes(&self, numbers: &[u64]) {
        let nums: Vec<String> = numbers.iter().map(u64::to_string).collect();
        let mut s = self.state.borrow_mut();
        if s.ready {
            post_primes(&self.worker, &nums);
        } else {
            s.queued = Some(nums);
        }
    }
}

impl Drop for ThreadsWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
