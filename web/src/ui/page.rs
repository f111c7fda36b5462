//! One scenario: explanation, parameters, run controls, the timeline, the outcome and the
//! Python program.

use std::sync::Arc;

use leptos::prelude::*;

use interleave_scenarios::{ParamKind, Scenario};
use interleave_sim::{Outcome, fmt_nanos};

use super::explore_panel::{ExplorePanel, PlayPanel};
use super::real_panel::RealPanel;
use super::runs::{self, Form, Runs};
use super::timeline_view::{Shown, TimelineView};
use super::{Shell, dom};
use crate::i18n::{self, Lang};
use crate::permalink::{Link, PageMode};
use crate::protocol::{Sched, SimRequest, Subject};
use crate::session::Status;
use crate::timeline;

#[component]
pub fn ScenarioPage(id: String) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let Some(sc) = interleave_scenarios::find(&id) else {
        let text = format!("{} {id:?}", shell.t("notice.unknown"));
        return view! { <p class="error">{text}</p> }.into_any();
    };
    let sc = Arc::new(sc);
    let start = shell.link.get_untracked();

    let values = RwSignal::new(initial_values(&sc, &start));
    let seed = RwSignal::new(start.seed.to_string());
    let cores = RwSignal::new(start.cores);
    let gil = RwSignal::new(start.gil);
    let sched = RwSignal::new(start.sched);
    let replay = RwSignal::new(start.replay.clone().unwrap_or_default());
    let mode = RwSignal::new(start.mode);

    let sc2 = StoredValue::new(sc.clone());
    let overrides = move || sc2.with_value(|sc| values.with(|vs| overrides(sc, vs)));
    let sc3 = sc.clone();
    let validated = Memo::new(move |_| sc3.validate(&overrides()));
    let seed_ok = Memo::new(move |_| seed.with(|s| crate::permalink::parse_seed(s)));
    let valid = Signal::derive(move || validated.with(Result::is_ok) && seed_ok.get().is_some());

    let id_for_link = sc.id;
    let sim_req = move |with_replay: bool| SimRequest {
        subject: Subject::Scenario {
            id: id_for_link.to_string(),
            params: overrides(),
        },
        seed: seed_ok.get_untracked().unwrap_or(1),
        cores: cores.get_untracked(),
        gil: gil.get_untracked(),
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
        run,
        cancel,
        explore,
        cancel_explore,
        pick,
        choose,
        undo,
        restart,
        hint,
        ..
    } = runs;
    // The address bar follows the form.
    let current_link = move || Link {
        scenario: Some(id_for_link.to_string()),
        params: overrides(),
        seed: seed_ok.get().unwrap_or(1),
        cores: cores.get(),
        gil: gil.get(),
        sched: sched.get(),
        replay: Some(replay.get()).filter(|r| !r.trim().is_empty()),
        step: step.get(),
        mode: mode.get(),
        lang: None,
        embed: false,
    };
    Effect::new(move |_| {
        let link = current_link();
        shell.replace(link);
    });

    // Run once on arrival, so the page opens with a timeline (the game starts its own).
    if valid.get_untracked() && start.mode != PageMode::Play {
        run.run(());
    }

    let lang = move || shell.lang.get();
    let sc_t = sc.clone();
    let title = move || sc_t.title.get(lang());
    let sc_l = sc.clone();
    let lesson = move || sc_l.lesson.get(lang());
    let sc_e = sc.clone();
    let explanation = move || sc_e.explanation.get(lang());
    let real = sc.browser_real;
    let has_real = real.is_some();
    let explorable = !interleave_scenarios::is_synthetic(sc.id);
    let goal = sc.goal.text();
    let sc_form = sc.clone();
    let sc_foot = sc.clone();

    view! {
        <article class="scenario" data-testid="scenario-page" data-id=sc.id>
            <Show when=move || !shell.embed>
                <nav class="crumbs">
                    <a href="?" data-testid="back" on:click=move |ev| { ev.prevent_default(); shell.navigate(Link::default()); }>
                        "← "{move || shell.t("nav.gallery")}
                    </a>
                </nav>
            </Show>
            <h1 data-testid="scenario-title">{title}</h1>
            <p class="lesson" data-testid="lesson">{lesson}</p>
            <Show when=move || !shell.embed>
                <p class="explanation">{explanation.clone()}</p>
            </Show>
            <ModeTabs mode=mode explorable=explorable has_real=has_real/>
            <div class="layout">
                <RunForm sc=sc_form values=values validated=validated seed=seed seed_ok=seed_ok
                    cores=cores gil=gil sched=sched replay=replay status=status valid=valid
                    on_run=run on_cancel=cancel/>
                <div class="output">
                    {real.map(|work| view! {
                        <Show when=move || mode.get() == PageMode::Real>
                            <RealPanel scenario=id_for_link work=work validated=validated/>
                        </Show>
                    })}
                    <Show when=move || mode.get() == PageMode::Explore>
                        <ExplorePanel search=search on_start=explore on_cancel=cancel_explore on_pick=pick/>
                    </Show>
                    <Show when=move || mode.get() == PageMode::Play>
                        <PlayPanel game=game goal=goal on_choose=choose on_undo=undo on_restart=restart on_hint=hint/>
                    </Show>
                    <Show when=move || mode.get() != PageMode::Real || !has_real>
                        <Show when=move || shown.with(Option::is_some)
                            fallback=move || view! { <p class="placeholder">{move || shell.t("tl.none")}</p> }>
                            <TimelineView shown=shown step=step testid="timeline"/>
                            <Summary shown=shown id=id_for_link/>
                            <Exports shown=shown id=id_for_link/>
                        </Show>
                    </Show>
                </div>
            </div>
            <PageFoot sc=sc_foot validated=validated link=Signal::derive(current_link)/>
        </article>
    }
    .into_any()
}

/// Every parameter's raw value: the permalink's, else the default.
fn initial_values(sc: &Scenario, start: &Link) -> Vec<(String, String)> {
    sc.params
        .iter()
        .map(|p| {
            let v = start
                .params
                .iter()
                .find(|(k, _)| k == p.name)
                .map_or(p.default.to_string(), |(_, v)| v.clone());
            (p.name.to_string(), v)
        })
        .collect()
}

/// The values that differ from the defaults, trimmed (what the permalink and requests carry).
fn overrides(sc: &Scenario, values: &[(String, String)]) -> Vec<(String, String)> {
    values
        .iter()
        .filter(|(k, v)| {
            sc.params
                .iter()
                .find(|p| p.name == k)
                .is_none_or(|p| p.default != v.trim())
        })
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect()
}

/// The mode tabs: simulate, explore, play, real (the last three where the scenario has them).
#[component]
pub(super) fn ModeTabs(
    mode: RwSignal<PageMode>,
    explorable: bool,
    has_real: bool,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    view! {
        <div class="modes" role="tablist">
            {[
                (PageMode::Sim, "page.mode.sim", "mode-sim", true),
                (PageMode::Explore, "page.mode.explore", "mode-explore", explorable),
                (PageMode::Play, "page.mode.play", "mode-play", explorable),
                (PageMode::Real, "page.mode.real", "mode-real", has_real),
            ]
            .into_iter()
            .filter(|m| m.3)
            .map(|(m, key, testid, _)| view! {
                <button role="tab" data-testid=testid aria-selected=move || (mode.get() == m).to_string()
                    class:on=move || mode.get() == m on:click=move |_| mode.set(m)>
                    {move || shell.t(key)}
                </button>
            })
            .collect_view()}
        </div>
    }
}

/// The run form: the scenario's parameters, the machine, the schedule, and run/cancel.
#[component]
#[allow(clippy::too_many_arguments)]
fn RunForm(
    sc: Arc<Scenario>,
    values: RwSignal<Vec<(String, String)>>,
    validated: Memo<Result<interleave_scenarios::Params, interleave_scenarios::ParamError>>,
    seed: RwSignal<String>,
    seed_ok: Memo<Option<u64>>,
    cores: RwSignal<Option<u32>>,
    gil: RwSignal<Option<bool>>,
    sched: RwSignal<Sched>,
    replay: RwSignal<String>,
    status: Memo<Status>,
    valid: Signal<bool>,
    on_run: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let running = move || matches!(status.get(), Status::Running { .. });
    view! {
        <form class="params" data-testid="params" on:submit=move |ev| { ev.prevent_default(); on_run.run(()); }>
            <h2>{move || shell.t("page.params")}</h2>
            <ParamFields sc=sc values=values validated=validated/>
            <label class="field">
                <span>{move || shell.t("page.seed")}</span>
                <input data-testid="seed" inputmode="numeric" prop:value=move || seed.get()
                    aria-invalid=move || seed_ok.get().is_none().to_string()
                    on:input=move |ev| seed.set(event_target_value(&ev))/>
                <Show when=move || seed_ok.get().is_none()>
                    <span class="err" role="alert">{format!("0 … {}", crate::permalink::MAX_SEED)}</span>
                </Show>
            </label>
            <label class="field">
                <span>{move || shell.t("page.cores")}</span>
                <select data-testid="cores" on:change=move |ev| cores.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || cores.get().is_none()>{move || shell.t("page.default")}</option>
                    {[1u32, 2, 4, 8, 16].into_iter().map(|c| view! {
                        <option value=c.to_string() selected=move || cores.get() == Some(c)>{c}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{move || shell.t("page.gil")}</span>
                <select data-testid="gil" on:change=move |ev| gil.set(match event_target_value(&ev).as_str() { "on" => Some(true), "off" => Some(false), _ => None })>
                    <option value="" selected=move || gil.get().is_none()>{move || shell.t("page.default")}</option>
                    <option value="on" selected=move || gil.get() == Some(true)>{move || shell.t("page.on")}</option>
                    <option value="off" selected=move || gil.get() == Some(false)>{move || shell.t("page.off")}</option>
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
            <div class="run-row">
                <button type="submit" class="primary" data-testid="run"
                    disabled=move || !valid.get() || running()>
                    {move || if running() { shell.t("page.running") } else { shell.t("page.run") }}
                </button>
                <Show when=running>
                    <button type="button" data-testid="cancel" on:click=move |_| on_cancel.run(())>{move || shell.t("page.cancel")}</button>
                </Show>
                <Show when=move || !valid.get()>
                    <span class="err" role="alert">{move || shell.t("page.invalid")}</span>
                </Show>
            </div>
            <StatusLine status=status/>
        </form>
    }
}

/// Below the page: the scenario's Python program and the embed snippet (in an embed, a link
/// to the full page instead).
#[component]
fn PageFoot(
    sc: Arc<Scenario>,
    validated: Memo<Result<interleave_scenarios::Params, interleave_scenarios::ParamError>>,
    link: Signal<Link>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let python = move || match validated.get() {
        Ok(p) => sc.python_program(&p),
        Err(e) => format!("# {e}"),
    };
    let embed_link = move || {
        let mut l = link.get();
        l.embed = true;
        l.step = None;
        let q = crate::permalink::encode(&l);
        let href = dom::href();
        let base = href.split('?').next().unwrap_or("").to_string();
        format!(
            r#"<iframe src="{base}{q}" style="width:100%;border:0" title="Interleave" loading="lazy"></iframe>"#
        )
    };
    view! {
        <Show when=move || !shell.embed>
            <section class="python">
                <h2>{move || shell.t("page.python")}</h2>
                <p>
                    <a class="button" data-testid="edit-as-own" href=move || {
                        // The code page opens this scenario's program with these parameters.
                        // (A scenario link: `code_link` reads its `s=` and `p.` as the program
                        // to start from; the compressor stays out of this module.)
                        let l = link.get();
                        let start = Link {
                            scenario: l.scenario,
                            params: l.params,
                            seed: l.seed,
                            cores: l.cores,
                            lang: Some(shell.lang.get()),
                            ..Link::default()
                        };
                        format!("code/{}", crate::permalink::encode(&start))
                    }>
                        {move || shell.t("code.edit_own")}
                    </a>
                </p>
                <pre data-testid="python"><code>{python.clone()}</code></pre>
            </section>
            <details class="embed-snippet">
                <summary>{move || shell.t("page.embed")}</summary>
                <pre data-testid="embed-snippet"><code>{embed_link}</code></pre>
            </details>
        </Show>
        <Show when=move || shell.embed>
            <p class="embed-foot">
                <a target="_blank" rel="noopener" href=move || {
                    let mut l = link.get();
                    l.embed = false;
                    crate::permalink::encode(&l)
                }>{move || shell.t("embed.open")}" ↗"</a>
            </p>
        </Show>
    }
}

#[component]
fn ParamFields(
    sc: Arc<Scenario>,
    values: RwSignal<Vec<(String, String)>>,
    validated: Memo<Result<interleave_scenarios::Params, interleave_scenarios::ParamError>>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    sc.params
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let spec = spec.clone();
            let name = spec.name;
            let value = move || values.with(|v| v.get(i).map(|(_, v)| v.clone()).unwrap_or_default());
            let set = move |v: String| values.update(|vs| {
                if let Some(slot) = vs.get_mut(i) {
                    slot.1 = v;
                }
            });
            // This field's own error, else a cross-parameter error that names it.
            let spec2 = spec.clone();
            let error = Signal::derive(move || {
                if let Err(e) = spec2.parse(&value()) {
                    return Some(e);
                }
                validated.with(|r| match r {
                    Err(e) if e.param == name => Some(e.message.clone()),
                    _ => None,
                })
            });
            let error = move || error.get();
            let help = spec.help;
            let accepts = spec.accepts();
            let input = match &spec.kind {
                ParamKind::Bool => view! {
                    <input type="checkbox" data-testid=format!("param-{name}")
                        prop:checked=move || value() == "true"
                        on:change=move |ev| set(if event_target_checked(&ev) { "true".into() } else { "false".into() })/>
                }
                .into_any(),
                ParamKind::Choice { choices } => {
                    let choices = choices.clone();
                    view! {
                        <select data-testid=format!("param-{name}") on:change=move |ev| set(event_target_value(&ev))>
                            {choices.into_iter().map(|c| view! {
                                <option value=c selected=move || value() == c>{c}</option>
                            }).collect_view()}
                        </select>
                    }
                    .into_any()
                }
                _ => view! {
                    <input data-testid=format!("param-{name}") spellcheck="false"
                        prop:value=value
                        aria-invalid=move || error().is_some().to_string()
                        on:input=move |ev| set(event_target_value(&ev))/>
                }
                .into_any(),
            };
            view! {
                <label class="field" class:invalid=move || error().is_some()>
                    <span title=accepts.clone()>{name}</span>
                    {input}
                    <small class="help">{move || help.get(shell.lang.get())}</small>
                    {move || error().map(|e| view! { <span class="err" role="alert" data-testid=format!("error-{name}")>{e}</span> })}
                </label>
            }
        })
        .collect_view()
}

#[component]
pub(super) fn StatusLine(status: Memo<Status>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    move || {
        match status.get() {
        Status::Idle | Status::Done => None,
        Status::Running { steps, time } => Some(
            view! {
                <p class="status" role="status" data-testid="progress">
                    <progress></progress>
                    {format!(" {} · {steps} {} · {}", shell.t("page.progress"), shell.t("page.steps"), fmt_nanos(time))}
                </p>
            }
            .into_any(),
        ),
        Status::Failed(msg) => Some(
            view! { <p class="status error" role="alert" data-testid="run-error">{msg}</p> }.into_any(),
        ),
        Status::Cancelled => Some(
            view! { <p class="status" role="status" data-testid="cancelled">{shell.t("page.cancelled")}</p> }.into_any(),
        ),
        Status::BadSource(bad) => {
            let text = if shell.lang.get() == Lang::Zh { bad.zh } else { bad.en };
            Some(
                view! {
                    <p class="status error" role="alert" data-testid="run-error" data-kind=bad.kind>{text}</p>
                }
                .into_any(),
            )
        }
    }
    }
}

fn outcome_text(o: &Outcome, lang: Lang) -> (String, Option<String>) {
    match o {
        // A game position: the run goes on with the next choice.
        Outcome::Running => (String::new(), None),
        Outcome::Deadlock { cycle, message, .. } => {
            let names = (!cycle.is_empty()).then(|| message.clone());
            let head = i18n::ui("outcome.deadlock", lang);
            (head.to_string(), names.or_else(|| Some(message.clone())))
        }
        other => (other.summary(), None),
    }
}

#[component]
pub fn Summary(shown: RwSignal<Option<Arc<Shown>>>, id: &'static str) -> impl IntoView {
    let shell = expect_context::<Shell>();
    move || {
        let lang = shell.lang.get();
        shown.get().map(|s| {
            let t = &s.trace;
            let (outcome, cycle) = outcome_text(&t.outcome, lang);
            let deadlock = matches!(t.outcome, Outcome::Deadlock { .. });
            let results = t
                .result
                .iter()
                .map(|(k, v)| view! { <tr><th>{k.clone()}</th><td data-key=k.clone()>{v.repr()}</td></tr> })
                .collect_view();
            let errors = t
                .errors
                .iter()
                .map(|e| {
                    let unit = t.units.get(e.unit.index()).map_or("?".to_string(), |u| u.name.clone());
                    view! { <li>{format!("{} · {unit}: {}", fmt_nanos(e.time), e.error)}</li> }
                })
                .collect_view();
            let m = &t.metrics;
            let util = m
                .core_utilisation
                .iter()
                .map(|u| format!("{:.0}%", u * 100.0))
                .collect::<Vec<_>>()
                .join(" ");
            let races = s
                .races
                .iter()
                .map(|r| view! { <li>{r.clone()}</li> })
                .collect_view();
            let has_races = !s.races.is_empty();
            // The detectors beyond races: lost wakeups and the scenario's broken invariants.
            let mut findings: Vec<String> =
                t.lost_wakeups.iter().map(|l| l.describe(t)).collect();
            if let Some(sc) = interleave_scenarios::find(id) {
                findings.extend(sc.violated(t).iter().map(|i| {
                    format!("{}: {}", i18n::ui("page.invariant", lang), i.text.get(lang))
                }));
            }
            let has_findings = !findings.is_empty();
            let findings = findings
                .into_iter()
                .map(|f| view! { <li>{f}</li> })
                .collect_view();
            let output = t
                .output
                .iter()
                .take(200)
                .map(|(time, _, line)| format!("[{}] {line}", fmt_nanos(*time)))
                .collect::<Vec<_>>()
                .join("\n");
            view! {
                <section class="summary">
                    <div class="outcome" class:bad=deadlock data-testid="outcome">
                        <strong>{i18n::ui("page.outcome", lang)}": "</strong>{outcome}
                        {cycle.map(|c| view! {
                            <p class="cycle" data-testid="cycle"><strong>{i18n::ui("page.cycle", lang)}": "</strong>{c}</p>
                        })}
                    </div>
                    <div class="grid2">
                        <div>
                            <h3>{i18n::ui("page.result", lang)}</h3>
                            <table class="kv" data-testid="result">{results}</table>
                        </div>
                        <div>
                            <h3>{i18n::ui("page.metrics", lang)}</h3>
                            <table class="kv" data-testid="metrics">
                                <tr><th>{i18n::ui("page.makespan", lang)}</th><td>{fmt_nanos(m.makespan)}</td></tr>
                                <tr><th>{i18n::ui("page.events", lang)}</th><td>{m.events}</td></tr>
                                <tr><th>{i18n::ui("page.util", lang)}</th><td>{util}</td></tr>
                                <tr><th>{i18n::ui("page.gil_wait", lang)}</th><td>{fmt_nanos(m.gil_wait)}</td></tr>
                                <tr><th>{i18n::ui("page.gil_switches", lang)}</th><td>{m.gil_switches}</td></tr>
                                <tr><th>{i18n::ui("page.ctx_switches", lang)}</th><td>{m.context_switches}</td></tr>
                            </table>
                        </div>
                    </div>
                    {(!t.errors.is_empty()).then(|| view! {
                        <div class="errors"><h3>{i18n::ui("page.errors", lang)}</h3><ul data-testid="errors">{errors}</ul></div>
                    })}
                    {has_races.then(|| view! {
                        <div class="errors"><h3>{i18n::ui("page.races", lang)}</h3>
                        <p class="note">{i18n::ui("page.races.what", lang)}</p>
                        <ul data-testid="races">{races}</ul></div>
                    })}
                    {has_findings.then(|| view! {
                        <div class="errors"><h3>{i18n::ui("page.findings", lang)}</h3>
                        <ul data-testid="findings">{findings}</ul></div>
                    })}
                    {(!output.is_empty()).then(|| view! {
                        <details class="printed"><summary>{i18n::ui("page.output", lang)}</summary><pre>{output}</pre></details>
                    })}
                </section>
            }
        })
    }
}

#[component]
pub fn Exports(shown: RwSignal<Option<Arc<Shown>>>, id: &'static str) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let json = move |_| {
        if let Some(s) = shown.get_untracked() {
            let text = serde_json::to_string_pretty(&s.trace).unwrap_or_default();
            dom::download(&format!("{id}-trace.json"), "application/json", &text);
        }
    };
    let chrome = move |_| {
        if let Some(s) = shown.get_untracked() {
            let text = interleave_sim::chrome::to_chrome(&s.trace).to_string();
            dom::download(
                &format!("{id}-chrome-trace.json"),
                "application/json",
                &text,
            );
        }
    };
    let svg = move |_| {
        if let Some(s) = shown.get_untracked() {
            let text = timeline::to_svg(&s.trace, 1400.0, shell.lang.get_untracked());
            dom::download(&format!("{id}-timeline.svg"), "image/svg+xml", &text);
        }
    };
    view! {
        <div class="exports" role="group">
            <span>{move || shell.t("export.title")}": "</span>
            <button data-testid="export-json" on:click=json>{move || shell.t("export.json")}</button>
            <button data-testid="export-chrome" on:click=chrome>{move || shell.t("export.chrome")}</button>
            <button data-testid="export-svg" on:click=svg>{move || shell.t("export.svg")}</button>
            <button data-testid="permalink" on:click=move |_| dom::copy(&dom::href())>{move || shell.t("page.permalink")}</button>
        </div>
    }
}
