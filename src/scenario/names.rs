//! Names are data: a scenario's `name`, its wards' names and its `description` are shown on
//! terminals, written into CSV, SVG and HTML, and a sweep's name becomes a folder's name. So a
//! name never carries a control character or an invisible formatting character (which could
//! move a terminal's cursor, end a CSV row or break an XML file), and a name that may name a
//! file or folder never holds a path separator or starts with a dot.
//!
//! The rules (docs/scenarios.md states them for users):
//!
//! - every name: 1 to [`MAX_NAME_CHARS`] characters (a sweep's name: 1 to
//!   [`MAX_SWEEP_NAME_CHARS`], so that its points' names, `NAME-pNNNN`, fit); letters and
//!   digits of any script, spaces and punctuation; no control characters (U+0000–U+001F,
//!   U+007F–U+009F) and no invisible formatting characters (zero-width and bidirectional
//!   controls); no space at either end;
//! - a scenario's or sweep's name, which may name a folder: also no `/` or `\`, and not
//!   starting with `.`;
//! - a description: any text, line breaks and tabs included, but no other control or
//!   invisible formatting characters.

use super::Scenario;

/// Longest scenario or ward name, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest sweep name, in characters (a sweep's points are named `NAME-pNNNN`).
pub const MAX_SWEEP_NAME_CHARS: usize = 100;

/// Checks the names and the description of a scenario: (key, message) of the first problem.
pub fn check(s: &Scenario) -> Result<(), (String, String)> {
    check_name(&s.name, MAX_NAME_CHARS, true).map_err(|m| ("name".to_string(), m))?;
    check_text(&s.description).map_err(|m| ("description".to_string(), m))?;
    for (i, w) in s.town.wards.iter().enumerate() {
        check_name(&w.name, MAX_NAME_CHARS, false)
            .map_err(|m| (format!("town.wards[{i}].name"), m))?;
    }
    Ok(())
}

/// Checks one name. `path_like` adds the rules for a name that may name a file or folder.
/// The message quotes the name with its unprintable characters escaped.
pub fn check_name(name: &str, max_chars: usize, path_like: bool) -> Result<(), String> {
    let shown = escaped(name);
    if name.trim().is_empty() {
        return Err("a name needs at least one letter or digit".into());
    }
    let chars = name.chars().count();
    if chars > max_chars {
        return Err(format!(
            "the name is {chars} characters long; a name may have at most {max_chars}"
        ));
    }
    if let Some(c) = name.chars().find(|&c| unprintable(c)) {
        return Err(format!(
            "the name {shown} holds the control or invisible character U+{:04X}; a name may \
             hold letters, digits, spaces and punctuation only",
            u32::from(c)
        ));
    }
    if name.trim() != name {
        return Err(format!(
            "the name {shown} starts or ends with a space; remove it"
        ));
    }
    if path_like {
        if name.contains(['/', '\\']) {
            return Err(format!(
                "the name {shown} holds `/` or `\\`; a name is used for folder and file names, \
                 so it may not hold a path separator"
            ));
        }
        if name.starts_with('.') {
            return Err(format!(
                "the name {shown} starts with a dot; a name is used for folder and file names, \
                 so it may not start with `.`"
            ));
        }
    }
    Ok(())
}

/// Checks free text (a description): line breaks (`\n`, `\r`) and tabs are allowed, other
/// control and invisible formatting characters are not.
pub fn check_text(text: &str) -> Result<(), String> {
    match text
        .chars()
        .find(|&c| !matches!(c, '\n' | '\r' | '\t') && unprintable(c))
    {
        Some(c) => Err(format!(
            "the text holds the control or invisible character U+{:04X}; write it without",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

/// Whether `c` is a control character or an invisible formatting character that could change
/// how the text around it is shown (zero-width characters, bidirectional controls).
pub fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// A name in backticks with unprintable characters written as `\u{..}`, safe to show.
fn escaped(name: &str) -> String {
    let mut out = String::from("`");
    for c in name.chars().take(MAX_NAME_CHARS + 20) {
        if unprintable(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "baseline",
            "library closes (2014)",
            "Ynys-y-bwl & Cwm",
            "Pen-y-graig's estate",
            "Zürich–Nord",
            "<A & B>",
        ] {
            assert_eq!(check_name(name, MAX_NAME_CHARS, true), Ok(()), "{name}");
        }
    }

    #[test]
    fn paths_and_control_characters_are_refused() {
        let refused =
            |name: &str, path_like: bool| check_name(name, MAX_NAME_CHARS, path_like).unwrap_err();
        assert!(refused("x/../../../ESCAPED", true).contains("path separator"));
        assert!(refused("a\\b", true).contains("path separator"));
        assert!(refused("..", true).contains("start with `.`"));
        assert!(refused(".hidden", true).contains("start with `.`"));
        let e = refused("evil\u{1b}[31mRED\nline", false);
        assert!(e.contains("U+001B") && e.contains("\\u{1b}"), "{e}");
        assert!(
            !e.contains('\u{1b}') && !e.contains('\n'),
            "the message is safe: {e}"
        );
        assert!(refused("C\rD", false).contains("U+000D"));
        assert!(refused("abc\u{202E}txt", false).contains("U+202E"));
        assert!(refused("zero\u{200B}width", false).contains("U+200B"));
        assert!(refused(" padded", false).contains("space"));
        assert!(refused("   ", false).contains("at least one"));
        assert!(refused(&"x".repeat(121), false).contains("at most 120"));
        // A ward's name is not a path: a slash is fine there.
        assert_eq!(check_name("North/South", MAX_NAME_CHARS, false), Ok(()));
    }

    #[test]
    fn descriptions_may_have_lines_but_no_escapes() {
        assert_eq!(check_text("One line.\nAnother,\twith a tab."), Ok(()));
        assert!(check_text("bell\u{7}").unwrap_err().contains("U+0007"));
        assert_eq!(check_text("windows\r\nlines"), Ok(()));
        assert!(check_text("escape\u{1b}[2J").is_err());
    }

    #[test]
    fn a_scenario_names_the_key_at_fault() {
        let mut s = Scenario::default();
        assert_eq!(check(&s), Ok(()));
        s.town.wards[2].name = "Pit\u{0}head".into();
        assert_eq!(check(&s).unwrap_err().0, "town.wards[2].name");
        s = Scenario::default();
        s.name = "a/b".into();
        assert_eq!(check(&s).unwrap_err().0, "name");
    }
}
