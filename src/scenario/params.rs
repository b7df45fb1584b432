//! The parameter table: every numeric parameter's path, unit and allowed range.
//!
//! Ranges are checked against the resolved scenario by walking its serialised form, so the table
//! is the one place where a parameter's limits live. `cohesion params` prints it with defaults.
//! A path segment `*` matches every key of a table (every venue kind); `[]` every element of a
//! list (every ward).

use super::{Scenario, VenueKind, WEEKS_PER_YEAR};
use serde_json::Value;

/// One parameter's documentation and limits.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Dotted path in the scenario file (`council.openness`, `venues.*.capacity`).
    pub path: &'static str,
    /// Unit, in words.
    pub unit: &'static str,
    /// Smallest allowed value (inclusive).
    pub min: f64,
    /// Largest allowed value (inclusive).
    pub max: f64,
    /// What it means, in a sentence.
    pub meaning: &'static str,
}

const fn p(
    path: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
    meaning: &'static str,
) -> ParamSpec {
    ParamSpec {
        path,
        unit,
        min,
        max,
        meaning,
    }
}

const SHARE: &str = "share in [0,1]";
const WEIGHT: &str = "logit weight";
const WEEKLY: &str = "probability per week";
const YEARLY: &str = "rate per year";

/// Every numeric parameter. Booleans, names and enumerations are checked by their types.
pub const PARAMS: &[ParamSpec] = &[
    p(
        "time.start_year",
        "calendar year",
        1900.0,
        2100.0,
        "Calendar year of the first tick.",
    ),
    p(
        "time.years",
        "years",
        1.0,
        100.0,
        "Number of simulated years (52 weeks each).",
    ),
    p(
        "time.warmup_weeks",
        "weeks",
        0.0,
        520.0,
        "Weeks simulated before the start year to let ties, trust and belonging settle. Nothing closes and nothing is recorded during the warm-up.",
    ),
    p(
        "town.residents",
        "adults",
        50.0,
        2_000_000.0,
        "Adult residents (16+). Kept constant: each leaver is replaced by a newcomer.",
    ),
    p(
        "town.copies",
        "towns",
        1.0,
        1000.0,
        "The town laid out this many times side by side (a coalfield of pit towns): wards, venue counts and the group count are repeated; `residents` is the total. A resolved scenario lists every ward and says 1.",
    ),
    p(
        "town.wards[].deprivation",
        SHARE,
        0.0,
        1.0,
        "Index of multiple deprivation rescaled to [0,1]; 1 is the most deprived.",
    ),
    p(
        "town.wards[].housing_share",
        SHARE,
        0.0,
        1.0,
        "Share of the town's homes in this ward; the shares must add up to 1.",
    ),
    p(
        "town.wards[].centre_km[]",
        "km",
        -100.0,
        100.0,
        "Centre of the ward, km east and north of the town's origin.",
    ),
    p(
        "town.wards[].radius_km",
        "km",
        0.05,
        20.0,
        "Homes lie within this distance of the centre, km.",
    ),
    p(
        "residents.age_min_years",
        "years",
        16.0,
        100.0,
        "Youngest adult age at creation.",
    ),
    p(
        "residents.age_max_years",
        "years",
        16.0,
        105.0,
        "Oldest age at creation.",
    ),
    p(
        "residents.former_miner_share_over_50",
        SHARE,
        0.0,
        1.0,
        "Share of men and women over 50 who worked in the pits (set by the pit closures of the 1980s–90s).",
    ),
    p(
        "residents.unemployment_rate",
        SHARE,
        0.0,
        1.0,
        "Share of working-age residents without work, before ward deprivation is applied.",
    ),
    p(
        "residents.unemployment_deprivation_gradient",
        "multiplier",
        0.0,
        5.0,
        "How much ward deprivation raises unemployment: rate × (1 + this × deprivation).",
    ),
    p(
        "residents.outings_per_week",
        "outings per week",
        0.0,
        20.0,
        "Mean outings per week to any meeting place.",
    ),
    p(
        "residents.sociability_spread",
        "coefficient of variation",
        0.0,
        2.0,
        "Spread of sociability between people (coefficient of variation).",
    ),
    p(
        "residents.identity_features",
        "features",
        1.0,
        16.0,
        "Identity features for homophily (Axelrod's F).",
    ),
    p(
        "residents.identity_traits",
        "traits per feature",
        1.0,
        100.0,
        "Traits per feature (Axelrod's q).",
    ),
    p(
        "residents.trustworthiness_mean",
        SHARE,
        0.0,
        1.0,
        "Mean trustworthiness: the chance that someone treats a stranger well.",
    ),
    p(
        "residents.trustworthiness_spread",
        "standard deviation",
        0.0,
        0.5,
        "Spread of trustworthiness (standard deviation).",
    ),
    p(
        "residents.trustworthiness_deprivation_gradient",
        SHARE,
        0.0,
        1.0,
        "How much deprivation lowers trustworthiness as others experience it (stress, insecurity).",
    ),
    p(
        "residents.initial_ties",
        "ties",
        0.0,
        16.0,
        "Mean number of social ties at the start.",
    ),
    p(
        "residents.local_tie_share",
        SHARE,
        0.0,
        1.0,
        "Share of initial ties formed within one's own ward.",
    ),
    p(
        "residents.max_ties",
        "ties",
        1.0,
        16.0,
        "Most ties a resident keeps; the weakest is dropped for a new one.",
    ),
    p(
        "residents.preference_spread",
        "standard deviation",
        0.0,
        3.0,
        "Spread of residents' own liking for each kind of venue around the kind's `preference` (standard deviation of a logit offset).",
    ),
    p(
        "venues.*.count",
        "venues",
        0.0,
        100_000.0,
        "Venues of this kind at the start.",
    ),
    p(
        "venues.*.capacity",
        "people",
        1.0,
        100_000.0,
        "People it can hold in a week's busy hour.",
    ),
    p(
        "venues.*.quality",
        SHARE,
        0.0,
        1.0,
        "Mean quality in [0,1] (state of the building, what is on offer).",
    ),
    p(
        "venues.*.quality_spread",
        "standard deviation",
        0.0,
        0.5,
        "Spread of quality between venues of this kind.",
    ),
    p(
        "venues.*.weekly_cost_gbp",
        "GBP per week",
        0.0,
        1e7,
        "Running cost per week, GBP.",
    ),
    p(
        "venues.*.visit_cost_gbp",
        "GBP per visit",
        0.0,
        1000.0,
        "What a visit costs the visitor, GBP (drinks at the pub; nothing at the library).",
    ),
    p(
        "venues.*.preference",
        WEIGHT,
        -10.0,
        10.0,
        "Log-attractiveness of the kind in venue choice, before quality, friends and distance.",
    ),
    p(
        "outings.distance_exponent",
        "exponent",
        0.0,
        5.0,
        "Contact probability falls as distance^-exponent (Illenberger et al. 2009: about 1.6).",
    ),
    p(
        "outings.distance_offset_km",
        "km",
        0.01,
        10.0,
        "Added to distance so that a venue next door is not infinitely attractive, km.",
    ),
    p(
        "outings.quality_weight",
        WEIGHT,
        0.0,
        10.0,
        "Weight of venue quality in the choice.",
    ),
    p(
        "outings.friends_weight",
        WEIGHT,
        0.0,
        10.0,
        "Weight of having met friends at a venue recently.",
    ),
    p(
        "outings.cost_weight_per_gbp",
        "logit weight per GBP",
        0.0,
        5.0,
        "Weight of a visit's cost, per GBP, scaled by (0.5 + deprivation) and doubled when out of work.",
    ),
    p(
        "outings.nearest_per_kind",
        "venues",
        1.0,
        8.0,
        "Venues of each kind in a resident's choice set (nearest first).",
    ),
    p(
        "outings.group_attendance",
        SHARE,
        0.0,
        1.0,
        "Chance that a group member goes to the group's weekly meeting.",
    ),
    p(
        "outings.max_per_week",
        "outings",
        1.0,
        14.0,
        "Most outings in one week.",
    ),
    p(
        "outings.loss_elasticity",
        "exponent",
        0.0,
        2.0,
        "How outings follow the pull of the places within reach: the weekly mean is \
         sociability × (pull now / pull at first)^this. 1: a closed venue's visits are lost, \
         not moved; 0: they only move to other venues.",
    ),
    p(
        "encounters.per_visit_at_capacity",
        "encounters per visit",
        0.0,
        50.0,
        "Encounters per visitor in a venue filled to capacity.",
    ),
    p(
        "encounters.occupancy_exponent",
        "exponent",
        0.0,
        3.0,
        "Encounters per visitor scale as (occupancy / capacity)^this.",
    ),
    p(
        "encounters.friend_meeting_probability",
        SHARE,
        0.0,
        1.0,
        "Chance of meeting a tie who is at the same venue in the same week.",
    ),
    p(
        "encounters.similarity_weight",
        SHARE,
        0.0,
        1.0,
        "Weight of trait similarity in a positive outcome.",
    ),
    p(
        "encounters.quality_weight",
        SHARE,
        0.0,
        1.0,
        "Weight of venue quality in a positive outcome.",
    ),
    p(
        "encounters.new_tie_probability",
        SHARE,
        0.0,
        1.0,
        "Chance that a positive encounter with a stranger starts a tie, before similarity.",
    ),
    p(
        "encounters.tie_gain",
        "tie strength",
        0.0,
        1.0,
        "Strength a tie gains from a positive meeting.",
    ),
    p(
        "encounters.tie_decay_per_week",
        "share per week",
        0.0,
        1.0,
        "Strength a tie loses each week, multiplicatively.",
    ),
    p(
        "encounters.tie_drop_below",
        "tie strength",
        0.0,
        1.0,
        "A tie weaker than this is dropped.",
    ),
    p(
        "trust.prior_mean",
        SHARE,
        0.0,
        1.0,
        "Mean of the disposition each resident brings (the prior).",
    ),
    p(
        "trust.prior_spread",
        "standard deviation",
        0.0,
        0.5,
        "Spread of that disposition between residents.",
    ),
    p(
        "trust.prior_strength",
        "pseudo-encounters",
        0.1,
        1000.0,
        "Weight of the disposition in pseudo-encounters.",
    ),
    p(
        "trust.weight_per_encounter",
        "pseudo-encounters",
        0.0,
        10.0,
        "Pseudo-encounters one real encounter adds to experience.",
    ),
    p(
        "trust.prior_deprivation_gradient",
        SHARE,
        0.0,
        1.0,
        "How much deprivation lowers the disposition.",
    ),
    p(
        "trust.memory_per_week",
        "share kept per week",
        0.0,
        1.0,
        "Share of experience kept from one week to the next.",
    ),
    p(
        "trust.trusting_threshold",
        SHARE,
        0.0,
        1.0,
        "A resident \"trusts most people\" when mean trust exceeds this.",
    ),
    p(
        "belonging.adjustment_per_week",
        "share per week",
        0.0,
        1.0,
        "ρ: how far belonging moves toward its target each week.",
    ),
    p(
        "belonging.intercept",
        WEIGHT,
        -20.0,
        20.0,
        "c0: the belonging target's logit before any term.",
    ),
    p(
        "belonging.local_ties_weight",
        WEIGHT,
        0.0,
        10.0,
        "c1: per local tie met in the last four weeks (counts saturate at 4).",
    ),
    p(
        "belonging.local_visits_weight",
        WEIGHT,
        0.0,
        10.0,
        "c2: per visit to a venue in one's own ward in the last four weeks (saturates at 4).",
    ),
    p(
        "belonging.amenity_weight",
        WEIGHT,
        0.0,
        10.0,
        "c3: ward amenity, open venues per 1,000 residents relative to the town at the start.",
    ),
    p(
        "belonging.closure_weight",
        WEIGHT,
        0.0,
        10.0,
        "c4: per closure in the ward in the closure memory, scaled by (1 + deprivation).",
    ),
    p(
        "belonging.closure_memory_weeks",
        "weeks",
        1.0,
        1040.0,
        "How long a closure is remembered, weeks.",
    ),
    p(
        "belonging.age_weight_per_decade",
        WEIGHT,
        0.0,
        5.0,
        "Per decade of age over 16 (roots).",
    ),
    p(
        "belonging.former_miner_weight",
        WEIGHT,
        -5.0,
        5.0,
        "Former miners' attachment to the place.",
    ),
    p(
        "belonging.belonging_threshold",
        SHARE,
        0.0,
        1.0,
        "A resident \"belongs\" when belonging exceeds this.",
    ),
    p("participation.intercept", WEIGHT, -20.0, 20.0, "b0"),
    p(
        "participation.agency_weight",
        WEIGHT,
        0.0,
        20.0,
        "b1: weight of agency (mean of the two efficacies).",
    ),
    p(
        "participation.peer_weight",
        WEIGHT,
        0.0,
        20.0,
        "b2: weight of the share of one's ties who took part last week (Granovetter 1978).",
    ),
    p(
        "participation.belonging_weight",
        WEIGHT,
        0.0,
        20.0,
        "b3: weight of belonging.",
    ),
    p(
        "participation.cost_weight",
        WEIGHT,
        0.0,
        20.0,
        "b4: weight of the cost of taking part (time and money: out of work, deprivation).",
    ),
    p(
        "participation.opportunity_weight",
        WEIGHT,
        0.0,
        20.0,
        "b5: weight of the opportunities the council offers (consultations, participatory budget).",
    ),
    p(
        "participation.group_member_weight",
        WEIGHT,
        0.0,
        20.0,
        "Extra weight for members of community groups.",
    ),
    p(
        "participation.influence_threshold",
        SHARE,
        0.0,
        1.0,
        "A resident \"feels able to influence local decisions\" when agency exceeds this.",
    ),
    p(
        "council.yearly_budget_gbp",
        "GBP per year",
        0.0,
        1e12,
        "Revenue budget for the town at the start, GBP per year.",
    ),
    p(
        "council.real_terms_change_per_year",
        "share per year",
        -0.5,
        0.5,
        "Real-terms change in the budget per year (−0.05 is a 5% cut each year).",
    ),
    p(
        "council.statutory_share",
        SHARE,
        0.0,
        1.0,
        "Share of the budget that goes on statutory services (social care and the like).",
    ),
    p(
        "council.venue_share",
        SHARE,
        0.0,
        1.0,
        "Share of the discretionary budget for running council venues.",
    ),
    p(
        "council.grant_share",
        SHARE,
        0.0,
        1.0,
        "Share of the discretionary budget for grants to community groups.",
    ),
    p(
        "council.participatory_budget_share",
        SHARE,
        0.0,
        1.0,
        "Share of the discretionary budget decided by participatory budgeting.",
    ),
    p(
        "council.closure_grace_weeks",
        "weeks",
        0.0,
        520.0,
        "Weeks a venue budget shortfall lasts before a council venue is closed.",
    ),
    p(
        "council.min_opening_share",
        SHARE,
        0.0,
        1.0,
        "The fewest of their usual hours the council opens its venues for: while the venue \
         budget covers at least this share of their running costs, hours are cut instead of \
         buildings closed.",
    ),
    p(
        "council.openness",
        SHARE,
        0.0,
        1.0,
        "How willing the council is to act on residents' input, in [0,1].",
    ),
    p(
        "council.devolved_powers",
        SHARE,
        0.0,
        1.0,
        "Powers devolved to the town, in [0,1].",
    ),
    p(
        "council.consultations_per_year",
        "events per year",
        0.0,
        52.0,
        "Consultations and public meetings the council holds a year.",
    ),
    p(
        "council.transfer_capacity_threshold",
        SHARE,
        0.0,
        1.0,
        "A group's capacity needed to take over a closing venue.",
    ),
    p(
        "council.efficacy_gain_when_acted",
        SHARE,
        0.0,
        1.0,
        "Rise in external efficacy when the council visibly acts on one's input.",
    ),
    p(
        "council.efficacy_loss_when_ignored",
        SHARE,
        0.0,
        1.0,
        "Fall in external efficacy when one's input is ignored.",
    ),
    p(
        "council.internal_efficacy_gain",
        SHARE,
        0.0,
        1.0,
        "Rise in internal efficacy per week of taking part (slow, through practice).",
    ),
    p(
        "council.council_trust_gain_when_acted",
        SHARE,
        0.0,
        1.0,
        "Rise in council trust when the council visibly acts on one's input.",
    ),
    p(
        "council.council_trust_loss_per_closure",
        SHARE,
        0.0,
        1.0,
        "Fall in council trust per council closure or cut in one's ward, scaled by (1+deprivation).",
    ),
    p(
        "council.attitude_relaxation_per_week",
        "share per week",
        0.0,
        1.0,
        "How fast attitudes drift back to a resident's own anchor, per week.",
    ),
    p(
        "council.council_trust_anchor",
        SHARE,
        0.0,
        1.0,
        "Mean anchor of council trust.",
    ),
    p(
        "council.efficacy_external_anchor",
        SHARE,
        0.0,
        1.0,
        "Mean anchor of external efficacy (\"the council listens\").",
    ),
    p(
        "council.efficacy_internal_anchor",
        SHARE,
        0.0,
        1.0,
        "Mean anchor of internal efficacy (\"I can make a difference\").",
    ),
    p(
        "council.anchor_spread",
        "standard deviation",
        0.0,
        0.5,
        "Spread of anchors between residents.",
    ),
    p(
        "council.capacity_anchor_weight",
        SHARE,
        0.0,
        1.0,
        "How much a council that has lost capacity lowers anchors (× lost share of budget).",
    ),
    p(
        "economy.pub_loss_weeks",
        "weeks",
        1.0,
        520.0,
        "A pub closes after this many consecutive loss-making weeks.",
    ),
    p(
        "economy.small_pub_closure_rate_per_year",
        YEARLY,
        0.0,
        1.0,
        "Background closure hazard of a small pub, per year (ONS 2018: about 3%).",
    ),
    p(
        "economy.large_pub_closure_rate_per_year",
        YEARLY,
        0.0,
        1.0,
        "Background closure hazard of a larger pub, per year.",
    ),
    p(
        "economy.small_pub_capacity",
        "people",
        0.0,
        100_000.0,
        "Pubs with capacity below this are small.",
    ),
    p(
        "economy.spend_deprivation_discount",
        SHARE,
        0.0,
        1.0,
        "Spend per visit falls by this share times ward deprivation.",
    ),
    p(
        "economy.community_cost_saving",
        SHARE,
        0.0,
        1.0,
        "Share of running cost saved when volunteers run a transferred venue.",
    ),
    p(
        "groups.count",
        "groups",
        0.0,
        10_000.0,
        "Groups at the start.",
    ),
    p(
        "groups.initial_membership_share",
        SHARE,
        0.0,
        1.0,
        "Share of residents in at least one group at the start.",
    ),
    p(
        "groups.members_for_full_capacity",
        "members",
        1.0,
        100_000.0,
        "Members at which a group is at full capacity.",
    ),
    p(
        "groups.leave_per_week",
        WEEKLY,
        0.0,
        1.0,
        "Weekly chance that a member leaves, at belonging 0 (halved at belonging 1).",
    ),
    p(
        "groups.join_per_week",
        WEEKLY,
        0.0,
        1.0,
        "Weekly chance of joining a group that meets where one went this week (doubled for those who took part in civic life that week).",
    ),
    p(
        "groups.volunteer_hours_per_member",
        "hours per week",
        0.0,
        40.0,
        "Volunteer hours a member gives per week.",
    ),
    p(
        "turnover.leave_rate_per_year",
        YEARLY,
        0.0,
        1.0,
        "Share of residents who move away in a year, on average.",
    ),
    p(
        "turnover.young_age_years",
        "years",
        16.0,
        100.0,
        "Residents younger than this move more.",
    ),
    p(
        "turnover.young_multiplier",
        "multiplier",
        0.0,
        10.0,
        "How much more the young move.",
    ),
    p(
        "turnover.belonging_weight",
        "multiplier",
        0.0,
        10.0,
        "How much low belonging raises moving: × (1 + this × (1 − belonging)).",
    ),
    p(
        "turnover.mortality_at_80_per_year",
        YEARLY,
        0.0,
        1.0,
        "Annual mortality at 80, doubling every 8 years of age.",
    ),
    p(
        "turnover.newcomer_ties",
        "ties",
        0.0,
        16.0,
        "Ties a newcomer arrives with (neighbours, family).",
    ),
    p(
        "events[].count",
        "venues",
        1.0,
        100_000.0,
        "Venues to close (the least used first) or to open.",
    ),
    p(
        "events[].week",
        "week of the year",
        1.0,
        WEEKS_PER_YEAR as f64,
        "Week of the year the event takes effect (default 1).",
    ),
    p(
        "events[].years",
        "years",
        1.0,
        100.0,
        "austerity: number of yearly cuts; fund_groups: years the grants last.",
    ),
    p(
        "events[].cut_per_year",
        "share per year",
        0.0,
        0.5,
        "austerity: real-terms cut to the council budget each year.",
    ),
    p(
        "events[].statutory_share_rise_per_year",
        "share per year",
        0.0,
        0.2,
        "austerity: rise in the statutory share of the budget with each cut.",
    ),
    p(
        "events[].quality",
        SHARE,
        0.0,
        1.0,
        "invest: quality of the new venues (default 0.7).",
    ),
    p(
        "events[].funding_years",
        "years",
        0.0,
        100.0,
        "invest: years the new venues' running costs are paid outside the council's venue budget.",
    ),
    p(
        "events[].gbp_per_year",
        "GBP per year",
        0.0,
        1e9,
        "fund_groups: extra grants to community groups.",
    ),
    p(
        "events[].powers",
        SHARE,
        0.0,
        1.0,
        "devolution: powers devolved to the town.",
    ),
    p(
        "events[].openness",
        SHARE,
        0.0,
        1.0,
        "devolution: the council's openness to residents' input.",
    ),
    p(
        "events[].budget_gbp_per_year",
        "GBP per year",
        0.0,
        1e10,
        "devolution: devolved budget added to the council's discretionary budget.",
    ),
    p(
        "events[].participatory_budget_share",
        SHARE,
        0.0,
        1.0,
        "devolution: share of the discretionary budget decided by participatory budgeting.",
    ),
    p(
        "events[].members",
        "residents",
        1.0,
        1_000_000.0,
        "citizens_assembly: residents drawn by lot to sit on the assembly.",
    ),
    p(
        "events[].weeks",
        "weeks",
        1.0,
        520.0,
        "lockdown: weeks the venues stay shut.",
    ),
    p(
        "events[].change",
        "share",
        -0.9,
        5.0,
        "pub_costs: change in pubs' weekly running costs (0.2 is 20% dearer).",
    ),
];

/// Where a parameter's default comes from: a source, a calibration target, or an assumption.
pub fn source(path: &str) -> &'static str {
    match path {
        "outings.distance_exponent" => "Illenberger et al. 2009 (contact probability ~ d^-1.6)",
        "outings.loss_elasticity" => {
            "Klinenberg 2018; Bolet 2021 (lost places mean lost contact; size assumed)"
        }
        "trust.prior_mean" => "calibrated: Community Life Survey 2012/13; Abreu & Jones 2021",
        "belonging.intercept" => "calibrated: Community Life Survey 2019/20-2020/21",
        "belonging.closure_weight" | "belonging.closure_memory_weeks" => {
            "Bolet 2021 (closures as a signal of decline; sign, not size)"
        }
        "participation.intercept" => "calibrated: Community Life Survey 2018/19-2019/20",
        "participation.peer_weight" => "Granovetter 1978 (threshold form; size assumed)",
        "council.efficacy_external_anchor" | "council.efficacy_internal_anchor" => {
            "calibrated: Community Life Survey 2016/17-2019/20"
        }
        "council.statutory_share" => "NAO 2018; IFS 2019 (statutory services first)",
        "council.min_opening_share" => {
            "CIPFA 2019; Heritage Lottery Fund 2016 (hours cut before closures; size assumed)"
        }
        "council.efficacy_gain_when_acted"
        | "council.internal_efficacy_gain"
        | "council.council_trust_gain_when_acted" => {
            "Lisbon citizens' assembly evidence (direction; size assumed)"
        }
        "encounters.friend_meeting_probability" | "residents.local_tie_share" => {
            "calibrated: Community Life Survey 2019/20 (neighbour contact)"
        }
        "economy.small_pub_closure_rate_per_year"
        | "economy.large_pub_closure_rate_per_year"
        | "economy.small_pub_capacity" => "calibrated: ONS, Economies of ale, 2018",
        "residents.identity_features" | "residents.identity_traits" => {
            "Axelrod 1997 (F features, q traits)"
        }
        "trust.memory_per_week" | "trust.prior_strength" | "trust.weight_per_encounter" => {
            "Klein & Marx (Beta-Bernoulli trust with forgetting; values assumed)"
        }
        "time.warmup_weeks" => "assumption (long enough for ties and belonging to settle)",
        p if p.starts_with("town.") || p.starts_with("venues.") || p.starts_with("time.") => {
            "the default town (DESIGN.md §2)"
        }
        _ => "assumption",
    }
}

/// The default value at a parameter path (the first match of `*` and `[]`) as text, with
/// "..." when other entries of a list or table may differ.
pub fn default_text(path: &str) -> String {
    if let Some(value) = left_out_when_default(path) {
        return value.into();
    }
    let mut s = Scenario::default();
    // Events have no defaults of their own; show those of a typical entry.
    s.events.push(super::Event::Close {
        year: s.time.start_year,
        week: 1,
        venue_kind: VenueKind::Library,
        count: 1,
        ward: None,
    });
    let tree = serde_json::to_value(&s).unwrap_or_default();
    let mut found = Vec::new();
    collect(&tree, path, String::new(), &mut found);
    match found.first() {
        None => "-".into(),
        Some(_) if path.starts_with("events") && path != "events[].week" => "-".into(),
        Some((_, v)) if path.starts_with("events") => format!("({v})"),
        Some((_, v)) if found.len() > 1 => format!("{v} ..."),
        Some((_, v)) => v.to_string(),
    }
}

/// Parameters that a resolved scenario leaves out while they have their default (so that
/// scenarios written before they existed resolve to the same text), with that default.
pub fn left_out_when_default(path: &str) -> Option<&'static str> {
    match path {
        "town.copies" => Some("1"),
        _ => None,
    }
}

/// The parameter table in Markdown: name, meaning, unit, default, allowed range, source.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| parameter | meaning | unit | default | allowed | source |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for p in PARAMS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} to {} | {} |\n",
            p.path,
            p.meaning.replace('|', "\\|"),
            p.unit,
            default_text(p.path),
            p.min,
            p.max,
            source(p.path)
        ));
    }
    out
}

/// Checks every range in [`PARAMS`] and the rules that tie parameters together. On failure,
/// returns the offending key's path (`town.wards[2].deprivation`) and what is allowed.
pub fn validate(s: &Scenario) -> Result<(), (String, String)> {
    let tree = serde_json::to_value(s).expect("a scenario always serialises");
    for spec in PARAMS {
        let mut found = Vec::new();
        collect(&tree, spec.path, String::new(), &mut found);
        for (key, value) in found {
            let Some(x) = value.as_f64() else { continue };
            if !x.is_finite() || x < spec.min || x > spec.max {
                return Err((
                    key,
                    format!(
                        "{x} is out of range: allowed {} to {} ({})",
                        spec.min, spec.max, spec.unit
                    ),
                ));
            }
        }
    }
    cross_checks(s)
}

/// Collects (concrete path, value) for every place `pattern` matches in `tree`.
fn collect<'a>(tree: &'a Value, pattern: &str, prefix: String, out: &mut Vec<(String, &'a Value)>) {
    if pattern.is_empty() {
        out.push((prefix, tree));
        return;
    }
    let (head, rest) = pattern.split_once('.').unwrap_or((pattern, ""));
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    if let Some(name) = head.strip_suffix("[]") {
        let Some(items) = tree.get(name).and_then(Value::as_array) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            collect(item, rest, join(&format!("{name}[{i}]")), out);
        }
    } else if head == "*" {
        if let Some(map) = tree.as_object() {
            for (key, value) in map {
                collect(value, rest, join(key), out);
            }
        }
    } else if let Some(value) = tree.get(head) {
        collect(value, rest, join(head), out);
    }
}

/// Rules that involve more than one parameter.
fn cross_checks(s: &Scenario) -> Result<(), (String, String)> {
    let err = |key: &str, msg: String| Err((key.to_string(), msg));
    let wards = &s.town.wards;
    if wards.is_empty() {
        return err("town.wards", "a town needs at least one ward".into());
    }
    if wards.len() > 1000 {
        return err("town.wards", "at most 1000 wards are allowed".into());
    }
    let total: f64 = wards.iter().map(|w| w.housing_share).sum();
    if (total - 1.0).abs() > 1e-6 {
        return err(
            "town.wards",
            format!("the wards' housing_share values add up to {total}, they must add up to 1"),
        );
    }
    for (i, w) in wards.iter().enumerate() {
        if w.name.trim().is_empty() || w.name.contains([',', '"', '\n']) {
            return err(
                &format!("town.wards[{i}].name"),
                "a ward needs a name without commas, quotes or line breaks".into(),
            );
        }
        if wards[..i].iter().any(|o| o.name == w.name) {
            return err(
                &format!("town.wards[{i}].name"),
                format!("two wards are named `{}`; ward names must differ", w.name),
            );
        }
    }
    if s.residents.age_min_years >= s.residents.age_max_years {
        return err(
            "residents.age_max_years",
            "must be greater than residents.age_min_years".into(),
        );
    }
    let c = &s.council;
    if c.venue_share + c.grant_share + c.participatory_budget_share > 1.0 {
        return err(
            "council.venue_share",
            "venue_share + grant_share + participatory_budget_share must not exceed 1".into(),
        );
    }
    let venues: u64 = VenueKind::ALL
        .iter()
        .map(|k| u64::from(s.venues.spec(*k).count))
        .sum();
    if venues == 0 {
        return err("venues", "the town needs at least one venue".into());
    }
    if venues > u64::from(u16::MAX) {
        return err("venues", format!("{venues} venues in all; at most 65535"));
    }
    for (i, e) in s.events.iter().enumerate() {
        let (year, week) = e.when();
        if s.tick_of(year, week).is_none() {
            let last = s.time.start_year + s.time.years as i32 - 1;
            return err(
                &format!("events[{i}].year"),
                format!(
                    "{year} is outside the run: the scenario covers {} to {last}",
                    s.time.start_year
                ),
            );
        }
        if let Some(name) = e.ward()
            && !wards.iter().any(|w| w.name == name)
        {
            let names: Vec<&str> = wards.iter().map(|w| w.name.as_str()).collect();
            return err(
                &format!("events[{i}].ward"),
                format!("no ward is named `{name}` (wards: {})", names.join(", ")),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_in_the_table_exists_in_the_default() {
        // The default has no events, so add one of each kind with every key given.
        let text = r#"
[[events]]
kind = "close"
year = 2012
venue_kind = "library"
count = 1
[[events]]
kind = "austerity"
year = 2012
years = 2
cut_per_year = 0.05
statutory_share_rise_per_year = 0.01
[[events]]
kind = "invest"
year = 2012
venue_kind = "library"
ward = "Pithead"
quality = 0.8
funding_years = 2
[[events]]
kind = "fund_groups"
year = 2012
gbp_per_year = 1000.0
years = 2
[[events]]
kind = "devolution"
year = 2012
powers = 0.5
openness = 0.5
budget_gbp_per_year = 1.0
participatory_budget_share = 0.1
[[events]]
kind = "citizens_assembly"
year = 2012
members = 50
acted_on = true
[[events]]
kind = "lockdown"
year = 2012
weeks = 4
[[events]]
kind = "pub_costs"
year = 2012
change = 0.1
"#;
        let s = Scenario::from_toml(text, "every kind").unwrap();
        let tree = serde_json::to_value(&s).unwrap();
        for spec in PARAMS {
            if left_out_when_default(spec.path).is_some() {
                continue;
            }
            let mut found = Vec::new();
            collect(&tree, spec.path, String::new(), &mut found);
            assert!(!found.is_empty(), "{} names nothing", spec.path);
        }
    }

    #[test]
    fn every_parameter_has_a_meaning_and_a_default() {
        for p in PARAMS {
            assert!(!p.meaning.is_empty(), "{} has no meaning", p.path);
            if !p.path.starts_with("events[]") {
                assert_ne!(default_text(p.path), "-", "{} has no default", p.path);
            }
        }
        assert!(markdown_table().contains("| `council.openness` |"));
    }

    #[test]
    fn the_default_is_valid() {
        validate(&Scenario::default()).unwrap();
    }

    #[test]
    fn out_of_range_names_the_concrete_key() {
        let mut s = Scenario::default();
        s.town.wards[2].deprivation = 1.5;
        let (key, msg) = validate(&s).unwrap_err();
        assert_eq!(key, "town.wards[2].deprivation");
        assert!(msg.contains("allowed 0 to 1"), "{msg}");
        let mut s = Scenario::default();
        s.venues.library.capacity = 0;
        assert_eq!(validate(&s).unwrap_err().0, "venues.library.capacity");
    }

    #[test]
    fn housing_shares_must_add_up() {
        let mut s = Scenario::default();
        s.town.wards[0].housing_share += 0.1;
        assert_eq!(validate(&s).unwrap_err().0, "town.wards");
    }
}
