//! `cohesion compare` through the real binary: the same bytes on any number of threads, the
//! documented seed rule, tidy summaries, a self-contained report, and clear refusals.

use crate::common::*;
use std::fs;
use std::path::Path;

/// `small.toml` and a copy in which two parks close, both 2 years long, written into `dir`.
fn scenarios(dir: &Path) {
    let small = SMALL.replace("years = 3", "years = 2");
    fs::write(dir.join("small.toml"), &small).unwrap();
    let closures = small.replace("name = \"small\"", "name = \"small_pubs\"")
        + "\n[[events]]\nkind = \"close\"\nyear = 2010\nweek = 30\nvenue_kind = \"park\"\ncount = 2\n";
    fs::write(dir.join("small_pubs.toml"), closures).unwrap();
}

fn compare(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "compare",
        "small.toml",
        "small_pubs.toml",
        "--replicates",
        "3",
    ];
    args.extend_from_slice(extra);
    cohesion(dir, &args)
}

/// Every file of a comparison but timings.json, by relative path.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if name != "timings.json" {
                    out.push((name, fs::read(&path).unwrap()));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn same_bytes_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let one = compare(
        tmp.path(),
        &["--seed", "1", "--threads", "1", "--out", "one"],
    );
    assert!(one.status.success(), "{}", stderr(&one));
    let two = compare(
        tmp.path(),
        &["--seed", "1", "--threads", "2", "--out", "two"],
    );
    assert!(two.status.success(), "{}", stderr(&two));
    let (a, b) = (
        files_of(&tmp.path().join("one")),
        files_of(&tmp.path().join("two")),
    );
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "summary.csv",
        "effects.csv",
        "runs.csv",
        "wards.csv",
        "events.csv",
        "report.html",
        "manifest.json",
        "scenarios/small.toml",
        "scenarios/small_pubs.toml",
        "charts/belonging.png",
        "charts/belonging.svg",
        "charts/venues_open.png",
        "charts/map.png",
        "charts/map.svg",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    // Both scenarios start from the same town with common seeds: the map draws that start
    // once, then each scenario's end.
    let map = fs::read_to_string(tmp.path().join("one/charts/map.svg")).unwrap();
    assert_eq!(
        map.matches(": at the start\n").count(),
        1,
        "one start panel"
    );
    assert!(map.contains("Every scenario, 2010: at the start"));
    assert_eq!(map.matches(": at the end\n").count(), 2);
    assert_eq!(a.len(), b.len());
    for ((name, x), (other, y)) in a.iter().zip(&b) {
        assert_eq!(name, other);
        assert!(x == y, "{name} differs between 1 and 2 threads");
    }

    let seed2 = compare(tmp.path(), &["--seed", "2", "--out", "seed2"]);
    assert!(seed2.status.success(), "{}", stderr(&seed2));
    let summary = |d: &str| fs::read(tmp.path().join(d).join("summary.csv")).unwrap();
    assert_ne!(summary("one"), summary("seed2"), "the seed must matter");
}

#[test]
fn summaries_are_tidy_and_replicates_follow_the_seed_rule() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let out = compare(
        tmp.path(),
        &["--seed", "5", "--out", "cmp", "--effects-year", "2010"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("cmp");

    let summary = fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,metric,tick,year,mean,sd,ci_low,ci_high,n")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let metrics = cohesion::metrics::METRICS.len();
    assert_eq!(
        rows.len(),
        2 * metrics * 104,
        "2 scenarios × {metrics} metrics × 104 weeks"
    );
    for r in &rows {
        assert_eq!(r.len(), 9);
        assert_eq!(r[8], "3");
        let (mean, lo, hi): (f64, f64, f64) = (
            r[4].parse().unwrap(),
            r[6].parse().unwrap(),
            r[7].parse().unwrap(),
        );
        assert!(lo <= mean && mean <= hi, "{r:?}");
    }

    let effects = fs::read_to_string(dir.join("effects.csv")).unwrap();
    let mut lines = effects.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,metric,year,reference,mean,reference_mean,diff,ci_low,ci_high,n,interval")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let headline = cohesion::metrics::headline().count();
    assert_eq!(
        rows.len(),
        headline * 2,
        "each headline metric at 2010 and 2011"
    );
    for r in &rows {
        assert_eq!(
            (r[0], r[3], r[9], r[10]),
            ("small_pubs", "small", "3", "seeds")
        );
        let (mean, reference, diff): (f64, f64, f64) = (
            r[4].parse().unwrap(),
            r[5].parse().unwrap(),
            r[6].parse().unwrap(),
        );
        assert!((mean - reference - diff).abs() < 2e-6, "{r:?}");
    }
    let venues = rows
        .iter()
        .find(|r| r[1] == "venues_open" && r[2] == "2011")
        .unwrap();
    // Two parks closed; pubs trade on the custom that moves with them, so a pub may close too.
    let fewer = venues[6].parse::<f64>().unwrap();
    assert!(
        (-4.0..=-2.0).contains(&fewer),
        "two parks closed, and perhaps a pub: {venues:?}"
    );

    // Replicate 2 of the comparison is `cohesion run --seed 5 --replicate 2`, to the byte.
    let single = cohesion(
        tmp.path(),
        &[
            "run",
            "small_pubs.toml",
            "--seed",
            "5",
            "--replicate",
            "2",
            "--out",
            "single",
        ],
    );
    assert!(single.status.success(), "{}", stderr(&single));
    let metrics = read_metrics(&tmp.path().join("single/metrics.csv"));
    let runs = fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut compared = 0;
    for line in runs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != "small_pubs" || f[1] != "2" || f[5] != "belonging" {
            continue;
        }
        let tick: u32 = f[2].parse().unwrap();
        let value = metrics
            .iter()
            .find(|m| m.0 == tick && m.1 == "all" && m.2 == "belonging")
            .unwrap()
            .3;
        assert_eq!(f[6].parse::<f64>().unwrap(), value, "tick {tick}");
        compared += 1;
    }
    assert_eq!(compared, 104);
}

#[test]
fn the_report_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let out = compare(tmp.path(), &["--out", "cmp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = fs::read_to_string(tmp.path().join("cmp/report.html")).unwrap();
    assert!(report.starts_with("<!DOCTYPE html>"));
    assert!(report.trim_end().ends_with("</html>"));
    let lower = report.to_lowercase();
    for fetches in [
        "<script", "<link", "<img", "<iframe", "<object", "@import", "url(",
    ] {
        assert!(
            !lower.contains(fetches),
            "the report must not use {fetches}"
        );
    }
    for attr in ["src=", "href="] {
        assert!(
            !lower.contains(&format!("{attr}\"http"))
                && !lower.contains(&format!("{attr}'http"))
                && !lower.contains(&format!("{attr}\"//")),
            "the report must not fetch anything through {attr}"
        );
    }
    // One chart per headline metric and the town map inline, every scenario described, the
    // reproducing command in the footer.
    assert_eq!(
        report.matches("<svg ").count(),
        cohesion::metrics::headline().count() + 1
    );
    assert!(report.contains("The town map"));
    assert!(report.contains("small_pubs"));
    assert!(
        report.contains("cohesion compare small.toml small_pubs.toml --replicates 3 --seed 42")
    );
    assert!(report.contains("2 of the town's parks close"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("report.html"), "{stdout}");

    // Each scenario's interventions are marked on its own line, in its colour: the library's
    // closure in 2011 on both (blue for small, vermillion for small_pubs), the parks' closure
    // in 2010 on small_pubs' alone. The legend states the effect against the reference.
    let svg = fs::read_to_string(tmp.path().join("cmp/charts/belonging.svg")).unwrap();
    let labels: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter(|t| {
            t.split('>')
                .nth(1)
                .is_some_and(|body| body.trim().starts_with("close"))
        })
        .collect();
    let in_colour = |c: &str| {
        labels
            .iter()
            .filter(|t| {
                t.split('>')
                    .next()
                    .unwrap_or("")
                    .contains(&format!("fill=\"{c}\""))
            })
            .count()
    };
    assert_eq!(labels.len(), 3, "three closure labels: {labels:?}");
    assert_eq!(in_colour("#0072B2"), 1, "small has one closure: {labels:?}");
    assert_eq!(in_colour("#D55E00"), 2, "small_pubs has two: {labels:?}");
    assert!(svg.contains("points of 100"), "no effect in the legend");
    assert!(
        svg.contains("vs small, 2011"),
        "no reference and year in the legend"
    );
}

/// Runs `args`, expects exit 2 with a message containing `needle`, and nothing written.
fn refused(dir: &Path, args: &[&str], needle: &str) {
    let out = cohesion(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!dir.join("bad").exists(), "{args:?} wrote bad/");
    assert!(!dir.join("outputs").exists(), "{args:?} wrote outputs/");
}

#[test]
fn bad_comparisons_are_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    scenarios(dir);
    refused(
        dir,
        &["compare", "small.toml", "nowhere.toml", "--out", "bad"],
        "nowhere.toml",
    );
    fs::write(
        dir.join("longer.toml"),
        SMALL.replace("name = \"small\"", "name = \"longer\""),
    )
    .unwrap();
    refused(
        dir,
        &["compare", "small.toml", "longer.toml", "--out", "bad"],
        "same years",
    );
    refused(
        dir,
        &["compare", "small.toml", "small.toml", "--out", "bad"],
        "named twice",
    );
    refused(
        dir,
        &[
            "compare",
            "small.toml",
            "--effects-year",
            "2030",
            "--out",
            "bad",
        ],
        "--effects-year 2030",
    );
    refused(
        dir,
        &["compare", "small.toml", "--replicates", "0", "--out", "bad"],
        "--replicates",
    );
    // A contrast must name two different scenarios of the comparison; the error lists them.
    for (contrast, says) in [
        (
            "small:nowhere",
            "no scenario in this comparison is named `nowhere`",
        ),
        ("small:small", "against itself"),
        ("small", "joined by a colon"),
    ] {
        refused(
            dir,
            &[
                "compare",
                "small.toml",
                "small_pubs.toml",
                "--contrast",
                contrast,
                "--out",
                "bad",
            ],
            says,
        );
    }
    fs::create_dir(dir.join("taken")).unwrap();
    fs::write(dir.join("taken/results.csv"), "mine").unwrap();
    let out = cohesion(dir, &["compare", "small.toml", "--out", "taken"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"));
    assert_eq!(
        fs::read_to_string(dir.join("taken/results.csv")).unwrap(),
        "mine"
    );
}

/// `small`, `small_pubs` (two parks close) and `small_bid` (a community right to bid and dearer
/// pubs), written into `dir`.
fn three_scenarios(dir: &Path) {
    scenarios(dir);
    let small = SMALL.replace("years = 3", "years = 2");
    let bid = small.replace("name = \"small\"", "name = \"small_bid\"")
        + "\n[council]\ncommunity_right_to_bid = true\n\n[venues.pub]\nweekly_cost_gbp = 3200.0\n";
    fs::write(dir.join("small_bid.toml"), bid).unwrap();
}

/// effects.csv's rows as (scenario, metric, year, reference, diff).
fn effect_rows(dir: &Path) -> Vec<(String, String, String, String, f64)> {
    let text = fs::read_to_string(dir.join("effects.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].to_string(),
                f[3].to_string(),
                f[6].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_contrast_is_written_to_effects_and_told_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    three_scenarios(tmp.path());
    let out = cohesion(
        tmp.path(),
        &[
            "compare",
            "small.toml",
            "small_pubs.toml",
            "small_bid.toml",
            "--replicates",
            "2",
            "--contrast",
            "small_bid:small_pubs",
            "--out",
            "cmp",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("cmp");
    let rows = effect_rows(&dir);
    // Every headline metric at the final year: two scenarios against the reference, one contrast.
    let headline = cohesion::metrics::headline().count();
    assert_eq!(rows.len(), headline * 3);
    let contrast: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "small_bid" && r.3 == "small_pubs")
        .collect();
    assert_eq!(contrast.len(), headline, "{rows:?}");
    // Paired differences add up: (bid − pubs) = (bid − small) − (pubs − small), replicate by
    // replicate and so in the mean.
    for metric in ["belonging", "venues_open", "agency"] {
        let find = |s: &str, r: &str| {
            rows.iter()
                .find(|x| x.0 == s && x.3 == r && x.1 == metric)
                .unwrap()
                .4
        };
        let (bp, bs, ps) = (
            find("small_bid", "small_pubs"),
            find("small_bid", "small"),
            find("small_pubs", "small"),
        );
        assert!((bp - (bs - ps)).abs() < 1e-6, "{metric}: {bp} {bs} {ps}");
    }
    // Two parks close in small_pubs and not in small_bid, whose dearer pubs close more often
    // in some replicates: up to two more venues open, and more than one.
    let venues = contrast.iter().find(|r| r.1 == "venues_open").unwrap().4;
    assert!(venues > 1.0 && venues <= 2.0, "{venues}");

    let report = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("<h2>The comparisons asked for</h2>"));
    assert!(report.contains("<h3>small_bid against small_pubs</h3>"));
    assert!(
        report.contains("Over 2011, under small_bid rather than small_pubs: "),
        "the contrast is told in a sentence"
    );
    let said = format!("venues open +{venues:.1} venues");
    assert!(report.contains(&said), "the contrast's numbers: {said}");
    // The scenario's paragraph names every parameter it changes, with old and new values.
    assert!(report.contains("<code>council.community_right_to_bid</code>: false → true"));
    assert!(report.contains("<code>venues.pub.weekly_cost_gbp</code>: 2800 → 3200"));
    // What drove it, counted from events.csv: the library and the two parks small_pubs closes on schedule.
    assert!(report.contains("3 closed as the scenario schedules (libraries 1, parks 2)"));
    // The survey's precision, from the target rows, not from memory.
    assert!(report.contains("How precise is the survey?"));
    assert!(report.contains("cls_england.csv line"));
    assert!(report.contains("--contrast small_bid:small_pubs"));
    let manifest = fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"small_bid:small_pubs\""), "{manifest}");
}

#[test]
fn a_report_of_one_scenario_speaks_of_one() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let out = cohesion(
        tmp.path(),
        &["compare", "small.toml", "--replicates", "2", "--out", "one"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = fs::read_to_string(tmp.path().join("one/report.html")).unwrap();
    assert!(report.contains("One future for a former pit town"));
    for plural in [
        "futures",
        "differences between",
        "effects.csv",
        "cannot tell",
        "The story in brief",
        "(the reference)",
    ] {
        assert!(
            !report.contains(plural),
            "a one-scenario report says {plural:?}"
        );
    }
    // Its levels, with intervals, and what happened to its venues.
    assert!(report.contains("What happened.</b> Over 2011, the mean of its 2 runs"));
    assert!(report.contains("Venues closed per run (mean of 2 replicates)"));
    assert!(report.contains("<code>time.years</code>: 15 → 2"));
}

/// A PNG's width and its pixels as RGB triples, row by row.
fn decode_png(path: &Path) -> (usize, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width as usize, pixels)
}

/// The value of attribute `name` in an SVG element's text.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = element.find(&key)? + key.len();
    element[at..].split('"').next()
}

/// The SVG's elements whose text starts with `tag` (`<circle`, `<polyline`, `<text`), each up to
/// its closing `>` (and, for text, its content).
fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    svg.match_indices(tag)
        .map(|(at, _)| {
            let rest = &svg[at..];
            let end = if tag == "<text" {
                rest.find("</text>").unwrap_or(rest.len())
            } else {
                rest.find('>').map_or(rest.len(), |e| e + 1)
            };
            &rest[..end]
        })
        .collect()
}

/// In a comparison of baseline (no events) and devolution_big_bang (austerity in 2010, the big
/// bang in week 19 of 2017), a chart marks the devolution in devolution_big_bang's colour alone:
/// in the PNG, the pixel columns at the event's x hold its vermillion marker and no blue (the
/// baseline's colour) beyond the baseline's line crossing them, and no grey marker of every
/// line; in the SVG, every marker element (dashes, dots, labels) is vermillion.
#[test]
fn a_marker_is_drawn_only_in_the_colour_of_the_scenario_that_has_the_event() {
    const BLUE: [u8; 3] = [0x00, 0x72, 0xB2];
    const VERMILLION: [u8; 3] = [0xD5, 0x5E, 0x00];
    const GREY: [u8; 3] = [0x55, 0x55, 0x55];
    let tmp = tempfile::tempdir().unwrap();
    let out = cohesion(
        tmp.path(),
        &[
            "compare",
            "baseline",
            "devolution_big_bang",
            "--replicates",
            "1",
            "--set",
            "town.residents=1500",
            "--set",
            "time.years=8",
            "--threads",
            "2",
            "--out",
            "cmp",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    for chart in ["belonging", "trust", "participation_year"] {
        let svg = fs::read_to_string(tmp.path().join(format!("cmp/charts/{chart}.svg"))).unwrap();
        // The layout, which the PNG shares: the x of the year ticks, and the plotting area's
        // top and bottom (the ends of the vertical grid lines).
        let tick = |year: &str| -> f64 {
            let label = elements(&svg, "<text")
                .into_iter()
                .find(|t| t.rsplit('>').next().unwrap().trim() == year)
                .unwrap_or_else(|| panic!("{chart}: no tick {year}"));
            attr(label, "x").unwrap().parse().unwrap()
        };
        let x = tick("2017") + (tick("2018") - tick("2017")) * 18.0 / 52.0;
        let grid = elements(&svg, "<line")
            .into_iter()
            .find(|l| attr(l, "stroke") == Some("#DDDDDD") && attr(l, "x1") == attr(l, "x2"))
            .unwrap();
        let y = |a: &str| attr(grid, a).unwrap().parse::<usize>().unwrap();
        let (top, bottom) = (y("y2").min(y("y1")), y("y2").max(y("y1")));

        // The PNG: in the columns within 3 pixels of the event, the rows holding each colour.
        let (width, pixels) = decode_png(&tmp.path().join(format!("cmp/charts/{chart}.png")));
        let x = x.round() as usize;
        let rows_with = |colour: [u8; 3]| {
            (top..=bottom)
                .filter(|&row| (x - 3..=x + 3).any(|col| pixels[row * width + col] == colour))
                .count()
        };
        let (vermillion, blue, grey) = (rows_with(VERMILLION), rows_with(BLUE), rows_with(GREY));
        // The rows baseline's own line (3 pixels wide) spans near x, from the SVG's points.
        let near: Vec<f64> = elements(&svg, "<polyline")
            .into_iter()
            .filter(|p| {
                attr(p, "stroke") == Some("#0072B2") && attr(p, "stroke-width") == Some("3")
            })
            .flat_map(|p| attr(p, "points").unwrap().split_whitespace())
            .filter_map(|xy| {
                let (px, py) = xy.split_once(',')?;
                let (px, py) = (px.parse::<f64>().ok()?, py.parse::<f64>().ok()?);
                ((px - x as f64).abs() <= 6.0).then_some(py)
            })
            .collect();
        let line_rows = near.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - near.iter().copied().fold(f64::INFINITY, f64::min)
            + 4.0;
        assert!(
            vermillion >= 15,
            "{chart}: devolution_big_bang's marker is missing at x {x} ({vermillion} rows)"
        );
        assert!(
            blue as f64 <= line_rows,
            "{chart}: {blue} rows of baseline's colour at x {x}, where its line spans \
             {line_rows}: a marker for a scenario without the event"
        );
        assert_eq!(grey, 0, "{chart}: a grey marker of every line at x {x}");

        // The SVG: markers are the 2-pixel dashes, the dots and the labels above the plot.
        let dashes = elements(&svg, "<polyline")
            .into_iter()
            .filter(|p| attr(p, "stroke-width") == Some("2"));
        let dots = elements(&svg, "<circle");
        let mut marks: Vec<(String, Option<&str>)> = dashes
            .map(|p| ("dash".to_owned(), attr(p, "stroke")))
            .chain(
                dots.into_iter()
                    .map(|c| ("dot".to_owned(), attr(c, "fill"))),
            )
            .collect();
        marks.extend(
            elements(&svg, "<text")
                .into_iter()
                .filter(|t| {
                    let body = t.rsplit('>').next().unwrap().trim();
                    body == "austerity" || body.contains("devolution") && !body.contains('_')
                })
                .map(|t| (t.to_owned(), attr(t, "fill"))),
        );
        assert!(marks.len() > 10, "{chart}: markers not found");
        for (what, colour) in &marks {
            assert_eq!(
                *colour,
                Some("#D55E00"),
                "{chart}: a marker not in devolution_big_bang's colour: {what}"
            );
        }
    }
}

/// The teaching comparison's four scenarios in a small town, each replicate's runs sharing
/// their common beginnings (`cohesion::prefix`), record byte for byte what each run records
/// alone.
#[test]
fn shared_beginnings_change_no_byte() {
    use cohesion::prefix;
    use cohesion::rng::Seeds;
    use std::sync::Mutex;
    let scenarios: Vec<cohesion::Scenario> = [
        "baseline",
        "austerity_2010",
        "social_infrastructure",
        "devolution_big_bang",
    ]
    .iter()
    .map(|name| {
        let mut s = cohesion::Scenario::load(name).unwrap();
        s.town.residents = 400;
        s.time.warmup_weeks = 20;
        s
    })
    .collect();
    let jobs: Vec<prefix::Job<'_>> = (0..2)
        .flat_map(|r| scenarios.iter().map(move |s| (s, Seeds::of(7, r))))
        .collect();
    let parents = prefix::parents(&jobs);
    assert_eq!(
        parents.iter().filter(|p| p.is_some()).count(),
        6,
        "in each replicate three runs continue from another: {parents:?}"
    );
    let shared: Vec<Mutex<Option<cohesion::sim::RunOutput>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    prefix::run_all(&jobs, |n, output| {
        *shared[n].lock().unwrap() = Some(output);
    });
    for (n, (job, shared)) in jobs.iter().zip(shared).enumerate() {
        let shared = shared.into_inner().unwrap().expect("every run finishes");
        let alone = cohesion::run::to_end(job.0, job.1);
        let what = format!("run {n} ({})", job.0.name);
        assert!(!alone.observations.0.is_empty(), "{what} records something");
        assert!(
            shared.observations.0 == alone.observations.0,
            "{what}: observations"
        );
        assert!(shared.events == alone.events, "{what}: events");
        assert_eq!(shared.ward_names, alone.ward_names, "{what}");
        assert_eq!(
            format!("{:?}", shared.map),
            format!("{:?}", alone.map),
            "{what}: town map"
        );
    }
}
