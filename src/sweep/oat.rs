//! One-at-a-time (OAT) checks: which findings survive when each behavioural parameter alone is
//! moved away from its value.
//!
//! The design: for each scenario of the sweep (its base, then `[oat] scenarios`), the base
//! point (every parameter at the scenario's value), then every axis in file order moved to each
//! factor × its base value in turn, the others staying at base. A moved value outside the
//! parameter's allowed range (`cohesion params`) is clamped to the range, and the point says
//! so (`clamped` in `oat.csv`); a whole-number parameter is rounded. Points are numbered
//! scenario-major, so point `s × m + j` is slot `j` of scenario `s` (`m` = 1 + axes × factors).
//!
//! Every point of a replicate runs with the same seed (common random numbers): a difference
//! between two points, or between two scenarios at one point, is then the parameters' and the
//! scenarios' doing, not two draws of noise. A conclusion ([`super::spec::Conclusion`]) is the
//! mean over replicates of the paired difference `scenario − against` at one slot; it *flips*
//! at a slot where it holds at the base point and not there (or the other way round).
//!
//! This module does no I/O: `plan` builds the points from [`layout`], `merge` writes the
//! tables from [`effects`] and [`conclusions`].

use super::spec::{Conclusion, Holds};
use crate::scenario::params;
use crate::scenario::path::{Step, pattern, steps};
use crate::scenario::schema::Allowed;
use crate::stats::Estimate;
use serde::{Deserialize, Serialize};

/// What one point of an OAT design is: a scenario, and the one axis moved (none at the base).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OatPoint {
    /// Index into [`OatLayout::scenarios`].
    pub scenario: usize,
    /// The axis moved and the factor, or none for the base point.
    pub moved: Option<(usize, f64)>,
    /// Whether the moved value was clamped to the parameter's allowed range.
    #[serde(default)]
    pub clamped: bool,
}

/// An OAT design as `sweep.json` records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OatLayout {
    /// The base scenario, then the further scenarios, as the file names them.
    pub scenarios: Vec<String>,
    /// Per scenario, per axis: the value at the base point.
    pub base: Vec<Vec<f64>>,
    pub points: Vec<OatPoint>,
}

impl OatLayout {
    /// Points per scenario: the base and every move.
    pub fn slots(&self) -> usize {
        self.points.len() / self.scenarios.len().max(1)
    }
}

/// The points of an OAT design over `scenarios` scenarios and `axes` axes, before values:
/// scenario-major; in each, the base, then axis by axis, factor by factor.
pub fn layout(scenarios: usize, axes: usize, factors: &[f64]) -> Vec<OatPoint> {
    let mut out = Vec::with_capacity(scenarios * (1 + axes * factors.len()));
    for s in 0..scenarios {
        out.push(OatPoint {
            scenario: s,
            moved: None,
            clamped: false,
        });
        for a in 0..axes {
            for &f in factors {
                out.push(OatPoint {
                    scenario: s,
                    moved: Some((a, f)),
                    clamped: false,
                });
            }
        }
    }
    out
}

/// The value at a parameter path of a scenario's table, as `set` reads paths:
/// `events.<kind>.<key>` is the first event of that kind.
pub fn value_at(tree: &toml::Table, path: &str) -> Option<toml::Value> {
    let steps = steps(path).ok()?;
    let mut here = toml::Value::Table(tree.clone());
    let mut rest: &[Step] = &steps;
    if let [Step::Key(events), Step::Key(kind), tail @ ..] = rest
        && events == "events"
        && !tail.is_empty()
    {
        here = tree
            .get("events")?
            .as_array()?
            .iter()
            .find(|e| e.get("kind").and_then(|k| k.as_str()) == Some(kind.as_str()))?
            .clone();
        rest = tail;
    }
    for step in rest {
        here = match step {
            Step::Key(k) => here.get(k.as_str())?.clone(),
            Step::Index(i) => here.get(*i)?.clone(),
        };
    }
    Some(here)
}

/// The allowed range of a numeric parameter, from the parameter table, and whether it takes
/// whole numbers; none for a key with no numeric row.
pub fn allowed_range(tree: &toml::Table, path: &str) -> Option<(f64, f64, bool)> {
    let kinds: Vec<Option<String>> = tree
        .get("events")
        .and_then(|e| e.as_array())
        .map(|list| {
            list.iter()
                .map(|e| e.get("kind").and_then(|k| k.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let row = pattern(path, &kinds);
    params::table()
        .into_iter()
        .find(|r| r.path == row)
        .and_then(|r| match r.key.allowed {
            Allowed::Number { min, max } => Some((min, max, false)),
            Allowed::Whole { min, max } => Some((min as f64, max as f64, true)),
            _ => None,
        })
}

/// `factor × base`, clamped to `range` when given: (value, whether it was clamped).
pub fn moved(base: f64, factor: f64, range: Option<(f64, f64)>) -> (f64, bool) {
    let x = base * factor;
    match range {
        Some((lo, _)) if x < lo => (lo, true),
        Some((_, hi)) if x > hi => (hi, true),
        _ => (x, false),
    }
}

/// One row of `oat.csv`: a metric at one moved point against the base point of its scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub point: usize,
    pub metric: usize,
    pub base: Estimate,
    pub moved: Estimate,
    /// Mean over replicates of the paired difference moved − base.
    pub difference: Estimate,
}

/// Per run: (point, replicate, metric values).
pub type RunValues<'a> = (usize, u32, &'a [f64]);

/// Paired values of metric `m` at points `a` and `b`: `b − a` for every replicate run at both.
fn paired(runs: &[RunValues], a: usize, b: usize, m: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let at = |p: usize| -> Vec<(u32, f64)> {
        runs.iter()
            .filter(|r| r.0 == p)
            .filter_map(|r| r.2.get(m).map(|&v| (r.1, v)))
            .collect()
    };
    let (xa, xb) = (at(a), at(b));
    let diffs = xb
        .iter()
        .filter_map(|(r, vb)| xa.iter().find(|(q, _)| q == r).map(|(_, va)| vb - va))
        .collect();
    (
        xa.into_iter().map(|v| v.1).collect(),
        xb.into_iter().map(|v| v.1).collect(),
        diffs,
    )
}

/// Every moved point's effect on every metric, in point order then metric order.
pub fn effects(layout: &OatLayout, runs: &[RunValues], metrics: usize) -> Vec<Effect> {
    let m_slots = layout.slots();
    let mut out = Vec::new();
    for (p, point) in layout.points.iter().enumerate() {
        if point.moved.is_none() {
            continue;
        }
        let base = point.scenario * m_slots;
        for m in 0..metrics {
            let (a, b, d) = paired(runs, base, p, m);
            out.push(Effect {
                point: p,
                metric: m,
                base: Estimate::of(&a),
                moved: Estimate::of(&b),
                difference: Estimate::of(&d),
            });
        }
    }
    out
}

/// One row of `conclusions.csv`: a conclusion at one slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub conclusion: usize,
    pub slot: usize,
    /// The paired contrast `scenario − against` over replicates.
    pub contrast: Estimate,
    /// Whether the conclusion holds here; none without runs.
    pub holds: Option<bool>,
    /// Whether it holds differently from the base slot.
    pub flips: bool,
}

/// Whether a conclusion holds for a contrast.
pub fn holds(c: &Conclusion, contrast: f64) -> Option<bool> {
    if !contrast.is_finite() {
        return None;
    }
    Some(match c.holds {
        Holds::Lower => contrast < 0.0,
        Holds::Higher => contrast > 0.0,
        Holds::Within => contrast.abs() <= c.within.unwrap_or(0.0),
    })
}

/// Every conclusion at every slot (the base first). `metric_of(c)` is the index of conclusion
/// `c`'s metric column; a conclusion whose scenarios are not in the layout is skipped.
pub fn conclusions(
    layout: &OatLayout,
    list: &[Conclusion],
    metric_of: impl Fn(&Conclusion) -> Option<usize>,
    runs: &[RunValues],
) -> Vec<Verdict> {
    let m_slots = layout.slots();
    let index = |name: &str| layout.scenarios.iter().position(|s| s == name);
    let mut out = Vec::new();
    for (ci, c) in list.iter().enumerate() {
        let (Some(s), Some(a), Some(m)) = (index(&c.scenario), index(&c.against), metric_of(c))
        else {
            continue;
        };
        let mut at_base = None;
        for slot in 0..m_slots {
            let (_, _, d) = paired(runs, a * m_slots + slot, s * m_slots + slot, m);
            let contrast = Estimate::of(&d);
            let h = if contrast.n > 0 {
                holds(c, contrast.mean)
            } else {
                None
            };
            if slot == 0 {
                at_base = h;
            }
            out.push(Verdict {
                conclusion: ci,
                slot,
                contrast,
                holds: h,
                flips: slot > 0 && h.is_some() && at_base.is_some() && h != at_base,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_the_base_then_each_axis_alone_per_scenario() {
        let l = layout(2, 3, &[0.5, 1.5]);
        assert_eq!(l.len(), 2 * (1 + 3 * 2));
        assert_eq!(l[0].moved, None);
        assert_eq!(l[1].moved, Some((0, 0.5)));
        assert_eq!(l[2].moved, Some((0, 1.5)));
        assert_eq!(l[6].moved, Some((2, 1.5)));
        assert_eq!((l[7].scenario, l[7].moved), (1, None));
    }

    #[test]
    fn moved_values_are_clamped_to_the_range() {
        assert_eq!(moved(0.4, 0.5, Some((0.0, 1.0))), (0.2, false));
        assert_eq!(moved(0.8, 1.5, Some((0.0, 1.0))), (1.0, true));
        assert_eq!(moved(0.8, 1.5, None), (0.8 * 1.5, false));
        assert_eq!(moved(4.0, 0.5, Some((3.0, 10.0))), (3.0, true));
    }

    #[test]
    fn values_and_ranges_are_read_from_the_table() {
        let s = crate::Scenario::load("austerity_2010").unwrap();
        let t = super::super::plan::tree_of(&s);
        let open = value_at(&t, "council.openness").and_then(|v| v.as_float());
        assert_eq!(open, Some(s.council.openness));
        assert!(value_at(&t, "events.austerity.cut_per_year").is_some());
        assert!(value_at(&t, "council.no_such_key").is_none());
        let (lo, hi, whole) = allowed_range(&t, "council.openness").unwrap();
        assert!(lo <= s.council.openness && s.council.openness <= hi && !whole);
        assert!(allowed_range(&t, "events.austerity.cut_per_year").is_some());
    }

    fn conclusion(holds: Holds, within: Option<f64>) -> Conclusion {
        Conclusion {
            name: "b lowers x".into(),
            metric: "x_final".into(),
            scenario: "b".into(),
            against: "a".into(),
            holds,
            within,
        }
    }

    #[test]
    fn a_conclusion_flips_where_its_contrast_changes_sign() {
        // Two scenarios (a, b), one axis, one factor: slots 0 (base) and 1 (moved).
        let l = OatLayout {
            scenarios: vec!["a".into(), "b".into()],
            base: vec![vec![1.0], vec![1.0]],
            points: layout(2, 1, &[0.5]),
        };
        // metric at (point, replicate): a base 5, b base 4 (lower); a moved 5, b moved 6.
        let vals = [[5.0], [5.0], [4.0], [6.0], [5.2], [4.8], [4.2], [6.2]];
        let runs: Vec<RunValues> = (0..8)
            .map(|i| (i % 4, (i / 4) as u32, &vals[i][..]))
            .collect();
        let v = conclusions(&l, &[conclusion(Holds::Lower, None)], |_| Some(0), &runs);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].holds, Some(true));
        assert!((v[0].contrast.mean + 1.0).abs() < 1e-12);
        assert_eq!(v[1].holds, Some(false));
        assert!(v[1].flips);
        let e = effects(&l, &runs, 1);
        assert_eq!(e.len(), 2, "one moved point per scenario");
        assert!((e[1].difference.mean - 2.0).abs() < 1e-12, "b: 6 − 4");
        let w = conclusion(Holds::Within, Some(1.5));
        assert_eq!(holds(&w, -1.0), Some(true));
        assert_eq!(holds(&w, 2.0), Some(false));
        assert_eq!(holds(&w, f64::NAN), None);
    }
}
