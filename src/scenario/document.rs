//! A scenario file's keys and types, checked against the schema before the file is read.
//!
//! serde reports a mistake inside a list of tables (an `[[events]]` entry, a ward) at the
//! entry's header, in Rust's words (`expected u32`). This pass walks the parsed document with
//! its spans and the schema's rows, so that every unknown key, missing key or value of the
//! wrong type is reported at its own line, by its full path (`events[2].cut_per_year`), in
//! the user's words ("a whole number from 50 to 2,000,000"), with a "did you mean" where a
//! known key is close. Ranges are left to validation (`params::validate`), the one place that
//! checks numbers, except that whole numbers are checked here too, since serde could not read
//! a value past its type's limits.

use super::ScenarioError;
use super::interventions::{KIND_KEY, KIND_NAMES};
use super::path::{did_you_mean, pattern};
use super::schema::{Allowed, Key, Row, VENUE_KINDS, join, rows};
use std::collections::BTreeMap;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// Checks `text`'s keys and value types. A file that is not valid TOML passes (the parser then
/// reports its syntax error with its line).
pub fn check(text: &str, origin: &str) -> Result<(), ScenarioError> {
    let Ok(doc) = DeTable::parse(text) else {
        return Ok(());
    };
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    let schema = SCHEMA.get_or_init(Schema::new);
    let kinds = event_kinds(doc.get_ref());
    let walk = Walk {
        text,
        origin,
        schema,
        kinds: &kinds,
    };
    walk.table(doc.get_ref(), "")
}

/// The schema's rows by path pattern, and the patterns that are tables.
struct Schema {
    keys: BTreeMap<String, Key>,
}

impl Schema {
    fn new() -> Schema {
        let mut keys: BTreeMap<String, Key> = rows()
            .into_iter()
            .map(|Row { path, key }| (path, key))
            .collect();
        keys.insert("events[].kind".into(), KIND_KEY);
        Schema { keys }
    }

    /// Whether rows lie below `pattern` (it names a table of the schema).
    fn is_table(&self, pattern: &str) -> bool {
        let prefix = format!("{pattern}.");
        self.keys
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// The names of the keys directly below `pattern`.
    fn children(&self, pattern: &str) -> Vec<&str> {
        let prefix = format!("{pattern}.");
        let mut names: Vec<&str> = self
            .keys
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| {
                let rest = &k[prefix.len()..];
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                &rest[..end]
            })
            .collect();
        names.dedup();
        names
    }
}

/// The kind named by each `[[events]]` entry, when it names a known one.
fn event_kinds(doc: &DeTable<'_>) -> Vec<Option<String>> {
    let Some(DeValue::Array(items)) = doc.get("events").map(Spanned::get_ref) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| match item.get_ref() {
            DeValue::Table(t) => t
                .get("kind")
                .and_then(|k| k.get_ref().as_str())
                .filter(|k| KIND_NAMES.contains(k))
                .map(str::to_string),
            _ => None,
        })
        .collect()
}

struct Walk<'a> {
    text: &'a str,
    origin: &'a str,
    schema: &'a Schema,
    kinds: &'a [Option<String>],
}

impl Walk<'_> {
    fn error(&self, at: usize, key: &str, message: String) -> ScenarioError {
        ScenarioError {
            origin: self.origin.to_string(),
            line: Some(line_of(self.text, at)),
            key: Some(key.to_string()),
            message,
        }
    }

    fn table(&self, table: &DeTable<'_>, prefix: &str) -> Result<(), ScenarioError> {
        for (key, value) in table.iter() {
            let path = join(prefix, key.get_ref());
            self.value(key.span().start, value, &path)?;
        }
        Ok(())
    }

    fn value(
        &self,
        at: usize,
        value: &Spanned<DeValue<'_>>,
        path: &str,
    ) -> Result<(), ScenarioError> {
        let pattern = pattern(path, self.kinds);
        let row = self.schema.keys.get(&pattern);
        let list_of_tables = self.schema.is_table(&format!("{pattern}[]"));
        match (value.get_ref(), row) {
            (DeValue::Table(t), _) if self.schema.is_table(&pattern) => self.table(t, path),
            (DeValue::Array(items), _) if list_of_tables => self.tables(items, path, &pattern),
            (_, Some(key)) => self.leaf(at, value, path, key),
            (_, None) => Err(self.unknown(at, path, &pattern)),
        }
    }

    /// A list of tables (wards, interventions): each entry's keys, and the keys it must give.
    fn tables(&self, items: &DeArray<'_>, path: &str, pattern: &str) -> Result<(), ScenarioError> {
        for (i, item) in items.iter().enumerate() {
            let here = format!("{path}[{i}]");
            let start = item.span().start;
            let DeValue::Table(t) = item.get_ref() else {
                return Err(self.error(
                    start,
                    &here,
                    format!(
                        "is a {}, but each entry must be a table",
                        item.get_ref().type_str()
                    ),
                ));
            };
            let mut own = format!("{pattern}[]");
            if pattern == "events" {
                let Some(kind) = t.get("kind") else {
                    return Err(self.error(
                        start,
                        &here,
                        format!("missing key `kind`: {}", KIND_KEY.allowed.words()),
                    ));
                };
                match kind.get_ref().as_str() {
                    Some(k) if KIND_NAMES.contains(&k) => own = format!("events.{k}"),
                    _ => {
                        return Err(self.error(
                            kind.span().start,
                            &format!("{here}.kind"),
                            wrong(kind.get_ref(), &KIND_KEY.allowed),
                        ));
                    }
                }
            }
            self.table(t, &here)?;
            let given: Vec<&str> = t.iter().map(|(k, _)| k.get_ref().as_ref()).collect();
            let missing: Vec<&str> = self
                .schema
                .keys
                .iter()
                .filter(|(p, k)| {
                    k.required
                        && p.strip_prefix(&own).and_then(|r| r.strip_prefix('.')) == Some(k.name)
                })
                .map(|(_, k)| k.name)
                .filter(|name| !given.contains(name))
                .collect();
            if let Some(first) = missing.first() {
                let what = if pattern == "events" {
                    format!("a `{}` intervention", &own["events.".len()..])
                } else {
                    "each entry".to_string()
                };
                return Err(self.error(
                    start,
                    &format!("{here}.{first}"),
                    format!(
                        "missing key `{first}`: {what} needs it ({})",
                        self.needs(&own)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// "`year`, `years` and `cut_per_year` are required".
    fn needs(&self, own: &str) -> String {
        let required: Vec<String> = self
            .schema
            .keys
            .iter()
            .filter(|(p, k)| {
                k.required && p.strip_prefix(own).and_then(|r| r.strip_prefix('.')) == Some(k.name)
            })
            .map(|(_, k)| format!("`{}`", k.name))
            .collect();
        format!("required: {}", required.join(", "))
    }

    fn unknown(&self, at: usize, path: &str, pattern: &str) -> ScenarioError {
        let parent = pattern.rsplit_once('.').map_or("", |(p, _)| p);
        let (place, name) = match path.rsplit_once('.') {
            Some((p, n)) => (p, n),
            None => ("", path),
        };
        let siblings: Vec<&str> = if parent.is_empty() {
            let mut top: Vec<&str> = self
                .schema
                .keys
                .keys()
                .filter_map(|k| k.split(['.', '[']).next())
                .collect();
            top.sort_unstable();
            top.dedup();
            top
        } else if parent == "venues" {
            VENUE_KINDS.to_vec()
        } else {
            self.schema.children(parent)
        };
        let hint = did_you_mean(name, siblings.iter().copied());
        let place = if place.is_empty() {
            "at the top of a scenario".to_string()
        } else if let Some(kind) = parent.strip_prefix("events.") {
            format!("in `{place}` (a `{kind}` intervention)")
        } else {
            format!("in `{place}`")
        };
        let known = if hint.is_empty() && !siblings.is_empty() && siblings.len() <= 12 {
            let names: Vec<String> = siblings.iter().map(|n| format!("`{n}`")).collect();
            format!("; known keys there: {}", names.join(", "))
        } else {
            String::new()
        };
        self.error(
            at,
            path,
            format!("unknown key `{name}` {place}{hint}{known}"),
        )
    }

    fn leaf(
        &self,
        at: usize,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        key: &Key,
    ) -> Result<(), ScenarioError> {
        let v = value.get_ref();
        let bad = |m: String| Err(self.error(at, path, m));
        match key.allowed {
            Allowed::Number { .. } => match v {
                DeValue::Integer(_) | DeValue::Float(_) => Ok(()),
                _ => bad(wrong(v, &key.allowed)),
            },
            Allowed::Whole { .. } => match integer(v) {
                Some(Some(x)) => key.allowed.check_number(x as f64).or_else(bad),
                Some(None) => bad(format!("is too large: allowed {}", key.allowed.words())),
                None => bad(wrong(v, &key.allowed)),
            },
            Allowed::Pair { .. } => match v {
                DeValue::Array(items)
                    if items.len() == 2
                        && items.iter().all(|x| {
                            matches!(x.get_ref(), DeValue::Integer(_) | DeValue::Float(_))
                        }) =>
                {
                    Ok(())
                }
                DeValue::Array(items) => bad(format!(
                    "has {} entries: allowed {}",
                    items.len(),
                    key.allowed.words()
                )),
                _ => bad(wrong(v, &key.allowed)),
            },
            Allowed::Flag => match v {
                DeValue::Boolean(_) => Ok(()),
                _ => bad(wrong(v, &key.allowed)),
            },
            Allowed::Choice(words) => match v.as_str() {
                Some(s) if words.contains(&s) => Ok(()),
                _ => bad(wrong(v, &key.allowed)),
            },
            Allowed::Choices(words) => {
                let DeValue::Array(items) = v else {
                    return bad(wrong(v, &key.allowed));
                };
                let mut seen = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref().as_str() {
                        Some(s) if words.contains(&s) && !seen.contains(&s) => seen.push(s),
                        Some(s) if seen.contains(&s) => {
                            return Err(self.error(
                                item.span().start,
                                &format!("{path}[{i}]"),
                                format!("`{s}` is listed twice"),
                            ));
                        }
                        _ => {
                            return Err(self.error(
                                item.span().start,
                                &format!("{path}[{i}]"),
                                wrong(item.get_ref(), &Allowed::Choice(words)),
                            ));
                        }
                    }
                }
                Ok(())
            }
            Allowed::Text => match v {
                DeValue::String(_) => Ok(()),
                _ => bad(wrong(v, &key.allowed)),
            },
            Allowed::Tables => bad(wrong(v, &key.allowed)),
        }
    }
}

/// "is a string (`x`), but takes a number from 0 to 1".
fn wrong(v: &DeValue<'_>, allowed: &Allowed) -> String {
    let what = match v {
        DeValue::String(s) => format!("`\"{}\"` (text)", s.escape_debug()),
        DeValue::Integer(i) => format!("`{}` (a whole number)", i.as_str()),
        DeValue::Float(f) => format!("`{}` (a number with a fraction)", f.as_str()),
        DeValue::Boolean(b) => format!("`{b}` (true or false)"),
        DeValue::Datetime(d) => format!("`{d}` (a date)"),
        DeValue::Array(_) => "a list".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    };
    format!("{what} is not allowed here: allowed {}", allowed.words())
}

/// The value of a TOML integer: `None` when it is not an integer, `Some(None)` when it does not
/// fit in 64 bits.
fn integer(v: &DeValue<'_>) -> Option<Option<i64>> {
    let DeValue::Integer(i) = v else {
        return None;
    };
    let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match digits.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, digits.trim_start_matches('+').to_string()),
    };
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0o"))
        .or_else(|| digits.strip_prefix("0b"))
        .unwrap_or(&digits);
    Some(
        i64::from_str_radix(digits, i.radix())
            .ok()
            .map(|x| if negative { -x } else { x }),
    )
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ScenarioError {
        check(text, "t.toml").unwrap_err()
    }

    #[test]
    fn a_typo_inside_an_event_is_named_on_its_own_line() {
        let e =
            err("[[events]]\nkind = \"austerity\"\nyear = 2012\nyears = 3\n\ncut_per_yer = 0.1\n");
        assert_eq!(e.line, Some(6));
        assert_eq!(e.key.as_deref(), Some("events[0].cut_per_yer"));
        assert!(e.message.contains("did you mean `cut_per_year`"), "{e}");
    }

    #[test]
    fn a_missing_kind_or_key_names_what_is_missing() {
        let e = err("name = \"x\"\n[[events]]\nyear = 2012\n");
        assert!(e.message.contains("missing key `kind`"), "{e}");
        assert_eq!(e.line, Some(2));
        let e = err("[[events]]\nkind = \"austerity\"\nyear = 2012\ncut_per_year = 0.1\n");
        assert_eq!(e.key.as_deref(), Some("events[0].years"));
        assert!(e.message.contains("missing key `years`"), "{e}");
    }

    #[test]
    fn types_are_described_in_the_users_words() {
        let e = err("[town]\nresidents = 2.5\n");
        assert_eq!(e.line, Some(2));
        assert!(
            e.message.contains("a whole number from 50 to 2,000,000"),
            "{e}"
        );
        let e = err("[town]\nresidents = 99999999999999999999\n");
        assert!(!e.message.contains("u32"), "{e}");
        let e = err("[council]\ncommunity_right_to_bid = 1\n");
        assert!(e.message.contains("true or false"), "{e}");
        let e = err(
            "[[town.wards]]\nname = \"A\"\ndeprivation = 0.1\nhousing_share = 1.0\n\
             centre_km = [0, 1, 2]\nradius_km = 1.0\n",
        );
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("has 3 entries"), "{e}");
        let e = err("[venues.pub]\nowner = \"state\"\n");
        assert!(
            e.message.contains("`private`, `council` or `community`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_sections_and_keys_get_suggestions() {
        let e = err("[councl]\nopenness = 0.5\n");
        assert!(e.message.contains("did you mean `council`"), "{e}");
        let e = err("[venues.pubs]\ncount = 3\n");
        assert!(e.message.contains("did you mean `pub`"), "{e}");
        let e = err("[council]\nopeness = 0.5\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("did you mean `openness`"), "{e}");
    }

    #[test]
    fn a_valid_file_passes() {
        check(crate::scenario::builtin("baseline").unwrap().toml, "b").unwrap();
        for b in crate::scenario::BUILTINS {
            check(b.toml, b.name).unwrap();
        }
    }
}
