//! The pages: a Leptos app with a gallery and one page per scenario (`start`), and the code
//! page under `code/` (`start_code`, its own module, so the gallery never loads the editor's
//! UI). They never compute: simulations and real work go to Web Workers.

mod canvas;
mod client;
mod code_page;
mod dom;
mod editor;
mod explore_panel;
mod page;
mod real_panel;
mod runs;
mod timeline_view;
pub mod worker;

use leptos::prelude::*;

use crate::code_link;
use crate::i18n::{self, Lang, ui};
use crate::permalink::{self, Link};

/// What every component can reach.
#[derive(Clone, Copy)]
pub struct Shell {
    pub lang: RwSignal<Lang>,
    pub link: RwSignal<Link>,
    pub notices: RwSignal<Vec<String>>,
    pub embed: bool,
}

impl Shell {
    pub fn t(&self, key: &'static str) -> &'static str {
        ui(key, self.lang.get())
    }

    /// Goes to `link`, adding a history entry.
    pub fn navigate(&self, mut link: Link) {
        link.lang = Some(self.lang.get_untracked());
        link.embed = self.embed;
        dom::push_url(&permalink::encode(&link));
        self.link.set(link);
        dom::scroll_top();
    }

    /// Records `link` in the address bar without a new history entry.
    pub fn replace(&self, mut link: Link) {
        link.lang = Some(self.lang.get_untracked());
        link.embed = self.embed;
        dom::replace_url(&permalink::encode(&link));
        self.link.set(link);
    }
}

const LANG_KEY: &str = "interleave.lang";

pub fn start() {
    console_error_panic_hook::set_once();
    // A link with a program belongs to the code page.
    let query = dom::query();
    if permalink::carries_code(&query) {
        dom::location_replace(&format!("code/{query}"));
        return;
    }
    leptos::mount::mount_to_body(App);
}

/// The code page's module: the same shell (language, notices, embed flag) around `CodePage`.
pub fn start_code() {
    console_error_panic_hook::set_once();
    client::set_worker_script("../engine_loader.js");
    leptos::mount::mount_to_body(CodeApp);
}

/// The language a page opens in: the link's, else the remembered one, else the browser's.
fn initial_lang(from_link: Option<Lang>) -> Lang {
    from_link
        .or_else(|| dom::storage_get(LANG_KEY).and_then(|l| Lang::parse(&l)))
        .or_else(|| dom::browser_prefers_chinese().then_some(Lang::Zh))
        .unwrap_or(Lang::En)
}

/// The language is remembered and marked on <html>.
fn follow_lang(shell: Shell) {
    Effect::new(move |_| {
        let l = shell.lang.get();
        dom::storage_set(LANG_KEY, i18n::code(l));
        dom::set_html_lang(if l == Lang::Zh { "zh-CN" } else { "en" });
    });
}

#[component]
fn CodeApp() -> impl IntoView {
    let (start, notices) = code_link::parse(&dom::query());
    let shell = Shell {
        lang: RwSignal::new(initial_lang(start.run.lang)),
        link: RwSignal::new(Link::default()),
        notices: RwSignal::new(notices),
        embed: start.run.embed,
    };
    provide_context(shell);
    follow_lang(shell);
    if shell.embed {
        dom::report_height_to_parent();
    }
    view! {
        <div class="app" class:embed=shell.embed>
            <Show when=move || !shell.embed>
                <Header home="../"/>
            </Show>
            <Notices/>
            <main id="main">
                <code_page::CodePage start=start.clone()/>
            </main>
        </div>
    }
}

#[component]
fn App() -> impl IntoView {
    let (link, notices) = permalink::parse(&dom::query());
    let shell = Shell {
        lang: RwSignal::new(initial_lang(link.lang)),
        link: RwSignal::new(link.clone()),
        notices: RwSignal::new(notices),
        embed: link.embed,
    };
    provide_context(shell);
    follow_lang(shell);
    // Back and forward buttons.
    dom::on_popstate(move || {
        let (link, notices) = permalink::parse(&dom::query());
        if let Some(l) = link.lang {
            shell.lang.set(l);
        }
        shell.link.set(link);
        if !notices.is_empty() {
            shell.notices.set(notices);
        }
    });
    if shell.embed {
        dom::report_height_to_parent();
    }

    let current = Memo::new(move |_| shell.link.with(|l| l.scenario.clone()));
    view! {
        <div class="app" class:embed=shell.embed>
            <Show when=move || !shell.embed>
                <Header/>
            </Show>
            <Notices/>
            <main id="main">
                {move || match current.get() {
                    Some(id) => view! { <page::ScenarioPage id=id/> }.into_any(),
                    None => view! { <Gallery/> }.into_any(),
                }}
            </main>
        </div>
    }
}

/// The top bar. In the main app the brand goes home in place; given `home`, it is a plain
/// link there (the code page's module) and the page keeps its own address up to date.
#[component]
fn Header(#[prop(optional)] home: Option<&'static str>) -> impl IntoView {
    let shell = expect_context::<Shell>();
    let switch = move |_| {
        let next = match shell.lang.get_untracked() {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        };
        shell.lang.set(next);
        if home.is_none() {
            let link = shell.link.get_untracked();
            shell.replace(link);
        }
    };
    view! {
        <header class="top">
            <a class="brand" href=home.unwrap_or("?") data-testid="home"
                on:click=move |ev| {
                    if home.is_none() {
                        ev.prevent_default();
                        shell.navigate(Link::default());
                    }
                }>
                <span class="logo" aria-hidden="true">"≡"</span>
                {move || shell.t("app.title")}
            </a>
            <span class="tagline">{move || shell.t("app.tagline")}</span>
            <button class="lang" data-testid="lang-switch"
                title=move || shell.t("nav.lang.label")
                aria-label=move || shell.t("nav.lang.label")
                on:click=switch>
                {move || shell.t("nav.lang")}
            </button>
        </header>
    }
}

#[component]
fn Notices() -> impl IntoView {
    let shell = expect_context::<Shell>();
    view! {
        <Show when=move || shell.notices.with(|n| !n.is_empty())>
            <div class="notice" role="status" data-testid="notice">
                <strong>{move || shell.t("notice.stale")}": "</strong>
                <ul>
                    {move || shell.notices.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
                <button on:click=move |_| shell.notices.set(Vec::new())>
                    {move || shell.t("notice.dismiss")}
                </button>
            </div>
        </Show>
    }
}

/// Every tag, in filter order, with its text key.
const TAGS: [(interleave_scenarios::Tag, &str); 6] = [
    (interleave_scenarios::Tag::Primitive, "tag.primitive"),
    (interleave_scenarios::Tag::Workload, "tag.workload"),
    (interleave_scenarios::Tag::Asyncio, "tag.asyncio"),
    (interleave_scenarios::Tag::Scheduling, "tag.scheduling"),
    (interleave_scenarios::Tag::Classic, "tag.classic"),
    (interleave_scenarios::Tag::Process, "tag.process"),
];

fn tag_key(tag: interleave_scenarios::Tag) -> &'static str {
    TAGS.iter().find(|(t, _)| *t == tag).map_or("", |(_, k)| k)
}

#[component]
fn Gallery() -> impl IntoView {
    let shell = expect_context::<Shell>();
    let query = RwSignal::new(String::new());
    let tag = RwSignal::new(None::<interleave_scenarios::Tag>);
    let cards = move || {
        let lang = shell.lang.get();
        let q = query.get().to_lowercase();
        let tag = tag.get();
        interleave_scenarios::catalogue()
            .into_iter()
            .filter(|s| tag.is_none_or(|t| s.tags.contains(&t)))
            .filter(|s| {
                q.is_empty()
                    || s.id.contains(&q)
                    || [s.title, s.lesson]
                        .iter()
                        .any(|t| t.en.to_lowercase().contains(&q) || t.zh.contains(&q))
            })
            .map(|s| {
                let id = s.id;
                let tags = s
                    .tags
                    .iter()
                    .map(|t| view! { <span class="tag">{ui(tag_key(*t), lang)}</span> })
                    .collect_view();
                view! {
                    <li>
                        <a class="card" href=format!("?v=1&s={id}") data-testid="scenario-card" data-id=id
                            on:click=move |ev| {
                                ev.prevent_default();
                                shell.navigate(Link::scenario(id));
                            }>
                            <h2>{s.title.get(lang)}</h2>
                            <p>{s.lesson.get(lang)}</p>
                            <div class="tags">{tags}</div>
                        </a>
                    </li>
                }
            })
            .collect::<Vec<_>>()
    };
    let count = move || cards().len();
    view! {
        <section class="gallery" data-testid="gallery">
            <div class="filters">
                <input type="search" data-testid="gallery-search"
                    placeholder=move || shell.t("gallery.search")
                    aria-label=move || shell.t("gallery.search")
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
                <div class="tagbar" role="group">
                    <button class:on=move || tag.get().is_none() on:click=move |_| tag.set(None)>
                        {move || shell.t("gallery.all")}
                    </button>
                    {TAGS.iter().map(|(t, key)| {
                        let t = *t;
                        let key: &'static str = key;
                        view! {
                            <button class:on=move || tag.get() == Some(t)
                                aria-pressed=move || (tag.get() == Some(t)).to_string()
                                on:click=move |_| tag.set(Some(t))>
                                {move || shell.t(key)}
                            </button>
                        }
                    }).collect_view()}
                </div>
                <span class="count">{count}" "{move || shell.t("gallery.count")}</span>
            </div>
            <ul class="cards">
                <li>
                    <a class="card write-own" href="code/" data-testid="write-own">
                        <h2>{move || shell.t("gallery.write")}</h2>
                        <p>{move || shell.t("gallery.write.text")}</p>
                        <div class="tags"><span class="tag">"Python"</span></div>
                    </a>
                </li>
                {cards}
            </ul>
            <Show when=move || count() == 0>
                <p class="empty">{move || shell.t("gallery.none")}</p>
            </Show>
        </section>
    }
}
