//! The terminal timeline: a lane per unit, one glyph per time bucket, a time axis, a legend,
//! then the outcome, the result and the key metrics.

use std::fmt::Write as _;

use interleave_sim::{EventKind, State, Trace, UnitKind, fmt_nanos};

/// How to draw.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Columns for the lanes (not counting the name column).
    pub width: usize,
    /// ANSI colours (only when stdout is a terminal).
    pub color: bool,
    /// At most this many lanes; the rest are summarised.
    pub max_lanes: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            width: 64,
            color: false,
            max_lanes: 40,
        }
    }
}

fn glyph(s: State) -> char {
    match s {
        State::Running => '█',
        State::Ready => '▒',
        State::WaitingGil => 'g',
        State::Blocked => '░',
        State::Sleeping => 'z',
        State::Io => '~',
        State::Idle => '·',
        State::Loop => '=',
        State::Starting => '^',
    }
}

fn color(s: State) -> &'static str {
    match s {
        State::Running => "\x1b[32m",
        State::Ready => "\x1b[37m",
        State::WaitingGil => "\x1b[33m",
        State::Blocked => "\x1b[31m",
        State::Sleeping => "\x1b[34m",
        State::Io => "\x1b[36m",
        State::Idle => "\x1b[90m",
        State::Loop => "\x1b[35m",
        State::Starting => "\x1b[90m",
    }
}

const RESET: &str = "\x1b[0m";

/// The mark an event leaves on its lane's event row, if it gets one.
fn mark(kind: EventKind) -> Option<char> {
    Some(match kind {
        EventKind::Acquire => '+',
        EventKind::Release => '-',
        EventKind::Read => 'r',
        EventKind::Write => 'w',
        EventKind::Put => 'p',
        EventKind::Get => 'g',
        EventKind::Send => 's',
        EventKind::Recv => 'v',
        EventKind::Notify => 'n',
        EventKind::Set => 'e',
        EventKind::Wait => '?',
        EventKind::Wake | EventKind::Pass => '!',
        _ => return None,
    })
}

/// The legend of the event marks.
const MARKS: &str = "+ acquire  - release  r read  w write  p put  g get  s send  v recv  n notify  e set  ? wait  ! woken  * several";

/// Renders the timeline and the summary.
pub fn render(trace: &Trace, title: &str, style: Style) -> String {
    let mut out = String::new();
    let end = trace.metrics.makespan.max(1);
    let width = style.width.max(8);
    let bucket = end.div_ceil(width as u64).max(1);
    let name_w = trace
        .units
        .iter()
        .map(|u| label(trace, u.id.index()).chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 24);
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "{:name_w$}  0{:>w$}",
        "time",
        fmt_nanos(end),
        w = width.saturating_sub(1)
    );
    // For each unit and bucket, the state that covered most of the bucket.
    let mut cover: Vec<Vec<[u64; 9]>> = vec![vec![[0; 9]; width]; trace.units.len()];
    for s in &trace.spans {
        let Some(lane) = cover.get_mut(s.unit.index()) else {
            continue;
        };
        let si = State::ALL.iter().position(|x| *x == s.state).unwrap_or(0);
        let mut t = s.start;
        while t < s.end {
            let b = ((t / bucket) as usize).min(width - 1);
            let b_end = ((b as u64) + 1) * bucket;
            let seg_end = s.end.min(b_end);
            lane[b][si] += seg_end - t;
            if seg_end == t {
                break;
            }
            t = seg_end;
        }
    }
    let shown = trace.units.len().min(style.max_lanes);
    for (i, info) in trace.units.iter().enumerate().take(shown) {
        let name: String = label(trace, i).chars().take(name_w).collect();
        let mut line = format!("{name:name_w$}  ");
        let err_bucket = trace
            .errors
            .iter()
            .find(|e| e.unit == info.id)
            .map(|e| ((e.time / bucket) as usize).min(width - 1));
        for (b, c) in cover[i].iter().enumerate() {
            if err_bucket == Some(b) {
                line.push_str(&paint(style, "\x1b[1;31m", '!'));
                continue;
            }
            let (best, amount) = c
                .iter()
                .enumerate()
                .max_by_key(|(_, v)| **v)
                .map_or((0, 0), |(i, v)| (i, *v));
            if amount == 0 {
                line.push(' ');
            } else {
                let s = State::ALL[best];
                line.push_str(&paint(style, color(s), glyph(s)));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
        // The lane's marked events, one character per bucket ('*' when several differ).
        let mut marks: Vec<Option<char>> = vec![None; width];
        for e in trace.events.iter().filter(|e| e.unit == info.id) {
            let Some(m) = mark(e.kind) else { continue };
            let b = ((e.time / bucket) as usize).min(width - 1);
            marks[b] = match marks[b] {
                None => Some(m),
                Some(prev) if prev == m => Some(m),
                Some(_) => Some('*'),
            };
        }
        if marks.iter().any(Option::is_some) {
            let row: String = marks.iter().map(|m| m.unwrap_or(' ')).collect();
            let _ = writeln!(out, "{:name_w$}  {}", "", row.trim_end());
        }
    }
    if trace.units.len() > shown {
        let _ = writeln!(
            out,
            "… and {} more lanes (use --format json for all)",
            trace.units.len() - shown
        );
    }
    let legend: Vec<String> = State::ALL
        .iter()
        .map(|s| format!("{} {}", paint(style, color(*s), glyph(*s)), s.label()))
        .chain(std::iter::once(format!(
            "{} error",
            paint(style, "\x1b[1;31m", '!')
        )))
        .collect();
    let _ = writeln!(out, "legend: {}", legend.join("  "));
    let _ = writeln!(out, "events: {MARKS}");
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", summary(trace));
    out
}

fn paint(style: Style, code: &str, c: char) -> String {
    if style.color {
        format!("{code}{c}{RESET}")
    } else {
        c.to_string()
    }
}

fn label(trace: &Trace, i: usize) -> String {
    let u = &trace.units[i];
    match u.kind {
        UnitKind::Task | UnitKind::Callback => format!("  {}", u.name),
        UnitKind::Thread if u.process != trace.units[0].id => format!(" {}", u.name),
        _ => u.name.clone(),
    }
}

/// Outcome, result, errors and key metrics as text.
pub fn summary(trace: &Trace) -> String {
    let mut out = String::new();
    let outcome = trace.outcome.summary();
    let _ = writeln!(out, "outcome: {outcome}");
    if !trace.result.is_empty() {
        let parts: Vec<String> = trace
            .result
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        let _ = writeln!(out, "result:  {}", parts.join(", "));
    }
    for e in &trace.errors {
        let _ = writeln!(
            out,
            "error:   {} raised {} at {}",
            trace.unit_name(e.unit),
            e.error,
            fmt_nanos(e.time)
        );
    }
    for l in &trace.lost_wakeups {
        let _ = writeln!(out, "lost wakeup: {}", l.describe(trace));
    }
    // Data races: conflicting accesses to one variable that no synchronisation orders (for
    // a Python program: its globals, attributes and list/dict items shared by threads).
    let races = interleave_sim::races::find(trace, 4);
    if let Some(first) = races.first() {
        let more = if races.len() > 1 {
            format!(" (and more: {} shown at most)", races.len())
        } else {
            String::new()
        };
        let _ = writeln!(out, "data race: {}{more}", first.describe(trace));
        if let (Some(a), Some(b)) = (
            trace.line(first.first.event),
            trace.line(first.second.event),
        ) {
            let _ = writeln!(out, "           at lines {a} and {b} of the program");
        }
    }
    let m = &trace.metrics;
    let util: Vec<String> = m
        .core_utilisation
        .iter()
        .map(|u| format!("{:.0}%", u * 100.0))
        .collect();
    let _ = writeln!(
        out,
        "metrics: makespan {}, {} steps, {} events, core utilisation {}, GIL wait {} ({} hand-overs)",
        fmt_nanos(m.makespan),
        m.steps,
        m.events,
        util.join("/"),
        fmt_nanos(m.gil_wait),
        m.gil_switches
    );
    let _ = writeln!(out, "replay:  {}", trace.schedule);
    out
}
