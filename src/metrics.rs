//! The metrics: everything a run observes, each defined once — its name in files, what it
//! covers (a share or a mean over residents, for the town and each ward; or a town-level count),
//! its label and unit for charts, its meaning, whether it is a headline, and how it is computed.
//!
//! `metrics.csv`, the comparison's tables and charts, the report, the seminar page, sweep files
//! and the metric tables of the README and the ODD all read [`METRICS`]; the tables in the docs
//! are generated from it ([`markdown_table`]) and a test fails when they drift.
//!
//! Architecture invariant: a metric's computation reads one resident (or the town's counts) and
//! nothing else; sums over residents are taken in fixed point by `observe`, so they add up the
//! same in any order.

use crate::model::components::{
    Attitudes, Civic, Employment, Memberships, Politics, Recent, Resident, TrustState,
};
use crate::scenario::VenueKind;

/// What a metric covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The share of residents for whom something holds, in [0,1]; town and every ward.
    Share,
    /// The mean over residents of a value in [0,1]; town and every ward.
    Mean,
    /// A count or amount for the town (and, where `per_ward`, for each ward).
    Town,
}

/// One resident as the metrics see it.
pub struct ResidentView<'a> {
    pub resident: &'a Resident,
    pub trust: &'a TrustState,
    pub attitudes: &'a Attitudes,
    pub recent: &'a Recent,
    pub civic: &'a Civic,
    pub memberships: &'a Memberships,
    pub politics: &'a Politics,
    /// The current week (`Clock::now`).
    pub now: i32,
    /// The scenario's thresholds for "trusts most people", "belongs" and "can influence".
    pub trusting: f32,
    pub belongs: f32,
    pub influence: f32,
}

/// The town's counts and amounts in a week, for town-level metrics.
pub struct TownView {
    /// Open venues by kind, in `VenueKind::ALL` order.
    pub open_by_kind: [u32; 7],
    pub community_owned: u32,
    /// The council's discretionary budget this year, GBP.
    pub council_budget_gbp: f64,
    pub groups_active: u32,
    pub residents: u64,
    /// Ties held by all residents together.
    pub ties: u64,
}

/// How a metric is computed.
#[derive(Clone, Copy)]
pub enum Compute {
    /// Per resident: a value in [0,1] (1 or 0 for a share).
    Resident(fn(&ResidentView) -> f32),
    /// Per resident, a value in [0,1] and its weight: the town's (or ward's) figure is
    /// Σ value × weight / Σ weight (a share of votes: support weighted by the chance to vote).
    Weighted(fn(&ResidentView) -> f32, fn(&ResidentView) -> f32),
    /// For the town.
    Town(fn(&TownView) -> f64),
}

/// One metric.
#[derive(Clone, Copy)]
pub struct Metric {
    /// Its name in files (`share_belonging`).
    pub name: &'static str,
    pub scope: Scope,
    /// A label for charts and tables ("Belonging").
    pub label: &'static str,
    /// Its unit in words ("mean, 0–1", "share of residents", "venues").
    pub unit: &'static str,
    /// What it measures, in a sentence.
    pub meaning: &'static str,
    /// Reported in a comparison's effects, charts and report, in this order (1 first); 0 when
    /// not a headline.
    pub headline: u8,
    /// Also reported for each ward (every resident metric is; of the town metrics, venues open).
    pub per_ward: bool,
    pub compute: Compute,
}

impl Metric {
    /// How a difference is read per hundred: "percentage points" for a share (or an expected
    /// share) and "points of 100" for a mean on 0–1; `None` for counts and money.
    pub fn per_hundred(&self) -> Option<&'static str> {
        if self.unit.contains("share of") {
            Some("percentage points")
        } else if self.unit == MEAN {
            Some("points of 100")
        } else {
            None
        }
    }

    /// "town and wards" or "town".
    pub fn covers(&self) -> &'static str {
        if self.over_residents() || self.per_ward {
            "town and wards"
        } else {
            "town"
        }
    }

    /// Whether the metric is a share or mean over residents.
    pub fn over_residents(&self) -> bool {
        matches!(self.compute, Compute::Resident(_) | Compute::Weighted(..))
    }
}

const MEAN: &str = "mean, 0–1";
const SHARE: &str = "share of residents";

const fn flag(b: bool) -> f32 {
    if b { 1.0 } else { 0.0 }
}

/// Every metric, residents' first, in the order of every table.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "trust",
        scope: Scope::Mean,
        label: "Generalised trust",
        unit: MEAN,
        meaning: "mean trust in other people in town (0–1)",
        headline: 2,
        per_ward: true,
        compute: Compute::Resident(|r| r.trust.mean()),
    },
    Metric {
        name: "share_trusting",
        scope: Scope::Share,
        label: "Trusting most people",
        unit: SHARE,
        meaning: "share whose trust exceeds `trust.trusting_threshold` (\"most people can be trusted\")",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| flag(r.trust.mean() > r.trusting)),
    },
    Metric {
        name: "council_trust",
        scope: Scope::Mean,
        label: "Trust in the council",
        unit: MEAN,
        meaning: "mean trust that the council acts in residents' interest (0–1)",
        headline: 3,
        per_ward: true,
        compute: Compute::Resident(|r| r.attitudes.council_trust),
    },
    Metric {
        name: "belonging",
        scope: Scope::Mean,
        label: "Belonging",
        unit: MEAN,
        meaning: "mean sense of belonging to the neighbourhood (0–1)",
        headline: 1,
        per_ward: true,
        compute: Compute::Resident(|r| r.attitudes.belonging),
    },
    Metric {
        name: "efficacy_internal",
        scope: Scope::Mean,
        label: "Internal efficacy",
        unit: MEAN,
        meaning: "mean sense that one can make a difference (0–1)",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| r.attitudes.efficacy_internal),
    },
    Metric {
        name: "efficacy_external",
        scope: Scope::Mean,
        label: "External efficacy",
        unit: MEAN,
        meaning: "mean sense that the council listens (0–1)",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| r.attitudes.efficacy_external),
    },
    Metric {
        name: "agency",
        scope: Scope::Mean,
        label: "Agency",
        unit: MEAN,
        meaning: "mean of internal and external political efficacy (0–1)",
        headline: 4,
        per_ward: true,
        compute: Compute::Resident(|r| r.attitudes.agency()),
    },
    Metric {
        name: "share_belonging",
        scope: Scope::Share,
        label: "Belonging (share)",
        unit: SHARE,
        meaning: "share whose belonging exceeds `belonging.belonging_threshold` (\"belong strongly\")",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| flag(r.attitudes.belonging > r.belongs)),
    },
    Metric {
        name: "share_influence",
        scope: Scope::Share,
        label: "Able to influence decisions",
        unit: SHARE,
        meaning: "share whose agency exceeds `participation.influence_threshold` (\"can influence local decisions\")",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| flag(r.attitudes.agency() > r.influence)),
    },
    Metric {
        name: "neighbour_contact",
        scope: Scope::Share,
        label: "Neighbour contact",
        unit: SHARE,
        meaning: "share who met a local tie in the last four weeks",
        headline: 5,
        per_ward: true,
        compute: Compute::Resident(|r| flag(r.recent.total_local_ties_met() > 0)),
    },
    Metric {
        name: "participation",
        scope: Scope::Share,
        label: "Civic participation this week",
        unit: SHARE,
        meaning: "share who took part in civic life this week",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| flag(r.civic.participated)),
    },
    Metric {
        name: "participation_year",
        scope: Scope::Share,
        label: "Civic participation",
        unit: SHARE,
        meaning: "share who took part in civic life in the last year",
        headline: 7,
        per_ward: true,
        compute: Compute::Resident(|r| {
            flag(r.now - r.civic.last_participated < crate::scenario::WEEKS_PER_YEAR as i32)
        }),
    },
    Metric {
        name: "isolated",
        scope: Scope::Share,
        label: "Isolated",
        unit: SHARE,
        meaning: "share who met nobody in the last four weeks",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| flag(r.recent.total_encounters() == 0)),
    },
    Metric {
        name: "group_members",
        scope: Scope::Share,
        label: "Group membership",
        unit: SHARE,
        meaning: "share in at least one community group",
        headline: 6,
        per_ward: true,
        compute: Compute::Resident(|r| flag(r.memberships.len > 0)),
    },
    Metric {
        name: "turnout_local",
        scope: Scope::Mean,
        label: "Local-election turnout",
        unit: "expected share of residents",
        meaning: "expected share voting in a local election",
        headline: 9,
        per_ward: true,
        compute: Compute::Resident(|r| r.politics.vote_local),
    },
    Metric {
        name: "anti_system_support",
        scope: Scope::Mean,
        label: "Anti-system support",
        unit: "expected share of residents",
        meaning: "expected share backing an anti-system (radical-right) party",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| r.politics.anti_system),
    },
    Metric {
        name: "anti_system_vote",
        scope: Scope::Mean,
        label: "Anti-system vote share",
        unit: "expected share of votes",
        meaning: "expected anti-system share of local-election votes",
        headline: 10,
        per_ward: true,
        compute: Compute::Weighted(|r| r.politics.anti_system, |r| r.politics.vote_local),
    },
    Metric {
        name: "unemployment",
        scope: Scope::Share,
        label: "Unemployment",
        unit: "share of working-age residents",
        meaning: "share of working-age residents (employed or unemployed) out of work",
        headline: 0,
        per_ward: true,
        compute: Compute::Weighted(
            |r| flag(r.resident.employment == Employment::Unemployed),
            |r| {
                flag(matches!(
                    r.resident.employment,
                    Employment::Employed | Employment::Unemployed
                ))
            },
        ),
    },
    Metric {
        name: "mean_age",
        scope: Scope::Mean,
        label: "Mean age",
        unit: "years",
        meaning: "mean age of adult residents",
        headline: 0,
        per_ward: true,
        compute: Compute::Resident(|r| r.resident.age_years),
    },
    Metric {
        name: "venues_open",
        scope: Scope::Town,
        label: "Venues open",
        unit: "venues",
        meaning: "meeting places open in town",
        headline: 8,
        per_ward: true,
        compute: Compute::Town(|t| f64::from(t.open_by_kind.iter().sum::<u32>())),
    },
    Metric {
        name: "pubs_open",
        scope: Scope::Town,
        label: "Pubs",
        unit: "venues",
        meaning: "pubs open",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.open_by_kind[0])),
    },
    Metric {
        name: "open_library",
        scope: Scope::Town,
        label: "Libraries",
        unit: "venues",
        meaning: "libraries open",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.open_by_kind[1])),
    },
    Metric {
        name: "open_community_centre",
        scope: Scope::Town,
        label: "Community centres",
        unit: "venues",
        meaning: "community centres open",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.open_by_kind[2])),
    },
    Metric {
        name: "open_welfare_hall",
        scope: Scope::Town,
        label: "Welfare halls",
        unit: "venues",
        meaning: "miners' welfare halls open",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.open_by_kind[3])),
    },
    Metric {
        name: "open_park",
        scope: Scope::Town,
        label: "Parks",
        unit: "venues",
        meaning: "parks open",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.open_by_kind[4])),
    },
    Metric {
        name: "open_sports_club",
        scope: Scope::Town,
        label: "Sports clubs",
        unit: "venues",
        meaning: "sports clubs open",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.open_by_kind[5])),
    },
    Metric {
        name: "open_place_of_worship",
        scope: Scope::Town,
        label: "Places of worship",
        unit: "venues",
        meaning: "places of worship open",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.open_by_kind[6])),
    },
    Metric {
        name: "community_owned_venues",
        scope: Scope::Town,
        label: "Community-owned venues",
        unit: "venues",
        meaning: "venues open and run by a community group",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.community_owned)),
    },
    Metric {
        name: "council_budget",
        scope: Scope::Town,
        label: "Council budget",
        unit: "GBP per year",
        meaning: "the council's discretionary budget this year, to the pound",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| t.council_budget_gbp.round()),
    },
    Metric {
        name: "groups_active",
        scope: Scope::Town,
        label: "Community groups",
        unit: "groups",
        meaning: "community groups still meeting",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| f64::from(t.groups_active)),
    },
    Metric {
        name: "residents",
        scope: Scope::Town,
        label: "Residents",
        unit: "adults",
        meaning: "adult residents living in the town (fewer than its homes while some stand empty)",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| t.residents as f64),
    },
    Metric {
        name: "mean_ties",
        scope: Scope::Town,
        label: "Ties per resident",
        unit: "ties",
        meaning: "mean number of social ties a resident holds (to six decimals)",
        headline: 0,
        per_ward: false,
        compute: Compute::Town(|t| (t.ties as f64 / t.residents.max(1) as f64 * 1e6).round() / 1e6),
    },
];

/// The metric called `name`.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// The metric called `name`, for a name written in the code (a chart's or the seminar page's
/// choice of metrics, each checked against this table by a test); panics if there is none.
pub fn named(name: &str) -> &'static Metric {
    metric(name).unwrap_or_else(|| panic!("`{name}` is not a metric"))
}

/// The headline metrics, in their order.
pub fn headline() -> impl Iterator<Item = &'static Metric> {
    let mut chosen: Vec<&'static Metric> = METRICS.iter().filter(|m| m.headline > 0).collect();
    chosen.sort_by_key(|m| m.headline);
    chosen.into_iter()
}

/// Every metric's name, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    METRICS.iter().map(|m| m.name)
}

/// The metric that counts open venues of `kind`.
pub fn open_metric(kind: VenueKind) -> &'static str {
    const NAMES: [&str; 7] = [
        "pubs_open",
        "open_library",
        "open_community_centre",
        "open_welfare_hall",
        "open_park",
        "open_sports_club",
        "open_place_of_worship",
    ];
    NAMES[kind.index()]
}

/// The metric table in Markdown: name, meaning, unit, what it covers, headline.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| metric | meaning | unit | reported for | headline |\n| --- | --- | --- | --- | --- |\n",
    );
    for m in METRICS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.name,
            m.meaning,
            m.unit,
            m.covers(),
            if m.headline > 0 { "yes" } else { "" }
        ));
    }
    out
}

/// The metrics as aligned plain text, for `cohesion metrics`.
pub fn plain_table() -> String {
    let width = METRICS.iter().map(|m| m.name.len()).max().unwrap_or(6);
    let mut out = format!(
        "{:<width$}  {:<18}  {:<14}  {:<8}  meaning\n",
        "metric", "unit", "reported for", "headline"
    );
    for m in METRICS {
        out.push_str(&format!(
            "{:<width$}  {:<18}  {:<14}  {:<8}  {}\n",
            m.name,
            m.unit,
            m.covers(),
            if m.headline > 0 { "yes" } else { "" },
            m.meaning.replace('`', "")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_residents_come_first() {
        let ranks: Vec<u8> = headline().map(|m| m.headline).collect();
        assert_eq!(ranks, (1..=ranks.len() as u8).collect::<Vec<_>>());
        let mut names: Vec<&str> = names().collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a metric is named twice");
        let first_town = METRICS.iter().position(|m| !m.over_residents()).unwrap();
        assert!(METRICS[first_town..].iter().all(|m| !m.over_residents()));
        for kind in VenueKind::ALL {
            assert!(metric(open_metric(kind)).is_some(), "{kind:?}");
        }
        for m in METRICS {
            assert_eq!(
                m.over_residents(),
                m.scope != Scope::Town,
                "{}: its scope and computation disagree",
                m.name
            );
        }
    }
}
