//! Step 2, the council budget: the week's money is split between statutory services, council
//! venues, grants to community groups and any participatory-budgeting pot.
//!
//! Rule: the yearly budget changes by `real_terms_change_per_year` at the start of each year.
//! Statutory services take `statutory_share` first (social care and the like, which councils
//! must fund; NAO 2018). Of the discretionary rest, `venue_share` runs council venues. When it
//! falls short of their running costs the council first cuts hours: its venues open for
//! `opening_share` = min(1, venue budget / running costs) of their usual hours, as councils cut
//! library, centre and park budgets through the 2010s before closing buildings (CIPFA 2019;
//! Heritage Lottery Fund 2016, State of UK Public Parks). When even `min_opening_share` of the
//! hours cannot be paid for longer than `closure_grace_weeks`, the council venue with the
//! fewest visits per pound closes (or passes to a community group under a right to bid), one at
//! a time; venues opened with outside funding are left out while it lasts, and so are libraries,
//! a statutory service that closes at the observed rate instead (libraries.rs).
//! `grant_share`, plus any extra grants an intervention pays, is shared among active groups by
//! size. Austerity cuts scheduled by an intervention are applied here, to the share of the
//! budget that fiscal autonomy does not shield (all of it unless devolution says otherwise), as
//! is a devolved budget, which adds to the discretionary budget.
//!
//! What residents can get from the council, each lever on its own step:
//! - opportunities to take part = (consultations a year / `consultations_for_full_opportunity`,
//!   plus `opportunity_per_participatory_share` × participatory-budget share, plus
//!   `opportunity_per_power` × devolved powers) × (1 − `opportunity_capacity_weight` ×
//!   (1 − capacity)), at most 1;
//! - the chance that a participant's input is acted on is the chance that it falls within the
//!   council's powers (`request_scope_without_powers`, widened by devolved powers), that the
//!   council is willing (openness), and that it can pay (1 − `response_capacity_weight` ×
//!   (1 − capacity)), where capacity is the discretionary budget relative to the start, at
//!   most 1. The budget reaches residents' efficacy and trust only through these and through
//!   the venues it keeps open (see council response).

use super::components::*;
use super::venues::Ledger;
use crate::scenario::{Owner, VenueKind, WEEKS_PER_YEAR};
use bevy_ecs::prelude::*;

#[allow(clippy::too_many_arguments)]
pub fn council_budget(
    mut council: ResMut<CouncilState>,
    config: Res<Config>,
    mut venues: Query<&mut Venue>,
    venue_index: Res<VenueIndex>,
    mut groups: Query<&mut Group>,
    group_index: Res<GroupIndex>,
    mut ledger: Ledger,
) {
    let clock = *ledger.clock;
    let c = &mut *council;
    let tick = clock.tick();
    if !clock.warming_up() && clock.week() == 1 && tick > 0 {
        c.yearly_budget_gbp *= 1.0 + c.real_terms_change_per_year;
    }
    // Austerity: the cuts scheduled by an intervention.
    if !clock.warming_up() && c.cuts_left > 0 && tick >= c.next_cut_tick {
        c.yearly_budget_gbp *= 1.0 - c.cut * (1.0 - c.fiscal_autonomy);
        c.statutory_share = (c.statutory_share + c.statutory_rise).min(0.95);
        c.cuts_left -= 1;
        c.next_cut_tick = tick + crate::scenario::WEEKS_PER_YEAR;
    }
    c.extra_grants.retain(|&(last, _)| tick <= last);
    let discretionary = c.yearly_budget_gbp * (1.0 - c.statutory_share) + c.devolved_budget_gbp;
    c.discretionary_gbp = discretionary;
    c.capacity = (discretionary / c.discretionary_at_start_gbp.max(1.0)).min(1.0);
    let k = &config.0.council;
    let lost = 1.0 - c.capacity;
    let in_scope =
        k.request_scope_without_powers + (1.0 - k.request_scope_without_powers) * c.devolved_powers;
    let funded = 1.0 - k.response_capacity_weight * lost;
    c.responsiveness = in_scope * c.openness * funded;
    c.opportunities = ((c.consultations_per_year / k.consultations_for_full_opportunity
        + k.opportunity_per_participatory_share * c.participatory_budget_share
        + k.opportunity_per_power * c.devolved_powers)
        * (1.0 - k.opportunity_capacity_weight * lost))
        .min(1.0);

    // Council venues.
    let weekly = |share: f64| discretionary * share / f64::from(WEEKS_PER_YEAR);
    let venue_budget = weekly(c.venue_share);
    let running: f64 = venue_index
        .0
        .iter()
        .filter_map(|&e| venues.get(e).ok())
        .filter(|v| v.open && v.owner == Owner::Council && tick >= v.funded_until)
        .map(|v| f64::from(v.weekly_cost_gbp))
        .sum();
    let opening_before = c.opening_share;
    c.opening_share = if running > 0.0 && !clock.warming_up() {
        (venue_budget / running).min(1.0)
    } else {
        1.0
    };
    c.hours_cut = (opening_before - c.opening_share).max(0.0);
    let min_share = config.0.council.min_opening_share;
    if running * min_share > venue_budget && !clock.warming_up() {
        c.shortfall_weeks += 1;
        if c.shortfall_weeks > config.0.council.closure_grace_weeks {
            let worst = venue_index
                .0
                .iter()
                .filter_map(|&e| venues.get(e).ok())
                .filter(|v| v.open && v.owner == Owner::Council && tick >= v.funded_until)
                .filter(|v| v.kind != VenueKind::Library)
                .map(|v| {
                    let per_pound = v.visits_last_4_weeks() as f32 / v.weekly_cost_gbp.max(1.0);
                    (per_pound, v.id)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            if let Some((_, id)) = worst
                && let Ok(mut v) = venues.get_mut(venue_index.0[id as usize])
            {
                ledger.close_or_transfer(
                    &mut v,
                    &mut groups,
                    &group_index,
                    c.community_right_to_bid,
                    super::venues::cause::COUNCIL_BUDGET,
                );
            }
            c.shortfall_weeks = 0;
        }
    } else {
        c.shortfall_weeks = 0;
    }

    // Grants, shared by membership.
    let extra: f64 = c.extra_grants.iter().map(|&(_, gbp)| gbp).sum();
    let pot = weekly(c.grant_share) + extra / f64::from(WEEKS_PER_YEAR);
    let members: u64 = groups
        .iter()
        .filter(|g| g.active)
        .map(|g| u64::from(g.members))
        .sum();
    for mut g in groups.iter_mut() {
        g.funding_gbp = if g.active && members > 0 {
            (pot * g.members as f64 / members as f64) as f32
        } else {
            0.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{self, group, group_of, venue, venue_of};
    use crate::scenario::Scenario;
    use bevy_ecs::system::RunSystemOnce;

    fn week(w: &mut World) {
        w.run_system_once(council_budget).unwrap();
        w.resource_mut::<Clock>().step += 1;
    }

    #[test]
    fn a_cut_reaches_only_the_budget_that_fiscal_autonomy_does_not_shield() {
        for autonomy in [0.0, 0.5] {
            let mut s = Scenario::default();
            s.council.fiscal_autonomy = autonomy;
            s.council.real_terms_change_per_year = 0.0;
            let (budget, statutory) = (s.council.yearly_budget_gbp, s.council.statutory_share);
            let mut w = testing::world(s, Vec::new(), Vec::new());
            {
                let mut c = w.resource_mut::<CouncilState>();
                (c.cuts_left, c.cut, c.statutory_rise, c.next_cut_tick) = (2, 0.2, 0.05, 0);
            }
            week(&mut w);
            let c = w.resource::<CouncilState>().clone();
            let kept = 1.0 - 0.2 * (1.0 - autonomy);
            assert!((c.yearly_budget_gbp - budget * kept).abs() < 1e-6);
            assert!((c.statutory_share - (statutory + 0.05)).abs() < 1e-12);
            assert_eq!((c.cuts_left, c.next_cut_tick), (1, 52));
            let capacity = budget * kept * (1.0 - statutory - 0.05) / (budget * (1.0 - statutory));
            assert!((c.capacity - capacity).abs() < 1e-12, "{}", c.capacity);
            // The next cut waits a year.
            for _ in 1..52 {
                week(&mut w);
            }
            assert_eq!(w.resource::<CouncilState>().cuts_left, 1);
            week(&mut w);
            let c = w.resource::<CouncilState>();
            assert_eq!(c.cuts_left, 0);
            assert!((c.yearly_budget_gbp - budget * kept * kept).abs() < 1e-6);
        }
    }

    #[test]
    fn lost_capacity_narrows_the_chance_of_an_answer_and_the_chances_to_take_part() {
        let mut s = Scenario::default();
        s.council.consultations_per_year = 6.5;
        s.council.devolved_powers = 0.5;
        s.council.participatory_budget_share = 0.1;
        s.council.openness = 0.4;
        let k = s.council.clone();
        let mut w = testing::world(s, Vec::new(), Vec::new());
        week(&mut w);
        let full = w.resource::<CouncilState>().clone();
        let in_scope =
            k.request_scope_without_powers + (1.0 - k.request_scope_without_powers) * 0.5;
        assert!((full.responsiveness - in_scope * 0.4).abs() < 1e-12);
        let offered = 6.5 / k.consultations_for_full_opportunity
            + k.opportunity_per_participatory_share * 0.1
            + k.opportunity_per_power * 0.5;
        assert!((full.opportunities - offered.min(1.0)).abs() < 1e-12);
        // A quarter of the discretionary budget gone: each falls by its capacity weight.
        w.resource_mut::<CouncilState>().yearly_budget_gbp *= 0.75;
        week(&mut w);
        let cut = w.resource::<CouncilState>().clone();
        assert!((cut.capacity - 0.75).abs() < 1e-12);
        let answered = in_scope * 0.4 * (1.0 - k.response_capacity_weight * 0.25);
        assert!((cut.responsiveness - answered).abs() < 1e-12);
        let offered = (offered * (1.0 - k.opportunity_capacity_weight * 0.25)).min(1.0);
        assert!((cut.opportunities - offered).abs() < 1e-12);
    }

    #[test]
    fn hours_are_cut_first_then_the_worst_value_venue_closes_but_not_a_library() {
        let mut s = Scenario::default();
        // A weekly venue budget of £1,200 against £3,000 of running costs: 40% of the hours.
        (s.council.statutory_share, s.council.venue_share) = (0.5, 0.5);
        s.council.yearly_budget_gbp = 1200.0 * 52.0 * 4.0;
        (s.council.min_opening_share, s.council.closure_grace_weeks) = (0.5, 3);
        s.council.community_right_to_bid = false;
        let mut busy = venue(0, VenueKind::CommunityCentre, Owner::Council);
        busy.visits = [40; RECENT_WEEKS];
        let mut quiet = venue(1, VenueKind::CommunityCentre, Owner::Council);
        quiet.visits = [10; RECENT_WEEKS];
        let library = venue(2, VenueKind::Library, Owner::Council);
        let pub_ = venue(3, VenueKind::Pub, Owner::Private);
        let mut w = testing::world(s, vec![busy, quiet, library, pub_], Vec::new());
        week(&mut w);
        let c = w.resource::<CouncilState>().clone();
        assert!((c.opening_share - 0.4).abs() < 1e-12 && (c.hours_cut - 0.6).abs() < 1e-12);
        for _ in 0..2 {
            week(&mut w);
        }
        assert_eq!(
            w.resource::<CouncilState>().hours_cut,
            0.0,
            "no further cut"
        );
        assert!((0..4).all(|id| venue_of(&w, id).open), "within the grace");
        week(&mut w);
        let open: Vec<bool> = (0..4).map(|id| venue_of(&w, id).open).collect();
        assert_eq!(
            open,
            [true, false, true, true],
            "the fewest visits per pound"
        );
        // £2,000 of running costs left: 60% of the hours, above the floor, so nothing more.
        for _ in 0..10 {
            week(&mut w);
        }
        assert!((w.resource::<CouncilState>().opening_share - 0.6).abs() < 1e-12);
        assert_eq!((0..4).filter(|&id| venue_of(&w, id).open).count(), 3);
    }

    #[test]
    fn grants_are_shared_among_active_groups_by_members() {
        let mut s = Scenario::default();
        s.council.grant_share = 0.1;
        let discretionary = s.council.yearly_budget_gbp * (1.0 - s.council.statutory_share);
        let mut folded = group(2, GroupKind::BrassBand, 50);
        folded.active = false;
        let groups = vec![
            group(0, GroupKind::SportsTeam, 30),
            group(1, GroupKind::ArtsGroup, 10),
            folded,
        ];
        let mut w = testing::world(s, Vec::new(), groups);
        w.resource_mut::<CouncilState>().extra_grants = vec![(0, 5200.0)];
        week(&mut w);
        let pot = discretionary * 0.1 / 52.0 + 100.0;
        let got: Vec<f32> = (0..3).map(|id| group_of(&w, id).funding_gbp).collect();
        assert!((f64::from(got[0]) - pot * 0.75).abs() < 0.01, "{got:?}");
        assert!((f64::from(got[1]) - pot * 0.25).abs() < 0.01, "{got:?}");
        assert_eq!(got[2], 0.0);
        // The extra grant ended with its last week.
        week(&mut w);
        assert!(w.resource::<CouncilState>().extra_grants.is_empty());
    }
}
