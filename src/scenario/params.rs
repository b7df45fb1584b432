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
}

const fn p(path: &'static str, unit: &'static str, min: f64, max: f64) -> ParamSpec {
    ParamSpec {
        path,
        unit,
        min,
        max,
    }
}

const SHARE: &str = "share in [0,1]";
const WEIGHT: &str = "logit weight";
const WEEKLY: &str = "probability per week";
const YEARLY: &str = "rate per year";

/// Every numeric parameter. Booleans, names and enumerations are checked by their types.
pub const PARAMS: &[ParamSpec] = &[
    p("time.start_year", "calendar year", 1900.0, 2100.0),
    p("time.years", "years", 1.0, 100.0),
    p("time.warmup_weeks", "weeks", 0.0, 520.0),
    p("town.residents", "adults", 50.0, 2_000_000.0),
    p("town.wards[].deprivation", SHARE, 0.0, 1.0),
    p("town.wards[].housing_share", SHARE, 0.0, 1.0),
    p("town.wards[].centre_km[]", "km", -100.0, 100.0),
    p("town.wards[].radius_km", "km", 0.05, 20.0),
    p("residents.age_min_years", "years", 16.0, 100.0),
    p("residents.age_max_years", "years", 16.0, 105.0),
    p("residents.former_miner_share_over_50", SHARE, 0.0, 1.0),
    p("residents.unemployment_rate", SHARE, 0.0, 1.0),
    p(
        "residents.unemployment_deprivation_gradient",
        "multiplier",
        0.0,
        5.0,
    ),
    p("residents.outings_per_week", "outings per week", 0.0, 20.0),
    p(
        "residents.sociability_spread",
        "coefficient of variation",
        0.0,
        2.0,
    ),
    p("residents.identity_features", "features", 1.0, 16.0),
    p(
        "residents.identity_traits",
        "traits per feature",
        1.0,
        100.0,
    ),
    p("residents.trustworthiness_mean", SHARE, 0.0, 1.0),
    p(
        "residents.trustworthiness_spread",
        "standard deviation",
        0.0,
        0.5,
    ),
    p(
        "residents.trustworthiness_deprivation_gradient",
        SHARE,
        0.0,
        1.0,
    ),
    p("residents.initial_ties", "ties", 0.0, 16.0),
    p("residents.local_tie_share", SHARE, 0.0, 1.0),
    p("residents.max_ties", "ties", 1.0, 16.0),
    p("venues.*.count", "venues", 0.0, 100_000.0),
    p("venues.*.capacity", "people", 1.0, 100_000.0),
    p("venues.*.quality", SHARE, 0.0, 1.0),
    p("venues.*.quality_spread", "standard deviation", 0.0, 0.5),
    p("venues.*.weekly_cost_gbp", "GBP per week", 0.0, 1e7),
    p("venues.*.visit_cost_gbp", "GBP per visit", 0.0, 1000.0),
    p("venues.*.preference", WEIGHT, -10.0, 10.0),
    p("outings.distance_exponent", "exponent", 0.0, 5.0),
    p("outings.distance_offset_km", "km", 0.01, 10.0),
    p("outings.quality_weight", WEIGHT, 0.0, 10.0),
    p("outings.friends_weight", WEIGHT, 0.0, 10.0),
    p(
        "outings.cost_weight_per_gbp",
        "logit weight per GBP",
        0.0,
        5.0,
    ),
    p("outings.nearest_per_kind", "venues", 1.0, 8.0),
    p("outings.group_attendance", SHARE, 0.0, 1.0),
    p("outings.max_per_week", "outings", 1.0, 14.0),
    p(
        "encounters.per_visit_at_capacity",
        "encounters per visit",
        0.0,
        50.0,
    ),
    p("encounters.occupancy_exponent", "exponent", 0.0, 3.0),
    p("encounters.friend_meeting_probability", SHARE, 0.0, 1.0),
    p("encounters.similarity_weight", SHARE, 0.0, 1.0),
    p("encounters.quality_weight", SHARE, 0.0, 1.0),
    p("encounters.new_tie_probability", SHARE, 0.0, 1.0),
    p("encounters.tie_gain", "tie strength", 0.0, 1.0),
    p("encounters.tie_decay_per_week", "share per week", 0.0, 1.0),
    p("encounters.tie_drop_below", "tie strength", 0.0, 1.0),
    p("trust.prior_mean", SHARE, 0.0, 1.0),
    p("trust.prior_spread", "standard deviation", 0.0, 0.5),
    p("trust.prior_strength", "pseudo-encounters", 0.1, 1000.0),
    p("trust.weight_per_encounter", "pseudo-encounters", 0.0, 10.0),
    p("trust.prior_deprivation_gradient", SHARE, 0.0, 1.0),
    p("trust.memory_per_week", "share kept per week", 0.0, 1.0),
    p("trust.trusting_threshold", SHARE, 0.0, 1.0),
    p("belonging.adjustment_per_week", "share per week", 0.0, 1.0),
    p("belonging.intercept", WEIGHT, -20.0, 20.0),
    p("belonging.local_ties_weight", WEIGHT, 0.0, 10.0),
    p("belonging.local_visits_weight", WEIGHT, 0.0, 10.0),
    p("belonging.amenity_weight", WEIGHT, 0.0, 10.0),
    p("belonging.closure_weight", WEIGHT, 0.0, 10.0),
    p("belonging.closure_memory_weeks", "weeks", 1.0, 1040.0),
    p("belonging.age_weight_per_decade", WEIGHT, 0.0, 5.0),
    p("belonging.former_miner_weight", WEIGHT, -5.0, 5.0),
    p("belonging.belonging_threshold", SHARE, 0.0, 1.0),
    p("participation.intercept", WEIGHT, -20.0, 20.0),
    p("participation.agency_weight", WEIGHT, 0.0, 20.0),
    p("participation.peer_weight", WEIGHT, 0.0, 20.0),
    p("participation.belonging_weight", WEIGHT, 0.0, 20.0),
    p("participation.cost_weight", WEIGHT, 0.0, 20.0),
    p("participation.opportunity_weight", WEIGHT, 0.0, 20.0),
    p("participation.group_member_weight", WEIGHT, 0.0, 20.0),
    p("participation.influence_threshold", SHARE, 0.0, 1.0),
    p("council.yearly_budget_gbp", "GBP per year", 0.0, 1e12),
    p(
        "council.real_terms_change_per_year",
        "share per year",
        -0.5,
        0.5,
    ),
    p("council.statutory_share", SHARE, 0.0, 1.0),
    p("council.venue_share", SHARE, 0.0, 1.0),
    p("council.grant_share", SHARE, 0.0, 1.0),
    p("council.participatory_budget_share", SHARE, 0.0, 1.0),
    p("council.closure_grace_weeks", "weeks", 0.0, 520.0),
    p("council.openness", SHARE, 0.0, 1.0),
    p("council.devolved_powers", SHARE, 0.0, 1.0),
    p(
        "council.consultations_per_year",
        "events per year",
        0.0,
        52.0,
    ),
    p("council.transfer_capacity_threshold", SHARE, 0.0, 1.0),
    p("council.efficacy_gain_when_acted", SHARE, 0.0, 1.0),
    p("council.efficacy_loss_when_ignored", SHARE, 0.0, 1.0),
    p("council.internal_efficacy_gain", SHARE, 0.0, 1.0),
    p("council.council_trust_gain_when_acted", SHARE, 0.0, 1.0),
    p("council.council_trust_loss_per_closure", SHARE, 0.0, 1.0),
    p(
        "council.attitude_relaxation_per_week",
        "share per week",
        0.0,
        1.0,
    ),
    p("council.council_trust_anchor", SHARE, 0.0, 1.0),
    p("council.efficacy_external_anchor", SHARE, 0.0, 1.0),
    p("council.efficacy_internal_anchor", SHARE, 0.0, 1.0),
    p("council.anchor_spread", "standard deviation", 0.0, 0.5),
    p("council.capacity_anchor_weight", SHARE, 0.0, 1.0),
    p("economy.pub_loss_weeks", "weeks", 1.0, 520.0),
    p("economy.small_pub_closure_rate_per_year", YEARLY, 0.0, 1.0),
    p("economy.large_pub_closure_rate_per_year", YEARLY, 0.0, 1.0),
    p("economy.small_pub_capacity", "people", 0.0, 100_000.0),
    p("economy.spend_deprivation_discount", SHARE, 0.0, 1.0),
    p("economy.community_cost_saving", SHARE, 0.0, 1.0),
    p("groups.count", "groups", 0.0, 10_000.0),
    p("groups.initial_membership_share", SHARE, 0.0, 1.0),
    p(
        "groups.members_for_full_capacity",
        "members",
        1.0,
        100_000.0,
    ),
    p("groups.leave_per_week", WEEKLY, 0.0, 1.0),
    p("groups.join_per_week", WEEKLY, 0.0, 1.0),
    p(
        "groups.volunteer_hours_per_member",
        "hours per week",
        0.0,
        40.0,
    ),
    p("turnover.leave_rate_per_year", YEARLY, 0.0, 1.0),
    p("turnover.young_age_years", "years", 16.0, 100.0),
    p("turnover.young_multiplier", "multiplier", 0.0, 10.0),
    p("turnover.belonging_weight", "multiplier", 0.0, 10.0),
    p("turnover.mortality_at_80_per_year", YEARLY, 0.0, 1.0),
    p("turnover.newcomer_ties", "ties", 0.0, 16.0),
    p("events[].count", "venues", 1.0, 100_000.0),
    p(
        "events[].week",
        "week of the year",
        1.0,
        WEEKS_PER_YEAR as f64,
    ),
];

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
        let super::Event::Close { ward, .. } = e;
        if let Some(name) = ward
            && !wards.iter().any(|w| &w.name == name)
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
        let mut s = Scenario::default();
        s.events.push(super::super::Event::Close {
            year: 2012,
            week: 1,
            venue_kind: VenueKind::Library,
            count: 1,
            ward: None,
        });
        let tree = serde_json::to_value(&s).unwrap();
        for spec in PARAMS {
            let mut found = Vec::new();
            collect(&tree, spec.path, String::new(), &mut found);
            assert!(!found.is_empty(), "{} names nothing", spec.path);
        }
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
