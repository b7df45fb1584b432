//! Errors in scenario files: what was wrong, where (file, line, key) and what is allowed.

use std::fmt;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A scenario that cannot be used. Its `Display` is the one line the user sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or built-in) the scenario came from.
    pub origin: String,
    /// 1-based line of the offending key or value, when it is in the file.
    pub line: Option<usize>,
    /// Dotted path of the offending key, when one is known.
    pub key: Option<String>,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl ScenarioError {
    /// An error about the file as a whole (missing, unreadable).
    pub fn plain(origin: &str, message: String) -> Self {
        ScenarioError {
            origin: origin.to_string(),
            line: None,
            key: None,
            message,
        }
    }

    /// An error found by the TOML parser or by serde (syntax, unknown key, wrong type).
    pub fn from_toml(err: toml::de::Error, text: &str, origin: &str) -> Self {
        let (mut line, mut key) = match err.span() {
            Some(span) => (Some(line_of(text, span.start)), key_at(text, span.start)),
            None => (None, None),
        };
        // Inside a tagged list entry (an event), serde reports the whole entry; find the value
        // it names so that the message points at its own line and key.
        if let (Some(span), Some(value)) = (err.span(), named_value(err.message()))
            && let Some((path, at)) = find_string_value(text, &value, span.start)
        {
            line = Some(line_of(text, at));
            key = Some(path);
        }
        // serde's message sometimes names the key itself; keep the first line only, since the
        // rest of toml's report is a drawing of the source.
        let mut message = err
            .message()
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        // A duplicate key: the parser's span covers the repeated key, which it does not name.
        if message.starts_with("duplicate key")
            && let Some(span) = err.span()
        {
            let name = text
                .get(span)
                .unwrap_or("")
                .trim()
                .trim_matches(['[', ']', '"']);
            message = format!(
                "duplicate key `{name}`: a key may be given only once in a table (remove one)"
            );
            if key.is_none() {
                key = Some(name.to_string());
            }
        }
        if line.is_none() {
            // Every message has a line: without a span, the error is about the file's start.
            line = Some(1);
        }
        ScenarioError {
            origin: origin.to_string(),
            line,
            key,
            message,
        }
    }

    /// An error about a key found by validation, located in `text` when the key is there.
    pub fn at_key(origin: &str, text: Option<&str>, key: &str, message: String) -> Self {
        let line = text
            .and_then(|t| super::path::locate(t, key))
            .map(|pos| line_of(text.unwrap_or(""), pos));
        ScenarioError {
            origin: origin.to_string(),
            line,
            key: Some(key.to_string()),
            message,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// The value an "unknown variant `x`" message names.
fn named_value(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown variant `")?;
    Some(rest[..rest.find('`')?].to_string())
}

/// The path and offset of the first string value equal to `wanted` at or after `from`.
fn find_string_value(text: &str, wanted: &str, from: usize) -> Option<(String, usize)> {
    let (doc, _) = DeTable::parse_recoverable(text);
    let mut best: Option<(String, usize)> = None;
    let mut visit = |path: String, value: &Spanned<DeValue<'_>>| {
        if let DeValue::String(s) = value.get_ref()
            && s == wanted
            && value.span().start >= from
            && best.as_ref().is_none_or(|b| value.span().start < b.1)
        {
            best = Some((path, value.span().start));
        }
    };
    walk_leaves(doc.get_ref(), String::new(), &mut visit);
    best
}

fn walk_leaves<'a>(
    table: &DeTable<'a>,
    prefix: String,
    visit: &mut impl FnMut(String, &Spanned<DeValue<'a>>),
) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        match value.get_ref() {
            DeValue::Table(t) => walk_leaves(t, path, visit),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::Table(t) => walk_leaves(t, format!("{path}[{i}]"), visit),
                        _ => visit(format!("{path}[{i}]"), item),
                    }
                }
            }
            _ => visit(path, value),
        }
    }
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The dotted path of the innermost key whose key or value covers `offset`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let (doc, _) = DeTable::parse_recoverable(text);
    find_in_table(doc.get_ref(), offset)
}

/// Tables' own spans do not always cover their contents (a `[[town.wards]]` header makes `town`
/// an implicit table), so every table and array is searched, and only leaves and keys are
/// matched against the offset.
fn find_in_table(table: &DeTable<'_>, offset: usize) -> Option<String> {
    let covers = |span: std::ops::Range<usize>| span.contains(&offset) || span.start == offset;
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        if covers(key.span()) {
            return Some(name);
        }
        if let Some(inner) = find_in_value(value, offset) {
            return Some(if inner.starts_with('[') {
                format!("{name}{inner}")
            } else {
                format!("{name}.{inner}")
            });
        }
        let leaf = !matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_));
        if leaf && covers(value.span()) {
            return Some(name);
        }
    }
    None
}

/// The path below `value` (starting with `.key` or `[i]`) that covers `offset`.
fn find_in_value(value: &Spanned<DeValue<'_>>, offset: usize) -> Option<String> {
    match value.get_ref() {
        DeValue::Table(t) => find_in_table(t, offset),
        DeValue::Array(items) => {
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| match item.get_ref() {
                    DeValue::Table(t) => find_in_table(t, offset).map(|p| format!("[{i}].{p}")),
                    _ if item.span().contains(&offset) => Some(format!("[{i}]")),
                    _ => None,
                })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n\n[council]\nopenness = 2.0\n\n[[town.wards]]\nname = \"A\"\ndeprivation = 0.1\n\n[[town.wards]]\nname = \"B\"\ndeprivation = 0.9\n";

    #[test]
    fn locates_nested_and_indexed_keys() {
        let locate = super::super::path::locate;
        assert_eq!(
            locate(TEXT, "council.openness").map(|o| line_of(TEXT, o)),
            Some(4)
        );
        let at = locate(TEXT, "town.wards[1].deprivation").map(|o| line_of(TEXT, o));
        assert_eq!(at, Some(12));
        assert_eq!(
            locate(TEXT, "council.statutory_share").map(|o| line_of(TEXT, o)),
            Some(3)
        );
    }

    #[test]
    fn finds_the_key_under_an_offset() {
        let offset = TEXT.find("0.9").unwrap();
        assert_eq!(
            key_at(TEXT, offset).as_deref(),
            Some("town.wards[1].deprivation")
        );
    }
}
