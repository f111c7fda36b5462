//! Python-like values that programs pass through queues, pipes and shared variables.
//!
//! Only what the scenarios need: `None`, `bool`, `int`, `float`, `str`, tuples and lists.
//! Ordering follows Python: numbers compare across `int`/`float`, sequences compare
//! lexicographically, anything else is a `TypeError` (as `PriorityQueue` users find out).

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{PyError, PyErrorKind};

/// A value as a Python program would see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(untagged)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    /// An object of an interpreted Python program that the simulator carries without looking
    /// inside (an instance, a tuple, a sentinel): the interpreter keeps the object itself and
    /// gives the simulator its handle, its text and its size.
    Opaque(Box<Opaque>),
}

/// What the simulator knows of an interpreter's object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opaque {
    /// The interpreter's handle for the object.
    pub id: u64,
    /// Python's `repr` of it, for event texts.
    pub repr: String,
    /// Python's type name, for error messages.
    pub type_name: String,
    /// The estimated pickled size in bytes.
    pub size: u64,
    /// For a tuple, its items: what ordering (`PriorityQueue`) compares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Value>>,
}

impl Value {
    /// A short text (for event details and lane labels), as `Display` writes it. Every shared
    /// read and write records one, so the common scalars skip the formatting machinery.
    pub fn repr(&self) -> String {
        match self {
            Value::None => "None".to_string(),
            Value::Bool(true) => "True".to_string(),
            Value::Bool(false) => "False".to_string(),
            Value::Int(i) => i.to_string(),
            other => other.to_string(),
        }
    }

    /// The value as an `int`, or a `TypeError`.
    pub fn as_int(&self) -> Result<i64, PyError> {
        match self {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(i64::from(*b)),
            other => Err(PyError::new(
                PyErrorKind::TypeError,
                format!("expected an int, got {}", other.type_name()),
            )),
        }
    }

    /// Python's type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Opaque(_) => "object",
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(v) => !v.is_empty(),
            Value::Opaque(_) => true,
        }
    }

    /// An estimate of the pickled size in bytes, used for message-copy costs.
    pub fn pickled_size(&self) -> u64 {
        match self {
            Value::None | Value::Bool(_) => 4,
            Value::Int(_) | Value::Float(_) => 12,
            Value::Str(s) => 8 + s.len() as u64,
            Value::List(v) => 8 + v.iter().map(Value::pickled_size).sum::<u64>(),
            Value::Opaque(o) => o.size,
        }
    }

    /// Python's `<` ordering, or `TypeError` when the two cannot be compared.
    pub fn py_cmp(&self, other: &Value) -> Result<Ordering, PyError> {
        use Value::*;
        let num = |v: &Value| match v {
            Bool(b) => Some(f64::from(u8::from(*b))),
            Int(i) => Some(*i as f64),
            Float(f) => Some(*f),
            _ => Option::None,
        };
        let type_name = |v: &Value| match v {
            Opaque(o) => o.type_name.clone(),
            other => other.type_name().to_string(),
        };
        match (self, other) {
            (Opaque(a), Opaque(b)) if a.items.is_some() && b.items.is_some() => {
                let (Some(x), Some(y)) = (&a.items, &b.items) else {
                    return Ok(Ordering::Equal);
                };
                Value::List(x.clone()).py_cmp(&Value::List(y.clone()))
            }
            (Int(a), Int(b)) => Ok(a.cmp(b)),
            (Str(a), Str(b)) => Ok(a.cmp(b)),
            (List(a), List(b)) => {
                for (x, y) in a.iter().zip(b) {
                    match x.py_cmp(y)? {
                        Ordering::Equal => continue,
                        ord => return Ok(ord),
                    }
                }
                Ok(a.len().cmp(&b.len()))
            }
            _ => match (num(self), num(other)) {
                (Some(a), Some(b)) => a.partial_cmp(&b).ok_or_else(|| {
                    PyError::new(PyErrorKind::ValueError, "cannot order NaN".to_string())
                }),
                _ => Err(PyError::new(
                    PyErrorKind::TypeError,
                    format!(
                        "'<' not supported between instances of '{}' and '{}'",
                        type_name(self),
                        type_name(other)
                    ),
                )),
            },
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) if x.fract() == 0.0 && x.is_finite() => write!(f, "{x:.1}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "'{s}'"),
            Value::List(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Value::Opaque(o) => f.write_str(&o.repr),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}
impl From<()> for Value {
    fn from(_: ()) -> Self {
        Value::None
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_ordering() {
        assert_eq!(
            Value::Int(1).py_cmp(&Value::Float(1.5)).ok(),
            Some(Ordering::Less)
        );
        let a = Value::from(vec![Value::Int(1), Value::from("b")]);
        let b = Value::from(vec![Value::Int(1), Value::from("c")]);
        assert_eq!(a.py_cmp(&b).ok(), Some(Ordering::Less));
        let err = Value::Int(1).py_cmp(&Value::from("x")).unwrap_err();
        assert_eq!(err.kind, PyErrorKind::TypeError);
    }

    #[test]
    fn repr_like_python() {
        assert_eq!(
            Value::from(vec![Value::None, Value::Bool(true), Value::from("a")]).repr(),
            "[None, True, 'a']"
        );
        assert_eq!(Value::Float(2.0).repr(), "2.0");
        for v in [
            Value::None,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(-42),
            Value::Int(i64::MIN),
            Value::Float(0.5),
            Value::from("x"),
        ] {
            assert_eq!(v.repr(), v.to_string(), "{v:?}");
        }
        assert_eq!(Value::Int(-42).repr(), "-42");
        assert_eq!(Value::Bool(false).repr(), "False");
    }
}
