//! Scheduled interventions: what a scenario's `[[events]]` tables may say, one kind per struct,
//! each key declared once (see `schema::section!`). Every kind takes `year` and `week`;
//! [`intervention!`] adds them, so they are declared once for all kinds.
//!
//! What each kind does to the town is in `model/interventions.rs`.

use super::VenueKind;
use super::schema::{
    Allowed, FLAG, Key, SHARE, Section, TEXT, VENUE_KINDS, number, section, whole,
};
use serde::{Deserialize, Serialize};

/// Declares an intervention kind: a [`section!`] with `year` and `week` first.
macro_rules! intervention {
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        section! {
            $(#[$meta])*
            pub struct $name {
                /// Calendar year in which it takes effect.
                year: i32 [required] = 0;
                    whole(1900, 2100), "calendar year", "scenario choice";
                /// Week of that year (1 to 52) at whose start it takes effect.
                week: u32 = 1;
                    whole(1, super::WEEKS_PER_YEAR as i64), "week of the year", "scenario choice";
                $($body)*
            }
        }
    };
}

intervention! {
    /// Close `count` open venues of a kind (the least used first), optionally in one ward.
    pub struct Close {
        /// The kind of venue to close.
        venue_kind: VenueKind [required] = VenueKind::Library;
            Allowed::Choice(VENUE_KINDS), "-", "scenario choice";
        /// How many venues of that kind to close.
        count: u32 [required] = 1;
            whole(1, 100_000), "venues", "scenario choice";
        /// The ward to close them in; anywhere in the town when left out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ward: Option<String> = None;
            TEXT, "-", "scenario choice";
    }
}

intervention! {
    /// Real-terms cuts to the council's budget: `cut_per_year` at once and then at the start of
    /// each following year, `years` cuts in all, while the statutory share rises by
    /// `statutory_share_rise_per_year` with each cut. With `deprivation_weighted`, each cut is
    /// scaled by (`council.austerity_deprivation_base`, 0.5, + the town's mean ward deprivation):
    /// deprived councils lost most (NAO 2018).
    pub struct Austerity {
        /// How many yearly cuts.
        years: u32 [required] = 1;
            whole(1, 100), "years", "scenario choice";
        /// Each year's real-terms cut, as a share of the budget.
        cut_per_year: f64 [required] = 0.0;
            number(0.0, 0.5), "share per year", "scenario choice";
        /// How much the statutory share rises with each cut.
        statutory_share_rise_per_year: f64 = 0.0;
            number(0.0, 0.2), "share per year", "scenario choice";
        /// Whether each cut is scaled by (`council.austerity_deprivation_base` + the town's mean ward
        /// deprivation).
        deprivation_weighted: bool = false;
            FLAG, "-", "scenario choice";
    }
}

intervention! {
    /// Open `count` new venues of a kind in a ward, with the quality given, their running costs
    /// paid outside the council's venue budget for `funding_years` (then by the council).
    pub struct Invest {
        /// The kind of venue to open.
        venue_kind: VenueKind [required] = VenueKind::Library;
            Allowed::Choice(VENUE_KINDS), "-", "scenario choice";
        /// The ward to open them in.
        ward: String [required] = String::new();
            TEXT, "-", "scenario choice";
        /// How many venues to open.
        count: u32 = 1;
            whole(1, 100_000), "venues", "scenario choice";
        /// The new venues' quality.
        quality: f64 = 0.7;
            SHARE, "share", "scenario choice";
        /// Years the new venues' running costs are paid outside the council's venue budget.
        funding_years: u32 = 0;
            whole(0, 100), "years", "scenario choice";
    }
}

intervention! {
    /// Extra grants to community groups: `gbp_per_year` on top of the council's grants, for
    /// `years`.
    pub struct FundGroups {
        /// Extra grants a year, GBP.
        gbp_per_year: f64 [required] = 0.0;
            number(0.0, 1e9), "GBP per year", "scenario choice";
        /// For how many years.
        years: u32 [required] = 1;
            whole(1, 100), "years", "scenario choice";
    }
}

intervention! {
    /// Devolution, lever by lever: powers (what the council may decide), openness (whether it
    /// acts on residents' input), participatory budgeting (residents decide a share of the
    /// discretionary budget), fiscal autonomy (a share of the budget out of reach of central
    /// cuts), money (a devolved budget) and a community right to bid. Keys left out are
    /// unchanged; `big_bang = true` sets every one left out to its big-bang value
    /// (`council.big_bang_*`: by default powers 0.8, openness 0.7, +£1,000,000 a year,
    /// participatory budget 0.1, no fiscal autonomy, and a right to bid).
    pub struct Devolution {
        /// Whether every key left out takes its big-bang value.
        big_bang: bool = false;
            FLAG, "-", "scenario choice";
        /// Powers devolved to the town.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        powers: Option<f64> = None;
            SHARE, "share", "scenario choice";
        /// The council's openness to residents' input.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        openness: Option<f64> = None;
            SHARE, "share", "scenario choice";
        /// Devolved budget added to the council's discretionary budget, GBP a year.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        budget_gbp_per_year: Option<f64> = None;
            number(0.0, 1e10), "GBP per year", "scenario choice";
        /// Share of the discretionary budget decided by participatory budgeting.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        participatory_budget_share: Option<f64> = None;
            SHARE, "share", "scenario choice";
        /// Whether a community right to bid exists from then on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        right_to_bid: Option<bool> = None;
            FLAG, "-", "scenario choice";
        /// Share of the budget that later central cuts do not reach.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fiscal_autonomy: Option<f64> = None;
            SHARE, "share", "scenario choice";
    }
}

intervention! {
    /// A one-off citizens' assembly of `members` residents drawn by lot. Members take part that
    /// week; if `acted_on`, the council visibly acts on their recommendations, otherwise it
    /// does not.
    pub struct CitizensAssembly {
        /// Residents drawn by lot to sit on the assembly.
        members: u32 [required] = 1;
            whole(1, 1_000_000), "residents", "scenario choice";
        /// Whether the council visibly acts on the assembly's recommendations.
        acted_on: bool [required] = false;
            FLAG, "-", "scenario choice";
    }
}

intervention! {
    /// Venues shut for `weeks` weeks (every kind, or those listed), then reopen.
    pub struct Lockdown {
        /// Weeks the venues stay shut.
        weeks: u32 [required] = 1;
            whole(1, 520), "weeks", "scenario choice";
        /// The kinds of venue shut; every kind when left out.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        venue_kinds: Vec<VenueKind> = Vec::new();
            Allowed::Choices(VENUE_KINDS), "-", "scenario choice";
    }
}

intervention! {
    /// A change in pubs' running costs: `change` of 0.2 is 20% dearer.
    pub struct PubCosts {
        /// Change in pubs' weekly running costs (0.2 is 20% dearer).
        change: f64 [required] = 0.0;
            number(-0.9, 5.0), "share", "scenario choice";
    }
}

intervention! {
    /// A pit, factory or other large employer closes: `count` jobs go at once, their holders
    /// (employed residents drawn by lot, in `ward` if given) out of work, and the town has that
    /// many fewer jobs to find from then on.
    pub struct JobLoss {
        /// How many jobs are lost.
        count: u32 [required] = 1;
            whole(1, 10_000_000), "jobs", "scenario choice";
        /// The ward whose residents lose them; anywhere in the town when left out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ward: Option<String> = None;
            TEXT, "-", "scenario choice";
    }
}

intervention! {
    /// A change in what out-of-work residents receive, GBP a week (positive a rise, negative a
    /// cut), added to any change before it: the Universal Credit uplift of £20 a week from April
    /// 2020, removed in October 2021, is `gbp_per_week = 20` then `-20`.
    pub struct BenefitChange {
        /// Change in out-of-work income, GBP a week.
        gbp_per_week: f64 [required] = 0.0;
            number(-1000.0, 1000.0), "GBP per week", "scenario choice";
    }
}

/// Declares every kind of intervention once, `name => Type` (the name as files write it, the
/// type declared with [`intervention!`]), in the order tables and files list them: the
/// [`Intervention`] enum, [`KINDS`], [`KIND_NAMES`] and the per-kind dispatch all come from
/// this list, so a new kind is a struct above, one line here, and its effect in
/// `model/interventions.rs`.
macro_rules! kinds {
    ($($name:ident => $ty:ident),* $(,)?) => {
        /// A scheduled intervention, applied at the start of its week. Each changes the world
        /// only through the components and resources the mechanisms already read.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum Intervention {
            $($ty($ty),)*
        }

        /// Every kind, in the order the enum lists them.
        pub const KINDS: &[Kind] = &[$(Kind { name: stringify!($name), keys: $ty::KEYS },)*];

        /// The names of every kind, for the `kind` key.
        pub const KIND_NAMES: &[&str] = &[$(stringify!($name),)*];

        impl Intervention {
            /// The calendar year and week (1-based) the intervention takes effect.
            pub fn when(&self) -> (i32, u32) {
                match self {
                    $(Intervention::$ty(e) => (e.year, e.week),)*
                }
            }

            /// Checks every key against its row; on failure, the key's path below `prefix`.
            pub fn check(&self, prefix: &str) -> Result<(), (String, String)> {
                match self {
                    $(Intervention::$ty(e) => e.check(prefix),)*
                }
            }

            /// The kind as written in files.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Intervention::$ty(_) => stringify!($name),)*
                }
            }
        }

        /// An intervention of `kind` with every key at its default, as TOML (without `kind`);
        /// `None` for an unknown kind. Keys left out unless given are absent.
        pub fn defaults_table(kind: &str) -> Option<toml::Table> {
            match kind {
                $(stringify!($name) => toml::Table::try_from($ty::default()),)*
                _ => return None,
            }
            .ok()
        }
    };
}

kinds! {
    close => Close,
    austerity => Austerity,
    invest => Invest,
    fund_groups => FundGroups,
    devolution => Devolution,
    citizens_assembly => CitizensAssembly,
    lockdown => Lockdown,
    pub_costs => PubCosts,
    job_loss => JobLoss,
    benefit_change => BenefitChange,
}

/// One kind of intervention as files name it, with its keys.
pub struct Kind {
    pub name: &'static str,
    pub keys: &'static [Key],
}

/// The `kind` key every `[[events]]` table starts with.
pub const KIND_KEY: Key = Key {
    name: "kind",
    allowed: Allowed::Choice(KIND_NAMES),
    unit: "-",
    doc: "Which intervention: one of the kinds below, each with keys of its own.",
    source: "scenario choice",
    required: true,
};

impl Intervention {
    /// The ward the intervention names, if any.
    pub fn ward(&self) -> Option<&str> {
        match self {
            Intervention::Close(e) => e.ward.as_deref(),
            Intervention::Invest(e) => Some(&e.ward),
            Intervention::JobLoss(e) => e.ward.as_deref(),
            _ => None,
        }
    }
}

/// The default of `key` in an intervention of `kind`, as the parameter tables show it; `None`
/// for a key that is left out unless given.
pub fn default_of(kind: &str, key: &str) -> Option<String> {
    defaults_table(kind)?.get(key).map(|v| match v {
        toml::Value::Float(x) => super::schema::show(*x),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_back_under_the_name_files_give_it() {
        assert_eq!(KINDS.len(), KIND_NAMES.len());
        for (k, name) in KINDS.iter().zip(KIND_NAMES) {
            assert_eq!(k.name, *name);
            assert_eq!(k.keys[0].name, "year");
            assert_eq!(k.keys[1].name, "week");
            // The name in the list is the one serde reads and writes: an [[events]] table
            // with `kind = name` and the kind's defaults parses to that kind.
            let mut table = defaults_table(name).expect("every kind has defaults");
            table.insert("kind".into(), toml::Value::String((*name).into()));
            let e: Intervention = table.try_into().expect("the defaults of a kind parse");
            assert_eq!(e.kind(), *name);
            let written = toml::Table::try_from(&e).unwrap();
            assert_eq!(written["kind"].as_str(), Some(*name));
        }
        let e = Intervention::PubCosts(PubCosts {
            year: 2012,
            ..PubCosts::default()
        });
        assert_eq!(e.kind(), "pub_costs");
        assert_eq!(e.when(), (2012, 1));
    }
}
