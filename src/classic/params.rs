//! Named parameters for the classic models, as the command line gives them (`--epsilon 0.2`):
//! each model lists its parameters with their kind, allowed values and default, and a request is
//! resolved against that list. Bad input becomes a [`ClassicError`] that names the parameter and
//! says what is allowed, never a panic.

use super::ClassicError;
use serde_json::Value;

/// What values a parameter takes.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// A finite number in `min..=max`.
    Float { min: f64, max: f64 },
    /// `true` or `false`.
    Bool,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// Free text, checked by the model (a list of thresholds, say).
    Text,
}

impl Kind {
    /// What is allowed, in words, for error messages and help.
    pub fn allowed(&self) -> String {
        match self {
            Kind::Int { min, max } => format!("a whole number from {min} to {max}"),
            Kind::Float { min, max } => format!("a number from {min} to {max}"),
            Kind::Bool => "true or false".into(),
            Kind::Choice(words) => format!("one of: {}", words.join(", ")),
            Kind::Text => "text".into(),
        }
    }
}

/// One parameter of a classic model.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// The name on the command line, without the leading `--`.
    pub name: &'static str,
    pub kind: Kind,
    /// The default, written as on the command line.
    pub default: &'static str,
    /// What it means, with its unit.
    pub help: &'static str,
}

/// A model's parameters, every default filled in, in the order the model lists them.
#[derive(Clone, Debug)]
pub struct Params {
    values: Vec<(&'static str, Value)>,
}

impl Params {
    /// Resolves `given` (name, value) pairs against `specs` for `model`.
    pub fn resolve(
        model: &str,
        specs: &'static [ParamSpec],
        given: &[(String, String)],
    ) -> Result<Params, ClassicError> {
        for (i, (name, _)) in given.iter().enumerate() {
            if !specs.iter().any(|s| s.name == name) {
                return Err(ClassicError::UnknownParam {
                    model: model.to_owned(),
                    name: name.clone(),
                    allowed: specs.iter().map(|s| s.name).collect(),
                });
            }
            if given[..i].iter().any(|(n, _)| n == name) {
                return Err(ClassicError::BadValue {
                    param: name.clone(),
                    value: given[i].1.clone(),
                    allowed: "a single value (it was given twice)".into(),
                });
            }
        }
        let mut values = Vec::with_capacity(specs.len());
        for spec in specs {
            let text = given
                .iter()
                .find(|(n, _)| n == spec.name)
                .map_or(spec.default, |(_, v)| v.as_str());
            values.push((spec.name, parse(spec, text)?));
        }
        Ok(Params { values })
    }

    fn get(&self, name: &str) -> &Value {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .unwrap_or(&Value::Null)
    }

    /// A whole-number parameter (0 if the model asked for a name it does not list: a bug that
    /// the models' unit tests catch).
    pub fn int(&self, name: &str) -> i64 {
        self.get(name).as_i64().unwrap_or(0)
    }

    /// A number parameter.
    pub fn float(&self, name: &str) -> f64 {
        self.get(name).as_f64().unwrap_or(f64::NAN)
    }

    /// A true/false parameter.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).as_bool().unwrap_or(false)
    }

    /// A word or text parameter.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).as_str().unwrap_or("")
    }

    /// The resolved parameters as a JSON object, in the model's order.
    pub fn to_json(&self) -> serde_json::Map<String, Value> {
        self.values
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect()
    }
}

fn parse(spec: &ParamSpec, text: &str) -> Result<Value, ClassicError> {
    let bad = || ClassicError::BadValue {
        param: spec.name.to_owned(),
        value: text.to_owned(),
        allowed: spec.kind.allowed(),
    };
    Ok(match spec.kind {
        Kind::Int { min, max } => {
            let v: i64 = text.trim().parse().map_err(|_| bad())?;
            if !(min..=max).contains(&v) {
                return Err(bad());
            }
            Value::from(v)
        }
        Kind::Float { min, max } => {
            let v: f64 = text.trim().parse().map_err(|_| bad())?;
            if !(v.is_finite() && (min..=max).contains(&v)) {
                return Err(bad());
            }
            Value::from(v)
        }
        Kind::Bool => match text.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad()),
        },
        Kind::Choice(words) => {
            let w = text.trim();
            if !words.contains(&w) {
                return Err(bad());
            }
            Value::from(w)
        }
        Kind::Text => Value::from(text.trim()),
    })
}
