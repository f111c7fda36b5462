//! The page's state in its URL: scenario, parameters, seed, machine, scheduler or replay
//! string, step, mode, language, embed flag and a format version. Parsing never fails: what
//! it does not understand falls back to the default and is reported as a notice for the page
//! to show.

use interleave_scenarios::Lang;

use crate::protocol::Sched;

/// The permalink format this page writes. Links with another version still open: what can
/// be read is used, the rest falls back with a notice.
pub const FORMAT: u32 = 1;

/// Largest seed a link may carry (keeps seeds exact in JavaScript numbers too).
pub const MAX_SEED: u64 = (1 << 53) - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PageMode {
    #[default]
    Sim,
    /// Search every interleaving.
    Explore,
    /// "You are the scheduler" (the replay string is the position).
    Play,
    Real,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Link {
    pub scenario: Option<String>,
    pub params: Vec<(String, String)>,
    pub seed: u64,
    pub cores: Option<u32>,
    pub gil: Option<bool>,
    pub sched: Sched,
    pub replay: Option<String>,
    /// The event the cursor is on.
    pub step: Option<usize>,
    pub mode: PageMode,
    pub lang: Option<Lang>,
    pub embed: bool,
}

impl Link {
    pub fn scenario(id: &str) -> Link {
        Link {
            scenario: Some(id.to_string()),
            seed: 1,
            ..Link::default()
        }
    }
}

/// A seed as a form or a link writes it: an integer from 0 to [`MAX_SEED`].
pub fn parse_seed(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok().filter(|v| *v <= MAX_SEED)
}

/// A query string's `key=value` pairs, percent-decoded.
pub fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Whether a query string carries a program (`code=`): such a link belongs to the code page
/// (`code/`, see `code_link`). Checked without decoding the program.
pub fn carries_code(query: &str) -> bool {
    query
        .trim_start_matches('?')
        .split('&')
        .any(|kv| kv == "code" || kv.starts_with("code="))
}

/// Reads a query string (with or without the leading `?`).
pub fn parse(query: &str) -> (Link, Vec<String>) {
    let mut link = Link {
        seed: 1,
        ..Link::default()
    };
    let mut notices = Vec::new();
    let pairs = pairs(query);
    let version = pairs
        .iter()
        .find(|(k, _)| k == "v")
        .map(|(_, v)| v.as_str());
    if let Some(v) = version
        && v != FORMAT.to_string()
    {
        notices.push(format!(
            "this link has format version {v:?}; this page reads version {FORMAT}"
        ));
    }
    let mut raw_params = Vec::new();
    for (k, v) in &pairs {
        let mut bad = |what: &str| notices.push(format!("{k}={v:?}: {what}"));
        match k.as_str() {
            "v" => {}
            "s" => link.scenario = Some(v.clone()),
            "seed" => match parse_seed(v) {
                Some(s) => link.seed = s,
                None => bad(&format!("a seed is an integer from 0 to {MAX_SEED}")),
            },
            "cores" => match v.parse::<u32>() {
                Ok(c) if (1..=64).contains(&c) => link.cores = Some(c),
                _ => bad("cores is an integer from 1 to 64"),
            },
            "gil" => match v.as_str() {
                "1" | "true" | "on" => link.gil = Some(true),
                "0" | "false" | "off" => link.gil = Some(false),
                _ => bad("gil is on or off"),
            },
            "sched" => match Sched::parse(v) {
                Some(s) => link.sched = s,
                None => bad("the scheduler is random, fifo or pct"),
            },
            "replay" => {
                if interleave_sim::Schedule::decode(v).is_ok() {
                    link.replay = Some(v.clone());
                } else {
                    bad("not a replay string");
                }
            }
            "step" => match v.parse::<usize>() {
                Ok(s) => link.step = Some(s),
                Err(_) => bad("step is an event number"),
            },
            "mode" => match v.as_str() {
                "sim" => link.mode = PageMode::Sim,
                "real" => link.mode = PageMode::Real,
                "explore" => link.mode = PageMode::Explore,
                "play" => link.mode = PageMode::Play,
                _ => bad("mode is sim, explore, play or real"),
            },
            "lang" => match Lang::parse(v) {
                Some(l) => link.lang = Some(l),
                None => bad("the language is en or zh"),
            },
            "embed" => link.embed = v == "1" || v == "true",
            _ => match k.strip_prefix("p.") {
                Some(name) => raw_params.push((name.to_string(), v.clone())),
                None => bad("unknown setting"),
            },
        }
    }
    // Parameters are checked against the scenario with the catalogue's own validation.
    if let Some(id) = &link.scenario {
        match interleave_scenarios::find(id) {
            None => {
                notices.push(format!("there is no scenario {id:?}"));
                link.scenario = None;
            }
            Some(sc) => {
                let mut kept = Vec::new();
                for (name, value) in raw_params {
                    match sc.params.iter().find(|p| p.name == name) {
                        None => notices.push(format!("{id} has no parameter {name:?}")),
                        Some(spec) => match spec.parse(&value) {
                            Ok(_) => kept.push((name, value)),
                            Err(e) => notices.push(e),
                        },
                    }
                }
                if let Err(e) = sc.validate(&kept) {
                    notices.push(format!("{e}; using the defaults"));
                    kept.clear();
                }
                if link.mode == PageMode::Real && sc.browser_real.is_none() {
                    notices.push(format!("{id} has no real mode"));
                    link.mode = PageMode::Sim;
                }
                if matches!(link.mode, PageMode::Explore | PageMode::Play)
                    && interleave_scenarios::is_synthetic(sc.id)
                {
                    notices.push(format!("{id} draws fixed schedules: nothing to explore"));
                    link.mode = PageMode::Sim;
                }
                link.params = kept;
            }
        }
    } else if !raw_params.is_empty() {
        notices.push("parameters without a scenario were ignored".to_string());
    }
    (link, notices)
}

/// Writes a query string (with the leading `?`) that `parse` reads back to `link`.
pub fn encode(link: &Link) -> String {
    format!("?{}", parts(link, link.scenario.is_some()).join("&"))
}

/// The `key=value` parts of `link`, the version first; the run's settings (seed, machine,
/// schedule, step, mode) only `with_run`.
pub fn parts(link: &Link, with_run: bool) -> Vec<String> {
    let mut q = vec![format!("v={FORMAT}")];
    if let Some(s) = &link.scenario {
        q.push(format!("s={}", encode_part(s)));
        for (k, v) in &link.params {
            q.push(format!("p.{}={}", encode_part(k), encode_part(v)));
        }
    }
    if with_run {
        q.push(format!("seed={}", link.seed));
        if let Some(c) = link.cores {
            q.push(format!("cores={c}"));
        }
        if let Some(g) = link.gil {
            q.push(format!("gil={}", if g { "on" } else { "off" }));
        }
        if link.sched != Sched::Random {
            q.push(format!("sched={}", link.sched.name()));
        }
        if let Some(r) = &link.replay {
            q.push(format!("replay={}", encode_part(r)));
        }
        if let Some(s) = link.step {
            q.push(format!("step={s}"));
        }
        match link.mode {
            PageMode::Sim => {}
            PageMode::Explore => q.push("mode=explore".to_string()),
            PageMode::Play => q.push("mode=play".to_string()),
            PageMode::Real => q.push("mode=real".to_string()),
        }
    }
    if let Some(l) = link.lang {
        q.push(format!("lang={}", crate::i18n::code(l)));
    }
    if link.embed {
        q.push("embed=1".to_string());
    }
    q
}

/// `s` percent-encoded for a query string.
pub fn encode_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b','
            | b':'
            | b'*' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
