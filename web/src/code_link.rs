//! The code page's state in its URL (`code/?…`): the program (`code=`, compressed by
//! `source_link`), the Python model (`py=`), and the settings every link has (seed, cores,
//! scheduler, replay, step, mode, language, embed), which `permalink` reads and writes. A link
//! without a program may name a scenario (`s=` with its `p.` parameters) whose Python program
//! the editor opens with. Parsing never fails: what it cannot read is a notice.

use crate::permalink::{self, Link, PageMode};
use crate::protocol::PyModel;
use crate::source_link;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct CodeLink {
    /// The program; `None` when the link carries none.
    pub code: Option<String>,
    pub python: PyModel,
    /// Everything else, as a scenario link holds it (its scenario, if any, is where the
    /// program comes from when the link carries none).
    pub run: Link,
}

/// Reads a code page's query string.
pub fn parse(query: &str) -> (CodeLink, Vec<String>) {
    let mut notices = Vec::new();
    let mut link = CodeLink::default();
    let mut rest = Vec::new();
    for (k, v) in permalink::pairs(query) {
        match k.as_str() {
            "code" => match source_link::decode(&v) {
                Ok(src) => link.code = Some(src),
                Err(e) => notices.push(e.to_string()),
            },
            "py" => match PyModel::parse(&v) {
                Some(m) => link.python = m,
                None => notices.push(format!("py={v:?}: the Python model is 3.11, 3.9 or 3.13t")),
            },
            _ => rest.push(format!(
                "{}={}",
                permalink::encode_part(&k),
                permalink::encode_part(&v)
            )),
        }
    }
    let (run, more) = permalink::parse(&rest.join("&"));
    notices.extend(more);
    link.run = run;
    if link.run.mode == PageMode::Real {
        notices.push("a program has no real mode".to_string());
        link.run.mode = PageMode::Sim;
    }
    (link, notices)
}

/// Writes a query string (with the leading `?`) that `parse` reads back, without the
/// program when it does not fit in a link (the page offers it as a file instead).
pub fn encode(link: &CodeLink) -> String {
    let mut run = link.run.clone();
    run.scenario = None;
    run.params.clear();
    let mut q = permalink::parts(&run, true);
    let mut at = 1;
    if let Some(Ok(code)) = link.code.as_deref().map(source_link::encode) {
        q.insert(at, format!("code={code}"));
        at += 1;
    }
    if link.python != PyModel::default() {
        q.insert(at, format!("py={}", link.python.label()));
    }
    format!("?{}", q.join("&"))
}

impl CodeLink {
    /// The program the page opens with: the link's own, else its scenario's Python program,
    /// else the first starter.
    pub fn source(&self) -> String {
        if let Some(code) = &self.code {
            return code.clone();
        }
        if let Some(sc) = self
            .run
            .scenario
            .as_deref()
            .and_then(interleave_scenarios::find)
            && let Ok(params) = sc.validate(&self.run.params)
        {
            return sc.python_program(&params);
        }
        crate::starters::first().source.to_string()
    }
}
