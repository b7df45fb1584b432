//! The documentation matches the code: the parameter tables in docs/ODD.md and
//! docs/scenarios.md (`cohesion params --markdown`) and the metric tables in README.md and
//! docs/ODD.md (`cohesion metrics --markdown`) are the ones the code generates, so a parameter or
//! a metric cannot change in one place only.

use std::path::Path;

/// The text between `<!-- marker:begin -->` and `<!-- marker:end -->` in `doc` is `generated`.
fn assert_table_is_generated(doc: &str, marker: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{doc} exists"));
    let begin = format!("<!-- {marker}:begin -->");
    let end = format!("<!-- {marker}:end -->");
    let start = text.find(&begin).expect("the begin marker") + begin.len();
    let stop = text.find(&end).expect("the end marker");
    assert_eq!(
        text[start..stop].trim(),
        generated.trim(),
        "{doc}'s {marker} table is stale: regenerate it with scripts/update-docs.sh"
    );
}

#[test]
fn the_parameter_tables_are_generated_from_the_code() {
    let table = cohesion::scenario::params::markdown_table();
    assert_table_is_generated("docs/ODD.md", "parameters", &table);
    assert_table_is_generated("docs/scenarios.md", "parameters", &table);
}

#[test]
fn the_metric_tables_are_generated_from_the_code() {
    let table = cohesion::metrics::markdown_table();
    assert_table_is_generated("README.md", "metrics", &table);
    assert_table_is_generated("docs/ODD.md", "metrics", &table);
}

/// Every key a scenario can hold has a row in the parameter table, not only the numbers:
/// choices, flags, names and the keys of every intervention kind. The keys are found by writing
/// scenarios out (serde's view of the structs), so a field added without a row is caught.
#[test]
fn every_key_of_the_schema_has_a_row() {
    let rows: std::collections::BTreeSet<String> = cohesion::scenario::params::table()
        .into_iter()
        .map(|r| r.path)
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let every_kind = cohesion::scenario::interventions::KIND_NAMES
        .iter()
        .map(|k| format!("[[events]]\nkind = \"{k}\"\n"))
        .collect::<String>();
    for b in cohesion::scenario::BUILTINS {
        let mut table: toml::Table = toml::from_str(
            &cohesion::Scenario::from_toml(b.toml, b.name)
                .unwrap()
                .to_toml(),
        )
        .unwrap();
        let kinds: toml::Table = toml::from_str(&every_kind).unwrap();
        for event in kinds["events"].as_array().unwrap() {
            let kind = event["kind"].as_str().unwrap();
            let mut full = cohesion::scenario::interventions::defaults_table(kind).unwrap();
            full.insert("kind".into(), kind.into());
            table
                .entry("events")
                .or_insert(toml::Value::Array(vec![]))
                .as_array_mut()
                .unwrap()
                .push(toml::Value::Table(full));
        }
        collect_paths("", &toml::Value::Table(table), &mut seen);
    }
    assert!(seen.len() > 150, "only {} keys seen", seen.len());
    for path in &seen {
        assert!(
            rows.contains(path),
            "`{path}` has no row in `cohesion params`"
        );
    }
}

/// The table's path of every leaf under `value`: array-of-table items as `[]`, venue kinds as
/// `*`, interventions by kind.
fn collect_paths(prefix: &str, value: &toml::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        toml::Value::Table(t) => {
            for (key, v) in t {
                let path = match prefix {
                    "" => key.clone(),
                    "venues" => format!("venues.*.{key}"),
                    _ => format!("{prefix}.{key}"),
                };
                if prefix == "venues" {
                    collect_paths("venues.*", v, out);
                } else {
                    collect_paths(&path, v, out);
                }
            }
        }
        toml::Value::Array(items)
            if items.iter().all(toml::Value::is_table) && !items.is_empty() =>
        {
            if prefix == "events" {
                for item in items {
                    let kind = item["kind"].as_str().unwrap();
                    for key in item.as_table().unwrap().keys() {
                        if key != "kind" {
                            out.insert(format!("events.{kind}.{key}"));
                        }
                    }
                }
            } else {
                out.insert(prefix.to_string());
                for item in items {
                    collect_paths(&format!("{prefix}[]"), item, out);
                }
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

/// The worked examples in docs/scenarios.md are valid scenarios.
#[test]
fn the_worked_examples_are_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenarios.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut examples = 0;
    for block in text.split("```toml").skip(1) {
        let toml = block.split("```").next().unwrap();
        if !toml.contains("description") {
            continue;
        }
        cohesion::Scenario::from_toml(toml, "docs/scenarios.md")
            .unwrap_or_else(|e| panic!("a worked example is invalid: {e}\n{toml}"));
        examples += 1;
    }
    assert!(examples >= 5, "found {examples} examples");
}

/// docs/sweeps.md lists every example sweep in `scenarios/sweeps/` and no other, each with the
/// runs its plan has, and any count of them it states ("three example sweeps") is the number of
/// files.
#[test]
fn the_sweep_docs_list_every_example_sweep() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(root.join("scenarios/sweeps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let doc = std::fs::read_to_string(root.join("docs/sweeps.md")).unwrap();
    // The table's rows: | `NAME.toml` | design | runs | asks |
    let mut rows: Vec<(String, String)> = doc
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix(".toml`")?;
            Some((format!("{name}.toml"), cells.get(3)?.replace(',', "")))
        })
        .collect();
    rows.sort();
    let named: Vec<&String> = rows.iter().map(|(n, _)| n).collect();
    assert_eq!(
        named,
        files.iter().collect::<Vec<_>>(),
        "docs/sweeps.md's table of example sweeps against the files in scenarios/sweeps/"
    );
    for (name, runs) in &rows {
        let plan = cohesion::sweep::load(&root.join("scenarios/sweeps").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Every example sweep resolves (above) to some runs, as many as the table says.
        assert!(plan.runs() > 0, "{name} has no runs");
        assert_eq!(
            runs,
            &plan.runs().to_string(),
            "the runs docs/sweeps.md gives {name}"
        );
    }
    // Any stated count: "N example sweeps", N a numeral or a number word.
    const WORDS: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    let words: Vec<&str> = doc.split_whitespace().collect();
    for pair in words.windows(3) {
        if pair[1].eq_ignore_ascii_case("example") && pair[2].starts_with("sweep") {
            let said = pair[0].to_lowercase();
            let n = said
                .parse::<usize>()
                .ok()
                .or_else(|| WORDS.iter().position(|w| *w == said));
            if let Some(n) = n {
                assert_eq!(
                    n,
                    files.len(),
                    "docs/sweeps.md says \"{} example sweeps\"; scenarios/sweeps/ has {}",
                    pair[0],
                    files.len()
                );
            }
        }
    }
}
