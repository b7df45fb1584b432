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
        let (line, key) = match err.span() {
            Some(span) => (Some(line_of(text, span.start)), key_at(text, span.start)),
            None => (None, None),
        };
        // serde's message sometimes names the key itself; keep the first line only, since the
        // rest of toml's report is a drawing of the source.
        let message = err.message().lines().next().unwrap_or("").trim().to_string();
        ScenarioError {
            origin: origin.to_string(),
            line,
            key,
            message,
        }
    }

    /// An error about a key found by validation, located in `text` when the key is there.
    pub fn at_key(origin: &str, text: Option<&str>, key: &str, message: String) -> Self {
        let line = text.and_then(|t| locate(t, key)).map(|pos| line_of(text.unwrap_or(""), pos));
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

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Byte offset of the key named by a dotted path with `[i]` indices, if the file has it.
fn locate(text: &str, path: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut best = None;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let (name, index) = match segment.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let (key, value) = table.get_key_value(name)?;
        best = Some(key.span().start);
        let value = match (value.get_ref(), index) {
            (DeValue::Array(items), Some(i)) => items.get(i)?,
            _ => value,
        };
        if index.is_some() {
            best = Some(value.span().start);
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ if segments.peek().is_none() => return best,
            _ => return best,
        }
    }
    best
}

/// The dotted path of the innermost key whose key or value covers `offset`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let (doc, _) = DeTable::parse_recoverable(text);
    let mut path = Vec::new();
    walk_table(doc.get_ref(), offset, &mut path);
    (!path.is_empty()).then(|| path.join("."))
}

fn walk_table(table: &DeTable<'_>, offset: usize, path: &mut Vec<String>) {
    for (key, value) in table.iter() {
        let inside = |span: std::ops::Range<usize>| span.contains(&offset) || span.start == offset;
        if inside(key.span()) {
            path.push(key.get_ref().to_string());
            return;
        }
        if inside(value.span()) {
            path.push(key.get_ref().to_string());
            walk_value(value, offset, path);
            return;
        }
    }
}

fn walk_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &mut Vec<String>) {
    match value.get_ref() {
        DeValue::Table(t) => walk_table(t, offset, path),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.span().contains(&offset) {
                    if let Some(last) = path.last_mut() {
                        last.push_str(&format!("[{i}]"));
                    }
                    walk_value(item, offset, path);
                    return;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n\n[council]\nopenness = 2.0\n\n[[town.wards]]\nname = \"A\"\ndeprivation = 0.1\n\n[[town.wards]]\nname = \"B\"\ndeprivation = 0.9\n";

    #[test]
    fn locates_nested_and_indexed_keys() {
        assert_eq!(locate(TEXT, "council.openness").map(|o| line_of(TEXT, o)), Some(4));
        let at = locate(TEXT, "town.wards[1].deprivation").map(|o| line_of(TEXT, o));
        assert_eq!(at, Some(12));
        assert_eq!(locate(TEXT, "council.statutory_share"), None);
    }

    #[test]
    fn finds_the_key_under_an_offset() {
        let offset = TEXT.find("0.9").unwrap();
        assert_eq!(key_at(TEXT, offset).as_deref(), Some("town.wards[1].deprivation"));
    }
}
