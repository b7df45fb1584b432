//! The layering of the library: no module imports, through any chain of others, a module that
//! imports it, and the run lifecycle stands in the layers ARCHITECTURE.md draws:
//! sim → townmap; checkpoint → sim, townmap; run → checkpoint, sim; then branch, compare, sweep
//! and calibration → run; report → compare. `scripts/module-arrows.sh` prints the same arrows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The modules of the run lifecycle.
const LAYERED: [&str; 11] = [
    "sim",
    "townmap",
    "checkpoint",
    "summary",
    "run",
    "branch",
    "compare",
    "report",
    "sweep",
    "calibration",
    "calibrate",
];

/// Names the crate root re-exports, and their modules.
const REEXPORTS: [(&str, &str); 5] = [
    ("Seeds", "rng"),
    ("Scenario", "scenario"),
    ("ScenarioError", "scenario"),
    ("Simulation", "sim"),
    ("RunOutput", "sim"),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The library's code in `text`: comments and a trailing `#[cfg(test)] mod ... {` left out.
fn library_code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut code = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("#[cfg(test)]")
            && lines
                .get(i + 1)
                .is_some_and(|next| next.starts_with("mod ") && next.trim_end().ends_with('{'))
        {
            break;
        }
        code.push_str(line.split("//").next().unwrap_or(""));
        code.push('\n');
    }
    code
}

/// The modules `code` names through `crate::`: paths, and the top-level names of
/// `crate::{...}` groups.
fn named(code: &str) -> BTreeSet<String> {
    let module = |id: &str| -> Option<String> {
        if let Some((_, m)) = REEXPORTS.iter().find(|(n, _)| *n == id) {
            return Some(m.to_string());
        }
        id.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            .then(|| id.to_string())
    };
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0, true);
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 && start && (c.is_ascii_alphanumeric() || c == '_') {
                    word.push(c);
                } else if !word.is_empty() {
                    out.extend(module(&word));
                    word.clear();
                    start = false;
                }
                if depth == 0 && c == ',' {
                    start = true;
                }
            }
            out.extend(module(&word));
        } else {
            out.extend(module(&ident(rest)));
        }
    }
    out
}

/// Every arrow `from → to` between the library's top-level modules, test modules left out.
fn arrows() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.sort();
    // Whole files that are test modules (`#[cfg(test)] pub mod testing;`).
    let mut test_only = BTreeSet::new();
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            if pair[0].starts_with("#[cfg(test)]")
                && let Some(name) = pair[1]
                    .trim_start_matches("pub ")
                    .strip_prefix("mod ")
                    .and_then(|r| r.strip_suffix(';'))
            {
                let stem = f.file_stem().unwrap();
                let dir = if stem == "mod" || stem == "lib" {
                    f.parent().unwrap().to_path_buf()
                } else {
                    f.with_extension("")
                };
                test_only.insert(dir.join(format!("{name}.rs")));
                test_only.insert(dir.join(name).join("mod.rs"));
            }
        }
    }
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &all {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let from = top.trim_end_matches(".rs").to_string();
        if ["main", "cli", "lib"].contains(&from.as_str()) || test_only.contains(f) {
            continue;
        }
        let code = library_code(&std::fs::read_to_string(f).unwrap());
        for to in named(&code) {
            if to != from {
                arrows.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    arrows
}

#[test]
fn the_run_lifecycle_modules_import_one_another_without_a_circle() {
    let arrows = arrows();
    // The arrows from `m` to the other modules of the lifecycle.
    let among = |m: &str| -> Vec<&'static str> {
        let to = arrows.get(m).cloned().unwrap_or_default();
        LAYERED
            .iter()
            .copied()
            .filter(|l| to.contains(*l))
            .collect()
    };
    // Depth-first search for a back edge, naming the circle it closes.
    fn visit<'a>(
        m: &'a str,
        among: &dyn Fn(&str) -> Vec<&'a str>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|p| *p == m) {
            let mut circle = path[at..].to_vec();
            circle.push(m);
            return Some(circle);
        }
        if !done.insert(m) {
            return None;
        }
        path.push(m);
        for to in among(m) {
            if let Some(c) = visit(to, among, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in LAYERED {
        let circle = visit(m, &among, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "the modules import in a circle: {} (see scripts/module-arrows.sh)",
            circle.unwrap_or_default().join(" → ")
        );
    }
    // The layers the run driver stands between.
    for (from, never) in [
        ("townmap", ["sim", "compare"].as_slice()),
        (
            "checkpoint",
            &["run", "sweep", "compare", "report", "branch"],
        ),
        (
            "run",
            &["compare", "report", "branch", "sweep", "calibration"],
        ),
    ] {
        for to in never {
            assert!(
                !among(from).contains(to),
                "{from} imports {to}, a module above it"
            );
        }
    }
    assert!(
        among("sim").contains(&"townmap"),
        "the arrows were not read: sim records the town map"
    );
}

/// The groups of two or more modules that reach one another through their arrows (strongly
/// connected groups), each sorted; empty when the arrows make no circle.
fn circles(arrows: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut reach: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to) in arrows {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack: Vec<&str> = to.iter().map(String::as_str).collect();
        while let Some(m) = stack.pop() {
            if seen.insert(m) {
                stack.extend(arrows.get(m).into_iter().flatten().map(String::as_str));
            }
        }
        reach.insert(from, seen);
    }
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for (from, seen) in &reach {
        let group: Vec<String> = seen
            .iter()
            .filter(|m| reach.get(*m).is_some_and(|back| back.contains(from)))
            .map(|m| m.to_string())
            .collect();
        if group.len() > 1 {
            groups.insert(group);
        }
    }
    groups.into_iter().collect()
}

#[test]
fn no_module_of_the_library_imports_in_a_circle() {
    let arrows = arrows();
    let found = circles(&arrows);
    assert!(
        found.is_empty(),
        "the modules import in a circle: {} (see scripts/module-arrows.sh)",
        found
            .iter()
            .map(|g| g.join(" "))
            .collect::<Vec<_>>()
            .join("; ")
    );
    // The layers the circles were broken along.
    let to = |m: &str| arrows.get(m).cloned().unwrap_or_default();
    for (from, never) in [
        (
            "output",
            ["checkpoint", "compare", "calibration", "sweep", "report"].as_slice(),
        ),
        ("model", &["town", "sim"]),
        ("compare", &["report"]),
    ] {
        for m in never {
            assert!(
                !to(from).contains(*m),
                "{from} imports {m}, a module above it"
            );
        }
    }
    assert!(
        to("town").contains("model") && to("report").contains("compare"),
        "the arrows were not read: the town is built of the model's components"
    );
}

#[test]
fn circles_are_found_through_any_chain() {
    let arrows: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
            .iter()
            .fold(BTreeMap::new(), |mut m, (from, to)| {
                m.entry(from.to_string())
                    .or_insert_with(BTreeSet::new)
                    .insert(to.to_string());
                m
            });
    assert_eq!(circles(&arrows), vec![vec!["a", "b", "c"]]);
    let mut open = arrows.clone();
    open.remove("c");
    assert!(circles(&open).is_empty());
}
