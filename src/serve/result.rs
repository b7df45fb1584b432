//! What the seminar page draws from a finished run, as JSON: the headline series (one run's
//! weekly values, or a replicated run's weekly means with 95% intervals), the town map over the
//! years, the events, and the downloads with the command that reproduces them. A fork's answer
//! is its branch's, with the run it was forked from after the fork (`fork`), the past being the
//! same.
//!
//! Numbers are rounded to four decimals for the page; the downloads carry the exact values.

use super::request::{Fork, Prepared};
use crate::compare::Comparison;
use crate::metrics::named;
use crate::model::components::EventRecord;
use crate::observe::Observations;
use crate::scenario::VenueKind;
use crate::townmap::TownMap;
use serde_json::{Value, json};

/// The metrics charted on the page, in order; each chart's title is the metric's label and its
/// y axis the metric's unit ([`crate::metrics::METRICS`]).
pub const CHARTS: [&str; 4] = ["trust", "belonging", "agency", "venues_open"];

/// The ward metrics the map can be shaded by, in the menu's order, each under its label.
pub const MAP_METRICS: [&str; 8] = [
    "belonging",
    "trust",
    "council_trust",
    "agency",
    "neighbour_contact",
    "participation_year",
    "group_members",
    "venues_open",
];

/// The most events of a run listed in its answer (the download has them all); the answer says
/// how many there were in all (`events_total`).
pub const MAX_EVENTS_LISTED: usize = 400;

/// A bound on a finished run's answer (`result` in `GET /api/runs/ID`), in bytes. It holds by
/// construction under the server's limits (`request.rs`): four series of at most 30 × 52 weekly
/// values (three each for a replicated run), at most 2,000 venues and 31 rows of one letter per
/// venue on the map, 8 metrics × at most 100 wards × 30 years, and at most
/// [`MAX_EVENTS_LISTED`] events; a fork adds the means of the run it was forked from after the
/// fork (at most four more series). The test `the_largest_answer_stays_under_its_bound` builds
/// the largest one, a fork's, and measures it.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// A download: the name it is asked for by, and what it holds.
pub struct Download {
    pub name: &'static str,
    pub what: &'static str,
}

/// A download and the path of its file in the run's directory.
const fn file(
    name: &'static str,
    what: &'static str,
    path: &'static str,
) -> (Download, &'static str) {
    (Download { name, what }, path)
}

/// What a single run offers for download (paths are relative to its directory).
pub const RUN_FILES: [(Download, &str); 8] = [
    file(
        "scenario.toml",
        "the scenario, fully resolved",
        "scenario.toml",
    ),
    file(
        "metrics.csv",
        "every metric, every week, town and wards",
        "metrics.csv",
    ),
    file(
        "events.csv",
        "every opening, closure and intervention",
        "events.csv",
    ),
    file(
        "manifest.json",
        "version, seed and SHA-256 of every file",
        "manifest.json",
    ),
    file("map.png", "the town map, start and end", "charts/map.png"),
    file(
        "cohesion.png",
        "trust, belonging, agency and council trust",
        "charts/cohesion.png",
    ),
    file("venues.png", "open venues by kind", "charts/venues.png"),
    file("map.svg", "the town map as SVG", "charts/map.svg"),
];

/// What a replicated run offers (its comparison directory; the scenario file is looked up).
pub const COMPARE_FILES: [(Download, &str); 9] = [
    file("scenario.toml", "the scenario, fully resolved", ""),
    file(
        "report.html",
        "the report: story, charts, map and effects",
        "report.html",
    ),
    file(
        "summary.csv",
        "means and 95% intervals, every week",
        "summary.csv",
    ),
    file("runs.csv", "every replicate's weekly series", "runs.csv"),
    file(
        "wards.csv",
        "every replicate's yearly ward means",
        "wards.csv",
    ),
    file("events.csv", "every replicate's events", "events.csv"),
    file(
        "manifest.json",
        "version, seed and SHA-256 of every file",
        "manifest.json",
    ),
    file(
        "map.png",
        "the town map (first replicate)",
        "charts/map.png",
    ),
    file("map.svg", "the town map as SVG", "charts/map.svg"),
];

/// What a fork offers: the comparison of the run and its branch, with the changes file.
pub const FORK_FILES: [(Download, &str); 10] = [
    file("scenario.toml", "the run forked from, fully resolved", ""),
    file(
        "changes.toml",
        "the levers pulled at the fork (a changes file)",
        super::jobs::FORK_CHANGES,
    ),
    file(
        "report.html",
        "the report: both futures from the shared past",
        "report.html",
    ),
    file(
        "summary.csv",
        "means and 95% intervals, every week, both futures",
        "summary.csv",
    ),
    file(
        "runs.csv",
        "every replicate's weekly series, both futures",
        "runs.csv",
    ),
    file(
        "wards.csv",
        "every replicate's yearly ward means",
        "wards.csv",
    ),
    file("events.csv", "every replicate's events", "events.csv"),
    file(
        "manifest.json",
        "version, seed and SHA-256 of every file",
        "manifest.json",
    ),
    file(
        "map.png",
        "the town map (first replicate)",
        "charts/map.png",
    ),
    file("map.svg", "the town map as SVG", "charts/map.svg"),
];

/// A number for the page: four decimals, or null when it is not finite.
fn num(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1e4).round() / 1e4)
    } else {
        Value::Null
    }
}

/// The result of a single run.
pub fn single(
    p: &Prepared,
    observations: &Observations,
    events: &[EventRecord],
    map: &TownMap,
) -> Value {
    let mut series = serde_json::Map::new();
    for metric in CHARTS {
        let values: Vec<Value> = observations
            .series(None, metric)
            .into_iter()
            .map(|(_, v)| num(v))
            .collect();
        series.insert(metric.into(), json!({ "mean": values }));
    }
    result(p, Value::Object(series), events, map, &RUN_FILES)
}

/// The result of a replicated run (a comparison of one scenario): means and 95% intervals over
/// the replicates; the map and events of the first replicate.
pub fn replicated(p: &Prepared, cmp: &Comparison) -> Value {
    let series = summary_series(cmp, 0, 0, true);
    let first = cmp.runs_of(0).next();
    let empty = TownMap::default();
    let (events, map) = first.map_or((&[][..], &empty), |r| (r.events.as_slice(), &r.map));
    result(p, series, events, map, &COMPARE_FILES)
}

/// The result of a fork (a comparison of the run and its branch): the branch's weekly means
/// (with 95% intervals when replicated), its map and events (first replicate), and under
/// `fork` the year, and the run forked from as weekly means from `from_tick`, the last week
/// of the shared past.
pub fn forked(p: &Prepared, fork: &Fork, cmp: &Comparison) -> Value {
    let series = summary_series(cmp, 1, 0, p.replicates > 1);
    let from_tick = fork_tick(fork);
    let parent = summary_series(cmp, 0, from_tick, false);
    let first = cmp.runs_of(1).next();
    let empty = TownMap::default();
    let (events, map) = first.map_or((&[][..], &empty), |r| (r.events.as_slice(), &r.map));
    let mut answer = result(p, series, events, map, &FORK_FILES);
    answer["fork"] = fork_json(p, fork, parent);
    answer
}

/// The week (index into the series) a fork's drawing of the run it was forked from starts at:
/// the last week before the fork, where both futures still stand together.
fn fork_tick(fork: &Fork) -> usize {
    let years = (fork.at - fork.parent.time.start_year).max(0) as usize;
    (years * crate::scenario::WEEKS_PER_YEAR as usize).saturating_sub(1)
}

fn fork_json(p: &Prepared, fork: &Fork, parent_series: Value) -> Value {
    json!({
        "year": fork.at,
        "from_tick": fork_tick(fork),
        "parent": {
            "scenario": fork.parent.name,
            "changes": fork.parent_changes,
            "series": parent_series,
        },
        "adds": p.changes,
    })
}

/// The weekly summary of scenario `s` of `cmp` from week `from` on, for every chart: means and,
/// with `intervals`, the 95% interval's bounds.
fn summary_series(cmp: &Comparison, s: usize, from: usize, intervals: bool) -> Value {
    let mut series = serde_json::Map::new();
    for metric in CHARTS {
        let rows: Vec<_> = cmp.summary_of(s, metric).skip(from).collect();
        let pick = |f: &dyn Fn(&crate::stats::Estimate) -> f64| -> Vec<Value> {
            rows.iter().map(|r| num(f(&r.estimate))).collect()
        };
        let mut one = json!({ "mean": pick(&|e| e.mean) });
        if intervals {
            one["low"] = json!(pick(&|e| e.ci_low));
            one["high"] = json!(pick(&|e| e.ci_high));
        }
        series.insert(metric.into(), one);
    }
    Value::Object(series)
}

fn result(
    p: &Prepared,
    series: Value,
    events: &[EventRecord],
    map: &TownMap,
    files: &[(Download, &str)],
) -> Value {
    let s = &p.scenario;
    let wards: Vec<&str> = s.town.wards.iter().map(|w| w.name.as_str()).collect();
    let events_total = events.len();
    let events: Vec<Value> = events
        .iter()
        .take(MAX_EVENTS_LISTED)
        .map(|e| {
            json!({
                "year": s.time.start_year + (e.tick / crate::scenario::WEEKS_PER_YEAR) as i32,
                "week": e.tick % crate::scenario::WEEKS_PER_YEAR + 1,
                "kind": e.kind,
                "venue": e.venue,
                "ward": e.ward.and_then(|w| wards.get(w as usize)),
                "detail": e.detail,
            })
        })
        .collect();
    let downloads: Vec<Value> = files
        .iter()
        .map(|(d, _)| {
            json!({
                "name": d.name,
                "what": d.what,
                "file": download_name(p, d.name),
            })
        })
        .collect();
    json!({
        "scenario": s.name,
        "description": s.description,
        "base": p.base,
        "seed": p.seed,
        "replicates": p.replicates,
        "residents": s.town.residents,
        "start_year": s.time.start_year,
        "years": s.time.years,
        "weeks_per_year": crate::scenario::WEEKS_PER_YEAR,
        "series": series,
        "map": map_json(map),
        "events": events,
        "events_total": events_total,
        "downloads": downloads,
        "command": p.command(),
    })
}

/// The name a download is saved under: the scenario file as the command expects it, the rest
/// prefixed with the scenario and seed so that several runs' files do not collide.
pub fn download_name(p: &Prepared, name: &str) -> String {
    match name {
        "scenario.toml" => p.file_name(),
        "changes.toml" => p.changes_file_name(),
        _ => format!(
            "{}-seed{}-{name}",
            crate::report::scenario_file_stem(&p.scenario.name),
            p.seed
        ),
    }
}

/// A length in the page's pixels, to a tenth.
fn px(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 10.0).round() / 10.0)
    } else {
        Value::Null
    }
}

/// The town map: wards, venues, each snapshot's states as a string of one-letter codes, and
/// each ward's yearly means of the map metrics; and where the page draws them
/// ([`crate::output::map::page_layout`]): the panel's size, each ward's disc and name box (null
/// when it has no room) and each venue's slot (null when never shown or out of room), in the
/// panel's pixels, so the page lays nothing out itself.
pub fn map_json(map: &TownMap) -> Value {
    use crate::output::map::{PAGE_PANEL, page_layout};
    let layout = page_layout(map, &PAGE_PANEL);
    let wards: Vec<Value> = map
        .wards
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let disc = layout.discs.get(i).map_or(
                Value::Null,
                |d| json!({"x": px(d.x), "y": px(d.y), "r": px(d.r)}),
            );
            let name_box = layout
                .labels
                .get(i)
                .copied()
                .flatten()
                .map_or(Value::Null, |b| {
                    json!({"x": px(b.x0), "y": px(b.y0), "width": px(b.x1 - b.x0),
                       "height": px(b.y1 - b.y0)})
                });
            json!({
                "name": w.name,
                "x": w.centre_km[0],
                "y": w.centre_km[1],
                "r": w.radius_km,
                "deprivation": w.deprivation,
                "disc": disc,
                "name_box": name_box,
            })
        })
        .collect();
    let venues: Vec<Value> = map
        .venues
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let slot = layout
                .slots
                .get(i)
                .copied()
                .flatten()
                .map_or(Value::Null, |(x, y)| json!([px(x), px(y)]));
            json!({
                "label": v.label,
                "kind": v.kind.name(),
                "ward": v.ward,
                "x": num(f64::from(v.pos_km[0])),
                "y": num(f64::from(v.pos_km[1])),
                "slot": slot,
            })
        })
        .collect();
    let states: Vec<String> = map
        .states
        .iter()
        .map(|row| row.iter().map(|s| s.code()).collect())
        .collect();
    let mut metrics = serde_json::Map::new();
    for metric in MAP_METRICS {
        let per_ward: Vec<Vec<Value>> = (0..map.wards.len() as u16)
            .map(|w| {
                (0..map.years())
                    .map(|y| map.ward_value(w, metric, y).map_or(Value::Null, num))
                    .collect()
            })
            .collect();
        metrics.insert(metric.into(), json!(per_ward));
    }
    json!({
        "start_year": map.start_year,
        "panel": {
            "width": PAGE_PANEL.width,
            "height": PAGE_PANEL.height,
            "label_px": PAGE_PANEL.label_px,
            "marker_px": px(layout.marker_px),
            "names_left_out": layout.labels.iter().filter(|l| l.is_none()).count(),
            "venues_left_out": layout.venues_left_out,
        },
        "wards": wards,
        "venues": venues,
        "states": states,
        "ward_metrics": metrics,
    })
}

/// What the page needs to know before any run: the built-ins, the wards, venue kinds, metrics
/// and the server's limits.
pub fn catalogue() -> Value {
    use super::request::*;
    let scenarios: Vec<Value> = crate::scenario::BUILTINS
        .iter()
        .filter_map(|b| {
            let s = crate::Scenario::from_toml(b.toml, b.name).ok()?;
            Some(json!({
                "name": b.name,
                "summary": b.summary,
                "description": s.description.trim(),
                "events": s.events,
                "residents": s.town.residents,
                "start_year": s.time.start_year,
                "years": s.time.years,
                "right_to_bid": s.council.community_right_to_bid,
                "wards": s.town.wards.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
            }))
        })
        .collect();
    let kinds: Vec<Value> = VenueKind::ALL
        .iter()
        .map(|k| json!({ "name": k.name(), "label": k.label() }))
        .collect();
    json!({
        "engine_version": crate::ENGINE_VERSION,
        "scenarios": scenarios,
        "venue_kinds": kinds,
        "charts": CHARTS.map(named).map(|m| json!({"metric": m.name, "title": m.label, "y": m.unit})),
        "map_metrics": MAP_METRICS.map(named).map(|m| json!({"metric": m.name, "label": m.label})),
        "limits": {
            "residents": MAX_RESIDENTS,
            "replicates": MAX_REPLICATES,
            "years": MAX_YEARS,
            "venues": MAX_VENUES,
            "groups": MAX_GROUPS,
            "wards": MAX_WARDS,
            "events": MAX_EVENTS,
            "work": MAX_WORK,
            "body_bytes": MAX_BODY_BYTES,
            "runs_waiting_or_running": super::jobs::MAX_ACTIVE,
            "runs_kept": super::jobs::MAX_KEPT,
        },
        "default_seed": DEFAULT_SEED,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::components::venue_label;
    use crate::serve::request::{MAX_EVENTS, MAX_VENUES, MAX_WARDS, MAX_YEARS, prepare};
    use crate::townmap::{MapVenue, MapWard, VenueState};

    /// Every metric the page charts or maps is in the table, and every mapped one is
    /// observed for each ward.
    #[test]
    fn the_page_shows_metrics_of_the_table() {
        for name in CHARTS.into_iter().chain(MAP_METRICS) {
            assert!(
                crate::metrics::metric(name).is_some(),
                "`{name}` is not a metric"
            );
        }
        for name in MAP_METRICS {
            assert_eq!(
                named(name).covers(),
                "town and wards",
                "`{name}` has no ward values"
            );
        }
    }

    /// The largest answer the server's limits allow, with every number at its longest: a fork
    /// at the first year, so that the run forked from is drawn in full. It must stay under
    /// [`MAX_ANSWER_BYTES`].
    #[test]
    fn the_largest_answer_stays_under_its_bound() {
        // A request with as many interventions as allowed, so the description lists them all:
        // all but one in the run, the last pulled at the fork.
        let events: Vec<Value> = (0..MAX_EVENTS - 1)
            .map(|i| {
                json!({"kind": "fund_groups", "year": 2010 + (i % 15), "gbp_per_year": 12345.678,
                       "years": 3})
            })
            .collect();
        let request = json!({"scenario": "baseline", "replicates": 8, "events": events,
                             "set": {"town.residents": 1000, "council.openness": 0.123456},
                             "branch": {"at": 2010, "events": [
                                 {"kind": "fund_groups", "year": 2010, "gbp_per_year": 12345.678,
                                  "years": 3}]}});
        let p = prepare(request.to_string().as_bytes()).unwrap();
        let fork = p.fork.clone().unwrap();
        assert_eq!(p.scenario.events.len(), MAX_EVENTS);
        let weeks = MAX_YEARS as usize * crate::scenario::WEEKS_PER_YEAR as usize;
        let longest = || json!(vec![-1999.1234; weeks]);
        let mut series = serde_json::Map::new();
        for metric in CHARTS {
            series.insert(
                metric.into(),
                json!({"mean": longest(), "low": longest(), "high": longest()}),
            );
        }
        let wards: Vec<MapWard> = (0..MAX_WARDS)
            .map(|i| MapWard {
                name: format!("A ward with a long name, copy {i:04}"),
                centre_km: [-123.456789012345, 123.456789012345],
                radius_km: 12.3456789012345,
                deprivation: 0.123456789012345,
            })
            .collect();
        let venues: Vec<MapVenue> = (0..MAX_VENUES as u32)
            .map(|i| MapVenue {
                label: venue_label(VenueKind::PlaceOfWorship, i),
                kind: VenueKind::PlaceOfWorship,
                ward: (MAX_WARDS - 1) as u16,
                pos_km: [-123.4567, -123.4567],
            })
            .collect();
        let mut map = TownMap {
            start_year: 2010,
            wards,
            venues,
            states: vec![vec![VenueState::Closed; MAX_VENUES as usize]; MAX_YEARS as usize + 1],
            ward_years: Default::default(),
            ward_start: Default::default(),
        };
        for w in 0..MAX_WARDS as u16 {
            for metric in MAP_METRICS {
                map.ward_years
                    .insert((w, metric), vec![-1999.1234; MAX_YEARS as usize]);
            }
        }
        let records: Vec<EventRecord> = (0..10 * MAX_EVENTS_LISTED as u32)
            .map(|i| EventRecord {
                tick: i,
                kind: "venue_transferred",
                venue: Some(venue_label(VenueKind::CommunityCentre, i)),
                ward: Some(0),
                detail: format!(
                    "community-centre transferred to a community group after the council's \
                     closure {i:06}"
                ),
            })
            .collect();
        let mut parent = serde_json::Map::new();
        for metric in CHARTS {
            parent.insert(metric.into(), json!({"mean": longest()}));
        }
        let mut answer = result(&p, Value::Object(series), &records, &map, &FORK_FILES);
        answer["fork"] = fork_json(&p, &fork, Value::Object(parent));
        assert_eq!(
            answer["events"].as_array().unwrap().len(),
            MAX_EVENTS_LISTED
        );
        assert_eq!(answer["events_total"], 10 * MAX_EVENTS_LISTED);
        let bytes = serde_json::to_vec(&answer).unwrap().len();
        assert!(
            bytes < MAX_ANSWER_BYTES,
            "{bytes} bytes, over the bound of {MAX_ANSWER_BYTES}"
        );
        // The bound is not slack by orders of magnitude either.
        assert!(bytes > MAX_ANSWER_BYTES / 4, "{bytes} bytes");
    }

    /// The default town's map as the page gets it, run for two years with closures and a new
    /// library: the discs sent do not overlap, no name box covers a marker's box or another
    /// name, no two markers' boxes overlap, and every venue shown has its slot in its ward.
    #[test]
    fn the_map_sent_to_the_page_keeps_discs_names_and_markers_apart() {
        use crate::output::map_layout::{Rect, marker_half};
        let text = r#"
[time]
years = 2
warmup_weeks = 4
[town]
residents = 400
[[events]]
kind = "close"
year = 2010
week = 5
venue_kind = "pub"
count = 4
[[events]]
kind = "invest"
year = 2011
week = 10
venue_kind = "library"
ward = "Pithead"
"#;
        let s = crate::Scenario::from_toml(text, "t.toml").unwrap();
        assert_eq!(s.town.wards.len(), 6, "the default town's wards");
        let map = crate::run::to_end(&s, crate::Seeds::new(3)).map;
        let j = map_json(&map);
        let f = |v: &Value| v.as_f64().unwrap();
        let panel = &j["panel"];
        let (w, h, m) = (
            f(&panel["width"]),
            f(&panel["height"]),
            f(&panel["marker_px"]),
        );
        assert!(m >= 3.0, "markers of {m} px");
        let wards = j["wards"].as_array().unwrap();
        let discs: Vec<(f64, f64, f64)> = wards
            .iter()
            .map(|w| (f(&w["disc"]["x"]), f(&w["disc"]["y"]), f(&w["disc"]["r"])))
            .collect();
        for (i, a) in discs.iter().enumerate() {
            assert!(a.2 > 20.0, "ward {i} drawn at {a:?}");
            assert!(a.0 - a.2 >= 0.0 && a.0 + a.2 <= w && a.1 - a.2 >= 0.0 && a.1 + a.2 <= h);
            for b in &discs[i + 1..] {
                let d = (a.0 - b.0).hypot(a.1 - b.1);
                assert!(d > a.2 + b.2, "discs {a:?} and {b:?} overlap");
            }
        }
        let names: Vec<Rect> = wards
            .iter()
            .map(|w| {
                let b = &w["name_box"];
                assert!(!b.is_null(), "{} has no name on the map", w["name"]);
                let (x, y) = (f(&b["x"]), f(&b["y"]));
                Rect {
                    x0: x,
                    y0: y,
                    x1: x + f(&b["width"]),
                    y1: y + f(&b["height"]),
                }
            })
            .collect();
        // Text at 18 px needs a box at least that high, and a ward's name is wider than high.
        assert!(
            names
                .iter()
                .all(|b| b.y1 - b.y0 >= 18.0 && b.x1 - b.x0 > b.y1 - b.y0)
        );
        let shown = (0..map.venues.len())
            .filter(|&v| map.states.iter().any(|row| row[v] != VenueState::Absent))
            .count();
        let half = marker_half(m);
        let mut markers = Vec::new();
        for (v, venue) in j["venues"].as_array().unwrap().iter().enumerate() {
            if venue["slot"].is_null() {
                continue;
            }
            let (x, y) = (f(&venue["slot"][0]), f(&venue["slot"][1]));
            let (cx, cy, r) = discs[map.venues[v].ward as usize];
            assert!(
                (x - cx).hypot(y - cy) + half <= r + 0.5,
                "venue {v} outside its ward"
            );
            markers.push(Rect::around((x, y), (2.0 * half, 2.0 * half)));
        }
        assert!(
            shown >= 29,
            "{shown} venues shown: the default town's 28 and the new library"
        );
        assert_eq!(markers.len(), shown, "every venue shown has a slot");
        assert_eq!(panel["venues_left_out"], 0);
        assert_eq!(panel["names_left_out"], 0);
        for (i, a) in markers.iter().enumerate() {
            for b in &markers[i + 1..] {
                assert!(!a.intersects(b), "markers {a:?} and {b:?} overlap");
            }
            for n in &names {
                assert!(!a.intersects(n), "name box {n:?} covers marker {a:?}");
            }
        }
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert!(!a.intersects(b), "name boxes {a:?} and {b:?} overlap");
            }
        }
        // The layout is the same for the same map.
        assert_eq!(j, map_json(&map));
    }
}
