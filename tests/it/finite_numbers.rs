//! Every number is checked, wherever it sits: random valid scenarios (a built-in with some of
//! its numbers moved at random within their allowed ranges) with one number made NaN, ±inf,
//! out of its range or huge are refused by `cohesion check` with exit status 2 and one line
//! naming that key — never a panic, never "valid".

use crate::common::*;
use cohesion::Scenario;
use cohesion::rng::RngExt;
use cohesion::scenario::BUILTINS;
use cohesion::scenario::params::table;
use cohesion::scenario::schema::Allowed;
use std::fs;

/// One step into the resolved TOML of a scenario.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// A number in a scenario: where it is, its key as errors name it
/// (`town.wards[2].centre_km[1]`), and what its key allows.
#[derive(Clone, Debug)]
struct Leaf {
    steps: Vec<Step>,
    shown: String,
    allowed: Allowed,
}

/// What the schema allows at `row` (`town.wards[].deprivation`, `venues.*.count`,
/// `events.austerity.cut_per_year`).
fn allowed_at(row: &str) -> Allowed {
    table()
        .into_iter()
        .find(|r| r.path == row)
        .unwrap_or_else(|| panic!("no row for {row}"))
        .key
        .allowed
}

/// Every number in `tree`, the resolved TOML of a scenario.
fn leaves(tree: &toml::Table) -> Vec<Leaf> {
    let mut out = Vec::new();
    for (section, value) in tree {
        match (section.as_str(), value) {
            ("events", toml::Value::Array(events)) => {
                for (i, event) in events.iter().enumerate() {
                    let table = event.as_table().unwrap();
                    let kind = table["kind"].as_str().unwrap();
                    for (key, v) in table {
                        if v.is_integer() || v.is_float() {
                            out.push(Leaf {
                                steps: vec![
                                    Step::Key("events".into()),
                                    Step::Index(i),
                                    Step::Key(key.clone()),
                                ],
                                shown: format!("events[{i}].{key}"),
                                allowed: allowed_at(&format!("events.{kind}.{key}")),
                            });
                        }
                    }
                }
            }
            (_, toml::Value::Table(t)) => {
                for (key, v) in t {
                    walk(
                        v,
                        vec![Step::Key(section.clone()), Step::Key(key.clone())],
                        &format!("{section}.{key}"),
                        &row_of(section, key),
                        &mut out,
                    );
                }
            }
            _ => walk(
                value,
                vec![Step::Key(section.clone())],
                section,
                section,
                &mut out,
            ),
        }
    }
    out
}

/// The schema row of `section.key` (venue kinds share one row, `venues.*`).
fn row_of(section: &str, key: &str) -> String {
    format!("{section}.{key}")
}

fn walk(value: &toml::Value, steps: Vec<Step>, shown: &str, row: &str, out: &mut Vec<Leaf>) {
    match value {
        toml::Value::Integer(_) | toml::Value::Float(_) => out.push(Leaf {
            steps,
            shown: shown.to_string(),
            allowed: allowed_at(row),
        }),
        toml::Value::Table(t) => {
            for (key, v) in t {
                let mut s = steps.clone();
                s.push(Step::Key(key.clone()));
                // venues.pub.count → venues.*.count
                let sub_row = match row.strip_prefix("venues.") {
                    Some(_) => format!("venues.*.{key}"),
                    None => format!("{row}.{key}"),
                };
                walk(v, s, &format!("{shown}.{key}"), &sub_row, out);
            }
        }
        toml::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let mut s = steps.clone();
                s.push(Step::Index(i));
                // A list of tables (the wards) has rows of its own; a pair (centre_km) is one.
                let sub_row = if v.is_table() {
                    format!("{row}[]")
                } else {
                    row.to_string()
                };
                walk(v, s, &format!("{shown}[{i}]"), &sub_row, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(tree: &'a mut toml::Table, steps: &[Step]) -> &'a mut toml::Value {
    let Step::Key(first) = &steps[0] else {
        unreachable!()
    };
    let mut node = tree.get_mut(first).unwrap();
    for step in &steps[1..] {
        node = match step {
            Step::Key(k) => node.get_mut(k).unwrap(),
            Step::Index(i) => node.get_mut(*i).unwrap(),
        };
    }
    node
}

/// How a number is spoiled.
#[derive(Clone, Copy, Debug)]
enum Spoil {
    Nan,
    Inf,
    NegInf,
    AboveMax,
    BelowMin,
    Huge,
    NegHuge,
}

const SPOILS: [Spoil; 7] = [
    Spoil::Nan,
    Spoil::Inf,
    Spoil::NegInf,
    Spoil::AboveMax,
    Spoil::BelowMin,
    Spoil::Huge,
    Spoil::NegHuge,
];

/// The spoiled value for a key that allows `allowed`.
fn spoiled(spoil: Spoil, allowed: Allowed) -> toml::Value {
    let (min, max, whole) = match allowed {
        Allowed::Number { min, max } | Allowed::Pair { min, max } => (min, max, false),
        Allowed::Whole { min, max } => (min as f64, max as f64, true),
        other => panic!("not a number: {other:?}"),
    };
    let step = (max - min).max(1.0);
    let number = |x: f64| {
        if whole {
            toml::Value::Integer(x as i64)
        } else {
            toml::Value::Float(x)
        }
    };
    match spoil {
        Spoil::Nan => toml::Value::Float(f64::NAN),
        Spoil::Inf => toml::Value::Float(f64::INFINITY),
        Spoil::NegInf => toml::Value::Float(f64::NEG_INFINITY),
        Spoil::AboveMax => number(max + step),
        Spoil::BelowMin => number(min - step),
        Spoil::Huge if whole => toml::Value::Integer(i64::MAX),
        Spoil::Huge => toml::Value::Float(1e300),
        Spoil::NegHuge if whole => toml::Value::Integer(i64::MIN),
        Spoil::NegHuge => toml::Value::Float(-1e300),
    }
}

/// A value inside `allowed`, `u` of the way from its minimum to its maximum.
fn inside(allowed: Allowed, u: f64) -> toml::Value {
    match allowed {
        Allowed::Number { min, max } | Allowed::Pair { min, max } => {
            toml::Value::Float(min + u * (max - min))
        }
        Allowed::Whole { min, max } => {
            toml::Value::Integer(min + (u * (max - min) as f64).round() as i64)
        }
        other => panic!("not a number: {other:?}"),
    }
}

/// A valid scenario: built-in `base` with the numbers `moves` picks (index, fraction of the
/// range) moved inside their ranges, each kept only if the scenario stays valid (ranges are
/// not the only rules: housing shares add up to 1, ages are ordered, events fall in the run).
fn valid_scenario(base: usize, moves: &[(usize, f64)]) -> toml::Table {
    let scenario = Scenario::load(BUILTINS[base].name).unwrap();
    let mut tree: toml::Table = toml::from_str(&scenario.to_toml()).unwrap();
    let all = leaves(&tree);
    for &(pick, u) in moves {
        let leaf = &all[pick % all.len()];
        let old = at(&mut tree, &leaf.steps).clone();
        *at(&mut tree, &leaf.steps) = inside(leaf.allowed, u);
        let text = toml::to_string(&tree).unwrap();
        if Scenario::from_toml(&text, "moved").is_err() {
            *at(&mut tree, &leaf.steps) = old;
        }
    }
    tree
}

/// Any number of any built-in, spoiled (out of range, of the wrong kind, not finite) in a
/// scenario whose other numbers were moved at random inside their ranges, is refused on one
/// line naming its file, line and key: 64 random cases.
#[test]
fn a_spoiled_number_is_refused_naming_its_key() {
    for_random_cases(64, |rng| {
        let base = rng.random_range(0..BUILTINS.len());
        let moves: Vec<(usize, f64)> = (0..rng.random_range(0..8))
            .map(|_| (rng.random::<u64>() as usize, rng.random_range(0.0..=1.0)))
            .collect();
        let pick = rng.random::<u64>() as usize;
        let spoil = rng.random_range(0..SPOILS.len());
        let mut tree = valid_scenario(base, &moves);
        let all = leaves(&tree);
        let leaf = all[pick % all.len()].clone();
        *at(&mut tree, &leaf.steps) = spoiled(SPOILS[spoil], leaf.allowed);
        let text = toml::to_string(&tree).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("s.toml"), &text).unwrap();
        let o = cohesion(tmp.path(), &["check", "s.toml"]);
        let err = stderr(&o);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{} = {:?} ({:?}): {}",
            leaf.shown,
            SPOILS[spoil],
            leaf.allowed,
            err
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("`{}`", leaf.shown)),
            "{} = {:?}: the message names another key: {}",
            leaf.shown,
            SPOILS[spoil],
            err
        );
        assert!(err.starts_with("error: s.toml:"), "file and line: {err}");
    });
}

#[test]
fn every_number_of_every_builtin_has_a_row() {
    // The walk above finds the schema row of every number: a number it could not place would
    // be a number the property never spoils.
    for b in BUILTINS {
        let s = Scenario::load(b.name).unwrap();
        let tree: toml::Table = toml::from_str(&s.to_toml()).unwrap();
        let found = leaves(&tree);
        assert!(found.len() > 100, "{}: {} numbers", b.name, found.len());
    }
}
