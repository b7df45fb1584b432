//! The scenario: every parameter of a run, by name, in the domain's words.
//!
//! A scenario file is TOML. Any subset of parameters may be given; the rest take the defaults
//! of the built-in `baseline` town. Unknown keys are rejected, every number is checked against
//! its allowed range (see [`params::PARAMS`], which also gives each parameter's unit), and events
//! are checked against the town (their venue kinds, wards and years must exist).
//!
//! Architecture invariant: this module does no simulation and knows nothing of bevy. It turns
//! text into a validated [`Scenario`] or into a [`ScenarioError`] that names file, line and key.

mod builtin;
mod error;
pub mod names;
pub mod params;

pub use builtin::{BUILTINS, Builtin, builtin};
pub use error::ScenarioError;

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
    pub outings: Outings,
    pub encounters: Encounters,
    pub trust: Trust,
    pub belonging: Belonging,
    pub participation: Participation,
    pub council: Council,
    pub economy: Economy,
    pub groups: Groups,
    pub turnover: Turnover,
    /// Scheduled interventions, applied at the start of their week.
    pub events: Vec<Event>,
}

/// The calendar of a run: one tick is one week.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Time {
    /// Calendar year of the first tick.
    pub start_year: i32,
    /// Number of simulated years (52 weeks each).
    pub years: u32,
    /// Weeks simulated before the start year to let ties, trust and belonging settle. Nothing
    /// closes and nothing is recorded during the warm-up.
    pub warmup_weeks: u32,
}

/// The town's size and its wards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Town {
    /// Adult residents (16+). Kept constant: each leaver is replaced by a newcomer.
    pub residents: u32,
    /// The wards, the first being the town centre.
    pub wards: Vec<Ward>,
    /// The town laid out this many times side by side, as a coalfield of pit towns: its wards,
    /// venue counts and group count are repeated (`residents` is the region's total). Expanded
    /// when the scenario is read, so a resolved scenario lists every ward and leaves it out.
    #[serde(skip_serializing_if = "is_one")]
    pub copies: u32,
}

/// One ward: a neighbourhood with a centre, a size and a level of deprivation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ward {
    pub name: String,
    /// Index of multiple deprivation rescaled to [0,1]; 1 is the most deprived.
    pub deprivation: f64,
    /// Share of the town's homes in this ward; the shares must add up to 1.
    pub housing_share: f64,
    /// Centre of the ward, km east and north of the town's origin.
    pub centre_km: [f64; 2],
    /// Homes lie within this distance of the centre, km.
    pub radius_km: f64,
}

/// Resident attributes at creation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Residents {
    pub age_min_years: f64,
    pub age_max_years: f64,
    /// Share of men and women over 50 who worked in the pits (set by the pit closures of the
    /// 1980s–90s).
    pub former_miner_share_over_50: f64,
    /// Share of working-age residents without work, before ward deprivation is applied.
    pub unemployment_rate: f64,
    /// How much ward deprivation raises unemployment: rate × (1 + this × deprivation).
    pub unemployment_deprivation_gradient: f64,
    /// Mean outings per week to any meeting place.
    pub outings_per_week: f64,
    /// Spread of sociability between people (coefficient of variation).
    pub sociability_spread: f64,
    /// Identity features for homophily (Axelrod's F).
    pub identity_features: u32,
    /// Traits per feature (Axelrod's q).
    pub identity_traits: u32,
    /// Mean trustworthiness: the chance that someone treats a stranger well.
    pub trustworthiness_mean: f64,
    /// Spread of trustworthiness (standard deviation).
    pub trustworthiness_spread: f64,
    /// How much deprivation lowers trustworthiness as others experience it (stress, insecurity).
    pub trustworthiness_deprivation_gradient: f64,
    /// Mean number of social ties at the start.
    pub initial_ties: f64,
    /// Share of initial ties formed within one's own ward.
    pub local_tie_share: f64,
    /// Most ties a resident keeps; the weakest is dropped for a new one.
    pub max_ties: u32,
    /// Spread of residents' own liking for each kind of venue around the kind's `preference`
    /// (standard deviation of a logit offset).
    pub preference_spread: f64,
}

/// One kind of venue: how many, how big, how good, what it costs and how attractive it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueSpec {
    pub count: u32,
    pub owner: Owner,
    pub placement: Placement,
    /// People it can hold in a week's busy hour.
    pub capacity: u32,
    /// Mean quality in [0,1] (state of the building, what is on offer).
    pub quality: f64,
    /// Spread of quality between venues of this kind.
    pub quality_spread: f64,
    /// Running cost per week, GBP.
    pub weekly_cost_gbp: f64,
    /// What a visit costs the visitor, GBP (drinks at the pub; nothing at the library).
    pub visit_cost_gbp: f64,
    /// Log-attractiveness of the kind in venue choice, before quality, friends and distance.
    pub preference: f64,
}

/// Every kind of venue, by name. In a file, each kind's table may give any subset of its keys;
/// the rest keep that kind's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "VenuesFile")]
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

/// A venue kind's table as written in a file: any subset of keys.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct VenueSpecFile {
    count: Option<u32>,
    owner: Option<Owner>,
    placement: Option<Placement>,
    capacity: Option<u32>,
    quality: Option<f64>,
    quality_spread: Option<f64>,
    weekly_cost_gbp: Option<f64>,
    visit_cost_gbp: Option<f64>,
    preference: Option<f64>,
}

impl VenueSpecFile {
    fn over(self, d: VenueSpec) -> VenueSpec {
        VenueSpec {
            count: self.count.unwrap_or(d.count),
            owner: self.owner.unwrap_or(d.owner),
            placement: self.placement.unwrap_or(d.placement),
            capacity: self.capacity.unwrap_or(d.capacity),
            quality: self.quality.unwrap_or(d.quality),
            quality_spread: self.quality_spread.unwrap_or(d.quality_spread),
            weekly_cost_gbp: self.weekly_cost_gbp.unwrap_or(d.weekly_cost_gbp),
            visit_cost_gbp: self.visit_cost_gbp.unwrap_or(d.visit_cost_gbp),
            preference: self.preference.unwrap_or(d.preference),
        }
    }
}

/// The `[venues]` table as written in a file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct VenuesFile {
    #[serde(rename = "pub")]
    pubs: VenueSpecFile,
    library: VenueSpecFile,
    community_centre: VenueSpecFile,
    welfare_hall: VenueSpecFile,
    park: VenueSpecFile,
    sports_club: VenueSpecFile,
    place_of_worship: VenueSpecFile,
}

impl From<VenuesFile> for Venues {
    fn from(f: VenuesFile) -> Venues {
        let d = Venues::default();
        Venues {
            pubs: f.pubs.over(d.pubs),
            library: f.library.over(d.library),
            community_centre: f.community_centre.over(d.community_centre),
            welfare_hall: f.welfare_hall.over(d.welfare_hall),
            park: f.park.over(d.park),
            sports_club: f.sports_club.over(d.sports_club),
            place_of_worship: f.place_of_worship.over(d.place_of_worship),
        }
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

/// Venue choice (mechanism: outings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Outings {
    /// Contact probability falls as distance^-exponent (Illenberger et al. 2009: about 1.6).
    pub distance_exponent: f64,
    /// Added to distance so that a venue next door is not infinitely attractive, km.
    pub distance_offset_km: f64,
    /// Weight of venue quality in the choice.
    pub quality_weight: f64,
    /// Weight of having met friends at a venue recently.
    pub friends_weight: f64,
    /// Weight of a visit's cost, per GBP, scaled by (0.5 + deprivation) and doubled when out of
    /// work.
    pub cost_weight_per_gbp: f64,
    /// Venues of each kind in a resident's choice set (nearest first).
    pub nearest_per_kind: u32,
    /// Chance that a group member goes to the group's weekly meeting.
    pub group_attendance: f64,
    /// Most outings in one week.
    pub max_per_week: u32,
    /// How a resident's outings follow the pull of the places within reach: the weekly mean
    /// is sociability × (pull now / pull when first counted)^this. 1: a closed venue's visits
    /// are lost, not moved elsewhere, and a new one brings its own; 0: visits only move.
    pub loss_elasticity: f64,
}

/// Meeting people at venues (mechanism: encounters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Encounters {
    /// Encounters per visitor in a venue filled to capacity.
    pub per_visit_at_capacity: f64,
    /// Encounters per visitor scale as (occupancy / capacity)^this.
    pub occupancy_exponent: f64,
    /// Chance of meeting a tie who is at the same venue in the same week.
    pub friend_meeting_probability: f64,
    /// Weight of trait similarity in a positive outcome.
    pub similarity_weight: f64,
    /// Weight of venue quality in a positive outcome.
    pub quality_weight: f64,
    /// Chance that a positive encounter with a stranger starts a tie, before similarity.
    pub new_tie_probability: f64,
    /// Strength a tie gains from a positive meeting.
    pub tie_gain: f64,
    /// Strength a tie loses each week, multiplicatively.
    pub tie_decay_per_week: f64,
    /// A tie weaker than this is dropped.
    pub tie_drop_below: f64,
}

/// Generalised trust as Beta pseudo-counts with forgetting (mechanism: trust).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Trust {
    /// Mean of the disposition each resident brings (the prior).
    pub prior_mean: f64,
    /// Spread of that disposition between residents.
    pub prior_spread: f64,
    /// Weight of the disposition in pseudo-encounters.
    pub prior_strength: f64,
    /// Pseudo-encounters one real encounter adds to experience.
    pub weight_per_encounter: f64,
    /// How much deprivation lowers the disposition.
    pub prior_deprivation_gradient: f64,
    /// Share of experience kept from one week to the next.
    pub memory_per_week: f64,
    /// A resident "trusts most people" when mean trust exceeds this.
    pub trusting_threshold: f64,
}

/// Belonging to the neighbourhood (mechanism: belonging).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Belonging {
    /// ρ: how far belonging moves toward its target each week.
    pub adjustment_per_week: f64,
    /// c0: the belonging target's logit before any term.
    pub intercept: f64,
    /// c1: per local tie met in the last four weeks (counts saturate at 4).
    pub local_ties_weight: f64,
    /// c2: per visit to a venue in one's own ward in the last four weeks (saturates at 4).
    pub local_visits_weight: f64,
    /// c3: ward amenity, open venues per 1,000 residents relative to the town at the start.
    pub amenity_weight: f64,
    /// c4: per closure in the ward in the closure memory, scaled by (1 + deprivation).
    pub closure_weight: f64,
    /// How long a closure is remembered, weeks.
    pub closure_memory_weeks: u32,
    /// Per decade of age over 16 (roots).
    pub age_weight_per_decade: f64,
    /// Former miners' attachment to the place.
    pub former_miner_weight: f64,
    /// A resident "belongs" when belonging exceeds this.
    pub belonging_threshold: f64,
}

/// Taking part in civic life (mechanism: participation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Participation {
    /// b0
    pub intercept: f64,
    /// b1: weight of agency (mean of the two efficacies).
    pub agency_weight: f64,
    /// b2: weight of the share of one's ties who took part last week (Granovetter 1978).
    pub peer_weight: f64,
    /// b3: weight of belonging.
    pub belonging_weight: f64,
    /// b4: weight of the cost of taking part (time and money: out of work, deprivation).
    pub cost_weight: f64,
    /// b5: weight of the opportunities the council offers (consultations, participatory budget).
    pub opportunity_weight: f64,
    /// Extra weight for members of community groups.
    pub group_member_weight: f64,
    /// A resident "feels able to influence local decisions" when agency exceeds this.
    pub influence_threshold: f64,
}

/// The council: money, openness and powers (mechanisms: council budget and council response).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Council {
    /// Revenue budget for the town at the start, GBP per year.
    pub yearly_budget_gbp: f64,
    /// Real-terms change in the budget per year (−0.05 is a 5% cut each year).
    pub real_terms_change_per_year: f64,
    /// Share of the budget that goes on statutory services (social care and the like).
    pub statutory_share: f64,
    /// Share of the discretionary budget for running council venues.
    pub venue_share: f64,
    /// Share of the discretionary budget for grants to community groups.
    pub grant_share: f64,
    /// Share of the discretionary budget decided by participatory budgeting.
    pub participatory_budget_share: f64,
    /// Weeks a venue budget shortfall lasts before a council venue is closed.
    pub closure_grace_weeks: u32,
    /// The fewest of their usual hours the council will open its venues for: while the venue
    /// budget covers at least this share of their running costs, hours are cut instead of
    /// buildings closed.
    pub min_opening_share: f64,
    /// How willing the council is to act on residents' input, in [0,1].
    pub openness: f64,
    /// Powers devolved to the town, in [0,1].
    pub devolved_powers: f64,
    /// Consultations and public meetings the council holds a year.
    pub consultations_per_year: f64,
    /// Whether a community right to bid (asset transfer) exists.
    pub community_right_to_bid: bool,
    /// A group's capacity needed to take over a closing venue.
    pub transfer_capacity_threshold: f64,
    /// Rise in external efficacy when the council visibly acts on one's input.
    pub efficacy_gain_when_acted: f64,
    /// Fall in external efficacy when one's input is ignored.
    pub efficacy_loss_when_ignored: f64,
    /// Rise in internal efficacy per week of taking part (slow, through practice).
    pub internal_efficacy_gain: f64,
    /// Rise in council trust when the council visibly acts on one's input.
    pub council_trust_gain_when_acted: f64,
    /// Fall in council trust per council closure or cut in one's ward, scaled by (1+deprivation).
    pub council_trust_loss_per_closure: f64,
    /// How fast attitudes drift back to a resident's own anchor, per week.
    pub attitude_relaxation_per_week: f64,
    /// Mean anchor of council trust.
    pub council_trust_anchor: f64,
    /// Mean anchor of external efficacy ("the council listens").
    pub efficacy_external_anchor: f64,
    /// Mean anchor of internal efficacy ("I can make a difference").
    pub efficacy_internal_anchor: f64,
    /// Spread of anchors between residents.
    pub anchor_spread: f64,
    /// How much a council that has lost capacity lowers anchors (× lost share of budget).
    pub capacity_anchor_weight: f64,
}

/// Venue economics (mechanism: economy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Economy {
    /// A pub closes after this many consecutive loss-making weeks.
    pub pub_loss_weeks: u32,
    /// Background closure hazard of a small pub, per year (ONS 2018: about 3%).
    pub small_pub_closure_rate_per_year: f64,
    /// Background closure hazard of a larger pub, per year.
    pub large_pub_closure_rate_per_year: f64,
    /// Pubs with capacity below this are small.
    pub small_pub_capacity: u32,
    /// Spend per visit falls by this share times ward deprivation.
    pub spend_deprivation_discount: f64,
    /// Share of running cost saved when volunteers run a transferred venue.
    pub community_cost_saving: f64,
}

/// Community groups (mechanism: groups).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Groups {
    /// Groups at the start.
    pub count: u32,
    /// Share of residents in at least one group at the start.
    pub initial_membership_share: f64,
    /// Members at which a group is at full capacity.
    pub members_for_full_capacity: u32,
    /// Weekly chance that a member leaves, at belonging 0 (halved at belonging 1).
    pub leave_per_week: f64,
    /// Weekly chance of joining a group that meets where one went this week (doubled for those
    /// who took part in civic life that week).
    pub join_per_week: f64,
    /// Volunteer hours a member gives per week.
    pub volunteer_hours_per_member: f64,
}

/// Residents leaving and arriving (mechanism: turnover).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Turnover {
    /// Share of residents who move away in a year, on average.
    pub leave_rate_per_year: f64,
    /// Residents younger than this move more.
    pub young_age_years: f64,
    /// How much more the young move.
    pub young_multiplier: f64,
    /// How much low belonging raises moving: × (1 + this × (1 − belonging)).
    pub belonging_weight: f64,
    /// Annual mortality at 80, doubling every 8 years of age.
    pub mortality_at_80_per_year: f64,
    /// Ties a newcomer arrives with (neighbours, family).
    pub newcomer_ties: u32,
}

/// A scheduled intervention, applied at the start of its week. Each changes the world only
/// through the components and resources the mechanisms already read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// Close `count` open venues of a kind (the least used first), optionally in one ward.
    Close {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        venue_kind: VenueKind,
        count: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ward: Option<String>,
    },
    /// Real-terms cuts to the council's budget: `cut_per_year` at once and then at the start of
    /// each following year, `years` cuts in all, while the statutory share rises by
    /// `statutory_share_rise_per_year` with each cut. With `deprivation_weighted`, each cut is
    /// scaled by (0.5 + the town's mean ward deprivation): deprived councils lost most (NAO 2018).
    Austerity {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        years: u32,
        cut_per_year: f64,
        #[serde(default)]
        statutory_share_rise_per_year: f64,
        #[serde(default)]
        deprivation_weighted: bool,
    },
    /// Open `count` new venues of a kind in a ward, with the quality given, their running costs
    /// paid outside the council's venue budget for `funding_years` (then by the council).
    Invest {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        venue_kind: VenueKind,
        ward: String,
        #[serde(default = "one")]
        count: u32,
        #[serde(default = "good_quality")]
        quality: f64,
        #[serde(default)]
        funding_years: u32,
    },
    /// Extra grants to community groups: `gbp_per_year` on top of the council's grants, for
    /// `years`.
    FundGroups {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        gbp_per_year: f64,
        years: u32,
    },
    /// Devolution: powers, openness, a devolved budget, participatory budgeting and a community
    /// right to bid. Keys left out are unchanged; `big_bang = true` sets every one left out to
    /// its big-bang value (powers 0.8, openness 0.7, +£1,000,000 a year, participatory budget
    /// 0.1, right to bid).
    Devolution {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        #[serde(default)]
        big_bang: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        powers: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        openness: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        budget_gbp_per_year: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        participatory_budget_share: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        right_to_bid: Option<bool>,
    },
    /// A one-off citizens' assembly of `members` residents drawn by lot. Members take part that
    /// week; if `acted_on`, the council visibly acts on their recommendations, otherwise it
    /// does not.
    CitizensAssembly {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        members: u32,
        acted_on: bool,
    },
    /// Venues shut for `weeks` weeks (every kind, or those listed), then reopen.
    Lockdown {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        weeks: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        venue_kinds: Vec<VenueKind>,
    },
    /// A change in pubs' running costs: `change` of 0.2 is 20% dearer.
    PubCosts {
        year: i32,
        #[serde(default = "first_week")]
        week: u32,
        change: f64,
    },
}

fn first_week() -> u32 {
    1
}

fn one() -> u32 {
    1
}

fn good_quality() -> f64 {
    0.7
}

impl Event {
    /// The calendar year and week (1-based) the event takes effect.
    pub fn when(&self) -> (i32, u32) {
        match self {
            Event::Close { year, week, .. }
            | Event::Austerity { year, week, .. }
            | Event::Invest { year, week, .. }
            | Event::FundGroups { year, week, .. }
            | Event::Devolution { year, week, .. }
            | Event::CitizensAssembly { year, week, .. }
            | Event::Lockdown { year, week, .. }
            | Event::PubCosts { year, week, .. } => (*year, *week),
        }
    }

    /// The ward the event names, if any.
    pub fn ward(&self) -> Option<&str> {
        match self {
            Event::Close { ward, .. } => ward.as_deref(),
            Event::Invest { ward, .. } => Some(ward),
            _ => None,
        }
    }

    /// The event's kind as written in files.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Close { .. } => "close",
            Event::Austerity { .. } => "austerity",
            Event::Invest { .. } => "invest",
            Event::FundGroups { .. } => "fund_groups",
            Event::Devolution { .. } => "devolution",
            Event::CitizensAssembly { .. } => "citizens_assembly",
            Event::Lockdown { .. } => "lockdown",
            Event::PubCosts { .. } => "pub_costs",
        }
    }
}

/// Whether `n` is 1 (the default of `town.copies`, left out of resolved scenarios).
fn is_one(n: &u32) -> bool {
    *n == 1
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
        let mut scenario: Scenario =
            toml::from_str(text).map_err(|e| ScenarioError::from_toml(e, text, origin))?;
        scenario.validate(Some(text), origin)?;
        if scenario.town.copies > 1 {
            scenario
                .copies_fit()
                .map_err(|m| ScenarioError::at_key(origin, Some(text), "town.copies", m))?;
            scenario.expand_copies();
            scenario.validate(Some(text), origin)?;
        }
        Ok(scenario)
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

/// Lower-case hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
            outings: Outings::default(),
            encounters: Encounters::default(),
            trust: Trust::default(),
            belonging: Belonging::default(),
            participation: Participation::default(),
            council: Council::default(),
            economy: Economy::default(),
            groups: Groups::default(),
            turnover: Turnover::default(),
            events: Vec::new(),
        }
    }
}

impl Default for Time {
    fn default() -> Self {
        Time {
            start_year: 2010,
            years: 15,
            warmup_weeks: 52,
        }
    }
}

impl Default for Town {
    fn default() -> Self {
        let ward = |name: &str, deprivation, housing_share, centre_km, radius_km| Ward {
            name: name.into(),
            deprivation,
            housing_share,
            centre_km,
            radius_km,
        };
        Town {
            residents: 12_000,
            wards: vec![
                ward("Market Place", 0.45, 0.16, [0.0, 0.0], 0.8),
                ward("Pithead", 0.80, 0.18, [1.6, 0.9], 0.9),
                ward("Welfare Estate", 0.72, 0.18, [-1.5, 1.0], 0.9),
                ward("Station Road", 0.55, 0.16, [0.2, -1.7], 0.8),
                ward("Chapel Hill", 0.30, 0.14, [-1.6, -1.0], 0.8),
                ward("New Houses", 0.62, 0.18, [1.7, -1.0], 1.0),
            ],
            copies: 1,
        }
    }
}

impl Default for Residents {
    fn default() -> Self {
        Residents {
            age_min_years: 16.0,
            age_max_years: 90.0,
            former_miner_share_over_50: 0.25,
            unemployment_rate: 0.05,
            unemployment_deprivation_gradient: 1.0,
            outings_per_week: 2.0,
            sociability_spread: 0.5,
            identity_features: 5,
            identity_traits: 3,
            trustworthiness_mean: 0.72,
            trustworthiness_spread: 0.12,
            trustworthiness_deprivation_gradient: 0.10,
            initial_ties: 6.0,
            local_tie_share: 0.65,
            max_ties: 12,
            preference_spread: 0.5,
        }
    }
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

impl Default for Outings {
    fn default() -> Self {
        Outings {
            distance_exponent: 1.6,
            distance_offset_km: 0.3,
            quality_weight: 1.0,
            friends_weight: 1.2,
            cost_weight_per_gbp: 0.05,
            nearest_per_kind: 3,
            group_attendance: 0.8,
            max_per_week: 8,
            loss_elasticity: 1.0,
        }
    }
}

impl Default for Encounters {
    fn default() -> Self {
        Encounters {
            per_visit_at_capacity: 1.0,
            occupancy_exponent: 0.5,
            friend_meeting_probability: 0.3,
            similarity_weight: 0.25,
            quality_weight: 0.15,
            new_tie_probability: 0.04,
            tie_gain: 0.25,
            tie_decay_per_week: 0.015,
            tie_drop_below: 0.05,
        }
    }
}

impl Default for Trust {
    fn default() -> Self {
        Trust {
            prior_mean: 0.40,
            prior_spread: 0.12,
            prior_strength: 10.0,
            weight_per_encounter: 0.1,
            prior_deprivation_gradient: 0.10,
            memory_per_week: 0.97,
            trusting_threshold: 0.5,
        }
    }
}

impl Default for Belonging {
    fn default() -> Self {
        Belonging {
            adjustment_per_week: 0.05,
            intercept: -1.5,
            local_ties_weight: 0.25,
            local_visits_weight: 0.12,
            amenity_weight: 0.5,
            closure_weight: 0.35,
            closure_memory_weeks: 104,
            age_weight_per_decade: 0.12,
            former_miner_weight: 0.3,
            belonging_threshold: 0.5,
        }
    }
}

impl Default for Participation {
    fn default() -> Self {
        Participation {
            intercept: -7.4,
            agency_weight: 4.0,
            peer_weight: 2.0,
            belonging_weight: 1.0,
            cost_weight: 0.8,
            opportunity_weight: 2.0,
            group_member_weight: 0.8,
            influence_threshold: 0.5,
        }
    }
}

impl Default for Council {
    fn default() -> Self {
        Council {
            yearly_budget_gbp: 9_000_000.0,
            real_terms_change_per_year: 0.0,
            statutory_share: 0.60,
            venue_share: 0.22,
            grant_share: 0.02,
            participatory_budget_share: 0.0,
            closure_grace_weeks: 8,
            min_opening_share: 0.6,
            openness: 0.35,
            devolved_powers: 0.1,
            consultations_per_year: 4.0,
            community_right_to_bid: false,
            transfer_capacity_threshold: 0.6,
            efficacy_gain_when_acted: 0.06,
            efficacy_loss_when_ignored: 0.03,
            internal_efficacy_gain: 0.01,
            council_trust_gain_when_acted: 0.04,
            council_trust_loss_per_closure: 0.04,
            attitude_relaxation_per_week: 0.01,
            council_trust_anchor: 0.36,
            efficacy_external_anchor: 0.41,
            efficacy_internal_anchor: 0.46,
            anchor_spread: 0.14,
            capacity_anchor_weight: 0.25,
        }
    }
}

impl Default for Economy {
    fn default() -> Self {
        Economy {
            pub_loss_weeks: 26,
            small_pub_closure_rate_per_year: 0.015,
            large_pub_closure_rate_per_year: 0.008,
            small_pub_capacity: 90,
            spend_deprivation_discount: 0.3,
            community_cost_saving: 0.4,
        }
    }
}

impl Default for Groups {
    fn default() -> Self {
        Groups {
            count: 20,
            initial_membership_share: 0.28,
            members_for_full_capacity: 60,
            leave_per_week: 0.004,
            join_per_week: 0.004,
            volunteer_hours_per_member: 1.5,
        }
    }
}

impl Default for Turnover {
    fn default() -> Self {
        Turnover {
            leave_rate_per_year: 0.05,
            young_age_years: 30.0,
            young_multiplier: 2.0,
            belonging_weight: 1.0,
            mortality_at_80_per_year: 0.06,
            newcomer_ties: 2,
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
        assert!(err.message.contains("unknown field"), "{err}");
    }

    #[test]
    fn resolved_toml_round_trips() {
        let s = Scenario::default();
        let back = Scenario::from_toml(&s.to_toml(), "round trip").unwrap();
        assert_eq!(s, back);
        assert_eq!(s.hash(), back.hash());
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
