//! The documentation matches the code: the parameter table in docs/ODD.md is the one the code
//! generates (`cohesion params --markdown`), so a parameter cannot change in one place only.

use std::path::Path;

const BEGIN: &str = "<!-- parameters:begin -->";
const END: &str = "<!-- parameters:end -->";

#[test]
fn the_odd_parameter_table_is_generated_from_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ODD.md");
    let text = std::fs::read_to_string(&path).expect("docs/ODD.md exists");
    let start = text.find(BEGIN).expect("docs/ODD.md has the begin marker") + BEGIN.len();
    let end = text.find(END).expect("docs/ODD.md has the end marker");
    let documented = text[start..end].trim();
    let generated = cohesion::scenario::params::markdown_table();
    assert_eq!(
        documented,
        generated.trim(),
        "docs/ODD.md's parameter table is stale: regenerate it with scripts/update-docs.sh"
    );
}
