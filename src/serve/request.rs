//! A run asked for by the seminar page (`POST /api/run`): its JSON, the scenario it makes, and
//! the limits that keep one browser from exhausting the machine.
//!
//! The request names a built-in scenario, may replace its interventions (`events`, the same
//! tables as a scenario file's `[[events]]`), and may set parameters by the dotted names that
//! `cohesion params` and sweep files use (`"council.openness": 0.5`). The server writes that as a
//! scenario file and reads it back with [`Scenario::from_toml`], the path every scenario file
//! takes, so a bad value is refused with the same key and message as on the command line, the
//! file being called `request`. Only built-in names are accepted: the client never names a file.
//!
//! Architecture invariant: bad input becomes an [`ApiError`] with a 4xx status, never a panic.

use crate::Scenario;
use crate::scenario::{ScenarioError, builtin, hex};
use crate::sweep::plan::{Level, set};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The most residents one run may have.
pub const MAX_RESIDENTS: u32 = 50_000;
/// The most replicates one request may ask for.
pub const MAX_REPLICATES: u32 = 8;
/// The most simulated years.
pub const MAX_YEARS: u32 = 30;
/// The most resident-weeks (residents × (warm-up + weeks) × replicates) one request may cost:
/// about a minute of the machine's time.
pub const MAX_RESIDENT_WEEKS: f64 = 150e6;
/// The largest request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The seed used when a request gives none.
pub const DEFAULT_SEED: u64 = 42;
/// How errors name the request, as a file would be named.
pub const ORIGIN: &str = "request";

/// A request refused: the HTTP status and one line saying what was wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// The offending key, when there is one.
    pub key: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            key: None,
        }
    }

    /// A scenario that cannot be used: 422, with the key and message the CLI would give.
    fn scenario(mut e: ScenarioError) -> ApiError {
        // The text was written by the server, so its line numbers would mean nothing.
        e.line = None;
        ApiError {
            status: 422,
            message: e.to_string(),
            key: e.key,
        }
    }

    fn at_key(status: u16, key: &str, message: String) -> ApiError {
        ApiError::scenario(ScenarioError::at_key(ORIGIN, None, key, message)).with_status(status)
    }

    fn with_status(mut self, status: u16) -> ApiError {
        self.status = status;
        self
    }

    /// `{"error": ..., "key": ...}`.
    pub fn json(&self) -> Value {
        let mut v = serde_json::json!({ "error": self.message });
        if let Some(key) = &self.key {
            v["key"] = Value::String(key.clone());
        }
        v
    }
}

/// The request body as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    scenario: String,
    #[serde(default)]
    set: serde_json::Map<String, Value>,
    #[serde(default)]
    events: Option<Vec<Value>>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "one")]
    replicates: u32,
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}

fn one() -> u32 {
    1
}

/// A checked request, ready to run.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The built-in it started from.
    pub base: String,
    /// The scenario to run, fully resolved. It keeps the built-in's name when nothing was
    /// changed, and is called `<built-in>-<6 hex digits>` (a digest of the change) otherwise.
    pub scenario: Scenario,
    pub seed: u64,
    pub replicates: u32,
    /// What differs from the built-in, in short phrases ("austerity cut_per_year 0.035 → 0.05").
    pub changes: Vec<String>,
    /// The request as sent, for the page to show and resend.
    pub echo: Value,
}

impl Prepared {
    /// A label for the page: the built-in and what was changed.
    pub fn label(&self) -> String {
        const SHOWN: usize = 4;
        if self.changes.is_empty() {
            return format!("{} (as built)", self.base);
        }
        let mut parts: Vec<String> = self.changes.iter().take(SHOWN).cloned().collect();
        if self.changes.len() > SHOWN {
            parts.push(format!("and {} more", self.changes.len() - SHOWN));
        }
        format!("{}: {}", self.base, parts.join("; "))
    }

    /// The scenario file's name when downloaded.
    pub fn file_name(&self) -> String {
        format!("{}.toml", self.scenario.name)
    }

    /// The command line that reproduces the run from the downloaded scenario file.
    pub fn command(&self) -> String {
        if self.replicates == 1 {
            format!("cohesion run {} --seed {}", self.file_name(), self.seed)
        } else {
            format!(
                "cohesion compare {} --replicates {} --seed {}",
                self.file_name(),
                self.replicates,
                self.seed
            )
        }
    }
}

/// Reads and checks a request body.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, ApiError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            413,
            format!("the request is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    let echo: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            400,
            format!("{ORIGIN}: malformed JSON: {e} (send one JSON object)"),
        )
    })?;
    if !echo.is_object() {
        return Err(ApiError::new(
            400,
            format!("{ORIGIN}: send one JSON object, such as {{\"scenario\": \"baseline\"}}"),
        ));
    }
    let body: Body = serde_json::from_value(echo.clone()).map_err(|e| {
        let message = e.to_string();
        let key = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        ApiError {
            status: 400,
            message: format!("{ORIGIN}: {message}"),
            key,
        }
    })?;

    let Some(b) = builtin(&body.scenario) else {
        let names: Vec<&str> = crate::scenario::BUILTINS.iter().map(|b| b.name).collect();
        return Err(ApiError::at_key(
            422,
            "scenario",
            format!(
                "no built-in scenario is called `{}` (built-ins: {})",
                body.scenario,
                names.join(", ")
            ),
        ));
    };
    let base = Scenario::from_toml(b.toml, &format!("built-in scenario `{}`", b.name))
        .map_err(|e| ApiError::new(500, e.to_string()))?;
    let mut tree: toml::Table = base
        .to_toml()
        .parse()
        .map_err(|e| ApiError::new(500, format!("{e}")))?;

    if let Some(events) = &body.events {
        let mut list = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            let key = format!("events[{i}]");
            if !e.is_object() {
                return Err(ApiError::at_key(
                    422,
                    &key,
                    "an event is a table such as {\"kind\": \"austerity\", ...}".into(),
                ));
            }
            list.push(toml_of(e).map_err(|m| ApiError::at_key(422, &key, m))?);
        }
        tree.insert("events".into(), toml::Value::Array(list));
    }
    for (path, value) in &body.set {
        let key = format!("set.{path}");
        let level = match value {
            Value::Bool(b) => Level::Bool(*b),
            Value::Number(n) => match n.as_f64() {
                Some(x) if x.is_finite() => Level::Num(x),
                _ => return Err(ApiError::at_key(422, &key, format!("{n} is not a number"))),
            },
            other => {
                return Err(ApiError::at_key(
                    422,
                    &key,
                    format!("takes a number or true/false, not {other}"),
                ));
            }
        };
        set(&mut tree, path, level, true).map_err(|m| ApiError::at_key(422, &key, m))?;
    }
    let text = toml::to_string(&tree).map_err(|e| ApiError::new(422, format!("{ORIGIN}: {e}")))?;
    let mut scenario = Scenario::from_toml(&text, ORIGIN).map_err(ApiError::scenario)?;

    check_limits(&scenario, body.replicates)?;
    let changes = changes(&base, &scenario);
    if !changes.is_empty() {
        let digest = hex(&Sha256::digest(scenario.to_toml().as_bytes()));
        scenario.name = format!("{}-{}", base.name, &digest[..6]);
        scenario.description = format!(
            "{}\n\nMade on the seminar page from the built-in `{}`, changed: {}.",
            base.description.trim_end(),
            base.name,
            changes.join("; ")
        );
    }
    Ok(Prepared {
        base: base.name,
        scenario,
        seed: body.seed,
        replicates: body.replicates,
        changes,
        echo,
    })
}

/// The server's own limits, beyond the scenario's allowed ranges.
fn check_limits(s: &Scenario, replicates: u32) -> Result<(), ApiError> {
    if s.town.residents > MAX_RESIDENTS {
        return Err(ApiError::at_key(
            422,
            "town.residents",
            format!(
                "{} residents is more than this server runs: at most {MAX_RESIDENTS} (larger \
                 towns run with `cohesion run` on the command line)",
                s.town.residents
            ),
        ));
    }
    if s.time.years > MAX_YEARS {
        return Err(ApiError::at_key(
            422,
            "time.years",
            format!(
                "{} years is more than this server runs: at most {MAX_YEARS}",
                s.time.years
            ),
        ));
    }
    if replicates == 0 || replicates > MAX_REPLICATES {
        return Err(ApiError::at_key(
            422,
            "replicates",
            format!("{replicates} is out of range: allowed 1 to {MAX_REPLICATES}"),
        ));
    }
    let work = f64::from(s.town.residents)
        * f64::from(s.time.warmup_weeks + s.ticks())
        * f64::from(replicates);
    if work > MAX_RESIDENT_WEEKS {
        return Err(ApiError::at_key(
            422,
            "replicates",
            format!(
                "{} residents × {} weeks × {replicates} replicates is more work than this server \
                 takes on at once ({} million resident-weeks at most); use fewer residents, \
                 years or replicates",
                s.town.residents,
                s.time.warmup_weeks + s.ticks(),
                MAX_RESIDENT_WEEKS / 1e6
            ),
        ));
    }
    Ok(())
}

/// A JSON value as TOML. TOML has no null, and its integers are 64-bit and signed.
fn toml_of(v: &Value) -> Result<toml::Value, String> {
    Ok(match v {
        Value::Null => return Err("null is not allowed; leave the key out instead".into()),
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, Some(x)) if n.is_f64() => toml::Value::Float(x),
            _ => return Err(format!("{n} is too large")),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => {
            toml::Value::Array(items.iter().map(toml_of).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => {
            let mut t = toml::Table::new();
            for (k, v) in map {
                t.insert(k.clone(), toml_of(v)?);
            }
            toml::Value::Table(t)
        }
    })
}

/// What differs between a built-in and the scenario made from it, in short phrases: changed
/// parameters by their dotted names, then interventions by kind.
pub fn changes(base: &Scenario, new: &Scenario) -> Vec<String> {
    let flat = |s: &Scenario| {
        let mut v = serde_json::to_value(s).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            for k in ["name", "description", "events"] {
                map.remove(k);
            }
        }
        let mut out = BTreeMap::new();
        flatten("", &v, &mut out);
        out
    };
    let (a, b) = (flat(base), flat(new));
    let mut out: Vec<String> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| {
            let before = a.get(k).map_or("(none)".to_string(), show);
            format!("{} {before} → {}", friendly(k), show(v))
        })
        .collect();
    let (ea, eb) = (events_by_kind(base), events_by_kind(new));
    for (key, after) in &eb {
        match ea.get(key) {
            None => out.push(format!("+ {}", event_phrase(key, after))),
            Some(before) => {
                for (field, value) in after {
                    if before.get(field) != Some(value) {
                        let was = before.get(field).map_or("(none)".to_string(), show);
                        out.push(format!("{key} {field} {was} → {}", show(value)));
                    }
                }
                for field in before.keys().filter(|f| !after.contains_key(*f)) {
                    out.push(format!("{key} {field} (left out)"));
                }
            }
        }
    }
    for key in ea.keys().filter(|k| !eb.contains_key(*k)) {
        out.push(format!("no {key}"));
    }
    out
}

/// Each event's fields (without `kind`), keyed by its kind, numbered (`devolution#2`) when a
/// scenario has more than one of a kind.
fn events_by_kind(s: &Scenario) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &s.events {
        *counts.entry(e.kind()).or_default() += 1;
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for e in &s.events {
        let n = seen.entry(e.kind()).or_default();
        *n += 1;
        let key = if counts[e.kind()] > 1 {
            format!("{}#{n}", e.kind())
        } else {
            e.kind().to_string()
        };
        let mut fields: BTreeMap<String, Value> = match serde_json::to_value(e) {
            Ok(Value::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        fields.remove("kind");
        out.insert(key, fields);
    }
    out
}

/// "+ austerity from 2012": a new event in a few words.
fn event_phrase(key: &str, fields: &BTreeMap<String, Value>) -> String {
    let year = fields.get("year").map(show).unwrap_or_default();
    let what = fields
        .get("venue_kind")
        .map(|k| format!(" ({})", show(k)))
        .unwrap_or_default();
    format!("{key}{what} in {year}")
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// A few parameters under the names a seminar uses.
fn friendly(path: &str) -> String {
    match path {
        "town.residents" => "residents".into(),
        "time.years" => "years".into(),
        "council.community_right_to_bid" => "right to bid from the start".into(),
        other => other.to_string(),
    }
}

/// A value as a reader writes it: strings without quotes.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(json: &str) -> Result<Prepared, ApiError> {
        prepare(json.as_bytes())
    }

    #[test]
    fn a_built_in_as_it_is_keeps_its_name() {
        let p = ask(r#"{"scenario": "austerity_2010"}"#).unwrap();
        assert_eq!(p.scenario, Scenario::load("austerity_2010").unwrap());
        assert!(p.changes.is_empty());
        assert_eq!(p.seed, DEFAULT_SEED);
        assert_eq!(p.label(), "austerity_2010 (as built)");
        assert_eq!(p.command(), "cohesion run austerity_2010.toml --seed 42");
    }

    #[test]
    fn levers_become_events_and_parameters_and_name_the_change() {
        let p = ask(
            r#"{"scenario": "baseline", "seed": 7, "replicates": 2,
                "set": {"town.residents": 2000, "council.openness": 0.5},
                "events": [{"kind": "austerity", "year": 2012, "years": 5, "cut_per_year": 0.05}]}"#,
        )
        .unwrap();
        assert_eq!(p.scenario.town.residents, 2000);
        assert_eq!(p.scenario.council.openness, 0.5);
        assert_eq!(p.scenario.events.len(), 1);
        assert!(p.scenario.name.starts_with("baseline-") && p.scenario.name.len() == 15);
        assert!(p.changes.contains(&"residents 12000 → 2000".to_string()));
        assert!(
            p.changes.contains(&"+ austerity in 2012".to_string()),
            "{:?}",
            p.changes
        );
        assert_eq!(
            p.command(),
            format!(
                "cohesion compare {}.toml --replicates 2 --seed 7",
                p.scenario.name
            )
        );
        // The scenario written out reads back as the same scenario.
        let back = Scenario::from_toml(&p.scenario.to_toml(), "back").unwrap();
        assert_eq!(back, p.scenario);
    }

    #[test]
    fn a_changed_event_is_named_by_its_kind() {
        let base = Scenario::load("austerity_2010").unwrap();
        let mut events = serde_json::to_value(&base.events).unwrap();
        events[0]["cut_per_year"] = serde_json::json!(0.05);
        let body = serde_json::json!({"scenario": "austerity_2010", "events": events});
        let p = ask(&body.to_string()).unwrap();
        assert_eq!(
            p.changes,
            vec!["austerity cut_per_year 0.035 → 0.05".to_string()]
        );
    }

    #[test]
    fn bad_requests_are_refused_with_the_key() {
        let e = ask("{not json").unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.message.contains("malformed JSON"), "{}", e.message);
        let e = ask(r#"{"scenario": "baseline", "colour": "red"}"#).unwrap_err();
        assert_eq!((e.status, e.key.as_deref()), (400, Some("colour")));
        let e = ask(r#"{"scenario": "../../etc/passwd"}"#).unwrap_err();
        assert_eq!(e.status, 422);
        assert!(e.message.contains("no built-in scenario"), "{}", e.message);
        let e = ask(r#"{"scenario": "baseline", "set": {"council.opennness": 0.5}}"#).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("set.council.opennness"));
        assert!(
            e.message.contains("did you mean `openness`"),
            "{}",
            e.message
        );
        let e = ask(r#"{"scenario": "baseline", "set": {"council.openness": 1.5}}"#).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("council.openness"));
        assert_eq!(
            e.message,
            "request: key `council.openness`: 1.5 is out of range: allowed a number from 0 to 1"
        );
        let e = ask(r#"{"scenario": "baseline", "set": {"town.residents": 60000}}"#).unwrap_err();
        assert_eq!((e.status, e.key.as_deref()), (422, Some("town.residents")));
        let e = ask(r#"{"scenario": "baseline", "replicates": 9}"#).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("replicates"));
        let e =
            ask(r#"{"scenario": "baseline", "set": {"town.residents": 50000}, "replicates": 8}"#)
                .unwrap_err();
        assert!(e.message.contains("more work"), "{}", e.message);
        let e = ask(
            r#"{"scenario": "baseline", "events": [{"kind": "austerity", "year": 2012, "years": 5, "cut_per_year": 0.9}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some("events[0].cut_per_year"),
            "{}",
            e.message
        );
        let e = ask(r#"{"scenario": "baseline", "events": [{"kind": "party", "year": 2012}]}"#)
            .unwrap_err();
        assert_eq!(e.status, 422);
        assert!(e.message.contains("party"), "{}", e.message);
        let e = ask(r#"{"scenario": "baseline", "events": [{"kind": "austerity", "year": null}]}"#)
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("events[0]"));
        let e = prepare(&vec![b' '; MAX_BODY_BYTES + 1]).unwrap_err();
        assert_eq!(e.status, 413);
    }
}
