//! "Write your own": a Python program in an editor beside its timeline. Run sends the source
//! to the engine's worker, where the interpreter runs it; Explore and "You schedule" work on
//! it as on a scenario. At the cursor every thread's line is marked in the editor; clicking
//! an event reveals its line; hovering a line rings the events it produced.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::editor::CodeEditor;
use super::explore_panel::{ExplorePanel, PlayPanel};
use super::page::{Exports, ModeTabs, StatusLine, Summary};
use super::runs::{self, Form, Runs};
use super::timeline_view::TimelineView;
use super::{Shell, dom};
use crate::code_link::{self, CodeLink};
use crate::code_view;
use crate::i18n::Lang;
use crate::permalink::{Link, PageMode};
use crate::protocol::{PyModel, Sched, SimRequest, Subject};
use crate::session::{Search, Status};
use crate::source_link::{self, CodeError};
use crate::starters::STARTERS;

#[component]
pub fn CodePage(start: CodeLink) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let source = RwSignal::new(start.source());
    let python = RwSignal::new(start.python);
    let start = start.run;
    let seed = RwSignal::new(start.seed.to_string());
    let cores = RwSignal::new(start.cores);
    let sched = RwSignal::new(start.sched);
    let replay = RwSignal::new(start.replay.clone().unwrap_or_default());
    let mode = RwSignal::new(match start.mode {
        PageMode::Real => PageMode::Sim,
        m => m,
    });
    let seed_ok = Memo::new(move |_| seed.with(|s| crate::permalink::parse_seed(s)));
    let valid = Signal::derive(move || seed_ok.get().is_some());
    let sim_req = move |with_replay: bool| SimRequest {
        subject: Subject::Code {
            source: source.get_untracked(),
            python: python.get_untracked().label().to_string(),
        },
        seed: seed_ok.get_untracked().unwrap_or(1),
        cores: cores.get_untracked(),
        gil: None,
        sched: sched.get_untracked(),
        replay: Some(replay.get_untracked()).filter(|r| with_replay && !r.trim().is_empty()),
    };
    let runs = runs::runs(
        Form {
            seed,
            replay,
            mode,
            valid,
        },
        start.step,
        Callback::new(sim_req),
    );
    let Runs {
        status,
        search,
        game,
        shown,
        step,
        program,
        traces,
        run,
        cancel,
        explore,
        compare,
        cancel_explore,
        pick,
        choose,
        undo,
        restart,
        hint,
    } = runs;

    // The address bar follows the editor and the form (the program only while it fits).
    let current_link = move || CodeLink {
        code: Some(source.get()),
        python: python.get(),
        run: Link {
            seed: seed_ok.get().unwrap_or(1),
            cores: cores.get(),
            sched: sched.get(),
            replay: Some(replay.get()).filter(|r| !r.trim().is_empty()),
            step: step.get(),
            mode: mode.get(),
            lang: Some(shell.lang.get()),
            embed: shell.embed,
            ..Link::default()
        },
    };
    Effect::new(move |_| dom::replace_url(&code_link::encode(&current_link())));
    let too_long = Memo::new(move |_| source.with(|s| source_link::encode(s).err()));

    // Code beside the timeline.
    let hover = RwSignal::new(None::<u32>);
    let threads = Memo::new(move |_| {
        let at = step.get();
        shown.with(|s| match (s, at) {
            (Some(s), Some(i)) => code_view::thread_marks(&s.trace, &s.layout.badges, i),
            _ => Vec::new(),
        })
    });
    let reveal = Memo::new(move |_| {
        let at = step.get()?;
        shown.with(|s| s.as_ref()?.trace.line(at))
    });
    let problems = Memo::new(move |_| {
        let zh = shell.lang.get() == Lang::Zh;
        let bad = status.with(|s| match s {
            Status::BadSource(b) => Some(b.clone()),
            _ => None,
        });
        program.with(|p| {
            shown.with(|s| {
                code_view::problems(bad.as_ref(), p.as_ref(), s.as_ref().map(|s| &s.trace), zh)
            })
        })
    });

    // Run once on arrival when there is a program, so a shared link opens with its timeline.
    if !source.with_untracked(|s| s.trim().is_empty()) && mode.get_untracked() != PageMode::Play {
        run.run(());
    }
    let running = move || matches!(status.get(), Status::Running { .. });
    let load = move |text: String| {
        source.set(text);
        replay.set(String::new());
        step.set(None);
    };

    view! {
        <article class="scenario code-page" data-testid="code-page" data-traces=move || traces.get()>
            <Show when=move || !shell.embed>
                <nav class="crumbs">
                    <a href="../" data-testid="back">"← "{move || shell.t("nav.gallery")}</a>
                </nav>
                <h1 data-testid="scenario-title">{move || shell.t("code.title")}</h1>
                <p class="lesson">{move || shell.t("code.lead")}</p>
            </Show>
            <ModeTabs mode=mode explorable=true has_real=false/>
            <div class="code-layout">
                <section class="code-side" aria-label=move || shell.t("code.editor")>
                    <div class="code-bar" role="toolbar">
                        <Show when=move || !shell.embed>
                            <StarterPicker on_pick=Callback::new(load)/>
                        </Show>
                        <label class="field inline">
                            <span>{move || shell.t("code.model")}</span>
                            <select data-testid="python-model"
                                on:change=move |ev| {
                                    if let Some(m) = PyModel::parse(&event_target_value(&ev)) {
                                        python.set(m);
                                        replay.set(String::new());
                                    }
                                }>
                                {PyModel::ALL.into_iter().map(|m| view! {
                                    <option value=m.label() selected=move || python.get() == m>
                                        {move || model_text(m, shell.lang.get())}
                                    </option>
                                }).collect_view()}
                            </select>
                        </label>
                        <button type="button" class="primary" data-testid="run"
                            title=move || shell.t("code.run_keys")
                            disabled=move || !valid.get() || running()
                            on:click=move |_| run.run(())>
                            {move || if running() { shell.t("page.running") } else { shell.t("page.run") }}
                        </button>
                        <Show when=running>
                            <button type="button" data-testid="cancel" on:click=move |_| cancel.run(())>{move || shell.t("page.cancel")}</button>
                        </Show>
                    </div>
                    <CodeEditor source=source threads=threads problems=problems reveal=reveal
                        hover=hover on_run=run/>
                    <ThreadList threads=threads/>
                    <StatusLine status=status/>
                    <FileRow source=source too_long=too_long on_open=Callback::new(load)/>
                    <details class="code-settings">
                        <summary>{move || shell.t("code.settings")}</summary>
                        <RunSettings seed=seed seed_ok=seed_ok cores=cores sched=sched replay=replay/>
                    </details>
                </section>
                <section class="output code-out">
                    <Show when=move || mode.get() == PageMode::Explore>
                        <ExplorePanel search=search on_start=explore on_cancel=cancel_explore on_pick=pick on_compare=compare/>
                        {move || match search.get() {
                            Search::Compared(reports) => Some(view! { <Compared reports=reports/> }),
                            _ => None,
                        }}
                    </Show>
                    <Show when=move || mode.get() == PageMode::Play>
                        <PlayPanel game=game goal=crate::starters::PLAY_GOAL on_choose=choose on_undo=undo on_restart=restart on_hint=hint/>
                    </Show>
                    <Show when=move || shown.with(Option::is_some)
                        fallback=move || view! { <p class="placeholder">{move || shell.t("code.none")}</p> }>
                        <TimelineView shown=shown step=step testid="timeline" line=hover/>
                        <Printed program=program/>
                        <Summary shown=shown id="program"/>
                        <Exports shown=shown id="program"/>
                    </Show>
                </section>
            </div>
            <CodeFoot link=Signal::derive(current_link) too_long=too_long/>
        </article>
    }
}

/// The outcomes each Python model allows, side by side.
#[component]
fn Compared(reports: Vec<crate::protocol::ModelReport>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let columns = reports
        .into_iter()
        .map(|m| {
            let r = m.report;
            let summary = super::explore_panel::summary(shell, &r);
            let rows = r
                .outcomes
                .into_iter()
                .map(|o| {
                    view! {
                        <li class:fail=o.failing data-testid="compare-outcome" data-failing=o.failing.to_string()>
                            <span class="verdict">{if o.failing { "FAIL" } else { "ok" }}</span>
                            " "<span class="count">{o.count}</span>" "
                            <span class="label">{o.label}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="compare-column" data-testid="compare-column" data-python=m.python.clone()>
                    <h3>"Python "{m.python.clone()}</h3>
                    <p class="note">{summary}</p>
                    <ul class="compare-outcomes">{rows}</ul>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="explore-result" data-testid="compare-result">
            <p class="note">{shell.t("explore.compare.what")}</p>
            <div class="compare-grid">{columns}</div>
        </div>
    }
}

fn model_text(m: PyModel, lang: Lang) -> &'static str {
    let key = match m {
        PyModel::Py311 => "code.model.311",
        PyModel::Py39 => "code.model.39",
        PyModel::Py313t => "code.model.313t",
    };
    crate::i18n::ui(key, lang)
}

/// The starter programs, for an empty editor or a fresh start.
#[component]
fn StarterPicker(on_pick: Callback<String>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    view! {
        <label class="field inline">
            <span>{move || shell.t("code.starter")}</span>
            <select data-testid="starter" on:change=move |ev| {
                let id = event_target_value(&ev);
                if let Some(s) = STARTERS.iter().find(|s| s.id == id) {
                    on_pick.run(s.source.to_string());
                }
            }>
                <option value="" selected>{move || shell.t("code.starter.pick")}</option>
                {STARTERS.iter().map(|s| view! {
                    <option value=s.id>{move || s.title.get(shell.lang.get())}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// Each thread's line at the cursor, as text (what the gutter badges show).
#[component]
fn ThreadList(#[prop(into)] threads: Signal<Vec<code_view::ThreadMark>>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    view! {
        <p class="thread-lines" data-testid="thread-lines" aria-live="polite">
            {move || {
                let marks = threads.get();
                if marks.is_empty() {
                    return view! { <span class="hint">{shell.t("code.lines.hint")}</span> }.into_any();
                }
                let line = shell.t("code.line");
                marks.into_iter().map(|m| view! {
                    <span class="thread-at" data-testid="thread-at" data-line=m.line data-name=m.name.clone()>
                        <span class="badge" style=format!("background:{}", m.color)>{m.letter.clone()}</span>
                        {format!(" {} · {line} {}", m.name, m.line)}
                    </span>
                }).collect_view().into_any()
            }}
        </p>
    }
}

/// What the program printed, and its uncaught exceptions with their threads and lines.
#[component]
fn Printed(program: RwSignal<Option<crate::protocol::ProgramRun>>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    move || {
        program.get().map(|p| {
            let exit = format!("{} {}", shell.t("code.exit"), p.exit_code);
            view! {
                <section class="printed-out">
                    <h3>{shell.t("page.output")}<small class="note">{format!(" · {exit}")}</small></h3>
                    <pre data-testid="stdout">{p.stdout.clone()}</pre>
                    {(!p.stderr.is_empty()).then(|| view! {
                        <pre class="stderr" data-testid="stderr">{p.stderr.clone()}</pre>
                    })}
                </section>
            }
        })
    }
}

/// Open a `.py` file, download the program; and what to do when it is too long for a link.
#[component]
fn FileRow(
    source: RwSignal<String>,
    too_long: Memo<Option<CodeError>>,
    on_open: Callback<String>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let file_error = RwSignal::new(None::<String>);
    let open = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        // The interpreter refuses sources past its own limit; far larger files are not read.
        if file.size() > source_link::MAX_SOURCE as f64 * 4.0 {
            input.set_value("");
            file_error.set(Some(format!(
                "{}: {}",
                file.name(),
                shell.t("code.file_too_large")
            )));
            return;
        }
        file_error.set(None);
        let text = file.text();
        input.set_value("");
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(t) = wasm_bindgen_futures::JsFuture::from(text).await
                && let Some(t) = t.as_string()
            {
                on_open.run(t);
            }
        });
    };
    let download = move |_| dom::download("main.py", "text/x-python", &source.get_untracked());
    view! {
        <div class="file-row">
            <label class="file-open">
                <span class="button">{move || shell.t("code.open")}</span>
                <input type="file" accept=".py,text/x-python,text/plain" data-testid="open-file" on:change=open/>
            </label>
            <button type="button" data-testid="download" on:click=download>{move || shell.t("code.download")}</button>
            {move || file_error.get().map(|e| view! { <p class="note warn" role="alert" data-testid="file-error">{e}</p> })}
            {move || too_long.get().map(|e| {
                let text = match e {
                    CodeError::SourceTooLong { .. } => shell.t("code.too_long.source"),
                    _ => shell.t("code.too_long.link"),
                };
                view! { <p class="note warn" role="status" data-testid="link-too-long">{text}</p> }
            })}
        </div>
    }
}

/// The run's settings: seed, cores, scheduler, replay string.
#[component]
fn RunSettings(
    seed: RwSignal<String>,
    seed_ok: Memo<Option<u64>>,
    cores: RwSignal<Option<u32>>,
    sched: RwSignal<Sched>,
    replay: RwSignal<String>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    view! {
        <div class="params">
            <label class="field">
                <span>{move || shell.t("page.seed")}</span>
                <input data-testid="seed" inputmode="numeric" prop:value=move || seed.get()
                    aria-invalid=move || seed_ok.get().is_none().to_string()
                    on:input=move |ev| seed.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span>{move || shell.t("page.cores")}</span>
                <select data-testid="cores" on:change=move |ev| cores.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || cores.get().is_none()>"2"</option>
                    {[1u32, 4, 8, 16].into_iter().map(|c| view! {
                        <option value=c.to_string() selected=move || cores.get() == Some(c)>{c}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{move || shell.t("page.sched")}</span>
                <select data-testid="sched" on:change=move |ev| sched.set(Sched::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {Sched::ALL.into_iter().map(|s| view! {
                        <option value=s.name() selected=move || sched.get() == s>{s.name()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field wide">
                <span>{move || shell.t("page.replay")}</span>
                <input data-testid="replay" spellcheck="false" prop:value=move || replay.get()
                    title=move || shell.t("page.replay.help")
                    on:input=move |ev| replay.set(event_target_value(&ev))/>
            </label>
        </div>
    }
}

/// The embed snippet (the program rides in it, as in the permalink), or in an embed a link to
/// the full page.
#[component]
fn CodeFoot(link: Signal<CodeLink>, too_long: Memo<Option<CodeError>>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let embed_link = move || {
        let mut l = link.get();
        l.run.embed = true;
        l.run.step = None;
        let href = dom::href();
        let base = href.split('?').next().unwrap_or("").to_string();
        format!(
            r#"<iframe src="{base}{}" style="width:100%;height:720px;border:0" title="Interleave" loading="lazy"></iframe>"#,
            code_link::encode(&l)
        )
    };
    view! {
        <Show when=move || !shell.embed && too_long.get().is_none()>
            <details class="embed-snippet">
                <summary>{move || shell.t("page.embed")}</summary>
                <pre data-testid="embed-snippet"><code>{embed_link}</code></pre>
            </details>
        </Show>
        <Show when=move || shell.embed>
            <p class="embed-foot">
                <a target="_blank" rel="noopener" href=move || {
                    let mut l = link.get();
                    l.run.embed = false;
                    code_link::encode(&l)
                }>{move || shell.t("embed.open")}" ↗"</a>
            </p>
        </Show>
    }
}
