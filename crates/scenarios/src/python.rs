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

/// Replaces every `@name@` in `template` with the parameter's Python literal.
pub fn fill(template: &str, params: &Params) -> String {
    let mut out = template.to_string();
    for (name, v) in &params.0 {
        out = out.replace(&format!("@{name}@"), &literal(v));
    }
    out
}
