//! Changes to a scenario from a year on: the file `cohesion branch --scenario CHANGES.toml`
//! reads. It is written like a scenario file, giving only what changes:
//!
//! - parameters: each key given replaces the base scenario's, as a scenario file's keys replace
//!   the baseline's;
//! - `[[events]]`: interventions added to the base scenario's, each in the fork year or later
//!   (the base's own interventions still to come happen as planned);
//! - `name` and `description`: the branch's own (by default a name made from the base's);
//! - not `[town]` or `[time]`: a branch goes on with the town and the years it was forked
//!   from.
//!
//! Architecture invariant: like the rest of this module, no simulation; every mistake is a
//! [`ScenarioError`] naming the changes file, its line and the key.

use super::{Scenario, ScenarioError, document};
use toml::{Table, Value};

/// The tables a branch may not change, and why, in the user's words.
const FIXED: [(&str, &str); 2] = [
    (
        "town",
        "a branch goes on with the town it was forked from (its wards, homes, residents and \
         meeting places); change meeting places with `[[events]]` (invest, close) instead",
    ),
    (
        "time",
        "a branch covers the years of the run it was forked from; choose the fork year with \
         --at",
    ),
];

/// The scenario `base` becomes from `year` on under the changes in `text` (read from
/// `origin`): `base` with the keys of `text` replaced and its events added. `name` is the
/// branch's name when `text` gives none. Errors name `origin`, the line and the key.
pub fn apply(
    base: &Scenario,
    text: &str,
    origin: &str,
    year: i32,
    name: &str,
) -> Result<Scenario, ScenarioError> {
    let changes: Table = text
        .parse()
        .map_err(|e| ScenarioError::from_toml(e, text, origin))?;
    for (key, why) in FIXED {
        if changes.contains_key(key) {
            return Err(ScenarioError::at_key(
                origin,
                Some(text),
                key,
                format!("cannot be changed in a branch: {why}"),
            ));
        }
    }
    document::check(text, origin)?;
    let mut tree: Table = base
        .to_toml()
        .parse()
        .expect("a resolved scenario always reads back as TOML");
    let inherited = base.events.len();
    if !changes.contains_key("name") {
        tree.insert("name".into(), Value::String(name.to_string()));
    }
    merge(&mut tree, changes);
    let merged = toml::to_string(&tree).map_err(|e| ScenarioError::plain(origin, e.to_string()))?;
    let scenario = Scenario::from_toml(&merged, origin).map_err(|e| {
        let key = e.key.as_deref().map(|k| own_key(k, inherited));
        match key {
            Some(key) => ScenarioError::at_key(origin, Some(text), &key, e.message),
            None => ScenarioError::plain(origin, e.message),
        }
    })?;
    for (i, event) in scenario.events.iter().enumerate().skip(inherited) {
        let (when, _) = event.when();
        if when < year {
            return Err(ScenarioError::at_key(
                origin,
                Some(text),
                &format!("events[{}].year", i - inherited),
                format!(
                    "{when} is before the fork year {year}: a branch changes only what happens \
                     from {year} on"
                ),
            ));
        }
    }
    Ok(scenario)
}

/// Puts `changes` into `tree`: tables key by key, `events` added to the list, anything else
/// replaced.
fn merge(tree: &mut Table, changes: Table) {
    for (key, value) in changes {
        match (tree.get_mut(&key), value) {
            (Some(Value::Table(into)), Value::Table(from)) => merge(into, from),
            (Some(Value::Array(into)), Value::Array(from)) if key == "events" => into.extend(from),
            (_, value) => {
                tree.insert(key, value);
            }
        }
    }
}

/// A key of the merged scenario as the changes file numbers it: `events[i]` counts from the
/// first event the file adds.
fn own_key(key: &str, inherited: usize) -> String {
    super::path::renumber_event(key, inherited).unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        Scenario::from_toml(
            "name = \"b\"\n[time]\nyears = 4\n[town]\nresidents = 300\n\
             [[events]]\nkind = \"austerity\"\nyear = 2010\nyears = 2\ncut_per_year = 0.1\n",
            "b.toml",
        )
        .unwrap()
    }

    #[test]
    fn keys_replace_and_events_add() {
        let text = "[council]\nopenness = 0.9\n\n[[events]]\nkind = \"close\"\nyear = 2012\n\
                    venue_kind = \"pub\"\ncount = 1\n";
        let s = apply(&base(), text, "c.toml", 2012, "b-2012").unwrap();
        assert_eq!(s.name, "b-2012");
        assert_eq!(s.council.openness, 0.9);
        assert_eq!(s.council.statutory_share, base().council.statutory_share);
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.events[0], base().events[0]);
        assert_eq!(s.events[1].kind(), "close");
        assert_eq!(s.town, base().town);
        let named = apply(&base(), "name = \"mine\"\n", "c.toml", 2012, "b-2012").unwrap();
        assert_eq!(named.name, "mine");
    }

    #[test]
    fn mistakes_name_the_changes_file_line_and_key() {
        let e = |text: &str| apply(&base(), text, "c.toml", 2012, "x").unwrap_err();
        let past =
            e("[[events]]\nkind = \"close\"\nyear = 2011\nvenue_kind = \"pub\"\ncount = 1\n");
        assert_eq!(past.key.as_deref(), Some("events[0].year"));
        assert_eq!(past.line, Some(3));
        assert!(past.message.contains("before the fork year 2012"), "{past}");
        let town = e("\n[town]\nresidents = 500\n");
        assert_eq!((town.key.as_deref(), town.line), (Some("town"), Some(2)));
        let range = e("[council]\nopenness = 1.5\n");
        assert_eq!(
            (range.key.as_deref(), range.line),
            (Some("council.openness"), Some(2))
        );
        assert!(
            range
                .to_string()
                .starts_with("c.toml:2: key `council.openness`")
        );
        let ward = e(
            "[[events]]\nkind = \"invest\"\nyear = 2013\nvenue_kind = \"library\"\n\
             ward = \"Nowhere\"\n",
        );
        assert_eq!(
            ward.key.as_deref().map(|k| k.starts_with("events[0]")),
            Some(true)
        );
        let unknown = e("[council]\nopeness = 0.5\n");
        assert_eq!(unknown.line, Some(2));
    }
}
