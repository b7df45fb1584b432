//! The documentation matches the code: the parameter tables in docs/ODD.md and
//! docs/scenarios.md are the one the code generates (`cohesion params --markdown`), so a
//! parameter cannot change in one place only.

use std::path::Path;

const BEGIN: &str = "<!-- parameters:begin -->";
const END: &str = "<!-- parameters:end -->";

fn assert_table_is_generated(doc: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{doc} exists"));
    let start = text.find(BEGIN).expect("the begin marker") + BEGIN.len();
    let end = text.find(END).expect("the end marker");
    let documented = text[start..end].trim();
    let generated = cohesion::scenario::params::markdown_table();
    assert_eq!(
        documented,
        generated.trim(),
        "{doc}'s parameter table is stale: regenerate it with scripts/update-docs.sh"
    );
}

#[test]
fn the_odd_parameter_table_is_generated_from_the_code() {
    assert_table_is_generated("docs/ODD.md");
}

#[test]
fn the_scenario_keys_table_is_generated_from_the_code() {
    assert_table_is_generated("docs/scenarios.md");
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
