//! The timeline widget: canvas, legend, cursor controls, tooltip and event log.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use interleave_sim::{State, Trace, fmt_nanos};

use super::Shell;
use super::canvas::CanvasPainter;
use super::dom;
use crate::i18n::{self, Lang};
use crate::timeline::{self, Hit, Layout, Marks, Pattern, View};

/// A trace with its layout, computed once per run.
pub struct Shown {
    pub trace: Trace,
    pub layout: Layout,
    /// Data races found in the run, described.
    pub races: Vec<String>,
    /// Units an uncaught exception ended (a Python program's threads).
    pub raised: Vec<usize>,
}

impl Shown {
    pub fn new(trace: Trace) -> Arc<Shown> {
        Shown::with_races(trace, Vec::new())
    }

    pub fn with_races(trace: Trace, races: Vec<String>) -> Arc<Shown> {
        Shown::with_program(trace, races, None)
    }

    /// A Python program's run: its uncaught exceptions are marked on their lanes.
    pub fn with_program(
        trace: Trace,
        races: Vec<String>,
        program: Option<&crate::protocol::ProgramRun>,
    ) -> Arc<Shown> {
        let layout = Layout::new(&trace);
        let raised = program
            .map(|p| {
                p.uncaught
                    .iter()
                    .filter_map(|u| u.unit.map(|x| x as usize))
                    .collect()
            })
            .unwrap_or_default();
        Arc::new(Shown {
            trace,
            layout,
            races,
            raised,
        })
    }
}

/// A one-line description of event `i`.
pub fn describe_event(trace: &Trace, i: usize) -> String {
    let Some(e) = trace.events.get(i) else {
        return String::new();
    };
    let unit = trace
        .units
        .get(e.unit.index())
        .map_or("?", |u| u.name.as_str());
    let obj = e
        .obj
        .and_then(|o| trace.objects.get(o.index()))
        .map(|o| format!(" {}", o.name))
        .unwrap_or_default();
    let detail = trace
        .detail(i)
        .map(|d| format!(" — {d}"))
        .unwrap_or_default();
    let kind = serde_json::to_value(e.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let at = trace
        .line(i)
        .map(|l| format!(" · {}:{l}", crate::protocol::PROGRAM_FILE))
        .unwrap_or_default();
    format!(
        "#{i} {} · {unit} · {kind}{obj}{detail}{at}",
        fmt_nanos(e.time)
    )
}

fn describe_span(trace: &Trace, i: usize, lang: Lang) -> String {
    let Some(s) = trace.spans.get(i) else {
        return String::new();
    };
    let unit = trace
        .units
        .get(s.unit.index())
        .map_or("?", |u| u.name.as_str());
    let obj = s
        .obj
        .and_then(|o| trace.objects.get(o.index()))
        .map(|o| format!(" {} ({})", o.name, o.kind))
        .unwrap_or_default();
    format!(
        "{unit}: {}{obj} · {} → {} ({})",
        i18n::state_label(s.state, lang),
        fmt_nanos(s.start),
        fmt_nanos(s.end),
        fmt_nanos(s.end - s.start)
    )
}

#[component]
pub fn Legend() -> impl IntoView {
    let shell = expect_context::<Shell>();
    view! {
        <ul class="legend" aria-label=move || shell.t("tl.legend")>
            {State::ALL.iter().map(|&st| {
                let s = timeline::style(st);
                let fill = if s.pattern == Pattern::Hollow { "none" } else { s.fill };
                let over = match s.pattern {
                    Pattern::Hatch => "M0,12 L12,0 M-3,3 L3,-3 M9,15 L15,9",
                    Pattern::BackHatch => "M0,0 L12,12 M9,-3 L15,3 M-3,9 L3,15",
                    Pattern::Cross => "M0,12 L12,0 M0,0 L12,12",
                    Pattern::Bars => "M3,0 L3,12 M9,0 L9,12",
                    _ => "",
                };
                view! {
                    <li>
                        <svg width="22" height="14" viewBox="0 0 12 12" aria-hidden="true" preserveAspectRatio="none">
                            <rect x="0.5" y="0.5" width="11" height="11" fill=fill stroke=s.fill/>
                            <path d=over stroke="white" stroke-width="1.5" stroke-opacity="0.7"/>
                        </svg>
                        <span>{move || i18n::state_label(st, shell.lang.get())}</span>
                        <span class="mark">"("{s.mark}")"</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn TimelineView(
    shown: RwSignal<Option<Arc<Shown>>>,
    step: RwSignal<Option<usize>>,
    /// Prefix of the `data-testid`s, so two timelines on a page stay apart.
    testid: &'static str,
    /// A source line whose events to ring (hovered in the editor).
    #[prop(optional)]
    line: Option<RwSignal<Option<u32>>>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let wrap_ref = NodeRef::<html::Div>::new();
    let width = RwSignal::new(900.0f64);
    let view_sig = RwSignal::new(None::<View>);
    let hover = RwSignal::new(None::<(String, f64, f64)>);
    let drag = StoredValue::new(None::<f64>);

    let measure = move || {
        if let Some(w) = wrap_ref.get_untracked() {
            let el: &web_sys::Element = w.as_ref();
            let wd = dom::width_of(el).max(320.0);
            if (wd - width.get_untracked()).abs() > 0.5 {
                width.set(wd);
                view_sig.update(|v| {
                    if let Some(v) = v {
                        v.width = wd;
                    }
                });
            }
        }
    };
    Effect::new(move |_| {
        // Once mounted, and on every resize.
        if wrap_ref.get().is_some() {
            measure();
        }
    });
    dom::on_resize(measure);

    // A new trace shows whole.
    Effect::new(move |_| {
        let s = shown.get();
        let w = width.get_untracked();
        view_sig.set(s.map(|s| View::whole(&s.layout, w)));
    });
    // The cursor stays in view.
    Effect::new(move |_| {
        let Some(i) = step.get() else { return };
        let Some(s) = shown.get_untracked() else {
            return;
        };
        if let Some(e) = s.trace.events.get(i) {
            let end = s.layout.end;
            view_sig.update(|v| {
                if let Some(v) = v {
                    *v = v.follow(e.time as f64, end);
                }
            });
        }
    });
    // Draw.
    Effect::new(move |_| {
        let lang = shell.lang.get();
        let sel = step.get();
        let ringed = line.and_then(|l| l.get());
        let (Some(s), Some(v), Some(canvas)) = (shown.get(), view_sig.get(), canvas_ref.get())
        else {
            return;
        };
        let dpr = dom::device_pixel_ratio();
        let h = s.layout.height;
        canvas.set_width((v.width * dpr) as u32);
        canvas.set_height((h * dpr) as u32);
        let el: &web_sys::HtmlElement = canvas.as_ref();
        let _ = el.style().set_property("width", &format!("{}px", v.width));
        let _ = el.style().set_property("height", &format!("{h}px"));
        let Ok(Some(cx)) = canvas.get_context("2d") else {
            return;
        };
        let Ok(cx) = cx.dyn_into::<web_sys::CanvasRenderingContext2d>() else {
            return;
        };
        let _ = cx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        let marks = Marks {
            cursor: sel.and_then(|i| s.trace.events.get(i)).map(|e| e.time),
            selected: sel,
            line: ringed,
            raised: &s.raised,
        };
        timeline::draw(
            &s.trace,
            &s.layout,
            &v,
            marks,
            lang,
            &mut CanvasPainter::new(&cx),
        );
    });

    let n_events = move || shown.with(|s| s.as_ref().map_or(0, |s| s.trace.events.len()));
    // How many events the hovered line produced (ringed on the canvas).
    let ringed_count = move || {
        let l = line.and_then(|l| l.get())?;
        shown.with(|s| {
            s.as_ref()
                .map(|s| crate::code_view::events_of_line(&s.trace, l).len())
        })
    };
    let go = move |to: Option<usize>| {
        let n = n_events();
        if n == 0 {
            return;
        }
        step.set(to.map(|i| i.min(n - 1)));
    };
    let next = move || go(Some(step.get_untracked().map_or(0, |i| i + 1)));
    let prev = move || {
        go(Some(
            step.get_untracked().map_or(0, |i| i.saturating_sub(1)),
        ))
    };
    let zoom = move |factor: f64, x: Option<f64>| {
        let Some(s) = shown.get_untracked() else {
            return;
        };
        view_sig.update(|v| {
            if let Some(v) = v {
                let x = x.unwrap_or(timeline::LABEL_W + v.plot_w() / 2.0);
                *v = v.zoom(factor, x, s.layout.end);
            }
        });
    };
    let fit = move || {
        if let Some(s) = shown.get_untracked() {
            view_sig.set(Some(View::whole(&s.layout, width.get_untracked())));
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let handled = match ev.key().as_str() {
            "ArrowRight" => {
                next();
                true
            }
            "ArrowLeft" => {
                prev();
                true
            }
            "Home" => {
                go(Some(0));
                true
            }
            "End" => {
                go(Some(usize::MAX));
                true
            }
            "+" | "=" => {
                zoom(0.5, None);
                true
            }
            "-" | "_" => {
                zoom(2.0, None);
                true
            }
            "0" => {
                fit();
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    };
    let pos = |ev: &web_sys::MouseEvent| (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
    let on_move = move |ev: web_sys::MouseEvent| {
        let (x, y) = pos(&ev);
        if let Some(last) = drag.get_value() {
            if let Some(s) = shown.get_untracked() {
                view_sig.update(|v| {
                    if let Some(v) = v {
                        *v = v.pan(last - x, s.layout.end);
                    }
                });
            }
            drag.set_value(Some(x));
            return;
        }
        let (Some(s), Some(v)) = (shown.get_untracked(), view_sig.get_untracked()) else {
            return;
        };
        let lang = shell.lang.get_untracked();
        let text = match timeline::hit(&s.trace, &s.layout, &v, x, y) {
            Some(Hit::Event(i)) => Some(describe_event(&s.trace, i)),
            Some(Hit::Span(i)) => Some(describe_span(&s.trace, i, lang)),
            None => None,
        };
        hover.set(text.map(|t| (t, x, y)));
    };
    let on_down = move |ev: web_sys::MouseEvent| {
        let (x, y) = pos(&ev);
        let (Some(s), Some(v)) = (shown.get_untracked(), view_sig.get_untracked()) else {
            return;
        };
        if let Some(Hit::Event(i)) = timeline::hit(&s.trace, &s.layout, &v, x, y) {
            step.set(Some(i));
        } else {
            drag.set_value(Some(x));
        }
    };
    let on_up = move |_| drag.set_value(None);
    let on_wheel = move |ev: web_sys::WheelEvent| {
        if ev.ctrl_key() {
            ev.prevent_default();
            let f = if ev.delta_y() > 0.0 { 1.25 } else { 0.8 };
            zoom(f, Some(f64::from(ev.offset_x())));
        } else if ev.shift_key() {
            ev.prevent_default();
            let d = if ev.delta_x() != 0.0 {
                ev.delta_x()
            } else {
                ev.delta_y()
            };
            if let Some(s) = shown.get_untracked() {
                view_sig.update(|v| {
                    if let Some(v) = v {
                        *v = v.pan(d, s.layout.end);
                    }
                });
            }
        }
    };

    let cursor_text = move || {
        let lang = shell.lang.get();
        shown.with(|s| {
            let Some(s) = s else { return String::new() };
            let n = s.trace.events.len();
            match step.get() {
                Some(i) if i < n => format!(
                    "{} {} {} {} · {}",
                    i18n::ui("tl.event", lang),
                    i + 1,
                    i18n::ui("tl.of", lang),
                    n,
                    fmt_nanos(s.trace.events[i].time)
                ),
                _ => format!("{n} {}", i18n::ui("page.events", lang)),
            }
        })
    };
    let log = move || {
        shown.with(|s| {
            let Some(s) = s else { return Vec::new() };
            let n = s.trace.events.len();
            let cur = step.get();
            let mid = cur.unwrap_or(0);
            let lo = mid.saturating_sub(6);
            let hi = (lo + 13).min(n);
            (lo..hi)
                .map(|i| {
                    let text = describe_event(&s.trace, i);
                    let current = cur == Some(i);
                    view! {
                        <li class:current=current aria-current=current.then_some("step")>
                            <button on:click=move |_| step.set(Some(i))>{text}</button>
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let btn = move |key: &'static str, label: &'static str, f: Box<dyn Fn() + Send + Sync>| {
        view! {
            <button title=move || shell.t(key) aria-label=move || shell.t(key)
                data-testid=format!("{testid}-{}", key.trim_start_matches("tl."))
                on:click=move |_| f()>{label}</button>
        }
    };

    view! {
        <section class="timeline" data-testid=testid data-ringed=ringed_count>
            <div class="tl-controls" role="toolbar">
                {btn("tl.first", "«", Box::new(move || go(Some(0))))}
                {btn("tl.prev", "‹", Box::new(prev))}
                {btn("tl.next", "›", Box::new(next))}
                {btn("tl.last", "»", Box::new(move || go(Some(usize::MAX))))}
                <span class="cursor-text" data-testid=format!("{testid}-cursor") aria-live="polite">{cursor_text}</span>
                <span class="spacer"></span>
                {btn("tl.zoom_in", "+", Box::new(move || zoom(0.5, None)))}
                {btn("tl.zoom_out", "−", Box::new(move || zoom(2.0, None)))}
                {btn("tl.fit", "↔", Box::new(fit))}
            </div>
            <div class="tl-canvas" node_ref=wrap_ref tabindex="0"
                aria-label=move || shell.t("tl.keys")
                on:keydown=on_key>
                <canvas node_ref=canvas_ref
                    on:mousemove=on_move on:mousedown=on_down on:mouseup=on_up
                    on:mouseleave=move |_| { drag.set_value(None); hover.set(None); }
                    on:wheel=on_wheel></canvas>
                {move || hover.get().map(|(t, x, y)| view! {
                    <div class="tooltip" role="tooltip" data-testid=format!("{testid}-tooltip")
                        style=format!("left:{}px;top:{}px", x + 12.0, y + 12.0)>{t}</div>
                })}
            </div>
            <p class="hint">{move || shell.t("tl.keys")}</p>
            <Legend/>
            <details class="log" open>
                <summary>{move || shell.t("tl.log")}</summary>
                <ol data-testid=format!("{testid}-log")>{log}</ol>
            </details>
        </section>
    }
}
