//! The Explore panel (search every interleaving) and "you are the scheduler".

use leptos::prelude::*;

use super::Shell;
use crate::session::{Game, Search};

/// Settings of a search, as the form holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSettings {
    pub strategy: String,
    pub max_preemptions: Option<u32>,
    pub budget: u64,
}

/// "N runs · every schedule explored" (or "budget used up").
pub(super) fn summary(shell: Shell, r: &interleave_sim::explore::Report) -> String {
    format!(
        "{} {} · {}",
        r.runs,
        shell.t("explore.runs"),
        if r.exhausted {
            shell.t("explore.exhausted")
        } else {
            shell.t("explore.budget_used")
        }
    )
}

#[component]
pub fn ExplorePanel(
    #[prop(into)] search: Signal<Search>,
    on_start: Callback<SearchSettings>,
    on_cancel: Callback<()>,
    /// Loads an outcome's shortest schedule (replay string, seed) into the timeline.
    on_pick: Callback<(String, u64)>,
    /// For a program: the same search under each Python model, side by side.
    #[prop(optional)]
    on_compare: Option<Callback<SearchSettings>>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let strategy = RwSignal::new("dpor".to_string());
    let bound = RwSignal::new("2".to_string());
    let budget = RwSignal::new("2000".to_string());
    let bound_ok = Memo::new(move |_| {
        bound.with(|b| {
            let b = b.trim();
            if b.is_empty() {
                Some(None)
            } else {
                b.parse::<u32>().ok().filter(|v| *v <= 50).map(Some)
            }
        })
    });
    let budget_ok = Memo::new(move |_| {
        budget
            .with(|b| b.trim().replace('_', "").parse::<u64>().ok())
            .filter(|b| (1..=crate::engine::MAX_EXPLORE_RUNS).contains(b))
    });
    let valid = move || bound_ok.get().is_some() && budget_ok.get().is_some();
    let running = move || matches!(search.get(), Search::Running(_));
    let settings = move || {
        let (b, n) = (bound_ok.get_untracked()?, budget_ok.get_untracked()?);
        Some(SearchSettings {
            strategy: strategy.get_untracked(),
            max_preemptions: b,
            budget: n,
        })
    };
    let start = move || {
        if let Some(s) = settings() {
            on_start.run(s);
        }
    };
    let result = move || match search.get() {
        Search::Idle => None,
        Search::Running(runs) => Some(
            view! {
                <p class="status" role="status" data-testid="explore-progress">
                    <progress></progress>" "{runs}" "{shell.t("explore.runs")}
                </p>
            }
            .into_any(),
        ),
        Search::Failed(m) => Some(
            view! { <p class="status error" role="alert" data-testid="explore-error">{m}</p> }
                .into_any(),
        ),
        // Shown by the page that asked (the code page's `Compared`).
        Search::Compared(_) => None,
        Search::Done(r) => {
            let max = r.outcomes.iter().map(|o| o.count).max().unwrap_or(1).max(1);
            let summary = summary(shell, &r);
            let rows = r
                .outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let pct = o.count as f64 / max as f64 * 100.0;
                    let cex = (o.shortest.schedule.clone(), o.shortest.seed);
                    let detail = format!(
                        "{} {} · {} {}",
                        o.shortest.preemptions,
                        shell.t("explore.preemptions"),
                        o.shortest.steps,
                        shell.t("page.steps")
                    );
                    view! {
                        <li class:fail=o.failing>
                            <button class="outcome-row" data-testid="explore-outcome" data-failing=o.failing.to_string()
                                data-index=i.to_string()
                                title=move || shell.t("explore.show")
                                on:click=move |_| on_pick.run(cex.clone())>
                                <span class="verdict">{if o.failing { "FAIL" } else { "ok" }}</span>
                                <span class="bar" style=format!("width:{pct:.1}%")></span>
                                <span class="count">{o.count}</span>
                                <span class="label">{o.label.clone()}</span>
                                <small class="detail">{detail}</small>
                            </button>
                        </li>
                    }
                })
                .collect_view();
            Some(
                view! {
                    <div class="explore-result" data-testid="explore-result">
                        <p data-testid="explore-summary">{summary}</p>
                        <ol class="histogram">{rows}</ol>
                        <p class="hint">{shell.t("explore.click")}</p>
                    </div>
                }
                .into_any(),
            )
        }
    };
    view! {
        <section class="explore" data-testid="explore-panel">
            <h2>{move || shell.t("explore.title")}</h2>
            <p class="note">{move || shell.t("explore.what")}</p>
            <div class="real-form">
                <label class="field">
                    <span>{move || shell.t("explore.strategy")}</span>
                    <select data-testid="explore-strategy" on:change=move |ev| strategy.set(event_target_value(&ev))>
                        <option value="dpor" selected=move || strategy.get() == "dpor">{move || shell.t("explore.dpor")}</option>
                        <option value="dfs" selected=move || strategy.get() == "dfs">{move || shell.t("explore.dfs")}</option>
                        <option value="random" selected=move || strategy.get() == "random">{move || shell.t("explore.random")}</option>
                        <option value="pct" selected=move || strategy.get() == "pct">"PCT"</option>
                    </select>
                </label>
                <label class="field">
                    <span>{move || shell.t("explore.bound")}</span>
                    <input data-testid="explore-bound" inputmode="numeric" prop:value=move || bound.get()
                        aria-invalid=move || bound_ok.get().is_none().to_string()
                        on:input=move |ev| bound.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{move || shell.t("explore.budget")}</span>
                    <input data-testid="explore-budget" inputmode="numeric" prop:value=move || budget.get()
                        aria-invalid=move || budget_ok.get().is_none().to_string()
                        on:input=move |ev| budget.set(event_target_value(&ev))/>
                </label>
                <button class="primary" data-testid="explore-run" disabled=move || !valid() || running()
                    on:click=move |_| start()>{move || shell.t("explore.run")}</button>
                {on_compare.map(|compare| view! {
                    <button data-testid="explore-compare" disabled=move || !valid() || running()
                        title=move || shell.t("explore.compare.what")
                        on:click=move |_| {
                            if let Some(s) = settings() {
                                compare.run(s);
                            }
                        }>{move || shell.t("explore.compare")}</button>
                })}
                <Show when=running>
                    <button data-testid="explore-cancel" on:click=move |_| on_cancel.run(())>{move || shell.t("page.cancel")}</button>
                </Show>
            </div>
            <Show when=move || !valid()>
                <p class="err" role="alert">{move || format!("{} 0 … 50 · {} 1 … {}", shell.t("explore.bound"), shell.t("explore.budget"), crate::engine::MAX_EXPLORE_RUNS)}</p>
            </Show>
            {result}
        </section>
    }
}

#[component]
pub fn PlayPanel(
    #[prop(into)] game: Signal<Game>,
    goal: interleave_scenarios::Text,
    on_choose: Callback<u32>,
    on_undo: Callback<()>,
    on_restart: Callback<()>,
    on_hint: Callback<()>,
) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        if let Some(d) = key.chars().next().and_then(|c| c.to_digit(10))
            && key.len() == 1
            && d >= 1
        {
            let ok =
                game.with_untracked(|g| g.next.as_ref().is_some_and(|n| (d as usize) <= n.len()));
            if ok {
                on_choose.run(d - 1);
                ev.prevent_default();
            }
        } else if key == "Backspace" || key == "u" {
            on_undo.run(());
            ev.prevent_default();
        } else if key == "h" {
            on_hint.run(());
            ev.prevent_default();
        }
    };
    let picks = move || {
        let g = game.get();
        let hint_first = g.hint.as_ref().and_then(|h| h.first().copied());
        g.next
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let i = i as u32;
                let hinted = hint_first == Some(i);
                view! {
                    <button class="pick" class:hinted=hinted data-testid=format!("play-pick-{i}")
                        data-unit=c.name.clone()
                        disabled=move || game.with(|g| g.waiting)
                        on:click=move |_| on_choose.run(i)>
                        <kbd>{i + 1}</kbd>" ▶ "{c.name.clone()}
                    </button>
                }
            })
            .collect_view()
    };
    let hint_text = move || {
        let g = game.get();
        if g.no_hint {
            return Some(shell.t("play.no_hint").to_string());
        }
        let h = g.hint?;
        if h.is_empty() {
            return None;
        }
        let names: Vec<String> = h.iter().map(|i| format!("{}", i + 1)).collect();
        Some(format!(
            "{} {} ({})",
            shell.t("play.hint_path"),
            names.join(" → "),
            h.len()
        ))
    };
    view! {
        <section class="play" data-testid="play-panel" tabindex="0" on:keydown=on_key>
            <h2>{move || shell.t("play.title")}</h2>
            <p class="goal" data-testid="play-goal"><strong>{move || shell.t("play.goal")}": "</strong>{move || goal.get(shell.lang.get())}</p>
            <p class="note">{move || shell.t("play.how")}</p>
            <div class="picks" role="group" aria-label=move || shell.t("play.pick")>
                <span class="step-no" data-testid="play-steps">{move || format!("{} {}", game.with(|g| g.choices.len()), shell.t("play.choices"))}</span>
                {picks}
            </div>
            <div class="run-row">
                <button data-testid="play-undo" disabled=move || game.with(|g| g.choices.is_empty() || g.waiting)
                    on:click=move |_| on_undo.run(())>{move || shell.t("play.undo")}</button>
                <button data-testid="play-hint" disabled=move || game.with(|g| g.next.is_none() || g.waiting)
                    on:click=move |_| on_hint.run(())>{move || shell.t("play.hint")}</button>
                <button data-testid="play-restart" on:click=move |_| on_restart.run(())>{move || shell.t("play.restart")}</button>
            </div>
            {move || hint_text().map(|t| view! { <p class="hint-path" data-testid="play-hint-text">{t}</p> })}
            {move || {
                let g = game.get();
                if g.next.is_some() || g.waiting {
                    return None;
                }
                Some(if g.goal_reached {
                    view! { <p class="goal-reached" role="status" data-testid="play-goal-reached">"🎉 "{shell.t("play.reached")}</p> }.into_any()
                } else {
                    view! { <p class="goal-missed" role="status" data-testid="play-goal-missed">{shell.t("play.missed")}</p> }.into_any()
                })
            }}
        </section>
    }
}
