//! The sections of a scenario: every model parameter, each declared once (field, default,
//! allowed values, unit, meaning and source together; see [`section!`]).
//!
//! Sources name the publication a value comes from, the survey figure it is calibrated to, or
//! say "assumed" where no study fixes it (such a value is a candidate for sensitivity analysis).

use super::schema::{FLAG, SHARE, TEXT, number, section, whole};
use super::{Owner, Placement};

section! {
    /// The calendar of a run: one tick is one week.
    pub struct Time {
        /// Calendar year of the first tick.
        start_year: i32 = 2010;
            whole(1900, 2100), "calendar year", "illustrative town (ODD §5)";
        /// Number of simulated years (52 weeks each).
        years: u32 = 15;
            whole(1, 100), "years", "illustrative town (ODD §5)";
        /// Weeks simulated before the start year to let ties, trust and belonging settle. Nothing
        /// closes and nothing is recorded during the warm-up.
        warmup_weeks: u32 = 260;
            whole(0, 2600), "weeks", "assumed (long enough for ties, trust and belonging to settle: with 52 weeks the baseline's share trusting still rose 0.03 and neighbour contact fell 0.05 over 2010-24 as a transient)";
    }
}

section! {
    /// The town's size and its wards.
    pub struct Town {
        /// Adult residents (16+) at the start, one to a home. Kept constant (each leaver is
        /// replaced by a newcomer) unless the labour market is on, when homes can stand empty.
        residents: u32 = 12_000;
            whole(50, 2_000_000), "adults", "illustrative town (ODD §5)";
        /// The wards, the first being the town centre.
        wards: Vec<Ward> = default_wards();
            super::schema::Allowed::Tables, "-", "illustrative town (ODD §5)";
        /// The town laid out this many times side by side, as a coalfield of pit towns: its wards,
        /// venue counts and group count are repeated (`residents` is the region's total).
        /// Expanded when the scenario is read, so a resolved scenario lists every ward and leaves
        /// it out.
        #[serde(skip_serializing_if = "is_one")]
        copies: u32 = 1;
            whole(1, 1000), "towns", "illustrative town (ODD §5)";
        /// The residents (of one copy) that the venue counts and `groups.count` are written
        /// for; 0 (the default) uses the counts as written. When it is set and the town has a
        /// different number of residents, each count is scaled by residents / this, rounded, and
        /// kept at least 1 where it was at least 1; the council's budgets are scaled by what its
        /// venues then cost to run (ODD §5). Applied when the scenario is read; a resolved
        /// scenario lists the scaled counts and gives its own residents here, so a later change
        /// of `town.residents` (`--set`, a sweep axis) scales the counts again.
        #[serde(skip_serializing_if = "is_zero")]
        counts_for_residents: u32 = 0;
            whole(0, 2_000_000), "adults", "scenario choice (the default town's counts are for 12,000)";
    }
}

/// Whether `n` is 0 (the default of `town.counts_for_residents`, left out of resolved
/// scenarios).
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Whether `n` is 1 (the default of `town.copies`, left out of resolved scenarios).
fn is_one(n: &u32) -> bool {
    *n == 1
}

section! {
    /// One ward: a neighbourhood with a centre, a size and a level of deprivation. Every key is
    /// required.
    pub struct Ward {
        /// The ward's name, as events and outputs refer to it.
        name: String [required] = String::new();
            TEXT, "-", "illustrative town (ODD §5)";
        /// Index of multiple deprivation rescaled to [0,1]; 1 is the most deprived.
        deprivation: f64 [required] = 0.0;
            SHARE, "share", "illustrative town (ODD §5)";
        /// Share of the town's homes in this ward; the shares must add up to 1.
        housing_share: f64 [required] = 0.0;
            SHARE, "share", "illustrative town (ODD §5)";
        /// Centre of the ward, km east and north of the town's origin.
        centre_km: [f64; 2] [required] = [0.0, 0.0];
            super::schema::Allowed::Pair { min: -100.0, max: 100.0 }, "km",
            "illustrative town (ODD §5)";
        /// Homes lie within this distance of the centre, km.
        radius_km: f64 [required] = 0.0;
            number(0.05, 20.0), "km", "illustrative town (ODD §5)";
    }
}

/// The default town's six wards.
fn default_wards() -> Vec<Ward> {
    let ward = |name: &str, deprivation, housing_share, centre_km, radius_km| Ward {
        name: name.into(),
        deprivation,
        housing_share,
        centre_km,
        radius_km,
    };
    vec![
        ward("Market Place", 0.45, 0.16, [0.0, 0.0], 0.8),
        ward("Pithead", 0.80, 0.18, [1.6, 0.9], 0.9),
        ward("Welfare Estate", 0.72, 0.18, [-1.5, 1.0], 0.9),
        ward("Station Road", 0.55, 0.16, [0.2, -1.7], 0.8),
        ward("Chapel Hill", 0.30, 0.14, [-1.6, -1.0], 0.8),
        ward("New Houses", 0.62, 0.18, [1.7, -1.0], 1.0),
    ]
}

section! {
    /// One kind of venue: how many, how big, how good, what it costs and how attractive it is.
    /// Each kind has defaults of its own (see `Venues::default`); a file may give any subset of
    /// a kind's keys.
    pub struct VenueSpec {
        /// Venues of this kind at the start.
        count: u32 = 0;
            whole(0, 100_000), "venues", "illustrative town (ODD §5)";
        /// Who owns and pays for it: `private` (a business), `council` or `community`.
        owner: Owner = Owner::Private;
            super::schema::Allowed::Choice(&["private", "council", "community"]), "-",
            "illustrative town (ODD §5)";
        /// Where venues of this kind are put: `spread` over wards by housing, in the `centre`
        /// first, or in the most `deprived` wards first.
        placement: Placement = Placement::Spread;
            super::schema::Allowed::Choice(&["spread", "centre", "deprived"]), "-",
            "illustrative town (ODD §5)";
        /// People it can hold in a week's busy hour.
        capacity: u32 = 100;
            whole(1, 100_000), "people", "illustrative town (ODD §5)";
        /// Mean quality in [0,1] (state of the building, what is on offer).
        quality: f64 = 0.5;
            SHARE, "share", "illustrative town (ODD §5)";
        /// Spread of quality between venues of this kind.
        quality_spread: f64 = 0.15;
            number(0.0, 0.5), "standard deviation", "illustrative town (ODD §5)";
        /// Running cost per week, GBP.
        weekly_cost_gbp: f64 = 0.0;
            number(0.0, 1e7), "GBP per week", "illustrative town (ODD §5)";
        /// What a visit costs the visitor, GBP (drinks at the pub; nothing at the library).
        visit_cost_gbp: f64 = 0.0;
            number(0.0, 1000.0), "GBP per visit", "illustrative town (ODD §5)";
        /// Log-attractiveness of the kind in venue choice, before quality, friends and distance.
        preference: f64 = 0.0;
            number(-10.0, 10.0), "logit weight", "illustrative town (ODD §5)";
    }
}

section! {
    /// Resident attributes at creation.
    pub struct Residents {
        /// Youngest adult age at creation.
        age_min_years: f64 = 16.0;
            number(16.0, 100.0), "years", "assumed";
        /// Oldest age at creation.
        age_max_years: f64 = 90.0;
            number(16.0, 105.0), "years", "assumed";
        /// Share of men and women over 50 who worked in the pits (set by the pit closures of the
        /// 1980s–90s).
        former_miner_share_over_50: f64 = 0.25;
            SHARE, "share", "assumed";
        /// Share of working-age residents without work, before ward deprivation is applied.
        unemployment_rate: f64 = 0.05;
            SHARE, "share", "assumed";
        /// How much ward deprivation raises unemployment: rate × (1 + this × deprivation).
        unemployment_deprivation_gradient: f64 = 1.0;
            number(0.0, 5.0), "multiplier", "assumed";
        /// Mean outings per week to any meeting place.
        outings_per_week: f64 = 2.0;
            number(0.0, 20.0), "outings per week", "assumed";
        /// Spread of sociability between people (coefficient of variation).
        sociability_spread: f64 = 0.5;
            number(0.0, 2.0), "coefficient of variation", "assumed";
        /// Identity features for homophily (Axelrod's F).
        identity_features: u32 = 5;
            whole(1, 16), "features", "Axelrod 1997 (F features, q traits)";
        /// Traits per feature (Axelrod's q).
        identity_traits: u32 = 3;
            whole(1, 100), "traits per feature", "Axelrod 1997 (F features, q traits)";
        /// Mean trustworthiness: the chance that someone treats a stranger well.
        trustworthiness_mean: f64 = 0.72;
            SHARE, "share", "assumed";
        /// Spread of trustworthiness (standard deviation).
        trustworthiness_spread: f64 = 0.12;
            number(0.0, 0.5), "standard deviation", "assumed";
        /// How much deprivation lowers trustworthiness as others experience it (stress, insecurity).
        trustworthiness_deprivation_gradient: f64 = 0.10;
            SHARE, "share", "assumed";
        /// Mean number of social ties at the start.
        initial_ties: f64 = 6.0;
            number(0.0, 16.0), "ties", "assumed";
        /// Share of initial ties formed within one's own ward.
        local_tie_share: f64 = 0.65;
            SHARE, "share", "calibrated: Community Life Survey 2019/20 (neighbour contact)";
        /// Most ties a resident keeps; the weakest is dropped for a new one.
        max_ties: u32 = 12;
            whole(1, 16), "ties", "assumed";
        /// Spread of residents' own liking for each kind of venue around the kind's `preference`
        /// (standard deviation of a logit offset).
        preference_spread: f64 = 0.5;
            number(0.0, 3.0), "standard deviation", "assumed";
    }
}

section! {
    /// Venue choice (mechanism: outings).
    pub struct OutingParams {
        /// Contact probability falls as distance^-exponent (Illenberger et al. 2009: about 1.6).
        distance_exponent: f64 = 1.6;
            number(0.0, 5.0), "exponent", "Illenberger et al. 2009 (contact probability ~ d^-1.6)";
        /// Added to distance so that a venue next door is not infinitely attractive, km.
        distance_offset_km: f64 = 0.3;
            number(0.01, 10.0), "km", "assumed";
        /// Weight of venue quality in the choice.
        quality_weight: f64 = 1.0;
            number(0.0, 10.0), "logit weight", "assumed";
        /// Weight of having met friends at a venue recently.
        friends_weight: f64 = 1.2;
            number(0.0, 10.0), "logit weight", "assumed";
        /// Weight of a visit's cost, per GBP, scaled by (0.5 + deprivation) and doubled when out of
        /// work.
        cost_weight_per_gbp: f64 = 0.05;
            number(0.0, 5.0), "logit weight per GBP", "assumed";
        /// Venues of each kind in a resident's choice set (nearest first).
        nearest_per_kind: u32 = 3;
            whole(1, 8), "venues", "assumed";
        /// Chance that a group member goes to the group's weekly meeting.
        group_attendance: f64 = 0.8;
            SHARE, "share", "assumed";
        /// Most outings in one week.
        max_per_week: u32 = 8;
            whole(1, 14), "outings", "assumed";
        /// Share of a closed pub's visits that go to pubs still within reach instead of being
        /// lost (plausible range 0.5–0.9). The rest, and every visit when no pub is left in
        /// reach, are lost; a new pub likewise takes this share of its custom from the others.
        pub_substitution: f64 = 0.7;
            SHARE, "share", "ONS 2018, Economies of ale (remaining pubs soaked up the custom: bound near 1); Touchpoints 2017 via Harpers (weekly pub-going fell 28% to 18%); central value assumed";
        /// Share of a closed library's visits that go to libraries still within reach
        /// (plausible range 0.35–0.6).
        library_substitution: f64 = 0.5;
            SHARE, "share", "Brent 2011-12 library visits (Wembley Matters 2012; Kilburn Times 2012), closed branches' share of visits assumed 30-45%";
        /// Share of a closed community centre's visits that go to centres still within reach
        /// (plausible range 0.1–0.5).
        community_centre_substitution: f64 = 0.3;
            SHARE, "share", "assumed: older and disabled users did not move (Can Do Communities 2016)";
        /// Share of a closed welfare hall's visits that go to halls still within reach
        /// (plausible range 0.1–0.5).
        welfare_hall_substitution: f64 = 0.3;
            SHARE, "share", "assumed: as community centres; often no alternative in reach (CISWO)";
        /// Share of a closed park's visits that go to parks still within reach (plausible
        /// range 0.6–0.9).
        park_substitution: f64 = 0.8;
            SHARE, "share", "assumed: walking and play move easily to other green space";
        /// Share of a closed sports club's visits that go to clubs still within reach
        /// (plausible range 0.3–0.7).
        sports_club_substitution: f64 = 0.5;
            SHARE, "share", "assumed: team members move to another club in reach; no data found";
        /// Share of a closed place of worship's visits that go to others still within reach
        /// (plausible range 0.4–0.8).
        place_of_worship_substitution: f64 = 0.6;
            SHARE, "share", "assumed: the parish system covers every area (Church Commissioners 2025); no attendance data found";
    }
}

section! {
    /// Meeting people at venues (mechanism: encounters).
    pub struct Encounters {
        /// Encounters per visitor in a venue filled to capacity.
        per_visit_at_capacity: f64 = 1.0;
            number(0.0, 50.0), "encounters per visit", "assumed";
        /// Encounters per visitor scale as (occupancy / capacity)^this.
        occupancy_exponent: f64 = 0.5;
            number(0.0, 3.0), "exponent", "assumed";
        /// Chance of meeting a tie who is at the same venue in the same week.
        friend_meeting_probability: f64 = 0.3;
            SHARE, "share", "calibrated: Community Life Survey 2019/20 (neighbour contact)";
        /// Weight of trait similarity in a positive outcome.
        similarity_weight: f64 = 0.25;
            SHARE, "share", "assumed";
        /// Weight of venue quality in a positive outcome.
        quality_weight: f64 = 0.15;
            SHARE, "share", "assumed";
        /// Chance that a positive encounter with a stranger starts a tie, before similarity.
        new_tie_probability: f64 = 0.04;
            SHARE, "share", "assumed";
        /// Strength a tie gains from a positive meeting.
        tie_gain: f64 = 0.25;
            number(0.0, 1.0), "tie strength", "assumed";
        /// Strength a tie loses each week, multiplicatively.
        tie_decay_per_week: f64 = 0.015;
            number(0.0, 1.0), "share per week", "assumed";
        /// A tie weaker than this is dropped.
        tie_drop_below: f64 = 0.05;
            number(0.0, 1.0), "tie strength", "assumed";
        /// Factor on `new_tie_probability` for two strangers with no trait in common; their
        /// trait similarity adds to it (so × 1.5 for strangers alike in every trait).
        new_tie_similarity_base: f64 = 0.5;
            number(0.0, 10.0), "multiplier", "assumed (0.25-1)";
        /// Occupancy (visitors over capacity) beyond which crowding adds no more encounters.
        occupancy_cap: f64 = 2.0;
            number(0.0, 100.0), "visitors per place", "assumed (1-4)";
        /// Share of a haunt's score (where friends were met) kept from one week to the next.
        haunt_memory_per_week: f64 = 0.8;
            SHARE, "share per week", "assumed (0.6-0.95)";
        /// Haunt score a meeting with a friend adds to the venue (a score is at most 1).
        haunt_gain: f64 = 0.5;
            SHARE, "haunt score", "assumed (0.25-1)";
    }
}

section! {
    /// Generalised trust as Beta pseudo-counts with forgetting (mechanism: trust).
    pub struct Trust {
        /// Mean of the disposition each resident brings (the prior).
        prior_mean: f64 = 0.40;
            SHARE, "share", "calibrated: Community Life Survey 2012/13; Abreu & Jones 2021";
        /// Spread of that disposition between residents.
        prior_spread: f64 = 0.12;
            number(0.0, 0.5), "standard deviation", "assumed";
        /// Weight of the disposition in pseudo-encounters.
        prior_strength: f64 = 10.0;
            number(0.1, 1000.0), "pseudo-encounters", "Klein & Marx (Beta-Bernoulli trust with forgetting; values assumed)";
        /// Pseudo-encounters one real encounter adds to experience.
        weight_per_encounter: f64 = 0.1;
            number(0.0, 10.0), "pseudo-encounters", "Klein & Marx (Beta-Bernoulli trust with forgetting; values assumed)";
        /// How much deprivation lowers the disposition.
        prior_deprivation_gradient: f64 = 0.10;
            SHARE, "share", "assumed";
        /// Share of experience kept from one week to the next.
        memory_per_week: f64 = 0.97;
            number(0.0, 1.0), "share kept per week", "Klein & Marx (Beta-Bernoulli trust with forgetting; values assumed)";
        /// A resident "trusts most people" when mean trust exceeds this.
        trusting_threshold: f64 = 0.5;
            SHARE, "share", "assumed";
    }
}

section! {
    /// Belonging to the neighbourhood (mechanism: belonging).
    pub struct Belonging {
        /// ρ: how far belonging moves toward its target each week.
        adjustment_per_week: f64 = 0.05;
            number(0.0, 1.0), "share per week", "assumed";
        /// c0: the belonging target's logit before any term.
        intercept: f64 = -0.56;
            number(-20.0, 20.0), "logit weight", "calibrated: Community Life Survey 2019/20-2020/21 (first-year share belonging 0.60-0.65)";
        /// c1: per local tie met in the last four weeks (counts saturate at 4).
        local_ties_weight: f64 = 0.06;
            number(0.0, 10.0), "logit weight", "calibrated: with the visits and amenity weights, the baseline's share belonging holds within 0.03 over 2010-24 while its pubs close at 1.8% a year, as the Community Life Survey's series held (0.62 in 2016/17, 0.61 in 2023/24, DCMS 2024 'broadly stable since 2015/16'; data/targets/cls_england.csv); assumed range 0-0.25";
        /// c2: per visit to a venue in one's own ward in the last four weeks (saturates at 4).
        local_visits_weight: f64 = 0.03;
            number(0.0, 10.0), "logit weight", "calibrated: as local_ties_weight, to the flat Community Life Survey belonging series 2016/17-2023/24; assumed range 0-0.12";
        /// c3: ward amenity, open venues per 1,000 residents relative to the town at the start.
        amenity_weight: f64 = 0.05;
            number(0.0, 10.0), "logit weight", "calibrated: as local_ties_weight, to the flat Community Life Survey belonging series 2016/17-2023/24; assumed range 0-0.5";
        /// c4: weight of the ward's recent closures, each counted as a share of the ward's
        /// venues at the start and by how long it had served the ward (sweep 0 to twice this).
        closure_weight: f64 = 0.35;
            number(0.0, 10.0), "logit weight per ward's stock", "calibrated: losing a tenth of a ward's venues lowers its share belonging by 1-3 points in all (docs/evidence/places.md §6, an assumed bound from CLS national series; Bolet 2021 for the stock denominator)";
        /// c5: weight of the ward's recent openings, counted as closures are.
        opening_weight: f64 = 0.175;
            number(0.0, 10.0), "logit weight per ward's stock", "assumed: half the closure weight (docs/evidence/places.md §6)";
        /// How long a closure or an opening is remembered, weeks.
        closure_memory_weeks: u32 = 104;
            whole(1, 1040), "weeks", "assumed (Bolet 2021 counts closures by year; sweep 52-208)";
        /// Years of service after which a venue's closing counts fully.
        service_years_for_full_signal: f64 = 20.0;
            number(0.0, 200.0), "years", "assumed (10-40; docs/evidence/places.md §9: attachment grows with a place's history)";
        /// What the closing or opening of a venue that has just opened counts, against one
        /// that has served fully.
        new_venue_signal: f64 = 0.5;
            SHARE, "share", "assumed (docs/evidence/places.md §9)";
        /// Years the town's venues at the start have served their wards.
        service_years_at_start: f64 = 30.0;
            number(0.0, 500.0), "years", "assumed (pubs, chapels and the welfare hall predate the pit closures)";
        /// Per decade of age over 16 (roots).
        age_weight_per_decade: f64 = 0.12;
            number(0.0, 5.0), "logit weight", "assumed";
        /// Former miners' attachment to the place.
        former_miner_weight: f64 = 0.3;
            number(-5.0, 5.0), "logit weight", "assumed";
        /// A resident "belongs" when belonging exceeds this.
        belonging_threshold: f64 = 0.5;
            SHARE, "share", "assumed";
        /// Ward amenity (open venues per 1,000 residents relative to the town at the start)
        /// beyond which more venues add no more belonging.
        amenity_cap: f64 = 2.0;
            number(0.0, 100.0), "relative amenity", "assumed (1.5-4)";
    }
}

section! {
    /// Taking part in civic life (mechanism: participation).
    pub struct Participation {
        /// b0: the logit of taking part in a week before any term.
        intercept: f64 = -7.4;
            number(-20.0, 20.0), "logit weight", "calibrated: Community Life Survey 2018/19-2019/20";
        /// b1: weight of agency (mean of the two efficacies).
        agency_weight: f64 = 4.0;
            number(0.0, 20.0), "logit weight", "assumed";
        /// b2: weight of the share of one's ties who took part last week (Granovetter 1978).
        peer_weight: f64 = 2.0;
            number(0.0, 20.0), "logit weight", "Granovetter 1978 (threshold form; size assumed)";
        /// b3: weight of belonging.
        belonging_weight: f64 = 1.0;
            number(0.0, 20.0), "logit weight", "assumed";
        /// b4: weight of the cost of taking part (time and money: out of work, deprivation).
        cost_weight: f64 = 0.8;
            number(0.0, 20.0), "logit weight", "assumed";
        /// b5: weight of the opportunities the council offers (consultations, participatory budget).
        opportunity_weight: f64 = 2.0;
            number(0.0, 20.0), "logit weight", "assumed";
        /// Extra weight for members of community groups.
        group_member_weight: f64 = 0.8;
            number(0.0, 20.0), "logit weight", "assumed";
        /// A resident "feels able to influence local decisions" when agency exceeds this.
        influence_threshold: f64 = 0.5;
            SHARE, "share", "assumed";
    }
}

section! {
    /// The council: money, openness and powers (mechanisms: council budget and council response).
    pub struct Council {
        /// Revenue budget for the town at the start, GBP per year.
        yearly_budget_gbp: f64 = 9_000_000.0;
            number(0.0, 1e12), "GBP per year", "assumed";
        /// Real-terms change in the budget per year (−0.05 is a 5% cut each year).
        real_terms_change_per_year: f64 = 0.0;
            number(-0.5, 0.5), "share per year", "assumed";
        /// Share of the budget that goes on statutory services (social care and the like).
        statutory_share: f64 = 0.60;
            SHARE, "share", "NAO 2018; IFS 2019 (statutory services first)";
        /// Share of the discretionary budget for running council venues.
        venue_share: f64 = 0.22;
            SHARE, "share", "assumed";
        /// Share of the discretionary budget for grants to community groups.
        grant_share: f64 = 0.02;
            SHARE, "share", "assumed";
        /// Share of the discretionary budget decided by participatory budgeting.
        participatory_budget_share: f64 = 0.0;
            SHARE, "share", "assumed";
        /// Weeks a venue budget shortfall lasts before a council venue is closed.
        closure_grace_weeks: u32 = 8;
            whole(0, 520), "weeks", "assumed";
        /// The fewest of their usual hours the council will open its venues for: while the venue
        /// budget covers at least this share of their running costs, hours are cut instead of
        /// buildings closed.
        min_opening_share: f64 = 0.6;
            SHARE, "share", "CIPFA 2019; Heritage Lottery Fund 2016 (hours cut before closures; size assumed)";
        /// How willing the council is to act on residents' input, in [0,1].
        openness: f64 = 0.35;
            SHARE, "share", "assumed";
        /// Powers devolved to the town, in [0,1].
        devolved_powers: f64 = 0.1;
            SHARE, "share", "assumed";
        /// Consultations and public meetings the council holds a year.
        consultations_per_year: f64 = 4.0;
            number(0.0, 52.0), "events per year", "assumed";
        /// Whether a community right to bid (asset transfer) exists.
        community_right_to_bid: bool = false;
            FLAG, "-", "assumed";
        /// A group's capacity needed to take over a closing venue (to bid for a pub, to raise
        /// about 450,000 GBP from about 200 shareholders; Plunkett 2021).
        transfer_capacity_threshold: f64 = 0.6;
            SHARE, "share", "assumed";
        /// Share of pubs listed as assets of community value, so that a right to bid applies
        /// (plausible range 0.035–0.2).
        acv_listed_share: f64 = 0.1;
            SHARE, "share", "Plunkett 2022 (about 3.5% of UK pubs listed); assumed higher, 5-20%, in a town with active groups";
        /// Chance that an eligible group triggers the full moratorium when a listed pub is
        /// put up for sale.
        moratorium_trigger_probability: f64 = 0.74;
            SHARE, "share", "Plunkett 2022 (194 of 263 interim moratoria became full ones)";
        /// Weeks a listed pub stays shut in a full moratorium while its community bids.
        moratorium_weeks: u32 = 26;
            whole(1, 520), "weeks", "Localism Act 2011; ACV Regulations 2012 (six months from the owner's notice)";
        /// Chance that the community buys a pub in a full moratorium (plausible range
        /// 0.05–0.15).
        community_purchase_probability: f64 = 0.09;
            SHARE, "share", "CLG Committee 2015 (11 acquisitions in 122 full moratoria)";
        /// Chance that a council building the council would close passes to a capable group
        /// by community asset transfer (plausible range 0.2–0.5).
        asset_transfer_probability: f64 = 0.35;
            SHARE, "share", "assumed; community-managed libraries were 12% of England's by the mid-2010s (Locality 2013)";
        /// Yearly chance that a council library (not the town's last) closes while the council's
        /// discretionary budget is below its start (plausible range 0.01–0.035).
        library_closure_rate_per_year: f64 = 0.021;
            SHARE, "rate per year", "CIPFA via The Bookseller: GB service points 4,356 (2009/10) to 3,583 (2018/19); data/targets/libraries.csv";
        /// Rise in external efficacy when the council visibly acts on one's input.
        efficacy_gain_when_acted: f64 = 0.06;
            SHARE, "share", "Lisbon citizens' assembly evidence (direction; size assumed)";
        /// Fall in external efficacy when one's input is ignored.
        efficacy_loss_when_ignored: f64 = 0.03;
            SHARE, "share", "assumed";
        /// Rise in internal efficacy per week of taking part (slow, through practice).
        internal_efficacy_gain: f64 = 0.01;
            SHARE, "share", "Lisbon citizens' assembly evidence (direction; size assumed)";
        /// Rise in council trust when the council visibly acts on one's input.
        council_trust_gain_when_acted: f64 = 0.04;
            SHARE, "share", "Lisbon citizens' assembly evidence (direction; size assumed)";
        /// Fall in council trust when one's input is ignored.
        council_trust_loss_when_ignored: f64 = 0.02;
            SHARE, "share", "Climate Assembly UK follow-ups (an unanswered assembly lowers trust; sign); size assumed (0.5-1 × the gain)";
        /// Fall in council trust, before blame is shared, when a council venue one used closes
        /// (a cut in its hours counts as the share of hours lost).
        council_trust_loss_per_cut: f64 = 0.04;
            SHARE, "share", "assumed (0-0.08)";
        /// Fall in external efficacy when a council venue one used closes (a cut in its hours
        /// counts as the share of hours lost).
        efficacy_loss_per_cut: f64 = 0.01;
            SHARE, "share", "Fetzer 2019 Table 4 (a personal benefit cut: about 0.02 on a 0-1 scale, taken as an upper bound); size assumed (0-0.02)";
        /// Share of the blame for a cut that residents lay on the council rather than central
        /// government; scales the fall in council trust.
        blame_council_share: f64 = 0.35;
            SHARE, "share", "YouGov 2011 and 2014, Ipsos MORI for NLGN 2013 (26-29% blame the council, 29-42% central government); allocation of 'both' assumed (0.3-0.4)";
        /// How fast attitudes drift back to a resident's own anchor, per week.
        attitude_relaxation_per_week: f64 = 0.01;
            number(0.0, 1.0), "share per week", "assumed";
        /// Mean anchor of council trust.
        council_trust_anchor: f64 = 0.36;
            SHARE, "share", "assumed";
        /// Mean anchor of external efficacy ("the council listens").
        efficacy_external_anchor: f64 = 0.41;
            SHARE, "share", "calibrated: Community Life Survey 2016/17-2019/20";
        /// Mean anchor of internal efficacy ("I can make a difference").
        efficacy_internal_anchor: f64 = 0.46;
            SHARE, "share", "calibrated: Community Life Survey 2016/17-2019/20";
        /// Spread of anchors between residents.
        anchor_spread: f64 = 0.14;
            number(0.0, 0.5), "standard deviation", "assumed";
        /// Share of residents' requests that fall within the council's powers when none are
        /// devolved; devolved powers widen it: scope = this + (1 − this) × devolved powers.
        request_scope_without_powers: f64 = 0.5;
            SHARE, "share", "assumed (0.3-0.7)";
        /// How much a council that has lost capacity fails to fund what it would act on: the
        /// chance a request in scope is funded is 1 − this × (1 − capacity).
        response_capacity_weight: f64 = 1.0;
            SHARE, "share", "assumed (0.5-1)";
        /// Consultations a year that on their own make the opportunities to take part full.
        consultations_for_full_opportunity: f64 = 13.0;
            number(1.0, 52.0), "events per year", "assumed (one a month or so; 6-26)";
        /// Opportunities to take part per unit of participatory-budget share: a tenth of the
        /// discretionary budget decided by residents adds as much as about two and a half
        /// consultations a year (turnout in English participatory-budgeting votes is a few per
        /// cent of residents).
        opportunity_per_participatory_share: f64 = 2.0;
            number(0.0, 20.0), "opportunities per share", "DCLG/SQW 2011 (participatory budgeting widens who takes part; sign); size assumed (1-3)";
        /// Opportunities to take part per unit of devolved powers (more is decided locally).
        opportunity_per_power: f64 = 0.2;
            number(0.0, 5.0), "opportunities per unit of powers", "assumed (0-0.4)";
        /// How much a council that has lost capacity offers fewer opportunities: they are scaled
        /// by 1 − this × (1 − capacity).
        opportunity_capacity_weight: f64 = 0.5;
            SHARE, "share", "assumed (0.25-0.75)";
        /// Share of the budget that central cuts do not reach from when fiscal powers are
        /// devolved (raised and kept locally): each austerity cut falls on 1 − this of it.
        fiscal_autonomy: f64 = 0.0;
            SHARE, "share", "scenario choice (IFS 2019: councils raised 70-80% of revenue locally by 2019-20, less where deprived; austerity's cuts are already net of that)";
        /// Devolved powers that `big_bang = true` sets.
        big_bang_powers: f64 = 0.8;
            SHARE, "share", "scenario choice";
        /// Council openness that `big_bang = true` sets.
        big_bang_openness: f64 = 0.7;
            SHARE, "share", "scenario choice";
        /// Devolved budget that `big_bang = true` adds, GBP a year.
        big_bang_budget_gbp: f64 = 1_000_000.0;
            number(0.0, 1e10), "GBP per year", "scenario choice";
        /// Participatory-budget share that `big_bang = true` sets.
        big_bang_participatory_budget_share: f64 = 0.1;
            SHARE, "share", "scenario choice";
        /// Fiscal autonomy that `big_bang = true` sets.
        big_bang_fiscal_autonomy: f64 = 0.0;
            SHARE, "share", "scenario choice";
        /// A deprivation-weighted austerity cut is scaled by this + the town's mean ward
        /// deprivation (so by 1 at a mean deprivation of 1 − this).
        austerity_deprivation_base: f64 = 0.5;
            number(0.0, 10.0), "multiplier", "assumed (0.25-0.75; the sign from NAO 2018: deprived councils lost most)";
    }
}

section! {
    /// Venue economics (mechanism: economy).
    pub struct Economy {
        /// Yearly closure hazard of a pub whose takings just cover its running costs; a pub
        /// trading at margin m closes at this × exp(−pub_margin_sensitivity × m).
        pub_closure_rate_at_break_even: f64 = 0.18;
            number(0.0, 1.0), "rate per year", "calibrated: the no-intervention town loses pubs at about the ONS rate (Economies of ale, 2018: 1.8% a year 2001-18, 2.5% a year 2008-18; data/targets/pubs.csv)";
        /// How strongly a pub's trading margin (takings / costs − 1, within [−1, 1]) moves its
        /// closure hazard (plausible range 2–4).
        pub_margin_sensitivity: f64 = 3.0;
            number(0.0, 20.0), "per unit margin", "assumed: a tenth less spend raises a marginal pub's hazard by 20-50% (docs/evidence/places.md §2; no estimate found)";
        /// Share of the town's spending that comes from the council's budget (local jobs and
        /// contracts): spend per visit falls by this × the share of the budget cut (plausible
        /// range 0.02–0.1).
        council_share_of_local_spending: f64 = 0.04;
            SHARE, "share", "assumed: a council budget of 9m GBP a year against local household income of very roughly 200-250m GBP";
        /// Spend per visit falls by this share times ward deprivation.
        spend_deprivation_discount: f64 = 0.3;
            SHARE, "share", "assumed";
        /// Share of running cost saved when volunteers run a transferred venue.
        community_cost_saving: f64 = 0.4;
            SHARE, "share", "assumed";
    }
}

section! {
    /// Community groups (mechanism: groups).
    pub struct Groups {
        /// Groups at the start.
        count: u32 = 20;
            whole(0, 10_000), "groups", "assumed";
        /// Share of residents in at least one group at the start.
        initial_membership_share: f64 = 0.28;
            SHARE, "share", "assumed";
        /// Members at which a group is at full capacity.
        members_for_full_capacity: u32 = 60;
            whole(1, 100_000), "members", "assumed";
        /// Weekly chance that a member leaves, at belonging 0 (halved at belonging 1).
        leave_per_week: f64 = 0.004;
            number(0.0, 1.0), "probability per week", "assumed";
        /// Weekly chance of joining a group that meets where one went this week (doubled for those
        /// who took part in civic life that week).
        join_per_week: f64 = 0.004;
            number(0.0, 1.0), "probability per week", "assumed";
        /// Yearly chance that an active group folds, with the council's budget steady
        /// (plausible range 0.02–0.06).
        fold_rate_per_year: f64 = 0.03;
            SHARE, "rate per year", "Charity Commission 2024; Civil Society 2025 (about 2.5-3% of charities removed from the register a year; a lower bound for informal groups)";
        /// New groups a year per active group, with the venues of the start open (plausible
        /// range 0.02–0.04); in proportion to open venues.
        formation_rate_per_year: f64 = 0.03;
            number(0.0, 1.0), "groups per group per year", "Charity Commission 2024; Civil Society 2025 (about 3% added a year); dependence on venues assumed (Soteri-Proctor 2011)";
        /// Mean weeks a group with no members lasts before it is wound up (a new group looking
        /// for its first members, or one whose last member left): it folds with chance 1 / this
        /// each week.
        empty_group_weeks: f64 = 26.0;
            number(1.0, 520.0), "weeks", "assumed (8-52)";
        /// How much a council that has lost capacity (grants cut) raises the fold rate:
        /// × (1 + this × lost share of the discretionary budget).
        grant_dependence: f64 = 1.0;
            number(0.0, 10.0), "multiplier", "assumed; grants to the voluntary sector halved 2009/10-2012/13 (NCVO 2022)";
        /// Volunteer hours a member gives per week.
        volunteer_hours_per_member: f64 = 1.5;
            number(0.0, 40.0), "hours per week", "assumed";
        /// How much full belonging lowers a member's weekly chance of leaving:
        /// × (1 − this × belonging).
        leave_belonging_damping: f64 = 0.5;
            SHARE, "share", "assumed (0.25-0.75)";
        /// How much more likely to join a group someone is in a week they took part in civic life.
        join_participant_multiplier: f64 = 2.0;
            number(0.0, 20.0), "multiplier", "assumed (1-3)";
        /// Share of a group's capacity that comes from money (grants); the rest comes from
        /// members.
        capacity_money_weight: f64 = 0.2;
            SHARE, "share", "assumed (0.1-0.4)";
        /// Yearly grant income at which money stops adding to a group's capacity.
        full_funding_gbp_per_year: f64 = 5000.0;
            number(1.0, 10_000_000.0), "GBP per year", "assumed (2,500-10,000)";
    }
}

section! {
    /// The local labour market (mechanism: jobs) and what the out-of-work live on.
    pub struct JobsParams {
        /// Whether working-age residents lose and find jobs week by week (and the young's
        /// leaving answers the town's unemployment). Off, employment
        /// changes only with age and by `job_loss` events, as in earlier versions of the model.
        enabled: bool = false;
            FLAG, "-", "scenario choice";
        /// Share of employed residents who lose their job (move into unemployment) in a year.
        separation_rate_per_year: f64 = 0.025;
            SHARE, "rate per year", "UK Data Service, LFS five-quarter longitudinal datasets (SN 5958, SN 6796), derived flow variable: of those employed in the first quarter, about 2.3-2.5% were unemployed at a later quarter of the year (plausible range 0.015-0.04)";
        /// Jobs an open pub provides (full- and part-time).
        jobs_per_pub: f64 = 6.0;
            number(0.0, 100.0), "jobs per venue", "assumed (3-12)";
        /// Jobs any other open venue provides (library, centre, hall, club, place of worship,
        /// park).
        jobs_per_other_venue: f64 = 2.0;
            number(0.0, 100.0), "jobs per venue", "assumed (0.5-5)";
        /// What an out-of-work resident lives on, GBP a week: money pressure on outings is
        /// doubled for the out of work at this income and scaled by this / (this + benefit
        /// change) when benefits change.
        out_of_work_income_gbp_per_week: f64 = 74.96;
            number(1.0, 10_000.0), "GBP per week", "DWP Universal Credit standard allowance, single claimant 25 or over, 2021/22 without the uplift: 324.84 GBP a month (Trivallis 2021; Halton Housing 2021) = 74.96 a week";
    }
}

section! {
    /// Residents leaving and arriving (mechanism: turnover).
    pub struct Turnover {
        /// Share of residents who move away in a year, on average.
        leave_rate_per_year: f64 = 0.05;
            number(0.0, 1.0), "rate per year", "assumed";
        /// Residents younger than this move more.
        young_age_years: f64 = 30.0;
            number(16.0, 100.0), "years", "assumed";
        /// How much more the young move.
        young_multiplier: f64 = 2.0;
            number(0.0, 10.0), "multiplier", "assumed";
        /// How much low belonging raises moving: × (1 + this × (1 − belonging)).
        belonging_weight: f64 = 1.0;
            number(0.0, 10.0), "multiplier", "assumed";
        /// Annual mortality at 80, doubling every 8 years of age.
        mortality_at_80_per_year: f64 = 0.06;
            number(0.0, 1.0), "rate per year", "assumed";
        /// Youngest age at which newcomers arrive (evenly between this and the oldest).
        newcomer_age_min_years: f64 = 18.0;
            number(16.0, 105.0), "years", "assumed (16-20): moving peaks at 19 (ONS, Internal migration by local authorities in England and Wales, year ending June 2013)";
        /// Oldest age at which newcomers arrive. With the leaving rates it sets the age
        /// structure the town keeps, from which its founders are drawn.
        newcomer_age_max_years: f64 = 60.0;
            number(16.0, 105.0), "years", "assumed (45-75)";
        /// Ties a newcomer arrives with (neighbours, family).
        newcomer_ties: u32 = 2;
            whole(0, 16), "ties", "assumed";
        /// Strength of each tie a newcomer arrives with, on both sides.
        newcomer_tie_strength: f64 = 0.3;
            SHARE, "tie strength", "assumed (0.15-0.5)";
        /// Age at which a student starts work (ageing, and the students of the town at the start).
        student_work_age_years: f64 = 22.0;
            number(16.0, 100.0), "years", "assumed (18-25)";
        /// Age at which a worker or an unemployed resident retires (ageing, and the retired of
        /// the town at the start).
        retirement_age_years: f64 = 66.0;
            number(16.0, 120.0), "years", "Pensions Act 2011, s. 1 (UK Parliament 2011): state pension age 66 for men and women from October 2020 (range 60-68 over 2010-2046)";
        /// With the labour market on (`jobs.enabled`), how much a rise in the town's
        /// unemployment since the start raises the young's moving: × (1 + this × rise), the rise
        /// a share of working-age residents (0.05 is five points).
        young_unemployment_response: f64 = 4.0;
            number(0.0, 100.0), "per unit share", "Langella & Manning 2022, Residential mobility and unemployment in the UK, Labour Economics 75 (local unemployment raises out-migration and deters in-migration about equally; sign); size assumed (0-10)";
        /// With the labour market on (`jobs.enabled`), the weekly chance that a home a leaver
        /// left empty is let to a newcomer while the town has the jobs it started with. Set so
        /// that the town keeps the share of homes empty that it settles at in the warm-up:
        /// about 4%, as in the coalfield regions.
        let_chance_per_week: f64 = 0.038;
            SHARE, "chance per week", "calibrated: vacant dwellings 4.0-4.5% of the stock in 2008 in the North East, Yorkshire and the Humber and the East Midlands (DCLG vacant dwellings, the series of live table 615, in Hansard HC Deb 21 May 2009 cols 1534W-1536W)";
        /// With the labour market on, how the chance of letting an empty home follows the
        /// town's jobs: × (jobs now / jobs at the start)^this. 0 lets homes as fast whatever
        /// the jobs.
        let_jobs_exponent: f64 = 1.0;
            number(0.0, 10.0), "exponent", "Langella & Manning 2022, Residential mobility and unemployment in the UK, Labour Economics 75 (local unemployment deters in-migration; sign); size assumed (0.5-2)";
    }
}

section! {
    /// Political outcomes: local-election turnout and support for an anti-system (radical-right,
    /// Leave-style) party (mechanism: politics). Each resident's two probabilities are logits of
    /// their belonging, trust and efficacy, and of pub losses in their ward; nothing here feeds
    /// back into the other mechanisms.
    pub struct PoliticsParams {
        /// v0: the turnout logit before any term.
        turnout_intercept: f64 = -3.1;
            number(-20.0, 20.0), "logit weight",
            "calibrated: local-election turnout in coalfield councils 24-36% (Barnsley 2024, Doncaster 2021, Rotherham 2014, County Durham 2021)";
        /// v1: weight of agency (mean of internal and external efficacy). 1 makes a rise of 0.1
        /// in agency raise turnout by about 2 points near 30%.
        turnout_agency_weight: f64 = 1.0;
            number(0.0, 10.0), "logit weight",
            "Abreu & Jones 2021 (low efficacy, low turnout; sign); size assumed (1-3 points per 0.1 of efficacy: 0.5-1.5)";
        /// v2: weight of generalised trust.
        turnout_trust_weight: f64 = 0.5;
            number(0.0, 10.0), "logit weight",
            "Purdam & Ford 2018; Abreu & Jones 2021 (trust raises turnout; sign); size assumed (0-1)";
        /// v3: weight of belonging.
        turnout_belonging_weight: f64 = 0.5;
            number(0.0, 10.0), "logit weight", "assumed (0-1)";
        /// v4: added for a resident who took part in civic life in the last year.
        turnout_participation_weight: f64 = 1.0;
            number(0.0, 10.0), "logit weight",
            "Purdam & Ford 2018 (interest and civic duty raise turnout; sign); size assumed (0.5-1.5)";
        /// v5: per decade of age over 16 (turnout rises with age).
        turnout_age_weight_per_decade: f64 = 0.25;
            number(0.0, 5.0), "logit weight",
            "Purdam & Ford 2018; Ipsos MORI estimates in Guardian 2017 (young adults vote less; sign); size assumed (0.1-0.4)";
        /// a0: the anti-system logit before any term.
        anti_intercept: f64 = -4.75;
            number(-20.0, 20.0), "logit weight",
            "calibrated: about 10% of adults in the first year (assumed level: twice the 4.7% UKIP support of Fetzer 2019's Understanding Society sample, for a deprived Leave-voting town; range 5-15%)";
        /// a1: weight of 1 − belonging (detachment from the place).
        anti_belonging_weight: f64 = 1.0;
            number(0.0, 10.0), "logit weight",
            "Bolet 2021 (loss of local social life, sign); size assumed (0-2)";
        /// a2: weight of 1 − generalised trust.
        anti_trust_weight: f64 = 1.5;
            number(0.0, 10.0), "logit weight",
            "Abreu & Jones 2021 (low trust, disengagement; sign); size assumed (0-3)";
        /// a3: weight of 1 − council trust.
        anti_council_trust_weight: f64 = 1.0;
            number(0.0, 10.0), "logit weight", "assumed (0-2)";
        /// a4: weight of 1 − external efficacy ("officials don't care").
        anti_efficacy_weight: f64 = 1.0;
            number(0.0, 10.0), "logit weight",
            "Fetzer 2019 Tables 2 and 4 (cuts raise both 'officials don't care' and UKIP support; sign); size assumed (0-2)";
        /// a5: added for a resident out of work.
        anti_out_of_work_weight: f64 = 0.3;
            number(-5.0, 5.0), "logit weight",
            "Becker, Fetzer & Novy 2017 (low income and unemployment drive the Leave share; sign); size assumed (0-0.6)";
        /// a6: weight of the ward's pub loss: (pubs open `pub_loss_window_weeks` ago − pubs open
        /// now) / pubs open then, at least 0. One closure among a ward's two to four pubs raises
        /// support by about 2-5 points.
        anti_pub_loss_weight: f64 = 0.8;
            number(0.0, 10.0), "logit weight",
            "Bolet 2021 (+4.3 points per community-pub closure relative to the district's stock); sized so that one closure among a ward's two to four pubs gives +2 to +5 points, the cap the evidence note proposes for a town (assumed, 0-1.6)";
        /// The window over which a ward's pub loss is measured, weeks.
        pub_loss_window_weeks: u32 = 156;
            whole(1, 1040), "weeks",
            "Bolet 2021 (UK panel 2013-2016, three years); window assumed (52-260)";
    }
}
