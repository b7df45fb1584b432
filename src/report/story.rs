//! The report's sentences: numbers as a reader says them, what a scenario changes (its
//! parameters against the baseline's), what drove a result (closures, transfers, the council's
//! budget, counted from the runs' events) and how precise the survey the model is read against
//! is (from `data/targets/`, never from memory).
//!
//! Everything here returns plain text; `html.rs` escapes it for HTML. Nothing here reads a
//! file: the target files are compiled in (`calibration::targets::BUILTIN`).

use crate::compare::{Comparison, Run};
use crate::metrics::{Metric, metric};
use crate::model::venues::cause;
use crate::output::numbers::{money, thousands};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use std::collections::BTreeMap;

/// A number with `decimals` places and its sign ("+2.5", "−2.5", "0.0"); the minus sign is
/// U+2212, as print sets it.
pub fn signed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let text = format!("{:.*}", decimals, x.abs());
    if text.chars().all(|c| c == '0' || c == '.') {
        return text;
    }
    format!("{}{text}", if x < 0.0 { "−" } else { "+" })
}

/// A number with `decimals` places, a leading minus sign (U+2212) when negative.
pub fn plain(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let text = format!("{:.*}", decimals, x.abs());
    if x < 0.0 && !text.chars().all(|c| c == '0' || c == '.') {
        format!("−{text}")
    } else {
        text
    }
}

/// Whether a metric is read per hundred: a share of residents (percentage points) or a mean on
/// 0–1 (points of 100).
fn per_hundred(m: &Metric) -> bool {
    m.per_hundred().is_some()
}

/// The unit a difference in `m` is spoken in: "percentage points", "points of 100", or the
/// metric's own unit ("venues").
pub fn unit_words(m: &Metric) -> &'static str {
    m.per_hundred().unwrap_or(m.unit)
}

/// A difference in `m`'s words: "+2.5 points of 100", "−1.0 percentage points", "−3.5 venues".
pub fn difference(m: &Metric, x: f64) -> String {
    if per_hundred(m) {
        format!("{} {}", signed(x * 100.0, 1), unit_words(m))
    } else {
        format!("{} {}", signed(x, 1), unit_words(m))
    }
}

/// A level of `m` in its words: "61.2 points of 100", "34.0%", "41.5 venues".
pub fn level(m: &Metric, x: f64) -> String {
    if m.per_hundred() == Some("percentage points") {
        format!("{}%", plain(x * 100.0, 1))
    } else if per_hundred(m) {
        format!("{} points of 100", plain(x * 100.0, 1))
    } else {
        format!("{} {}", plain(x, 1), m.unit)
    }
}

/// A paired difference with its interval: "+2.5 points of 100 (95% interval +1.9 to +3.1)";
/// with one replicate, no interval.
/// Differences that would all read 0.0 get two decimals, so that a small clear effect is not
/// printed as nothing.
pub fn effect(m: &Metric, d: &Estimate) -> String {
    let scale = if per_hundred(m) { 100.0 } else { 1.0 };
    let with_interval = d.n >= 2 && d.ci_low.is_finite() && d.ci_high.is_finite();
    let decimals = effect_decimals(d, scale);
    let mut out = format!("{} {}", signed(d.mean * scale, decimals), unit_words(m));
    if with_interval {
        out.push_str(&format!(
            " (95% interval {} to {})",
            signed(d.ci_low * scale, decimals),
            signed(d.ci_high * scale, decimals)
        ));
    }
    out
}

/// Decimal places for a paired difference read at `scale` (100 per hundred, else 1): one, or two
/// when the mean and the interval would all read 0.0 with one.
pub fn effect_decimals(d: &Estimate, scale: f64) -> usize {
    let with_interval = d.n >= 2 && d.ci_low.is_finite() && d.ci_high.is_finite();
    let largest = if with_interval {
        d.mean.abs().max(d.ci_low.abs()).max(d.ci_high.abs())
    } else {
        d.mean.abs()
    } * scale;
    if largest < 0.05 { 2 } else { 1 }
}

/// Whether a paired difference is clear of zero, in words.
pub fn clarity(d: &Estimate) -> &'static str {
    if d.above_zero() || d.below_zero() {
        "clear of zero"
    } else if d.n >= 2 {
        "not clear of zero"
    } else {
        "one replicate, so no interval"
    }
}

/// One parameter a scenario sets differently from the baseline's values.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The dotted key, as `cohesion params` names it (`venues.pub.weekly_cost_gbp`,
    /// `town.wards[2].deprivation`).
    pub key: String,
    pub from: String,
    pub to: String,
}

/// Every parameter of `s` whose value differs from `base`'s, by dotted key in the schema's
/// file order; the name, description and events are not parameters and are left out. A list of
/// tables of another length (wards) is one change, counted in entries.
pub fn changed_parameters(s: &Scenario, base: &Scenario) -> Vec<Change> {
    let tree = |x: &Scenario| toml::Value::Table(toml::Table::try_from(x).unwrap_or_default());
    let (a, b) = (tree(base), tree(s));
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (a.as_table(), b.as_table()) {
        for (key, new) in b {
            if matches!(key.as_str(), "name" | "description" | "events") {
                continue;
            }
            match a.get(key) {
                Some(old) => diff(key, old, new, &mut out),
                None => out.push(Change {
                    key: key.clone(),
                    from: "-".into(),
                    to: value_text(new),
                }),
            }
        }
    }
    out
}

fn diff(path: &str, old: &toml::Value, new: &toml::Value, out: &mut Vec<Change>) {
    use toml::Value as V;
    match (old, new) {
        (V::Table(a), V::Table(b)) => {
            for (key, n) in b {
                let here = format!("{path}.{key}");
                match a.get(key) {
                    Some(o) => diff(&here, o, n, out),
                    None => out.push(Change {
                        key: here,
                        from: "-".into(),
                        to: value_text(n),
                    }),
                }
            }
            for (key, o) in a {
                if !b.contains_key(key) {
                    out.push(Change {
                        key: format!("{path}.{key}"),
                        from: value_text(o),
                        to: "-".into(),
                    });
                }
            }
        }
        (V::Array(a), V::Array(b)) if a.len() == b.len() && b.iter().all(V::is_table) => {
            for (i, (o, n)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), o, n, out);
            }
        }
        (V::Array(a), V::Array(b))
            if a != b && (b.iter().any(V::is_table) || a.iter().any(V::is_table)) =>
        {
            out.push(Change {
                key: path.to_string(),
                from: format!("{} entries", a.len()),
                to: format!("{} entries", b.len()),
            });
        }
        (o, n) if !same(o, n) => out.push(Change {
            key: path.to_string(),
            from: value_text(o),
            to: value_text(n),
        }),
        _ => {}
    }
}

/// Equal values, an integer and a float of the same number counting as equal.
fn same(a: &toml::Value, b: &toml::Value) -> bool {
    use toml::Value as V;
    match (a, b) {
        (V::Integer(i), V::Float(f)) | (V::Float(f), V::Integer(i)) => (*i as f64) == *f,
        _ => a == b,
    }
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(x) => crate::scenario::schema::show(*x),
        toml::Value::Integer(i) => crate::scenario::schema::show(*i as f64),
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// The baseline's values, against which a scenario's parameters are listed: the built-in
/// `baseline` (whose values are the schema's defaults).
pub fn base() -> Scenario {
    Scenario::load("baseline").unwrap_or_default()
}

/// What the runs of one scenario did to the town, each a mean per run over its replicates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mechanisms {
    /// Closures by cause, in the words of the events' detail, with counts by venue kind.
    pub closures: BTreeMap<String, BTreeMap<String, f64>>,
    /// Venues passed to community groups instead of closing, by venue kind.
    pub transfers: BTreeMap<String, f64>,
    /// Venues opened (investment), by kind.
    pub openings: BTreeMap<String, f64>,
    /// Community groups that folded for want of a place to meet.
    pub groups_folded: f64,
    /// The council's discretionary budget over the first and the last year (GBP a year).
    pub budget_first: f64,
    pub budget_last: f64,
    /// Runs counted.
    pub runs: usize,
}

impl Mechanisms {
    /// Venues closed in all, per run.
    pub fn closed(&self) -> f64 {
        self.closures.values().flat_map(|k| k.values()).sum()
    }

    /// Venues passed to groups in all, per run.
    pub fn transferred(&self) -> f64 {
        self.transfers.values().sum()
    }

    /// Venues opened in all, per run.
    pub fn opened(&self) -> f64 {
        self.openings.values().sum()
    }
}

/// Counts what happened in scenario `s`'s runs from their events (`events.csv`), and its
/// council's budget from the `council_budget` series.
pub fn mechanisms(cmp: &Comparison, s: usize) -> Mechanisms {
    let runs: Vec<&Run> = cmp.runs_of(s).collect();
    let mut m = Mechanisms {
        runs: runs.len(),
        ..Mechanisms::default()
    };
    if runs.is_empty() {
        return m;
    }
    let per_run = 1.0 / runs.len() as f64;
    for run in &runs {
        for e in &run.events {
            match e.kind {
                "close" => {
                    let (kind, cause) = e
                        .detail
                        .split_once(" closed: ")
                        .unwrap_or(("venue", e.detail.as_str()));
                    *m.closures
                        .entry(cause.to_string())
                        .or_default()
                        .entry(kind.to_string())
                        .or_default() += per_run;
                }
                "transfer" => {
                    let kind = e.detail.split(' ').next().unwrap_or("venue");
                    *m.transfers.entry(kind.to_string()).or_default() += per_run;
                }
                "open" => {
                    let kind = e.detail.split(' ').next().unwrap_or("venue");
                    *m.openings.entry(kind.to_string()).or_default() += per_run;
                }
                "group_folded" => m.groups_folded += per_run,
                _ => {}
            }
        }
    }
    let last = cmp.year_index(cmp.plan.years().1);
    let mean = |index: u32| {
        runs.iter()
            .map(|r| r.year_mean("council_budget", index))
            .sum::<f64>()
            * per_run
    };
    m.budget_first = mean(0);
    m.budget_last = mean(last);
    m
}

/// A venue kind as a plural noun ("community centres").
fn kinds(name: &str) -> String {
    match name {
        "library" => "libraries".into(),
        "pub" => "pubs".into(),
        "place_of_worship" => "places of worship".into(),
        other => format!("{}s", other.replace('_', " ")),
    }
}

/// A per-run count: whole when it is, else one decimal.
pub fn count(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

/// "pubs 3, libraries 1".
fn by_kind(map: &BTreeMap<String, f64>) -> String {
    map.iter()
        .filter(|(_, n)| **n > 0.0)
        .map(|(k, n)| format!("{} {}", kinds(k), count(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closure causes, in the order a reader follows the money.
fn cause_words(cause: &str) -> String {
    match cause {
        cause::COUNCIL_BUDGET => "because the council's venue budget no longer covered them".into(),
        cause::LIBRARY_CUTS => "as the council's library service shrank under cuts".into(),
        cause::UNPROFITABLE => "because their takings no longer covered their costs".into(),
        cause::SOLD_UP => "while still paying their way, because the owner sold up".into(),
        cause::SCHEDULED => "as the scenario schedules".into(),
        cause::NO_BID => "when no community bid succeeded in the moratorium".into(),
        other => format!("({other})"),
    }
}

/// What drove scenario `m`'s result, in sentences, set against `reference` (its name and
/// counts) when there is one. Counts are per run: a mean over the replicates.
pub fn mechanism_sentences(m: &Mechanisms, reference: Option<(&str, &Mechanisms)>) -> Vec<String> {
    let each = if m.runs == 1 {
        "in its one run".to_string()
    } else {
        format!("per run (mean of {} replicates)", m.runs)
    };
    let against = |theirs: &dyn Fn(&Mechanisms) -> f64| match reference {
        Some((name, r)) => format!(", against {} under {name}", count(theirs(r))),
        None => String::new(),
    };
    let mut out = Vec::new();
    out.push(format!(
        "Venues closed {each}: {}{}.",
        count(m.closed()),
        against(&|r: &Mechanisms| r.closed())
    ));
    for (cause, by) in &m.closures {
        let n: f64 = by.values().sum();
        let theirs = reference
            .map(|(name, r)| {
                let t: f64 = r.closures.get(cause).map_or(0.0, |k| k.values().sum());
                format!(" ({} under {name})", count(t))
            })
            .unwrap_or_default();
        out.push(format!(
            "{} closed {} ({}){theirs}.",
            count(n),
            cause_words(cause),
            by_kind(by)
        ));
    }
    if m.transferred() > 0.0 || reference.is_some_and(|(_, r)| r.transferred() > 0.0) {
        out.push(format!(
            "Venues passed to community groups instead of closing (the right to bid): {}{}{}.",
            count(m.transferred()),
            if m.transferred() > 0.0 {
                format!(" ({})", by_kind(&m.transfers))
            } else {
                String::new()
            },
            against(&|r: &Mechanisms| r.transferred())
        ));
    }
    if m.opened() > 0.0 {
        out.push(format!(
            "Venues opened: {} ({}).",
            count(m.opened()),
            by_kind(&m.openings)
        ));
    }
    if m.groups_folded > 0.0 || reference.is_some_and(|(_, r)| r.groups_folded > 0.0) {
        out.push(format!(
            "Community groups that folded with nowhere left to meet: {}{}.",
            count(m.groups_folded),
            against(&|r: &Mechanisms| r.groups_folded)
        ));
    }
    if m.budget_first.is_finite() && m.budget_last.is_finite() {
        out.push(format!(
            "The council's discretionary budget: {} a year in the first year, {} in the last{}.",
            money(m.budget_first),
            money(m.budget_last),
            reference
                .filter(|(_, r)| r.budget_last.is_finite())
                .map(|(name, r)| format!(" ({} under {name})", money(r.budget_last)))
                .unwrap_or_default()
        ));
    }
    out
}

/// A survey measure the model's share metric is read against.
#[derive(Clone, Copy, Debug)]
pub struct SurveyMeasure {
    /// The model's metric.
    pub metric: &'static str,
    /// The measure's name in `data/targets/cls_england.csv`.
    pub measure: &'static str,
    /// What the survey asks, in a phrase that follows "the share who".
    pub asks: &'static str,
}

/// The model's shares that match a Community Life Survey measure (docs/calibration.md, "Summary
/// of the mapping").
pub const SURVEY_MEASURES: [SurveyMeasure; 5] = [
    SurveyMeasure {
        metric: "share_belonging",
        measure: "belong_neighbourhood",
        asks: "feel they belong to their neighbourhood",
    },
    SurveyMeasure {
        metric: "share_trusting",
        measure: "trust_most_people",
        asks: "say most people can be trusted",
    },
    SurveyMeasure {
        metric: "share_influence",
        measure: "influence_local_decisions",
        asks: "feel they can influence decisions affecting their area",
    },
    SurveyMeasure {
        metric: "neighbour_contact",
        measure: "chat_neighbours_monthly",
        asks: "are in touch with a neighbour at least monthly",
    },
    SurveyMeasure {
        metric: "participation_year",
        measure: "civic_participation_year",
        asks: "took part in civic life in the last year",
    },
];

/// How precisely the Community Life Survey measures a share, from the rows of
/// `data/targets/cls_england.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Precision {
    /// The row used: the latest for England with a sample size, else the latest for England.
    pub period: String,
    pub line: usize,
    pub value: f64,
    pub n: Option<f64>,
    /// Half-width of a 95% interval for one year's share, sqrt(p(1−p)/n) × 1.96, in
    /// percentage points; `None` without a sample size or standard error.
    pub margin: Option<f64>,
}

impl Precision {
    /// Half-width of a 95% interval for the difference of two independent samples of this size.
    pub fn margin_of_difference(&self) -> Option<f64> {
        self.margin.map(|m| m * std::f64::consts::SQRT_2)
    }
}

/// The file the survey's precision is read from.
pub const SURVEY_FILE: &str = "cls_england.csv";

/// The survey's precision for `measure`, if `data/targets/cls_england.csv` has it.
pub fn precision(measure: &str) -> Option<Precision> {
    let text = crate::calibration::targets::BUILTIN
        .iter()
        .find(|(name, _)| *name == SURVEY_FILE)?
        .1;
    let rows = crate::calibration::targets::parse(text).ok()?;
    let mine: Vec<_> = rows
        .iter()
        .filter(|r| r.measure == measure && r.geography == "England" && r.unit == "proportion")
        .collect();
    let with_size = mine
        .iter()
        .filter(|r| r.se.is_some() || r.n.is_some())
        .max_by_key(|r| (r.year, r.line));
    let row = with_size.or_else(|| mine.iter().max_by_key(|r| (r.year, r.line)))?;
    let margin = match (row.se, row.n) {
        (Some(se), _) => Some(1.96 * se * 100.0),
        (None, Some(n)) if n > 0.0 => {
            Some(1.96 * (row.value * (1.0 - row.value) / n).sqrt() * 100.0)
        }
        _ => None,
    };
    Some(Precision {
        period: row.period.clone(),
        line: row.line,
        value: row.value,
        n: row.n,
        margin,
    })
}

/// A paired difference in a share the survey measures, set beside the survey's precision: a
/// sentence.
pub fn against_survey(m: &SurveyMeasure, d: &Estimate) -> String {
    let Some(share) = metric(m.metric) else {
        return String::new();
    };
    let head = format!(
        "The share who {} ({}; the survey's {}): {}",
        m.asks,
        m.metric,
        m.measure,
        effect(share, d)
    );
    match precision(m.measure) {
        Some(
            p @ Precision {
                margin: Some(margin),
                ..
            },
        ) => {
            let two = p.margin_of_difference().unwrap_or(margin);
            let size =
                p.n.map_or(String::new(), |n| format!(" of {} people", thousands(n)));
            let verdict = if (d.mean * 100.0).abs() < two {
                "smaller than such a survey could tell apart"
            } else {
                "large enough for such a survey to see"
            };
            format!(
                "{head}; the survey's {} sample{size} measures this share to ±{} points and a \
                 change between two such samples to ±{} points (95%; {SURVEY_FILE} line {}), so \
                 this difference is {verdict}.",
                p.period,
                plain(margin, 1),
                plain(two, 1),
                p.line
            )
        }
        Some(_) => format!(
            "{head}; data/targets gives no sample size or standard error for this measure, so no \
             survey precision is set beside it."
        ),
        None => format!("{head}; {SURVEY_FILE} has no row for this measure."),
    }
}

/// A range of levels of `m` in its words: "37.2 to 43.7 points of 100", "32.8% to 76.5%".
pub fn level_range(m: &Metric, lo: f64, hi: f64) -> String {
    if m.per_hundred() == Some("percentage points") {
        format!("{} to {}", level(m, lo), level(m, hi))
    } else if per_hundred(m) {
        format!(
            "{} to {} points of 100",
            plain(lo * 100.0, 1),
            plain(hi * 100.0, 1)
        )
    } else {
        format!("{} to {} {}", plain(lo, 1), plain(hi, 1), m.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_points() {
        let belonging = metric("belonging").unwrap();
        let contact = metric("neighbour_contact").unwrap();
        let venues = metric("venues_open").unwrap();
        assert_eq!(difference(belonging, 0.025), "+2.5 points of 100");
        assert_eq!(difference(contact, -0.0104), "−1.0 percentage points");
        assert_eq!(difference(venues, -3.5), "−3.5 venues");
        assert_eq!(difference(belonging, -0.0001), "0.0 points of 100");
        assert_eq!(level(contact, 0.7234), "72.3%");
        assert_eq!(level(belonging, 0.612), "61.2 points of 100");
        let d = Estimate::of(&[0.02, 0.03, 0.025]);
        assert_eq!(
            effect(belonging, &d),
            "+2.5 points of 100 (95% interval +1.3 to +3.7)"
        );
        assert_eq!(
            effect(belonging, &Estimate::of(&[0.02])),
            "+2.0 points of 100"
        );
        assert_eq!(clarity(&d), "clear of zero");
        let small = Estimate::of(&[0.0002, 0.0003, 0.00025]);
        assert_eq!(
            effect(belonging, &small),
            "+0.03 points of 100 (95% interval +0.01 to +0.04)"
        );
        assert_eq!(
            level_range(belonging, 0.372, 0.437),
            "37.2 to 43.7 points of 100"
        );
        assert_eq!(level_range(contact, 0.328, 0.765), "32.8% to 76.5%");
    }

    #[test]
    fn counts_read_whole_or_with_one_decimal() {
        assert_eq!(count(3.0), "3");
        assert_eq!(count(2.5), "2.5");
    }

    #[test]
    fn changed_parameters_name_every_key_that_differs() {
        let base = base();
        assert_eq!(changed_parameters(&base, &base), []);
        let text = "name = \"x\"\n[venues.pub]\nweekly_cost_gbp = 3200.0\n[council]\n\
                    community_right_to_bid = true\n";
        let s = Scenario::from_toml(text, "x.toml").unwrap();
        let changes = changed_parameters(&s, &base);
        let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "council.community_right_to_bid",
                "venues.pub.weekly_cost_gbp"
            ]
        );
        assert_eq!(changes[0].from, "false");
        assert_eq!(changes[0].to, "true");
        assert_eq!(changes[1].to, "3200");
    }

    #[test]
    fn every_builtin_is_listed_against_the_baseline_without_failing() {
        for b in crate::scenario::BUILTINS {
            let s = Scenario::load(b.name).unwrap();
            for c in changed_parameters(&s, &base()) {
                assert_ne!(c.from, c.to, "{}", c.key);
            }
        }
    }

    #[test]
    fn survey_precision_comes_from_the_target_rows() {
        // influence_local_decisions has sample sizes in cls_england.csv.
        let p = precision("influence_local_decisions").unwrap();
        let n = p.n.unwrap();
        let expected = 1.96 * (p.value * (1.0 - p.value) / n).sqrt() * 100.0;
        assert!((p.margin.unwrap() - expected).abs() < 1e-12);
        assert!(p.margin.unwrap() > 0.5 && p.margin.unwrap() < 1.5);
        // belong_neighbourhood has none: no margin is made up.
        let b = precision("belong_neighbourhood").unwrap();
        assert_eq!(b.margin, None);
        assert!(precision("no_such_measure").is_none());
    }

    #[test]
    fn every_closure_cause_the_model_writes_is_worded_for_a_reader() {
        let words: Vec<String> = cause::ALL.iter().map(|c| cause_words(c)).collect();
        for (c, w) in cause::ALL.iter().zip(&words) {
            assert_ne!(
                *w,
                format!("({c})"),
                "{c:?} is printed as it stands in events.csv"
            );
        }
        let mut distinct = words.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            words.len(),
            "two causes read alike: {words:?}"
        );
    }
}
