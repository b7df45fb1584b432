//! Names are data, never paths or control sequences: names that would form a path or carry
//! control characters are refused with a message naming the key (and showing the character
//! escaped); the names that are allowed are written safely (CSV quoted per RFC 4180, SVG and
//! HTML escaped, the terminal never sent a raw escape); a sweep's default folder stays under
//! `outputs/`.

use crate::common::*;
use std::fs;
use std::path::Path;

/// Checks `text` (a scenario) is refused by `check` and `run` with exit 2, one line naming
/// `key`, no raw control character on the terminal, and nothing written. Returns stderr.
fn refuse_scenario(text: &str, key: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("bad.toml"), text).unwrap();
    let mut first = None;
    for args in [
        &["check", "bad.toml"][..],
        &["run", "bad.toml"],
        &["compare", "bad.toml", "--out", "cmp"],
    ] {
        let o = cohesion(t, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err:?}");
        assert!(err.contains(&format!("`{key}`")), "names {key}: {err}");
        assert!(
            !err.trim_end_matches('\n').chars().any(char::is_control),
            "a raw control character reached the terminal: {err:?}"
        );
        first.get_or_insert(err);
    }
    assert_eq!(names_in(t), ["bad.toml"], "nothing written");
    first.unwrap()
}

#[test]
fn scenario_names_with_line_breaks_or_escapes_are_refused() {
    let err = refuse_scenario(
        &TINY.replace(
            "name = \"tiny\"",
            "name = \"evil\\n\\u001b[2Jcohesion: all clear\"",
        ),
        "name",
    );
    assert!(err.contains("\\u{1b}") || err.contains("U+000A"), "{err}");
    let err = refuse_scenario(
        &TINY.replace("name = \"tiny\"", "name = \"abc\\u202Etxt.exe\""),
        "name",
    );
    assert!(err.contains("U+202E"), "{err}");
    refuse_scenario(
        &TINY.replace(
            "name = \"tiny\"",
            "name = \"tiny\"\ndescription = \"bell \\u0007\"",
        ),
        "description",
    );
}

#[test]
fn scenario_names_that_form_paths_are_refused() {
    for name in ["../../escaped", "a/b", "a\\\\b", ".hidden", ".."] {
        let err = refuse_scenario(
            &TINY.replace("name = \"tiny\"", &format!("name = \"{name}\"")),
            "name",
        );
        assert!(
            err.contains("path separator") || err.contains("start with `.`"),
            "{name}: {err}"
        );
    }
}

/// Two wards, the first named `first`.
fn two_wards(first: &str) -> String {
    TINY.to_string()
        + &format!(
            r#"
[[town.wards]]
name = "{first}"
deprivation = 0.7
housing_share = 0.5
centre_km = [0.0, 0.0]
radius_km = 0.8

[[town.wards]]
name = "Chapel Hill"
deprivation = 0.2
housing_share = 0.5
centre_km = [2.0, 0.0]
radius_km = 0.8
"#
        )
}

#[test]
fn ward_names_with_control_characters_are_refused() {
    let err = refuse_scenario(&two_wards("Pit\\rhead"), "town.wards[0].name");
    assert!(err.contains("U+000D"), "{err}");
    refuse_scenario(&two_wards("Pit\\u0000head"), "town.wards[0].name");
    refuse_scenario(&two_wards("Pit\\u200Bhead"), "town.wards[0].name");
}

#[test]
fn allowed_names_are_written_safely_in_csv_svg_and_html() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // Ward names may not hold commas or quotes (they are refused); markup is allowed.
    let ward = "Pit <End> & Co";
    let scenario = two_wards(ward).replace("name = \"tiny\"", "name = \"<b>A, \\\"B\\\" & C\"");
    fs::write(t.join("s.toml"), &scenario).unwrap();
    let o = cohesion(t, &["run", "s.toml", "--out", "run"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // CSV: the ward's name reads back whole.
    let rows = parse_csv(&fs::read_to_string(t.join("run/metrics.csv")).unwrap());
    assert_eq!(rows[0], ["tick", "year", "week", "ward", "metric", "value"]);
    assert!(rows.iter().all(|r| r.len() == 6), "every row has 6 fields");
    assert!(
        rows.iter().any(|r| r[3] == ward),
        "the ward's name reads back from metrics.csv"
    );

    // SVG: markup in names is escaped; nothing a parser would take for a tag or an entity.
    let svg = fs::read_to_string(t.join("run/charts/map.svg")).unwrap();
    assert!(svg.contains("&lt;End&gt; &amp; Co"), "escaped in map.svg");
    assert!(!svg.contains("<End>"), "a raw tag from a name in map.svg");
    well_formed_text(&svg);

    // HTML: a comparison's report escapes the scenario's name.
    let o = cohesion(
        t,
        &["compare", "s.toml", "--replicates", "1", "--out", "cmp"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = fs::read_to_string(t.join("cmp/report.html")).unwrap();
    assert!(
        html.contains("&lt;b&gt;A, &quot;B&quot; &amp; C"),
        "escaped"
    );
    assert!(
        !html.contains("<b>A,"),
        "a raw tag from a name in report.html"
    );
    // CSV: the scenario's name, comma and quotes and all, is quoted per RFC 4180.
    let summary = parse_csv(&fs::read_to_string(t.join("cmp/summary.csv")).unwrap());
    let width = summary[0].len();
    assert!(summary.iter().all(|r| r.len() == width));
    assert!(summary.iter().skip(1).any(|r| r[0] == "<b>A, \"B\" & C"));
}

/// Every `&` starts an entity, and no control character but line breaks and tabs appears.
fn well_formed_text(xml: &str) {
    for (i, _) in xml.match_indices('&') {
        let rest = &xml[i..];
        let end = rest.find(';').expect("an entity ends with ;");
        let entity = &rest[1..end];
        assert!(
            ["lt", "gt", "amp", "quot", "apos"].contains(&entity)
                || entity.starts_with('#') && entity.len() > 1,
            "a bare & in the SVG: {}",
            &rest[..rest.len().min(30)]
        );
    }
    assert!(
        !xml.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
        "a control character in the SVG"
    );
}

#[test]
fn a_sweep_name_never_leads_outside_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let deep = t.join("a/b/c");
    fs::create_dir_all(&deep).unwrap();
    let text = crate::force_safety::tiny_sweep("x/../../../ESCAPED");
    fs::write(deep.join("s.toml"), text).unwrap();
    let o = cohesion(&deep, &["sweep", "s.toml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`name`") && err.contains("path separator"),
        "{err}"
    );
    assert_eq!(names_in(&deep), ["s.toml"], "no outputs/ was made");
    assert_eq!(names_in(t), ["a"], "nothing escaped");
    let o = cohesion(&deep, &["sweep", "s.toml", "--out", "here", "--slurm"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // An allowed name goes to outputs/sweep-NAME.
    fs::write(
        deep.join("s.toml"),
        crate::force_safety::tiny_sweep("fine name"),
    )
    .unwrap();
    let o = cohesion(&deep, &["sweep", "s.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names_in(&deep.join("outputs")), ["sweep-fine name"]);
}

#[test]
fn what_is_echoed_to_the_terminal_is_sanitised() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // A file name that carries an escape sequence, missing and present.
    let evil = "evil\u{1b}[2J\u{1b}]0;owned\u{7}.toml";
    for args in [&["check", evil][..], &["run", evil, "--out", "out"]] {
        let o = cohesion(t, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err:?}");
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
        assert!(err.contains("evil\\u{1b}[2J"), "shown escaped: {err:?}");
    }
    fs::write(t.join(evil), "[town]\nresidents = \"many\"\n").unwrap();
    let o = cohesion(t, &["check", evil]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err:?}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    // Paths in progress lines too.
    fs::write(t.join(evil), TINY).unwrap();
    let out = "out\u{1b}[31m";
    let o = cohesion(t, &["run", evil, "--out", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains('\u{1b}'), "{:?}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(Path::new(&t.join(out)).join("manifest.json").exists());
}
