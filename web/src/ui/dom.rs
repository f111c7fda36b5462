//! Small browser helpers. Each one degrades to doing nothing when the browser refuses.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The page's query string, with its `?`.
pub fn query() -> String {
    window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

pub fn push_url(query: &str) {
    if let Some(h) = window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&JsValue::NULL, "", Some(query));
    }
}

pub fn replace_url(query: &str) {
    if let Some(h) = window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(query));
    }
}

/// Goes to `url` without leaving a history entry for this page.
pub fn location_replace(url: &str) {
    if let Some(w) = window() {
        let _ = w.location().replace(url);
    }
}

/// The page's full address.
pub fn href() -> String {
    window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

pub fn scroll_top() {
    if let Some(w) = window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn storage_get(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

pub fn storage_set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn browser_prefers_chinese() -> bool {
    window()
        .and_then(|w| w.navigator().language())
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("zh"))
}

pub fn set_html_lang(lang: &str) {
    if let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", lang);
    }
}

pub fn on_popstate(f: impl Fn() + 'static) {
    if let Some(w) = window() {
        let cb = Closure::<dyn Fn()>::new(f);
        let _ = w.add_event_listener_with_callback("popstate", cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

pub fn on_resize(f: impl Fn() + 'static) {
    if let Some(w) = window() {
        let cb = Closure::<dyn Fn()>::new(f);
        let _ = w.add_event_listener_with_callback("resize", cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

/// In an embed: tells the parent page our height whenever it changes, as
/// `{type: "interleave:height", height}`.
pub fn report_height_to_parent() {
    let Some(w) = window() else { return };
    let Some(body) = w.document().and_then(|d| d.body()) else {
        return;
    };
    let send = move || {
        let Some(w) = window() else { return };
        let Some(doc_el) = w.document().and_then(|d| d.document_element()) else {
            return;
        };
        let height = doc_el.scroll_height();
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"type".into(), &"interleave:height".into());
        let _ = js_sys::Reflect::set(&msg, &"height".into(), &JsValue::from(height));
        if let Ok(Some(parent)) = w.parent()
            && !parent.is_undefined()
        {
            let _ = parent.post_message(&msg, "*");
        }
    };
    let cb = Closure::<dyn Fn()>::new(send);
    if let Ok(obs) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
        obs.observe(&body);
        // The observer must outlive this function.
        std::mem::forget(obs);
    }
    cb.forget();
}

/// Offers `text` as a file download.
pub fn download(filename: &str, mime: &str, text: &str) {
    let Some(doc) = window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(&url);
        a.set_download(filename);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Copies text to the clipboard, when the page may.
pub fn copy(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

pub fn hardware_concurrency() -> usize {
    window()
        .map(|w| w.navigator().hardware_concurrency())
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map_or(2, |n| n as usize)
        .min(64)
}

pub fn cross_origin_isolated() -> bool {
    window()
        .and_then(|w| js_sys::Reflect::get(&w, &"crossOriginIsolated".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Milliseconds since the Unix epoch (`timeOrigin + now()`, the workers' clock).
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.time_origin() + p.now())
}

/// The width available to an element.
pub fn width_of(el: &web_sys::Element) -> f64 {
    f64::from(el.client_width())
}

pub fn device_pixel_ratio() -> f64 {
    window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .clamp(1.0, 3.0)
}
