//! What the commands print and write in words says things once and truly: an intervention's
//! text names its kind once, progress lines say "on 2 threads" without stray spaces, and the
//! Slurm resubmit hints of sweeps and calibrations name only tasks their array has.

use crate::common::{bin, cohesion, stderr};
use cohesion::scenario::interventions::KIND_NAMES;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn ok(out: &Output) {
    assert!(out.status.success(), "cohesion failed: {}", stderr(out));
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The first line of `text` where a word is said twice across a colon: "X: X:" for any word
/// ("austerity: austerity: 9 yearly cuts"), "X: X" for an intervention's kind.
fn doubled(text: &str) -> Option<String> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    for line in text.lines() {
        for (at, _) in line.match_indices(": ") {
            let before: String = line[..at]
                .chars()
                .rev()
                .take_while(|&c| word(c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let after: String = line[at + 2..].chars().take_while(|&c| word(c)).collect();
            // "X: X:" for any word; "X: X" for an intervention's kind ("close: close 2 park").
            let colon = line[at + 2 + after.len()..].starts_with(':');
            let kind = KIND_NAMES.contains(&before.as_str());
            if !before.is_empty() && before == after && (colon || kind) {
                return Some(line.to_owned());
            }
        }
    }
    None
}

/// Every text file under `dir` (CSV, HTML, SVG, JSON, TOML), by relative path.
fn texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(text) = fs::read_to_string(&path) {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, text));
            }
        }
    }
    out.sort();
    out
}

/// A small, short version of a built-in scenario, as `--set` options.
const SMALL_TOWN: [&str; 4] = ["--set", "town.residents=1500", "--set", "time.years=3"];

#[test]
fn intervention_texts_name_their_kind_once() {
    assert_eq!(
        doubled("13,2010,intervention,,,\"austerity: austerity: 9 yearly cuts\""),
        Some("13,2010,intervention,,,\"austerity: austerity: 9 yearly cuts\"".into()),
        "the check finds what it looks for"
    );
    assert!(doubled("close: close 2 park: 2 closed").is_some());
    assert_eq!(
        doubled("austerity: 9 yearly cuts of 3.8%; close: 2 of 2 park closed"),
        None
    );
    assert_eq!(doubled("table { border-collapse: collapse; }"), None);
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();

    // One run of austerity_2010: its events.csv, charts and what it prints.
    let mut args = vec!["run", "austerity_2010", "--out", "run", "--threads", "2"];
    args.extend(SMALL_TOWN);
    let run = cohesion(t, &args);
    ok(&run);
    let events = fs::read_to_string(t.join("run/events.csv")).unwrap();
    let austerity: Vec<&str> = events
        .lines()
        .filter(|l| l.contains(",intervention,"))
        .collect();
    assert_eq!(austerity.len(), 1, "one intervention: {events}");
    assert!(
        austerity[0].contains("\"austerity: 9 yearly cuts"),
        "the kind, then what it does: {}",
        austerity[0]
    );

    // A comparison with the baseline: its report, CSVs, charts and what it prints.
    let mut args = vec![
        "compare",
        "baseline",
        "austerity_2010",
        "--replicates",
        "1",
        "--out",
        "cmp",
        "--threads",
        "2",
    ];
    args.extend(SMALL_TOWN);
    let cmp = cohesion(t, &args);
    ok(&cmp);
    let report = fs::read_to_string(t.join("cmp/report.html")).unwrap();
    assert!(report.contains("austerity"), "the report names the cuts");

    let mut all = texts(&t.join("run"));
    all.extend(texts(&t.join("cmp")));
    for (what, out) in [("run", &run), ("compare", &cmp)] {
        all.push((format!("{what}'s stdout"), stdout(out)));
        all.push((format!("{what}'s stderr"), stderr(out)));
    }
    for (name, text) in &all {
        assert_eq!(doubled(text), None, "{name} says a word twice");
    }
}

/// Every line of `out` that mentions threads says "2 threads" with one space and no run of
/// spaces anywhere; returns how many there were.
fn thread_lines(what: &str, out: &Output) -> usize {
    let text = format!("{}{}", stdout(out), stderr(out));
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("thread")).collect();
    for line in &lines {
        assert!(line.contains(" 2 threads"), "{what}: {line:?}");
        assert!(!line.contains("  "), "{what} pads its line: {line:?}");
    }
    lines.len()
}

#[test]
fn progress_lines_say_on_2_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let root = env!("CARGO_MANIFEST_DIR");
    let smoke = format!("{root}/scenarios/sweeps/smoke.toml");
    let tiny = format!("{root}/scenarios/calibrations/tiny.toml");
    let mut run = vec!["run", "baseline", "--out", "r", "--threads", "2"];
    run.extend(SMALL_TOWN);
    let mut compare = vec![
        "compare",
        "baseline",
        "austerity_2010",
        "--replicates",
        "1",
        "--out",
        "c",
        "--threads",
        "2",
    ];
    compare.extend(SMALL_TOWN);
    let sweep = ["sweep", &smoke, "--out", "s", "--threads", "2"];
    let calibrate = ["calibrate", &tiny, "--out", "cal", "--threads", "2"];
    for (what, args, at_least) in [
        ("run", &run[..], 2),
        ("compare", &compare[..], 2),
        ("sweep", &sweep[..], 2),
        ("calibrate", &calibrate[..], 1),
    ] {
        let out = cohesion(t, args);
        ok(&out);
        let n = thread_lines(what, &out);
        assert!(n >= at_least, "{what} printed {n} lines with threads");
        if what == "compare" {
            // The comparison's progress line, word for word where the padding was.
            let err = stderr(&out);
            assert!(err.contains(", 2 runs on 2 threads)"), "{err}");
        }
    }
}

/// The task ids after every `--array=` in `text` (ranges `a-b` expanded).
fn array_ids(text: &str) -> Vec<Vec<u64>> {
    text.match_indices("--array=")
        .map(|(at, m)| {
            let spec: String = text[at + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '-')
                .collect();
            spec.split(',')
                .flat_map(|part| match part.split_once('-') {
                    Some((a, b)) => (a.parse::<u64>().unwrap()..=b.parse().unwrap()).collect(),
                    None => vec![part.parse::<u64>().unwrap_or_else(|_| panic!("{text}"))],
                })
                .collect()
        })
        .collect()
}

/// Every `--array=` in `text` names only ids below `tasks`; returns them all.
fn only_tasks_below(what: &str, text: &str, tasks: u64) -> Vec<Vec<u64>> {
    let all = array_ids(text);
    assert!(!all.is_empty(), "{what} names no tasks: {text}");
    for ids in &all {
        assert!(
            ids.iter().all(|&i| i < tasks),
            "{what} names a task the array of {tasks} does not have ({ids:?}): {text}"
        );
    }
    all
}

#[test]
fn the_sweep_resubmit_hint_names_tasks_the_array_has() {
    assert_eq!(array_ids("sbatch --array=0-2,5 x"), [vec![0, 1, 2, 5]]);
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let smoke = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps/smoke.toml");
    // 12 runs in tasks of 4: an array of 3 tasks, 0 to 2.
    let slurm = [
        "sweep",
        smoke,
        "--out",
        "s",
        "--slurm",
        "--runs-per-task",
        "4",
    ];
    let fresh = cohesion(t, &slurm);
    ok(&fresh);
    let sbatch = fs::read_to_string(t.join("s/sweep.sbatch")).unwrap();
    assert!(sbatch.contains("#SBATCH --array=0-2\n"), "{sbatch}");
    only_tasks_below("sweep.sbatch", &sbatch, 3);
    let said = only_tasks_below("the sweep's hint", &stdout(&fresh), 3);
    assert_eq!(said, [vec![2]], "{}", stdout(&fresh));

    // Task 1 runs its share (runs 1, 4, 7, 10); tasks 0 and 2 are still to do, and the hint
    // started again names them.
    let task = Command::new(bin())
        .args(["sweep", smoke, "--out", "s", "--runs-per-task", "4"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "1")
        .current_dir(t)
        .output()
        .unwrap();
    ok(&task);
    let again = cohesion(t, &slurm);
    ok(&again);
    let text = stdout(&again);
    assert!(text.contains("4 finished"), "{text}");
    assert_eq!(only_tasks_below("the sweep's hint", &text, 3), [vec![0, 2]]);
    assert!(
        text.contains("tasks with runs still to do: 0,2 (of 0–2)"),
        "{text}"
    );
}

#[test]
fn the_calibration_resubmit_hint_names_tasks_the_array_has() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let tiny = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/calibrations/tiny.toml"
    );
    for tasks in [1u64, 2, 3] {
        let dir = format!("c{tasks}");
        let n = tasks.to_string();
        let out = cohesion(
            t,
            &["calibrate", tiny, "--out", &dir, "--slurm", "--tasks", &n],
        );
        ok(&out);
        let sbatch = fs::read_to_string(t.join(&dir).join("calibrate.sbatch")).unwrap();
        assert!(
            sbatch.contains(&format!("#SBATCH --array=0-{}\n", tasks - 1)),
            "{sbatch}"
        );
        only_tasks_below("calibrate.sbatch", &sbatch, tasks);
        let text = stdout(&out);
        let said = only_tasks_below("the calibration's hint", &text, tasks);
        assert_eq!(said, [vec![tasks - 1]], "{text}");
        assert!(text.contains(&format!("(0–{})", tasks - 1)), "{text}");
    }
}
