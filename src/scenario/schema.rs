//! The scenario's schema: every key a scenario file may hold, declared once beside its field.
//!
//! Each section of a scenario (`[outings]`, `[council]`, a ward, an intervention of one kind) is
//! declared with [`section!`]: for every field, in one place, its type, default, what values it
//! takes, its unit, its meaning (the doc comment) and its source. The macro writes the struct,
//! its `Default`, its row of [`Key`]s and its range check, so a field cannot exist without its
//! row, and a row cannot drift from its field.
//!
//! Everything else reads these rows: validation ([`Check`]), the check of a file's keys and
//! types before it is read (`document.rs`), `cohesion params` and the parameter tables of the
//! docs ([`rows`]), and the sweep and seminar-server paths (`path.rs`).

use super::{Owner, Placement, VenueKind};

/// What values a key takes, in the user's words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Allowed {
    /// A finite number in `min..=max`.
    Number { min: f64, max: f64 },
    /// A whole number in `min..=max`.
    Whole { min: i64, max: i64 },
    /// A pair of finite numbers, each in `min..=max` (a point, km east and north).
    Pair { min: f64, max: f64 },
    /// `true` or `false`.
    Flag,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// A list of words from a fixed set, each at most once.
    Choices(&'static [&'static str]),
    /// Text (a name, a description).
    Text,
    /// A list of tables (the wards): each entry's keys have rows of their own.
    Tables,
}

/// A number from `min` to `max`.
pub const fn number(min: f64, max: f64) -> Allowed {
    Allowed::Number { min, max }
}

/// A whole number from `min` to `max`.
pub const fn whole(min: i64, max: i64) -> Allowed {
    Allowed::Whole { min, max }
}

/// A share: a number from 0 to 1.
pub const SHARE: Allowed = Allowed::Number { min: 0.0, max: 1.0 };
/// True or false.
pub const FLAG: Allowed = Allowed::Flag;
/// Text.
pub const TEXT: Allowed = Allowed::Text;

/// The names of the venue kinds, as files write them.
pub const VENUE_KINDS: &[&str] = &[
    "pub",
    "library",
    "community_centre",
    "welfare_hall",
    "park",
    "sports_club",
    "place_of_worship",
];

impl Allowed {
    /// What is allowed, in words: "a whole number from 50 to 2,000,000".
    pub fn words(&self) -> String {
        match *self {
            Allowed::Number { min, max } => {
                format!("a number from {} to {}", show(min), show(max))
            }
            Allowed::Whole { min, max } => format!(
                "a whole number from {} to {}",
                show(min as f64),
                show(max as f64)
            ),
            Allowed::Pair { min, max } => format!(
                "two numbers [east, north], each from {} to {}",
                show(min),
                show(max)
            ),
            Allowed::Flag => "true or false".into(),
            Allowed::Choice(words) => format!("one of {}", quoted(words)),
            Allowed::Choices(words) => format!("a list of {}", quoted(words)),
            Allowed::Text => "text".into(),
            Allowed::Tables => "a list of tables".into(),
        }
    }

    /// The allowed values as the parameter tables show them: "0 to 1", "true or false".
    pub fn short(&self) -> String {
        match *self {
            Allowed::Number { min, max } | Allowed::Pair { min, max } => {
                format!("{} to {}", show(min), show(max))
            }
            Allowed::Whole { min, max } => format!("{} to {}", show(min as f64), show(max as f64)),
            Allowed::Flag => "true or false".into(),
            Allowed::Choice(words) | Allowed::Choices(words) => words.join(", "),
            Allowed::Text => "text".into(),
            Allowed::Tables => "tables".into(),
        }
    }

    /// Checks a number against a numeric kind: finite and within range.
    pub fn check_number(&self, x: f64) -> Result<(), String> {
        let (min, max, whole) = match *self {
            Allowed::Number { min, max } | Allowed::Pair { min, max } => (min, max, false),
            Allowed::Whole { min, max } => (min as f64, max as f64, true),
            _ => return Ok(()),
        };
        if !x.is_finite() {
            return Err(format!(
                "{} is not a number that can be used: allowed {}",
                show(x),
                self.words()
            ));
        }
        if x < min || x > max || (whole && x.fract() != 0.0) {
            return Err(format!(
                "{} is out of range: allowed {}",
                show(x),
                self.words()
            ));
        }
        Ok(())
    }
}

/// `a`, `b` or `c`.
fn quoted(words: &[&str]) -> String {
    let w: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match w.len() {
        0 => String::new(),
        1 => w[0].clone(),
        n => format!("{} or {}", w[..n - 1].join(", "), w[n - 1]),
    }
}

/// A number as a person would write it: whole numbers with thousands separators, very large or
/// very small ones in scientific notation, never hundreds of digits.
pub fn show(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e15).contains(&a) {
        return format!("{x:e}");
    }
    if x.fract() == 0.0 && a < 10_000.0 {
        return format!("{x}");
    }
    if x.fract() == 0.0 {
        let digits = format!("{}", a as u64);
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return if x < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        };
    }
    format!("{x}")
}

/// One key of a section: its name, what it takes, its unit, meaning and source.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The key's name in its table (`distance_exponent`).
    pub name: &'static str,
    pub allowed: Allowed,
    /// Unit, in words ("km", "probability per week").
    pub unit: &'static str,
    /// The field's doc comment: what the key means.
    pub doc: &'static str,
    /// Where its value comes from: a publication, a calibration target, or "assumed".
    pub source: &'static str,
    /// Whether a table of this section must give it (a ward's name, an intervention's year).
    pub required: bool,
}

impl Key {
    /// The meaning in one line, from the doc comment.
    pub fn meaning(&self) -> String {
        self.doc.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// A section declared with [`section!`]: its keys and its range check.
pub trait Section {
    /// Every key, in the order of the fields.
    const KEYS: &'static [Key];
    /// Checks every field against its key; on failure, the key's path below `prefix` and what
    /// was wrong.
    fn check(&self, prefix: &str) -> Result<(), (String, String)>;
}

/// `prefix.name`, or `name` at the top.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A field's value checked against its key. Sections check their own fields; lists of tables
/// check each entry under `path[i]`.
pub trait Check {
    fn check(&self, allowed: &Allowed, path: &str) -> Result<(), (String, String)>;
}

impl Check for f64 {
    fn check(&self, allowed: &Allowed, path: &str) -> Result<(), (String, String)> {
        allowed
            .check_number(*self)
            .map_err(|m| (path.to_string(), m))
    }
}

impl Check for f32 {
    fn check(&self, allowed: &Allowed, path: &str) -> Result<(), (String, String)> {
        f64::from(*self).check(allowed, path)
    }
}

macro_rules! check_whole {
    ($($t:ty),*) => {$(
        impl Check for $t {
            fn check(&self, allowed: &Allowed, path: &str) -> Result<(), (String, String)> {
                (*self as f64).check(allowed, path)
            }
        }
    )*};
}
check_whole!(u16, u32, u64, i32, i64);

impl Check for [f64; 2] {
    fn check(&self, allowed: &Allowed, path: &str) -> Result<(), (String, String)> {
        for (i, x) in self.iter().enumerate() {
            x.check(allowed, &format!("{path}[{i}]"))?;
        }
        Ok(())
    }
}

impl<T: Check> Check for Option<T> {
    fn check(&self, allowed: &Allowed, path: &str) -> Result<(), (String, String)> {
        match self {
            Some(x) => x.check(allowed, path),
            None => Ok(()),
        }
    }
}

impl<T: Section> Check for Vec<T> {
    fn check(&self, _: &Allowed, path: &str) -> Result<(), (String, String)> {
        for (i, item) in self.iter().enumerate() {
            item.check(&format!("{path}[{i}]"))?;
        }
        Ok(())
    }
}

/// Kinds checked by their type when read (words from a fixed set, flags, text).
macro_rules! checked_by_type {
    ($($t:ty),*) => {$(
        impl Check for $t {
            fn check(&self, _: &Allowed, _: &str) -> Result<(), (String, String)> {
                Ok(())
            }
        }
    )*};
}
checked_by_type!(bool, String, VenueKind, Vec<VenueKind>, Owner, Placement);

/// Declares a section of the scenario: the struct (serde, every key optional in a file unless
/// marked `[required]`), its defaults, its [`Key`] rows and its range check. Each field is
/// written once:
///
/// ```text
/// /// What it means (the doc comment is the meaning in every table).
/// name: type = default; allowed, "unit", "source";
/// ```
///
/// `#[serde(...)]` attributes may follow the doc comment.
macro_rules! section {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $(#[serde $serde:tt])*
                $field:ident : $ty:ty $([$required:ident])? = $default:expr ;
                $allowed:expr , $unit:expr , $source:expr ;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            $(
                $(#[doc = $doc])+
                $(#[serde $serde])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $($field: $default,)* }
            }
        }

        impl $crate::scenario::schema::Section for $name {
            const KEYS: &'static [$crate::scenario::schema::Key] = &[
                $(
                    $crate::scenario::schema::Key {
                        name: stringify!($field),
                        allowed: $allowed,
                        unit: $unit,
                        doc: concat!($($doc, "\n"),+),
                        source: $source,
                        required: $crate::scenario::schema::is_marked!($($required)?),
                    },
                )*
            ];

            fn check(&self, prefix: &str) -> Result<(), (String, String)> {
                $(
                    $crate::scenario::schema::Check::check(
                        &self.$field,
                        &$allowed,
                        &$crate::scenario::schema::join(prefix, stringify!($field)),
                    )?;
                )*
                Ok(())
            }
        }
    };
}
pub(crate) use section;

/// `true` when a field is marked `[required]`.
macro_rules! is_marked {
    () => {
        false
    };
    (required) => {
        true
    };
}
pub(crate) use is_marked;

/// One row of the parameter table: a key with its full dotted path (`venues.*.capacity`,
/// `town.wards[].deprivation`, `events.austerity.cut_per_year`).
#[derive(Clone, Debug)]
pub struct Row {
    pub path: String,
    pub key: Key,
}

/// Every key of the scenario schema, in file order: the top-level keys, each section's keys,
/// a ward's, a venue kind's, then each intervention kind's.
pub fn rows() -> Vec<Row> {
    use super::*;
    let mut out = Vec::new();
    let mut add = |prefix: &str, keys: &[Key]| {
        for k in keys {
            out.push(Row {
                path: join(prefix, k.name),
                key: *k,
            });
        }
    };
    add("", Scenario::KEYS);
    add("time", Time::KEYS);
    add("town", Town::KEYS);
    add("town.wards[]", Ward::KEYS);
    add("residents", Residents::KEYS);
    add("venues.*", VenueSpec::KEYS);
    add("outings", OutingParams::KEYS);
    add("encounters", Encounters::KEYS);
    add("trust", Trust::KEYS);
    add("belonging", Belonging::KEYS);
    add("participation", Participation::KEYS);
    add("council", Council::KEYS);
    add("economy", Economy::KEYS);
    add("jobs", JobsParams::KEYS);
    add("groups", Groups::KEYS);
    add("turnover", Turnover::KEYS);
    add("politics", PoliticsParams::KEYS);
    for kind in interventions::KINDS {
        add(&format!("events.{}", kind.name), kind.keys);
    }
    out
}

/// The row of a path pattern, if the schema has one.
pub fn row(pattern: &str) -> Option<Row> {
    rows().into_iter().find(|r| r.path == pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shown_as_people_write_them() {
        assert_eq!(show(2_000_000.0), "2,000,000");
        assert_eq!(show(50.0), "50");
        assert_eq!(show(2010.0), "2010");
        assert_eq!(show(12_000.0), "12,000");
        assert_eq!(show(-1500.0), "-1500");
        assert_eq!(show(-15000.0), "-15,000");
        assert_eq!(show(0.35), "0.35");
        assert_eq!(show(1e308), "1e308");
        assert_eq!(show(f64::NAN), "nan");
        assert_eq!(show(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn allowed_values_in_words() {
        assert_eq!(
            whole(50, 2_000_000).words(),
            "a whole number from 50 to 2,000,000"
        );
        assert_eq!(SHARE.words(), "a number from 0 to 1");
        assert_eq!(
            Allowed::Choice(&["a", "b", "c"]).words(),
            "one of `a`, `b` or `c`"
        );
        assert!(SHARE.check_number(f64::NAN).is_err());
        assert!(SHARE.check_number(f64::INFINITY).is_err());
        assert!(SHARE.check_number(1.5).is_err());
        assert!(whole(1, 3).check_number(2.5).is_err());
        assert!(SHARE.check_number(0.5).is_ok());
    }
}
