//! The scenario: every parameter of a run, by name, in the domain's words.
//!
//! A scenario file is TOML. Any subset of parameters may be given; the rest take the defaults
//! of the built-in `baseline` town. Every key is declared once, with its default, allowed
//! values, unit, meaning and source (`sections.rs`, `interventions.rs`, through
//! `schema::section!`). A file's keys and types are checked against those rows before it is
//! read (`document.rs`), every value against its allowed range after (`params::validate`), and
//! interventions against the town (their venue kinds, wards and years must exist).
//!
//! Architecture invariant: this module does no simulation and knows nothing of bevy. It turns
//! text into a validated [`Scenario`] or into a [`ScenarioError`] that names file, line and key.

mod builtin;
pub mod changes;
mod document;
mod error;
pub mod interventions;
pub mod names;
pub mod params;
pub mod path;
pub mod schema;
mod sections;

pub use builtin::{BUILTINS, Builtin, builtin};
pub use error::ScenarioError;
pub use interventions::Intervention;
pub use sections::*;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The kinds of meeting place in the town. The order is the order of every per-kind table and
/// chart; new kinds are added at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    Pub,
    Library,
    CommunityCentre,
    WelfareHall,
    Park,
    SportsClub,
    PlaceOfWorship,
}

impl VenueKind {
    /// Every kind, in table order.
    pub const ALL: [VenueKind; 7] = [
        VenueKind::Pub,
        VenueKind::Library,
        VenueKind::CommunityCentre,
        VenueKind::WelfareHall,
        VenueKind::Park,
        VenueKind::SportsClub,
        VenueKind::PlaceOfWorship,
    ];

    /// The snake_case name used in files (`community_centre`).
    pub fn name(self) -> &'static str {
        match self {
            VenueKind::Pub => "pub",
            VenueKind::Library => "library",
            VenueKind::CommunityCentre => "community_centre",
            VenueKind::WelfareHall => "welfare_hall",
            VenueKind::Park => "park",
            VenueKind::SportsClub => "sports_club",
            VenueKind::PlaceOfWorship => "place_of_worship",
        }
    }

    /// A label for charts ("Community centres").
    pub fn label(self) -> &'static str {
        match self {
            VenueKind::Pub => "Pubs",
            VenueKind::Library => "Libraries",
            VenueKind::CommunityCentre => "Community centres",
            VenueKind::WelfareHall => "Welfare halls",
            VenueKind::Park => "Parks",
            VenueKind::SportsClub => "Sports clubs",
            VenueKind::PlaceOfWorship => "Places of worship",
        }
    }

    /// Position in [`VenueKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Who owns and pays for a venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// A business: it must cover its running costs from takings.
    Private,
    /// The council: it runs while the council's venue budget covers it.
    Council,
    /// A community group or trust: it runs on volunteers and small grants.
    Community,
}

/// Where venues of a kind are put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Spread over wards in proportion to their housing.
    Spread,
    /// In the first ward listed (the town centre), then the next.
    Centre,
    /// In the most deprived wards first.
    Deprived,
}

/// Declares [`Scenario`]: its own keys, the sections every town has (time, town, residents,
/// venues), then one line per mechanism's section, `key: Type` (a type declared with
/// `section!`), in file order, and the interventions. A mechanism's new section is one line
/// here: the field, its default, its range check (`params::validate`) and its rows in the
/// parameter table (`schema::rows`) all come from it.
macro_rules! scenario {
    ($($key:ident : $section:ident),* $(,)?) => {
        /// A whole run's parameters.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct Scenario {
            /// Short name, used for output directories and labels.
            pub name: String,
            /// What the scenario represents, in plain English, and the sources of its numbers.
            pub description: String,
            pub time: Time,
            pub town: Town,
            pub residents: Residents,
            pub venues: Venues,
            $(pub $key: $section,)*
            /// Scheduled interventions, applied at the start of their week.
            pub events: Vec<Intervention>,
        }

        impl Default for Scenario {
            fn default() -> Self {
                Scenario {
                    name: "custom".into(),
                    description: String::new(),
                    time: Time::default(),
                    town: Town::default(),
                    residents: Residents::default(),
                    venues: Venues::default(),
                    $($key: $section::default(),)*
                    events: Vec::new(),
                }
            }
        }

        impl Scenario {
            /// The mechanisms' sections, in file order: each one's key and rows.
            pub(crate) fn mechanism_sections() -> Vec<(&'static str, &'static [schema::Key])> {
                vec![$((stringify!($key), <$section as schema::Section>::KEYS),)*]
            }

            /// Checks every field of the mechanisms' sections against its row.
            pub(crate) fn check_mechanism_sections(&self) -> Result<(), (String, String)> {
                $(schema::Section::check(&self.$key, stringify!($key))?;)*
                Ok(())
            }
        }
    };
}

scenario! {
    outings: OutingParams,
    encounters: Encounters,
    trust: Trust,
    belonging: Belonging,
    participation: Participation,
    council: Council,
    economy: Economy,
    jobs: JobsParams,
    groups: Groups,
    turnover: Turnover,
    politics: PoliticsParams,
}

impl Scenario {
    /// The scenario's own keys (its sections have rows of their own).
    pub const KEYS: &'static [schema::Key] = &[
        schema::Key {
            name: "name",
            allowed: schema::TEXT,
            unit: "-",
            doc: "Short name, used for output directories and labels.",
            source: "scenario choice",
            required: false,
        },
        schema::Key {
            name: "description",
            allowed: schema::TEXT,
            unit: "-",
            doc: "What the scenario represents, in plain English, and the sources of its numbers.",
            source: "scenario choice",
            required: false,
        },
    ];
}

/// Every kind of venue, by name. In a file, each kind's table may give any subset of its keys;
/// the rest keep that kind's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "VenuesFile")]
pub struct Venues {
    #[serde(rename = "pub")]
    pub pubs: VenueSpec,
    pub library: VenueSpec,
    pub community_centre: VenueSpec,
    pub welfare_hall: VenueSpec,
    pub park: VenueSpec,
    pub sports_club: VenueSpec,
    pub place_of_worship: VenueSpec,
}

/// The `[venues]` table as written in a file: for any kind, any subset of its keys.
#[derive(Deserialize)]
#[serde(transparent)]
struct VenuesFile(std::collections::BTreeMap<String, toml::Table>);

impl TryFrom<VenuesFile> for Venues {
    type Error = String;

    /// Each kind's keys laid over that kind's defaults.
    fn try_from(file: VenuesFile) -> Result<Venues, String> {
        let mut venues = Venues::default();
        for (name, given) in file.0 {
            let kind = VenueKind::ALL
                .into_iter()
                .find(|k| k.name() == name)
                .ok_or_else(|| {
                    format!(
                        "unknown venue kind `{name}`: allowed {}",
                        schema::VENUE_KINDS.join(", ")
                    )
                })?;
            let spec = venues.spec_mut(kind);
            let mut table = toml::Table::try_from(&*spec).map_err(|e| e.to_string())?;
            table.extend(given);
            *spec = table
                .try_into()
                .map_err(|e: toml::de::Error| e.to_string())?;
        }
        Ok(venues)
    }
}

impl Venues {
    /// The spec of one kind.
    pub fn spec(&self, kind: VenueKind) -> &VenueSpec {
        match kind {
            VenueKind::Pub => &self.pubs,
            VenueKind::Library => &self.library,
            VenueKind::CommunityCentre => &self.community_centre,
            VenueKind::WelfareHall => &self.welfare_hall,
            VenueKind::Park => &self.park,
            VenueKind::SportsClub => &self.sports_club,
            VenueKind::PlaceOfWorship => &self.place_of_worship,
        }
    }

    /// The settings of one kind, to change.
    pub fn spec_mut(&mut self, kind: VenueKind) -> &mut VenueSpec {
        match kind {
            VenueKind::Pub => &mut self.pubs,
            VenueKind::Library => &mut self.library,
            VenueKind::CommunityCentre => &mut self.community_centre,
            VenueKind::WelfareHall => &mut self.welfare_hall,
            VenueKind::Park => &mut self.park,
            VenueKind::SportsClub => &mut self.sports_club,
            VenueKind::PlaceOfWorship => &mut self.place_of_worship,
        }
    }
}

/// Towns per row of the square grid that `n` copies of the town are laid out on.
fn copies_side(n: u32) -> u32 {
    (1..=n).find(|s| s * s >= n).unwrap_or(n)
}

/// Distance between the centres of neighbouring copies of the town (`town.copies`), km.
pub const COPY_SPACING_KM: f64 = 8.0;

/// Weeks in a simulated year.
pub const WEEKS_PER_YEAR: u32 = 52;

impl Scenario {
    /// Parses and validates a scenario from TOML text. `origin` names the text in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        document::check(text, origin)?;
        let scenario: Scenario =
            toml::from_str(text).map_err(|e| ScenarioError::from_toml(e, text, origin))?;
        scenario.settle(Some(text), origin)
    }

    /// A scenario from a table whose keys and value types are known to be right: a resolved
    /// scenario's table with values set in it that were checked already, as a sweep's design
    /// points are (every level of every axis is checked on its own first). It skips the walk
    /// of `from_toml` that names a wrong key or type at its line, and the round trip through
    /// text, which dominate resolving a design of thousands of points; the values are
    /// validated as always.
    pub fn from_checked_table(table: toml::Table, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ScenarioError::plain(origin, e.message().to_string()))?;
        scenario.settle(None, origin)
    }

    /// Validates a scenario just read, then scales its counts and lays out its copies where it
    /// asks for them. `text` is the file it was read from, when there is one.
    fn settle(mut self, text: Option<&str>, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario = &mut self;
        scenario.validate(text, origin)?;
        if scenario.town.counts_for_residents > 0 {
            let written_for = scenario.town.counts_for_residents;
            scenario.scale_counts();
            scenario.validate(None, origin).map_err(|e| {
                ScenarioError::at_key(
                    origin,
                    text,
                    "town.counts_for_residents",
                    format!(
                        "counts written for {written_for} residents, scaled to {}, give a town \
                         that cannot be run: `{}` {}",
                        scenario.town.residents,
                        e.key.as_deref().unwrap_or("venues"),
                        e.message
                    ),
                )
            })?;
        }
        if scenario.town.copies > 1 {
            scenario
                .copies_fit()
                .map_err(|m| ScenarioError::at_key(origin, text, "town.copies", m))?;
            scenario.expand_copies();
            scenario.validate(text, origin)?;
        }
        Ok(self)
    }

    /// Scales the venue counts and the group count from the residents they are written for
    /// (`town.counts_for_residents`, per copy of the town) to the town's residents: each count
    /// × residents / (counts_for_residents × copies), rounded half up, and at least 1 where it
    /// was at least 1. The council's yearly budget and big-bang budget are scaled by the ratio
    /// of its venues' weekly running costs after and before, so that its venue budget covers
    /// the same share of their costs as in the town the counts were written for (by the
    /// residents' ratio when the council runs no venues). Afterwards `counts_for_residents` is
    /// the town's residents: the counts are now written for the town as it is, so the result
    /// reads back as itself, and a later change of `town.residents` (by `--set`, a sweep axis
    /// or a calibration) scales them again from there when the scenario is read back. Does
    /// nothing when it is 0.
    pub fn scale_counts(&mut self) {
        let written_for = u64::from(self.town.counts_for_residents) * u64::from(self.town.copies);
        if written_for == 0 {
            return;
        }
        let residents = u64::from(self.town.residents);
        let council_cost = |s: &Scenario| -> f64 {
            VenueKind::ALL
                .iter()
                .map(|k| s.venues.spec(*k))
                .filter(|v| v.owner == Owner::Council)
                .map(|v| f64::from(v.count) * v.weekly_cost_gbp)
                .sum()
        };
        let cost_before = council_cost(self);
        for kind in VenueKind::ALL {
            let spec = self.venues.spec_mut(kind);
            spec.count = scaled_count(spec.count, residents, written_for);
        }
        self.groups.count = scaled_count(self.groups.count, residents, written_for);
        let cost_after = council_cost(self);
        let budget_factor = if cost_before > 0.0 {
            cost_after / cost_before
        } else {
            residents as f64 / written_for as f64
        };
        self.council.yearly_budget_gbp *= budget_factor;
        self.council.big_bang_budget_gbp *= budget_factor;
        self.town.counts_for_residents = self.town.residents;
    }

    /// Whether `town.copies` copies of the wards fit the limits on wards and on where a ward
    /// may lie, and if not, why.
    fn copies_fit(&self) -> Result<(), String> {
        let n = self.town.copies.max(1);
        let wards = self.town.wards.len() as u64 * u64::from(n);
        if wards > 1000 {
            return Err(format!(
                "{n} copies of {} wards make {wards} wards; a town may have at most 1000",
                self.town.wards.len()
            ));
        }
        let side = copies_side(n);
        let reach = f64::from(side - 1) * COPY_SPACING_KM
            + self
                .town
                .wards
                .iter()
                .flat_map(|w| w.centre_km)
                .fold(0.0, |m: f64, c| m.max(c));
        if reach > 100.0 {
            return Err(format!(
                "{n} copies on a grid {side} towns wide put ward centres {reach:.1} km from the \
                 origin; centres must lie within 100 km, so use fewer copies"
            ));
        }
        Ok(())
    }

    /// Lays the town out `town.copies` times, side by side on a square grid with
    /// [`COPY_SPACING_KM`] between town centres: copy c's wards are named with a suffix
    /// (`Pithead 2`), share the housing equally between copies, and keep their deprivation;
    /// venue counts and the group count are multiplied by the copies. Events keep pointing at
    /// the first copy's wards. Afterwards `copies` is 1, so the result is its own resolved form.
    pub fn expand_copies(&mut self) {
        let n = self.town.copies.max(1);
        if n == 1 {
            return;
        }
        let side = copies_side(n);
        let one = std::mem::take(&mut self.town.wards);
        for c in 0..n {
            let offset = [
                f64::from(c % side) * COPY_SPACING_KM,
                f64::from(c / side) * COPY_SPACING_KM,
            ];
            for w in &one {
                self.town.wards.push(Ward {
                    name: if c == 0 {
                        w.name.clone()
                    } else {
                        format!("{} {}", w.name, c + 1)
                    },
                    deprivation: w.deprivation,
                    housing_share: w.housing_share / f64::from(n),
                    centre_km: [w.centre_km[0] + offset[0], w.centre_km[1] + offset[1]],
                    radius_km: w.radius_km,
                });
            }
        }
        for kind in VenueKind::ALL {
            let spec = self.venues.spec_mut(kind);
            spec.count = spec.count.saturating_mul(n);
        }
        self.groups.count = self.groups.count.saturating_mul(n);
        self.town.copies = 1;
    }

    /// Loads a scenario by built-in name or file path. A built-in name wins over a file of the
    /// same name only when no such file exists.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        let path = Path::new(name_or_path);
        if path.exists() {
            let text = crate::limits::read_text(path)
                .map_err(|m| ScenarioError::plain(name_or_path, m))?;
            return Scenario::from_toml(&text, name_or_path);
        }
        if let Some(b) = builtin(name_or_path) {
            return Scenario::from_toml(b.toml, &format!("built-in scenario `{}`", b.name));
        }
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        Err(ScenarioError::plain(
            name_or_path,
            format!(
                "no such file, and no built-in scenario of that name (built-ins: {})",
                names.join(", ")
            ),
        ))
    }

    /// Checks ranges and cross-references. `text` (the source, when there is one) lets errors
    /// name a line.
    pub fn validate(&self, text: Option<&str>, origin: &str) -> Result<(), ScenarioError> {
        names::check(self)
            .and_then(|()| params::validate(self))
            .map_err(|(key, message)| ScenarioError::at_key(origin, text, &key, message))
    }

    /// The fully resolved scenario as TOML: every parameter, defaults filled in.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a scenario always serialises to TOML")
    }

    /// SHA-256 of the resolved TOML, hex: the scenario's identity in manifests.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.to_toml().as_bytes()))
    }

    /// Number of weekly ticks in the run.
    pub fn ticks(&self) -> u32 {
        self.time.years * WEEKS_PER_YEAR
    }

    /// The interventions inside the horizon, each with its tick, in the order a run applies
    /// them: by tick, ties in file order.
    pub fn scheduled(&self) -> Vec<(u32, &Intervention)> {
        let mut list: Vec<(u32, &Intervention)> = self
            .events
            .iter()
            .filter_map(|e| {
                let (year, week) = e.when();
                self.tick_of(year, week).map(|t| (t, e))
            })
            .collect();
        list.sort_by_key(|(t, _)| *t);
        list
    }

    /// The tick at which a (year, week) falls, if inside the horizon.
    pub fn tick_of(&self, year: i32, week: u32) -> Option<u32> {
        let years_in = year.checked_sub(self.time.start_year)?;
        if years_in < 0 || years_in as u32 >= self.time.years || week == 0 || week > WEEKS_PER_YEAR
        {
            return None;
        }
        Some(years_in as u32 * WEEKS_PER_YEAR + week - 1)
    }
}

/// `count` written for `written_for` residents, for a town of `residents`: rounded half up,
/// at least 1 where `count` is at least 1, and at most `u32::MAX`. Whole-number arithmetic, so
/// the same on every machine.
pub fn scaled_count(count: u32, residents: u64, written_for: u64) -> u32 {
    if count == 0 || written_for == 0 {
        return count;
    }
    let twice = 2 * u128::from(count) * u128::from(residents) + u128::from(written_for);
    let scaled = twice / (2 * u128::from(written_for));
    scaled.clamp(1, u128::from(u32::MAX)) as u32
}

/// Lower-case hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Default for Venues {
    fn default() -> Self {
        let spec = |count,
                    owner,
                    placement,
                    capacity,
                    quality,
                    weekly_cost_gbp,
                    visit_cost_gbp,
                    preference| VenueSpec {
            count,
            owner,
            placement,
            capacity,
            quality,
            quality_spread: 0.15,
            weekly_cost_gbp,
            visit_cost_gbp,
            preference,
        };
        use Owner::*;
        use Placement::*;
        Venues {
            pubs: spec(14, Private, Spread, 90, 0.55, 2800.0, 12.0, 0.9),
            library: spec(1, Council, Centre, 80, 0.60, 4500.0, 0.0, -0.4),
            community_centre: spec(2, Council, Deprived, 120, 0.50, 2500.0, 0.0, -0.3),
            welfare_hall: spec(1, Community, Deprived, 200, 0.50, 1500.0, 4.0, 0.0),
            park: spec(3, Council, Spread, 400, 0.60, 1200.0, 0.0, 0.3),
            sports_club: spec(4, Community, Spread, 120, 0.55, 1000.0, 3.0, -0.1),
            place_of_worship: spec(3, Community, Spread, 150, 0.55, 600.0, 0.0, -0.6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_file_is_the_default_town() {
        let b = Scenario::load("baseline").unwrap();
        let d = Scenario {
            name: b.name.clone(),
            description: b.description.clone(),
            ..Scenario::default()
        };
        assert_eq!(
            b, d,
            "scenarios/baseline.toml and the code defaults disagree"
        );
    }

    #[test]
    fn a_partial_file_takes_defaults_for_the_rest() {
        let s = Scenario::from_toml("[town]\nresidents = 500\n", "t.toml").unwrap();
        assert_eq!(s.town.residents, 500);
        assert_eq!(s.town.wards, Town::default().wards);
        assert_eq!(s.council, Council::default());
    }

    #[test]
    fn a_venue_kind_can_be_changed_key_by_key() {
        let s = Scenario::from_toml("[venues.pub]\nweekly_cost_gbp = 3200.0\n", "t.toml").unwrap();
        assert_eq!(s.venues.pubs.weekly_cost_gbp, 3200.0);
        assert_eq!(s.venues.pubs.count, Venues::default().pubs.count);
        assert_eq!(s.venues.library, Venues::default().library);
        let err = Scenario::from_toml("[venues.pub]\nweekly_cost = 1.0\n", "t.toml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("unknown key `weekly_cost`"), "{err}");
        assert!(
            err.message.contains("did you mean `weekly_cost_gbp`"),
            "{err}"
        );
    }

    #[test]
    fn resolved_toml_round_trips() {
        let s = Scenario::default();
        let back = Scenario::from_toml(&s.to_toml(), "round trip").unwrap();
        assert_eq!(s, back);
        assert_eq!(s.hash(), back.hash());
    }

    #[test]
    fn counts_scale_with_residents_rounded_and_never_to_nothing() {
        assert_eq!(scaled_count(14, 3_000, 12_000), 4, "3.5 rounds up");
        assert_eq!(scaled_count(14, 12_000, 12_000), 14);
        assert_eq!(scaled_count(14, 24_000, 12_000), 28);
        assert_eq!(scaled_count(20, 3_000, 12_000), 5);
        assert_eq!(
            scaled_count(1, 3_000, 12_000),
            1,
            "a kind present stays present"
        );
        assert_eq!(scaled_count(3, 1_000, 12_000), 1, "0.25 is kept at 1");
        assert_eq!(
            scaled_count(0, 50_000, 12_000),
            0,
            "a kind absent stays absent"
        );
        assert_eq!(scaled_count(2, 9_000, 12_000), 2, "1.5 rounds up");
        assert_eq!(scaled_count(u32::MAX, 2_000_000, 50), u32::MAX);
    }

    #[test]
    fn a_scaled_town_is_resolved_and_the_council_pays_for_its_venues() {
        let text = "[town]\nresidents = 3000\ncounts_for_residents = 12000\n";
        let s = Scenario::from_toml(text, "t.toml").unwrap();
        let d = Scenario::default();
        assert_eq!(s.venues.pubs.count, 4);
        assert_eq!(s.venues.library.count, 1);
        assert_eq!(s.venues.sports_club.count, 1);
        assert_eq!(s.groups.count, 5);
        assert_eq!(
            s.town.counts_for_residents, 3000,
            "now written for the town as it is"
        );
        // Council venues: library 1 × 4500 + centres 1 × 2500 + parks 1 × 1200, against
        // 1 × 4500 + 2 × 2500 + 3 × 1200 before.
        let factor = (4500.0 + 2500.0 + 1200.0) / (4500.0 + 5000.0 + 3600.0);
        let budget = d.council.yearly_budget_gbp * factor;
        assert!((s.council.yearly_budget_gbp - budget).abs() < 1e-6);
        assert!(s.to_toml().contains("counts_for_residents = 3000"));
        assert_eq!(Scenario::from_toml(&s.to_toml(), "back").unwrap(), s);

        // A later change of the residents, as `--set` or a sweep axis makes it, scales again.
        let quarter = s
            .to_toml()
            .replace("\nresidents = 3000\n", "\nresidents = 750\n");
        assert_ne!(quarter, s.to_toml());
        let q = Scenario::from_toml(&quarter, "set").unwrap();
        assert_eq!((q.venues.pubs.count, q.groups.count), (1, 1));
        assert_eq!(q.town.counts_for_residents, 750);
        let back = s
            .to_toml()
            .replace("\nresidents = 3000\n", "\nresidents = 12000\n");
        let b = Scenario::from_toml(&back, "set").unwrap();
        // It scales the counts as they stand: 4 pubs (3.5 rounded up) for 3,000 give 16, not
        // the 14 first written for 12,000.
        assert_eq!((b.venues.pubs.count, b.groups.count), (16, 20));

        let same = "[town]\ncounts_for_residents = 12000\n";
        let mut unscaled = Scenario::from_toml(same, "t.toml").unwrap();
        unscaled.name = d.name.clone();
        assert_eq!(unscaled.town.counts_for_residents, 12_000);
        unscaled.town.counts_for_residents = 0;
        assert_eq!(
            unscaled, d,
            "counts written for the town's own residents stay as written"
        );
    }

    #[test]
    fn a_scaling_that_overflows_the_town_names_the_key() {
        let text = "[town]\nresidents = 2000000\ncounts_for_residents = 50\n";
        let e = Scenario::from_toml(text, "t.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("town.counts_for_residents"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("written for 50 residents"), "{e}");
    }

    #[test]
    fn ticks_and_calendar() {
        let s = Scenario::default();
        assert_eq!(s.ticks(), 780);
        assert_eq!(s.tick_of(2010, 1), Some(0));
        assert_eq!(s.tick_of(2011, 2), Some(53));
        assert_eq!(s.tick_of(2025, 1), None);
        assert_eq!(s.tick_of(2009, 52), None);
    }
}
