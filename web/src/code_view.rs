//! Code beside the timeline, as pure functions: each thread's badge (a letter and a colour,
//! drawn on its lane and in the editor's gutter, so a line's threads never rely on colour
//! alone), the line every thread is at when the cursor is on an event, the events a line
//! produced, and the problems the editor underlines.

use interleave_sim::{EventKind, Trace};
use serde::Serialize;

use crate::protocol::{BadSource, ProgramRun};

/// Badge colours (Okabe–Ito, darkened for white letters), cycled; the letter tells apart two
/// lanes that share one.
const COLOURS: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7A6A00", "#56B4E9", "#E69F00", "#555555",
];

/// A lane's identity in code: `A`, `B`, … `Z`, `AA`, … in lane order, and a colour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    pub letter: String,
    pub colour: &'static str,
}

/// The `n`th letter name: A … Z, AA, AB, …
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Per unit, its badge if it ran program lines (`lane_order` lists units top to bottom, as
/// the timeline's layout puts them). A trace without source lines has no badges.
pub fn badges(trace: &Trace, lane_order: &[usize]) -> Vec<Option<Badge>> {
    let mut has_lines = vec![false; trace.units.len()];
    for &(ix, _) in &trace.lines {
        if let Some(e) = trace.events.get(ix as usize)
            && let Some(h) = has_lines.get_mut(e.unit.index())
        {
            *h = true;
        }
    }
    let mut out = vec![None; trace.units.len()];
    let mut k = 0;
    for &u in lane_order {
        if has_lines.get(u).copied().unwrap_or(false) && out[u].is_none() {
            out[u] = Some(Badge {
                letter: letters(k),
                colour: COLOURS[k % COLOURS.len()],
            });
            k += 1;
        }
    }
    out
}

/// A thread at a line, for the editor's gutter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadMark {
    pub line: u32,
    pub letter: String,
    pub name: String,
    pub color: &'static str,
}

/// Where every unit is with the cursor on event `step`: the line of its latest event at or
/// before it, unless it has exited by then. Units without a badge are left out.
pub fn thread_marks(trace: &Trace, badges: &[Option<Badge>], step: usize) -> Vec<ThreadMark> {
    let n = trace.units.len();
    let mut line: Vec<Option<u32>> = vec![None; n];
    for &(ix, l) in &trace.lines {
        if ix as usize > step {
            break;
        }
        if let Some(e) = trace.events.get(ix as usize)
            && let Some(slot) = line.get_mut(e.unit.index())
        {
            *slot = Some(l);
        }
    }
    let mut exited = vec![false; n];
    for e in trace.events.iter().take(step.saturating_add(1)) {
        if let Some(x) = exited.get_mut(e.unit.index()) {
            *x = e.kind == EventKind::Exit;
        }
    }
    (0..n)
        .filter(|&u| !exited[u])
        .filter_map(|u| {
            let badge = badges.get(u)?.as_ref()?;
            Some(ThreadMark {
                line: line[u]?,
                letter: badge.letter.clone(),
                name: trace.units[u].name.clone(),
                color: badge.colour,
            })
        })
        .collect()
}

/// The events a source line produced, in order.
pub fn events_of_line(trace: &Trace, line: u32) -> Vec<usize> {
    trace
        .lines
        .iter()
        .filter(|(_, l)| *l == line)
        .map(|(ix, _)| *ix as usize)
        .collect()
}

/// Something the editor underlines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: u32,
    pub col: u32,
    pub message: String,
    pub severity: &'static str,
}

/// What the editor underlines: a program that cannot run (at its line and column), or the
/// uncaught exceptions of the run shown (at the line each was raised, with its thread).
pub fn problems(
    bad: Option<&BadSource>,
    run: Option<&ProgramRun>,
    trace: Option<&Trace>,
    zh: bool,
) -> Vec<Problem> {
    if let Some(b) = bad {
        return vec![Problem {
            line: b.line.max(1),
            col: b.col.max(1),
            message: if zh { b.zh.clone() } else { b.en.clone() },
            severity: "error",
        }];
    }
    let Some(run) = run else { return Vec::new() };
    run.uncaught
        .iter()
        .filter_map(|u| {
            let line = u.line?;
            let thread = u
                .unit
                .and_then(|i| trace?.units.get(i as usize))
                .map(|x| format!(" ({})", x.name))
                .unwrap_or_default();
            Some(Problem {
                line,
                col: 1,
                message: format!("{}{thread}", u.message),
                severity: "error",
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::letters;

    #[test]
    fn letters_go_on_past_z() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(26 * 27), "AAA");
    }
}
