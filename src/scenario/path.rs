//! Dotted parameter paths, parsed in one place for scenario files, sweep files and the seminar
//! server: `council.openness`, `venues.pub.weekly_cost_gbp`, `town.wards[2].deprivation`,
//! `events.austerity.cut_per_year` (every intervention of that kind) or `events[1].year`.
//!
//! [`set`] changes one value in a scenario's TOML table (what sweeps and the server do before
//! the scenario is read back and checked like any file); [`locate`] finds a key's place in a
//! file (for errors); [`pattern`] turns a concrete path into its row in the schema
//! (`town.wards[2].deprivation` → `town.wards[].deprivation`).

use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};

/// One parameter's value: a number or true/false (what sweeps, `--set` and the server set).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Level {
    Bool(bool),
    Num(f64),
}

impl Level {
    /// As a number for charts (true is 1).
    pub fn as_f64(self) -> f64 {
        match self {
            Level::Bool(b) => f64::from(u8::from(b)),
            Level::Num(x) => x,
        }
    }

    /// As written in CSV: the shortest decimal that reads back as the same number.
    pub fn text(self) -> String {
        match self {
            Level::Bool(b) => b.to_string(),
            Level::Num(x) => format!("{x}"),
        }
    }

    /// A TOML number or boolean as a level.
    pub fn of(v: &toml::Value) -> Option<Level> {
        match v {
            toml::Value::Boolean(b) => Some(Level::Bool(*b)),
            toml::Value::Integer(i) => Some(Level::Num(*i as f64)),
            toml::Value::Float(f) => Some(Level::Num(*f)),
            _ => None,
        }
    }

    /// Reads `true`, `false` or a number written as text (`--set council.openness=0.5`).
    pub fn parse(text: &str) -> Result<Level, String> {
        match text.trim() {
            "true" => Ok(Level::Bool(true)),
            "false" => Ok(Level::Bool(false)),
            t => t
                .parse::<f64>()
                .map(Level::Num)
                .map_err(|_| format!("`{t}` is neither a number nor true/false")),
        }
    }
}

/// One step of a parameter path.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Parses a dotted path with `[i]` indices into steps.
pub fn steps(path: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && out.is_empty() {
            return Err(format!(
                "unknown parameter `{path}`: it must start with a name"
            ));
        }
        if name.is_empty() && rest.is_empty() {
            return Err(format!("unknown parameter `{path}`: an empty name"));
        }
        if !name.is_empty() {
            out.push(Step::Key(name.to_string()));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped
                .find(']')
                .ok_or_else(|| format!("unknown parameter `{path}`: unclosed `[`"))?;
            let i = stripped[..end].parse::<usize>().map_err(|_| {
                format!(
                    "unknown parameter `{path}`: `[{}]` is not an index",
                    &stripped[..end]
                )
            })?;
            out.push(Step::Index(i));
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!(
                "unknown parameter `{path}`: `{rest}` after an index"
            ));
        }
    }
    Ok(out)
}

/// Sets parameter `path` to `level` in a scenario's table and returns the value used. With
/// `exact`, a whole-number key refuses a fraction; otherwise it is rounded (sampled designs).
/// `events.<kind>.<key>` sets the key in every intervention of that kind.
pub fn set(tree: &mut toml::Table, path: &str, level: Level, exact: bool) -> Result<Level, String> {
    let steps = steps(path)?;
    if let [Step::Key(events), Step::Key(kind), rest @ ..] = steps.as_slice()
        && events == "events"
        && !rest.is_empty()
    {
        let list = tree
            .get_mut("events")
            .and_then(|v| v.as_array_mut())
            .filter(|l| !l.is_empty());
        let Some(list) = list else {
            return Err(format!("no events in the base scenario, so no `{path}`"));
        };
        let mut used = None;
        for event in list.iter_mut() {
            if event.get("kind").and_then(|k| k.as_str()) == Some(kind.as_str()) {
                used = Some(set_in(event, rest, path, level, exact, true)?);
            }
        }
        return used.ok_or_else(|| format!("no `{kind}` event in the base scenario to change"));
    }
    let is_event = matches!(steps.first(), Some(Step::Key(k)) if k == "events");
    let mut root = toml::Value::Table(std::mem::take(tree));
    let result = set_in(&mut root, &steps, path, level, exact, is_event);
    if let toml::Value::Table(t) = root {
        *tree = t;
    }
    result
}

/// Keys a resolved scenario leaves out while they are 0, which `--set` and sweep axes may still
/// set.
const LEFT_OUT_AT_ZERO: [&str; 1] = ["town.counts_for_residents"];

fn set_in(
    mut node: &mut toml::Value,
    steps: &[Step],
    path: &str,
    level: Level,
    exact: bool,
    may_add: bool,
) -> Result<Level, String> {
    let unknown = |what: String| format!("unknown parameter `{path}`: {what}");
    if let Level::Num(x) = level
        && !x.is_finite()
    {
        return Err(format!("{x} is not a number that can be used"));
    }
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        node = match (step, node) {
            (Step::Key(k), toml::Value::Table(t)) => {
                if !t.contains_key(k) && last && LEFT_OUT_AT_ZERO.contains(&path) {
                    // A whole-number key a resolved scenario leaves out while it is 0.
                    t.insert(k.clone(), toml::Value::Integer(0));
                }
                if !t.contains_key(k) {
                    let optional_event_key = last && may_add && t.contains_key("kind");
                    if !optional_event_key {
                        let hint = did_you_mean(k, t.keys().map(String::as_str));
                        return Err(unknown(format!("there is no key `{k}` there{hint}")));
                    }
                    // An optional event key left out of the base (a devolution's `openness`).
                    let fresh = match level {
                        Level::Bool(b) => toml::Value::Boolean(b),
                        Level::Num(x) => toml::Value::Float(x),
                    };
                    t.insert(k.clone(), fresh);
                }
                t.get_mut(k).expect("present")
            }
            (Step::Index(j), toml::Value::Array(a)) => {
                let n = a.len();
                a.get_mut(*j)
                    .ok_or_else(|| unknown(format!("index {j} is past the end (there are {n})")))?
            }
            (Step::Index(j), _) => {
                return Err(unknown(format!(
                    "`[{j}]` indexes something that is not a list"
                )));
            }
            (Step::Key(k), _) => {
                return Err(unknown(format!("`{k}` is below a value, not a table")));
            }
        };
    }
    match (node, level) {
        (slot @ toml::Value::Integer(_), Level::Num(x)) => {
            if exact && x.fract() != 0.0 {
                return Err(format!("takes whole numbers, not {x}"));
            }
            let whole = x.round();
            if whole.abs() > 9.0e15 {
                return Err(format!("{x} is too large"));
            }
            *slot = toml::Value::Integer(whole as i64);
            Ok(Level::Num(whole))
        }
        (slot @ toml::Value::Float(_), Level::Num(x)) => {
            *slot = toml::Value::Float(x);
            Ok(Level::Num(x))
        }
        (slot @ toml::Value::Boolean(_), Level::Bool(b)) => {
            *slot = toml::Value::Boolean(b);
            Ok(Level::Bool(b))
        }
        (toml::Value::Boolean(_), Level::Num(_)) => Err("takes true or false, not a number".into()),
        (toml::Value::Integer(_) | toml::Value::Float(_), Level::Bool(_)) => {
            Err("takes a number, not true or false".into())
        }
        (other, _) => Err(format!(
            "unknown parameter `{path}`: it is a {}, and only numbers and true/false can be set",
            other.type_str()
        )),
    }
}

/// " (did you mean `a` or `b`?)" for the candidates close to `wanted`, or nothing.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let mut near: Vec<&str> = candidates.filter(|c| similar(c, wanted)).collect();
    near.sort_unstable();
    near.dedup();
    near.truncate(3);
    if near.is_empty() {
        return String::new();
    }
    let names: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
    format!(" (did you mean {}?)", names.join(" or "))
}

/// Close enough to suggest: same letters but for two edits, or one contains the other.
pub fn similar(a: &str, b: &str) -> bool {
    if a.contains(b) || b.contains(a) {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

/// The schema row a concrete path belongs to: indices of lists become `[]`, a venue kind's
/// table `*`, and an intervention's keys `events.<kind>.<key>` (`kinds[i]` is the kind of
/// `events[i]`, when known).
pub fn pattern(path: &str, kinds: &[Option<String>]) -> String {
    let Ok(steps) = steps(path) else {
        return path.to_string();
    };
    let mut out = String::new();
    let mut i = 0;
    while i < steps.len() {
        match (&steps[i], steps.get(i + 1)) {
            (Step::Key(k), Some(Step::Index(e))) if k == "events" && i == 0 => {
                let kind = kinds.get(*e).cloned().flatten();
                match (kind, steps.get(i + 2)) {
                    (Some(kind), Some(Step::Key(key))) if key != "kind" => {
                        out = format!("events.{kind}.{key}");
                        i += 3;
                    }
                    (_, Some(Step::Key(key))) => {
                        out = format!("events[].{key}");
                        i += 3;
                    }
                    _ => {
                        out = "events[]".into();
                        i += 2;
                    }
                }
                continue;
            }
            (Step::Key(k), _) => {
                if !out.is_empty() {
                    out.push('.');
                }
                if out == "venues." && i == 1 && super::schema::VENUE_KINDS.contains(&k.as_str()) {
                    out.push('*');
                } else {
                    out.push_str(k);
                }
            }
            (Step::Index(_), _) => out.push_str("[]"),
        }
        i += 1;
    }
    out
}

/// A path into the `events` list of a scenario whose first `inherited` events came from its
/// parent, renumbered as the branch's own changes file counts them: `events[3].year` with two
/// inherited is `events[1].year`. `None` for any other path, or an event the parent gave.
pub fn renumber_event(path: &str, inherited: usize) -> Option<String> {
    let (index, tail) = path.strip_prefix("events[")?.split_once(']')?;
    let i = index.parse::<usize>().ok()?;
    (i >= inherited).then(|| format!("events[{}]{tail}", i - inherited))
}

/// Byte offset of the key named by a dotted path with `[i]` indices, if the file has it; for a
/// path into a list of tables, the entry's own key (or the entry itself).
pub fn locate(text: &str, path: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut best = None;
    let steps = steps(path).ok()?;
    let mut i = 0;
    while i < steps.len() {
        let Step::Key(name) = &steps[i] else {
            return best;
        };
        let Some((key, value)) = table.get_key_value(name.as_str()) else {
            return best;
        };
        best = Some(key.span().start);
        let mut value = value;
        while let Some(Step::Index(j)) = steps.get(i + 1) {
            let DeValue::Array(items) = value.get_ref() else {
                return best;
            };
            let Some(item) = items.get(*j) else {
                return best;
            };
            best = Some(item.span().start);
            value = item;
            i += 1;
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return best,
        }
        i += 1;
    }
    best
}

/// Every value a schema row's path `pattern` matches in `tree`, in file order: `*` stands for
/// any key of a table (`venues.*.capacity`), `[]` for every entry of a list
/// (`town.wards[].deprivation`).
pub fn values_at<'a>(tree: &'a toml::Value, pattern: &str) -> Vec<&'a toml::Value> {
    let mut out = Vec::new();
    collect_into(tree, pattern, &mut out);
    out
}

/// Every value `pattern` matches in `tree` (`*` any key of a table, `[]` every entry).
fn collect_into<'a>(tree: &'a toml::Value, pattern: &str, out: &mut Vec<&'a toml::Value>) {
    if pattern.is_empty() {
        out.push(tree);
        return;
    }
    let (head, rest) = pattern.split_once('.').unwrap_or((pattern, ""));
    if let Some(name) = head.strip_suffix("[]") {
        if let Some(items) = tree.get(name).and_then(toml::Value::as_array) {
            for item in items {
                collect_into(item, rest, out);
            }
        }
    } else if head == "*" {
        if let Some(map) = tree.as_table() {
            for value in map.values() {
                collect_into(value, rest, out);
            }
        }
    } else if let Some(value) = tree.get(head) {
        collect_into(value, rest, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_counts_only_its_own_events() {
        assert_eq!(
            renumber_event("events[3].year", 2).as_deref(),
            Some("events[1].year")
        );
        assert_eq!(renumber_event("events[2]", 2).as_deref(), Some("events[0]"));
        assert_eq!(renumber_event("events[1].year", 2), None, "the parent's");
        assert_eq!(renumber_event("events.austerity.years", 0), None);
        assert_eq!(renumber_event("events[x].year", 0), None);
        assert_eq!(renumber_event("council.openness", 0), None);
    }

    #[test]
    fn paths_parse_into_steps() {
        assert_eq!(
            steps("town.wards[2].centre_km[1]").unwrap(),
            vec![
                Step::Key("town".into()),
                Step::Key("wards".into()),
                Step::Index(2),
                Step::Key("centre_km".into()),
                Step::Index(1),
            ]
        );
        assert!(steps(".x").is_err());
        assert!(steps("a[x]").is_err());
        assert!(steps("a[1").is_err());
        assert!(steps("a[1]b").is_err());
    }

    #[test]
    fn concrete_paths_find_their_rows() {
        let kinds = [Some("austerity".to_string()), None];
        assert_eq!(
            pattern("town.wards[3].deprivation", &kinds),
            "town.wards[].deprivation"
        );
        assert_eq!(pattern("venues.pub.capacity", &kinds), "venues.*.capacity");
        assert_eq!(
            pattern("venues.pubs.capacity", &kinds),
            "venues.pubs.capacity"
        );
        assert_eq!(
            pattern("events[0].cut_per_year", &kinds),
            "events.austerity.cut_per_year"
        );
        assert_eq!(pattern("events[1].year", &kinds), "events[].year");
        assert_eq!(pattern("events[0].kind", &kinds), "events[].kind");
        assert_eq!(pattern("council.openness", &kinds), "council.openness");
    }

    #[test]
    fn keys_are_found_in_lists_of_tables() {
        let text = "[council]\nopenness = 2.0\n\n[[events]]\nkind = \"close\"\nyear = 2011\n\n\
                    [[events]]\nkind = \"austerity\"\nyear = 2012\ncut_per_yer = 0.1\n";
        let line = |p: &str| locate(text, p).map(|o| text[..o].matches('\n').count() + 1);
        assert_eq!(line("council.openness"), Some(2));
        assert_eq!(line("events[1].cut_per_yer"), Some(11));
        assert_eq!(line("events[1]"), Some(8));
        assert_eq!(line("events[0].year"), Some(6));
    }

    #[test]
    fn nothing_that_is_not_a_number_is_set() {
        let mut t: toml::Table = "[council]\nopenness = 0.3\n".parse().unwrap();
        assert!(set(&mut t, "council.openness", Level::Num(f64::NAN), true).is_err());
        assert!(
            set(&mut t, "council.openess", Level::Num(0.5), true)
                .unwrap_err()
                .contains("did you mean `openness`")
        );
        set(&mut t, "council.openness", Level::Num(0.5), true).unwrap();
        assert_eq!(t["council"]["openness"].as_float(), Some(0.5));
    }
}
