//! Typed scenario parameters and the one validation function the CLI and the web UI share.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::Text;

/// What values a parameter accepts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParamKind {
    Int {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
    },
    Bool,
    Choice {
        choices: Vec<&'static str>,
    },
    /// Comma-separated non-negative integers (up to `max_len` of them, each ≤ `max`).
    List {
        max_len: usize,
        max: u64,
    },
    /// Free text checked by the scenario (e.g. a job set), at most `max_len` characters.
    Text {
        max_len: usize,
    },
}

/// One parameter of a scenario.
#[derive(Clone, Debug, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    #[serde(flatten)]
    pub kind: ParamKind,
    /// The default, written as a user would type it.
    pub default: &'static str,
    pub help: Text,
}

impl ParamSpec {
    pub fn int(name: &'static str, default: &'static str, min: i64, max: i64, help: Text) -> Self {
        ParamSpec {
            name,
            kind: ParamKind::Int { min, max },
            default,
            help,
        }
    }

    pub fn float(
        name: &'static str,
        default: &'static str,
        min: f64,
        max: f64,
        help: Text,
    ) -> Self {
        ParamSpec {
            name,
            kind: ParamKind::Float { min, max },
            default,
            help,
        }
    }

    pub fn bool(name: &'static str, default: &'static str, help: Text) -> Self {
        ParamSpec {
            name,
            kind: ParamKind::Bool,
            default,
            help,
        }
    }

    pub fn choice(
        name: &'static str,
        default: &'static str,
        choices: &[&'static str],
        help: Text,
    ) -> Self {
        ParamSpec {
            name,
            kind: ParamKind::Choice {
                choices: choices.to_vec(),
            },
            default,
            help,
        }
    }

    pub fn list(
        name: &'static str,
        default: &'static str,
        max_len: usize,
        max: u64,
        help: Text,
    ) -> Self {
        ParamSpec {
            name,
            kind: ParamKind::List { max_len, max },
            default,
            help,
        }
    }

    pub fn text(name: &'static str, default: &'static str, max_len: usize, help: Text) -> Self {
        ParamSpec {
            name,
            kind: ParamKind::Text { max_len },
            default,
            help,
        }
    }

    /// What this parameter accepts, for error messages and help.
    pub fn accepts(&self) -> String {
        match &self.kind {
            ParamKind::Int { min, max } => format!("an integer from {min} to {max}"),
            ParamKind::Float { min, max } => format!("a number from {min} to {max}"),
            ParamKind::Bool => "true or false".to_string(),
            ParamKind::Choice { choices } => format!("one of {}", choices.join(", ")),
            ParamKind::List { max_len, max } => {
                format!("1 to {max_len} comma-separated integers from 0 to {max}")
            }
            ParamKind::Text { max_len } => format!("text of at most {max_len} characters"),
        }
    }

    /// Parses and range-checks one raw value.
    pub fn parse(&self, raw: &str) -> Result<PValue, String> {
        let raw = raw.trim();
        let bad = || format!("{} must be {}, got {raw:?}", self.name, self.accepts());
        match &self.kind {
            ParamKind::Int { min, max } => {
                let v: i64 = raw.replace('_', "").parse().map_err(|_| bad())?;
                if v < *min || v > *max {
                    return Err(bad());
                }
                Ok(PValue::Int(v))
            }
            ParamKind::Float { min, max } => {
                let v: f64 = raw.parse().map_err(|_| bad())?;
                if !v.is_finite() || v < *min || v > *max {
                    return Err(bad());
                }
                Ok(PValue::Float(v))
            }
            ParamKind::Bool => match raw.to_ascii_lowercase().as_str() {
                "true" | "on" | "yes" | "1" => Ok(PValue::Bool(true)),
                "false" | "off" | "no" | "0" => Ok(PValue::Bool(false)),
                _ => Err(bad()),
            },
            ParamKind::Choice { choices } => choices
                .iter()
                .find(|c| **c == raw)
                .map(|c| PValue::Choice(c.to_string()))
                .ok_or_else(bad),
            ParamKind::List { max_len, max } => {
                let items: Result<Vec<u64>, _> = raw
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.replace('_', "").parse::<u64>())
                    .collect();
                let items = items.map_err(|_| bad())?;
                if items.is_empty() || items.len() > *max_len || items.iter().any(|x| x > max) {
                    return Err(bad());
                }
                Ok(PValue::List(items))
            }
            ParamKind::Text { max_len } => {
                if raw.chars().count() > *max_len {
                    return Err(bad());
                }
                Ok(PValue::Text(raw.to_string()))
            }
        }
    }
}

/// A validated parameter value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Choice(String),
    List(Vec<u64>),
    Text(String),
}

impl fmt::Display for PValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PValue::Int(v) => write!(f, "{v}"),
            PValue::Float(v) => write!(f, "{v}"),
            PValue::Bool(v) => write!(f, "{v}"),
            PValue::Choice(v) | PValue::Text(v) => f.write_str(v),
            PValue::List(v) => {
                let parts: Vec<String> = v.iter().map(u64::to_string).collect();
                f.write_str(&parts.join(","))
            }
        }
    }
}

/// A full, validated set of parameter values for one scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Params(pub BTreeMap<String, PValue>);

impl Params {
    /// An integer parameter (0 if the scenario asks for one it does not declare).
    pub fn int(&self, name: &str) -> i64 {
        match self.0.get(name) {
            Some(PValue::Int(v)) => *v,
            _ => 0,
        }
    }

    pub fn float(&self, name: &str) -> f64 {
        match self.0.get(name) {
            Some(PValue::Float(v)) => *v,
            Some(PValue::Int(v)) => *v as f64,
            _ => 0.0,
        }
    }

    pub fn bool(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(PValue::Bool(true)))
    }

    pub fn choice(&self, name: &str) -> &str {
        match self.0.get(name) {
            Some(PValue::Choice(v)) | Some(PValue::Text(v)) => v,
            _ => "",
        }
    }

    pub fn list(&self, name: &str) -> Vec<u64> {
        match self.0.get(name) {
            Some(PValue::List(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// `name=value` pairs, for commands and permalinks.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect()
    }
}

/// A rejected parameter: which one and what is accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParamError {
    pub param: String,
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParamError {}

/// Validates `overrides` (name, raw value) against `specs`, filling in defaults. Unknown names,
/// malformed and out-of-range values are errors that say what is accepted. `check` runs the
/// scenario's cross-parameter rules on the complete set.
pub fn validate(
    specs: &[ParamSpec],
    overrides: &[(String, String)],
    check: fn(&Params) -> Result<(), ParamError>,
) -> Result<Params, ParamError> {
    let mut values = BTreeMap::new();
    for spec in specs {
        let v = spec.parse(spec.default).map_err(|m| ParamError {
            param: spec.name.to_string(),
            message: format!("internal error: bad default: {m}"),
        })?;
        values.insert(spec.name.to_string(), v);
    }
    for (name, raw) in overrides {
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            return Err(ParamError {
                param: name.clone(),
                message: if known.is_empty() {
                    format!("unknown parameter {name:?}: this scenario takes no parameters")
                } else {
                    format!("unknown parameter {name:?}; known: {}", known.join(", "))
                },
            });
        };
        let v = spec.parse(raw).map_err(|message| ParamError {
            param: name.clone(),
            message,
        })?;
        values.insert(name.clone(), v);
    }
    let params = Params(values);
    check(&params)?;
    Ok(params)
}

/// No cross-parameter rules.
pub fn no_check(_: &Params) -> Result<(), ParamError> {
    Ok(())
}
