//! Scenarios compiled into the binary, so that `cohesion run NAME` works from anywhere.

/// A built-in scenario: its name, a one-line summary and its TOML text.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub summary: &'static str,
    pub toml: &'static str,
}

/// Every built-in scenario; the first is the default.
pub const BUILTINS: &[Builtin] = &[Builtin {
    name: "baseline",
    summary: "The default former pit town, 2010-2024, with no intervention",
    toml: include_str!("../../scenarios/baseline.toml"),
}];

/// The built-in scenario called `name`.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}
