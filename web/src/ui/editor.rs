//! The code editor: CodeMirror 6 (`web/editor/editor.js`, bundled into dist/editor by
//! esbuild), imported the first time a page with code opens. The page hands it data only:
//! the text, each thread's line, the problems to underline, a line to reveal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::Shell;
use crate::code_view::{Problem, ThreadMark};

/// The bundle, relative to the code page (`code/`; the bundle is in the site's `editor/`).
const BUNDLE: &str = "../editor/editor.js";

#[wasm_bindgen(inline_js = r#"
let loading = null;
export function load_editor(url) {
  if (!loading) {
    loading = import(new URL(url, document.baseURI).href).catch((e) => {
      loading = null;
      throw e;
    });
  }
  return loading;
}
export function create_editor(mod, parent, doc, readOnly, label, onChange, onHover, onRun) {
  return mod.create(parent, { doc, readOnly, label, onChange, onHover, onRun });
}
"#)]
extern "C" {
    fn load_editor(url: &str) -> js_sys::Promise;
    #[wasm_bindgen(catch)]
    #[allow(clippy::too_many_arguments)]
    fn create_editor(
        module: &JsValue,
        parent: &web_sys::HtmlElement,
        doc: &str,
        read_only: bool,
        label: &str,
        on_change: &Closure<dyn FnMut(String)>,
        on_hover: &Closure<dyn FnMut(u32)>,
        on_run: &Closure<dyn FnMut()>,
    ) -> Result<JsEditor, JsValue>;

    type JsEditor;
    #[wasm_bindgen(method, js_name = setDoc)]
    fn set_doc(this: &JsEditor, text: &str);
    #[wasm_bindgen(method, js_name = setThreads)]
    fn set_threads(this: &JsEditor, json: &str);
    #[wasm_bindgen(method, js_name = setProblems)]
    fn set_problems(this: &JsEditor, json: &str);
    #[wasm_bindgen(method)]
    fn reveal(this: &JsEditor, line: u32);
    #[wasm_bindgen(method)]
    fn destroy(this: &JsEditor);
}

/// A live editor and the callbacks it holds.
struct Handle {
    js: JsEditor,
    _on_change: Closure<dyn FnMut(String)>,
    _on_hover: Closure<dyn FnMut(u32)>,
    _on_run: Closure<dyn FnMut()>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loaded {
    Loading,
    Ready,
    Failed,
}

/// A Python editor bound to `source`. `threads` are marked in the gutter, `problems`
/// underlined, `reveal` scrolled to and outlined; the hovered line goes to `hover`, and
/// Ctrl/⌘+Enter runs.
#[component]
pub fn CodeEditor(
    source: RwSignal<String>,
    #[prop(into)] threads: Signal<Vec<ThreadMark>>,
    #[prop(into)] problems: Signal<Vec<Problem>>,
    #[prop(into)] reveal: Signal<Option<u32>>,
    hover: RwSignal<Option<u32>>,
    on_run: Callback<()>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let host = NodeRef::<html::Div>::new();
    let state = RwSignal::new(Loaded::Loading);
    let handle = StoredValue::new_local(None::<Handle>);
    let alive = Arc::new(AtomicBool::new(true));
    let alive2 = alive.clone();
    on_cleanup(move || {
        alive2.store(false, Ordering::Relaxed);
        if let Some(Some(h)) = handle.try_update_value(Option::take) {
            h.js.destroy();
        }
    });

    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = host.get() else { return false };
        let alive = alive.clone();
        let label = shell.t("code.editor");
        wasm_bindgen_futures::spawn_local(async move {
            let module = wasm_bindgen_futures::JsFuture::from(load_editor(BUNDLE)).await;
            if !alive.load(Ordering::Relaxed) {
                return;
            }
            let Ok(module) = module else {
                state.set(Loaded::Failed);
                return;
            };
            let on_change = Closure::<dyn FnMut(String)>::new(move |text: String| {
                source.set(text);
            });
            let on_hover = Closure::<dyn FnMut(u32)>::new(move |line: u32| {
                hover.set((line > 0).then_some(line));
            });
            let on_run_js = Closure::<dyn FnMut()>::new(move || on_run.run(()));
            let doc = source.get_untracked();
            let el: &web_sys::HtmlElement = &el;
            match create_editor(
                &module, el, &doc, false, label, &on_change, &on_hover, &on_run_js,
            ) {
                Ok(js) => {
                    handle.set_value(Some(Handle {
                        js,
                        _on_change: on_change,
                        _on_hover: on_hover,
                        _on_run: on_run_js,
                    }));
                    state.set(Loaded::Ready);
                }
                Err(_) => state.set(Loaded::Failed),
            }
        });
        true
    });

    let with_editor = move |f: &dyn Fn(&JsEditor)| {
        handle.with_value(|h| {
            if let Some(h) = h {
                f(&h.js);
            }
        });
    };
    // What the page says goes to the editor once it is up (and again on every change).
    Effect::new(move |_| {
        let text = source.get();
        if state.get() == Loaded::Ready {
            with_editor(&|e| e.set_doc(&text));
        }
    });
    Effect::new(move |_| {
        let json = serde_json::to_string(&threads.get()).unwrap_or_else(|_| "[]".into());
        if state.get() == Loaded::Ready {
            with_editor(&|e| e.set_threads(&json));
        }
    });
    Effect::new(move |_| {
        let json = serde_json::to_string(&problems.get()).unwrap_or_else(|_| "[]".into());
        if state.get() == Loaded::Ready {
            with_editor(&|e| e.set_problems(&json));
        }
    });
    Effect::new(move |_| {
        let line = reveal.get().unwrap_or(0);
        if state.get() == Loaded::Ready {
            with_editor(&|e| e.reveal(line));
        }
    });

    let state_name = move || match state.get() {
        Loaded::Loading => "loading",
        Loaded::Ready => "ready",
        Loaded::Failed => "failed",
    };
    view! {
        <div class="editor" data-testid="editor" data-state=state_name>
            <div class="editor-host" node_ref=host></div>
            <Show when=move || state.get() != Loaded::Ready>
                <p class="editor-wait" role="status">
                    {move || if state.get() == Loaded::Failed { shell.t("code.editor_failed") } else { shell.t("code.editor_loading") }}
                </p>
                <Show when=move || state.get() == Loaded::Failed
                    fallback=move || view! { <pre class="editor-fallback"><code>{move || source.get()}</code></pre> }>
                    // Without the editor's bundle the page stays usable with plain text.
                    <textarea class="editor-fallback" data-testid="editor-fallback" spellcheck="false"
                        aria-label=move || shell.t("code.editor")
                        prop:value=move || source.get()
                        on:input=move |ev| source.set(event_target_value(&ev))></textarea>
                </Show>
            </Show>
        </div>
    }
}
