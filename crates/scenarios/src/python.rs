//! Filling the project's Python programs with parameter values.

use crate::params::{PValue, Params};

/// A parameter value as a Python literal.
pub fn literal(v: &PValue) -> String {
    match v {
        PValue::Int(i) => i.to_string(),
        PValue::Float(f) => format!("{f:?}"),
        PValue::Bool(true) => "True".to_string(),
        PValue::Bool(false) => "False".to_string(),
        PValue::Choice(s) | PValue::Text(s) => format!("{s:?}"),
        PValue::List(v) => {
            let parts: Vec<String> = v.iter().map(u64::to_string).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// The marker that ends a parameter's line in a program: `NAME = value  # param name` or
/// `NAME = value  # param name: comment`.
const MARKER: &str = "  # param ";

/// The program `template` with each parameter line set to the parameter's value. A template
/// is a runnable Python file with the defaults (`catalogue/python/*.py`); its parameter lines
/// end with the marker, which the filled program does not show (a comment after `: ` stays).
pub fn fill(template: &str, params: &Params) -> String {
    let mut out = String::with_capacity(template.len());
    for line in template.lines() {
        out.push_str(&fill_line(line, params));
        out.push('\n');
    }
    out
}

fn fill_line(line: &str, params: &Params) -> String {
    let Some(at) = line.find(MARKER) else {
        return line.to_string();
    };
    let (code, marker) = line.split_at(at);
    let rest = &marker[MARKER.len()..];
    let (name, comment) = match rest.split_once(": ") {
        Some((n, c)) => (n.trim(), Some(c)),
        None => (rest.trim(), None),
    };
    let (Some((target, _)), Some(v)) = (code.split_once(" = "), params.0.get(name)) else {
        return line.to_string();
    };
    let mut filled = format!("{target} = {}", literal(v));
    if let Some(c) = comment {
        filled.push_str("  # ");
        filled.push_str(c);
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, PValue)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn parameter_lines_take_the_value_and_lose_the_marker() {
        let t = "import time\nN = 4  # param n\nKIND = \"fifo\"  # param kind: fifo or lifo\nX = N  # not a param\n";
        let p = params(&[
            ("n", PValue::Int(9)),
            ("kind", PValue::Choice("lifo".into())),
        ]);
        assert_eq!(
            fill(t, &p),
            "import time\nN = 9\nKIND = \"lifo\"  # fifo or lifo\nX = N  # not a param\n"
        );
    }

    #[test]
    fn an_unknown_parameter_leaves_the_line_as_it_is() {
        let t = "N = 4  # param n\n";
        assert_eq!(fill(t, &params(&[])), t);
    }
}
