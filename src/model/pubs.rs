//! Step 9, pub trade: whether each pub pays its way, and the chance that it closes.
//!
//! Rule: a pub's takings over the last four weeks are its visits × spend per visit, where
//! spend per visit = `visit_cost_gbp` × (1 − `spend_deprivation_discount` × ward deprivation)
//! × local spending, and local spending = 1 − `council_share_of_local_spending` × (1 − the
//! council's budget now / at the start), so that council cuts (fewer local jobs and contracts)
//! take money out of the town's tills and a devolved budget puts some back. Its trading margin
//! is takings / running costs − 1, held within [−1, 1]. Each week it closes with the weekly
//! equivalent of the yearly hazard
//!
//!   h = `pub_closure_rate_at_break_even` × exp(−`pub_margin_sensitivity` × margin),
//!
//! so that custom, costs and local spending reach closures: a pub that only breaks even closes
//! at the reference rate, a thriving one rarely, a losing one often. The reference rate is
//! calibrated so that the no-intervention town loses pubs at about the ONS rate (Economies of
//! ale, 2018: UK pubs and bars fell from about 52,500 in 2001 and 50,000 in 2008 to 38,815 in
//! 2018, 1.8% a year over 2001–18 and 2.5% a year over 2008–18; data/targets/pubs.csv). The
//! sensitivity is assumed: no regression of closures on local spending was found, and a 10%
//! fall in spend per visit is taken to raise a marginal pub's hazard by 20–50%
//! (docs/evidence/places.md §2). A pub shut by a lockdown neither trades nor closes (support
//! schemes). A closing pub may go into a right-to-bid moratorium (right_to_bid.rs). Nothing
//! closes during the warm-up.

use super::components::*;
use super::venues::{Ledger, cause};
use super::weekly_from_yearly;
use crate::rng::{Purpose, RngExt};
use crate::scenario::{Economy, VenueKind};
use bevy_ecs::prelude::*;

/// Local spending relative to the start: what council cuts (or a devolved budget) do to the
/// money residents spend.
pub fn local_spending(e: &Economy, budget_now_gbp: f64, budget_at_start_gbp: f64) -> f64 {
    let ratio = budget_now_gbp / budget_at_start_gbp.max(1.0);
    (1.0 - e.council_share_of_local_spending * (1.0 - ratio)).max(0.0)
}

/// A pub's trading margin: takings over running costs, less one, within [−1, 1].
pub fn margin(takings_gbp: f64, costs_gbp: f64) -> f64 {
    if costs_gbp <= 0.0 {
        return 1.0;
    }
    (takings_gbp / costs_gbp - 1.0).clamp(-1.0, 1.0)
}

/// The yearly closure hazard of a pub trading at `margin`.
pub fn yearly_hazard(e: &Economy, margin: f64) -> f64 {
    (e.pub_closure_rate_at_break_even * libm::exp(-e.pub_margin_sensitivity * margin)).min(1.0)
}

#[allow(clippy::too_many_arguments)]
pub fn pubs(
    mut venues: Query<&mut Venue>,
    venue_index: Res<VenueIndex>,
    mut groups: Query<&mut Group>,
    group_index: Res<GroupIndex>,
    council: Res<CouncilState>,
    wards: Res<Wards>,
    config: Res<Config>,
    seeds: Res<RunSeeds>,
    mut ledger: Ledger,
) {
    let clock = *ledger.clock;
    if clock.warming_up() {
        return;
    }
    let s = &config.0;
    let e = &s.economy;
    let spending = local_spending(
        e,
        council.yearly_budget_gbp + council.devolved_budget_gbp,
        s.council.yearly_budget_gbp,
    );
    for &entity in &venue_index.0 {
        let Ok(mut v) = venues.get_mut(entity) else {
            continue;
        };
        if !v.usable(clock.tick()) || v.kind != VenueKind::Pub {
            continue;
        }
        let dep = f64::from(wards.deprivation[v.ward as usize]);
        let spend = f64::from(v.visit_cost_gbp) * (1.0 - e.spend_deprivation_discount * dep);
        let takings = f64::from(v.visits_last_4_weeks()) * spend * spending;
        let costs = f64::from(v.weekly_cost_gbp) * RECENT_WEEKS as f64;
        let yearly = yearly_hazard(e, margin(takings, costs));
        v.closure_hazard = yearly as f32;
        let hazard = weekly_from_yearly(yearly);
        let mut rng = seeds
            .0
            .tick_stream(Purpose::Economy, u64::from(v.id), clock.step);
        if rng.random::<f64>() < hazard {
            let cause = if takings < costs {
                cause::UNPROFITABLE
            } else {
                cause::SOLD_UP
            };
            ledger.close_or_transfer(
                &mut v,
                &mut groups,
                &group_index,
                council.community_right_to_bid,
                cause,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three pubs and a library, £1,000 a week to run and £10 a visit: pub 0 in a ward
    /// without deprivation sells 400 visits in four weeks (its costs, £4,000), pub 1 as many in
    /// a ward of deprivation 0.5, pub 2 four times as many, pub 3 is shut by a lockdown. One
    /// week of trade with the council's budget as at the start, and cut to 70% of it.
    #[test]
    fn one_week_gives_each_pub_the_headers_hazard_from_its_takings() {
        use crate::model::testing;
        use crate::scenario::{Owner, Scenario};
        use bevy_ecs::system::RunSystemOnce;

        for budget_share in [1.0, 0.7] {
            let s = Scenario::default();
            let e = s.economy.clone();
            let start = s.council.yearly_budget_gbp;
            let mut venues = Vec::new();
            for (id, ward, visits) in [(0u16, 0u16, 100u32), (1, 1, 100), (2, 0, 400), (3, 0, 100)]
            {
                let mut v = testing::venue(id, VenueKind::Pub, Owner::Private);
                v.ward = ward;
                v.visits = [visits; RECENT_WEEKS];
                venues.push(v);
            }
            venues[3].shut_until = 10;
            let mut library = testing::venue(4, VenueKind::Library, Owner::Council);
            library.visits = [100; RECENT_WEEKS];
            venues.push(library);
            let mut w = testing::world(s, venues, Vec::new());
            w.insert_resource(Wards {
                names: vec!["a".into(), "b".into()],
                deprivation: vec![0.0, 0.5],
                amenity_at_start: vec![1.0, 1.0],
                residents_at_start: vec![1000, 1000],
            });
            w.resource_mut::<CouncilState>().yearly_budget_gbp = budget_share * start;
            w.run_system_once(pubs).unwrap();

            // The header's rule by hand.
            let spending = 1.0 - e.council_share_of_local_spending * (1.0 - budget_share);
            let costs = 1000.0 * 4.0;
            let hazard = |visits: f64, deprivation: f64| {
                let spend = 10.0 * (1.0 - e.spend_deprivation_discount * deprivation) * spending;
                let margin = (visits * spend / costs - 1.0).clamp(-1.0, 1.0);
                (e.pub_closure_rate_at_break_even * (-e.pub_margin_sensitivity * margin).exp())
                    .min(1.0)
            };
            let got = |id| f64::from(testing::venue_of(&w, id).closure_hazard);
            for (id, expected) in [(0, hazard(400.0, 0.0)), (1, hazard(400.0, 0.5))] {
                assert!(
                    (got(id) - expected).abs() < 1e-6,
                    "pub {id} at budget {budget_share}: {} against {expected}",
                    got(id)
                );
            }
            assert!(
                got(1) > got(0),
                "deprivation lowers spend and raises the hazard"
            );
            if budget_share == 1.0 {
                // Pays its way exactly: the break-even rate.
                assert_eq!(got(0), f64::from(e.pub_closure_rate_at_break_even as f32));
            } else {
                assert!(
                    got(0) > e.pub_closure_rate_at_break_even,
                    "cuts lower takings"
                );
            }
            // Thriving: the margin is held at 1.
            let thriving = e.pub_closure_rate_at_break_even * (-e.pub_margin_sensitivity).exp();
            assert!((got(2) - thriving).abs() < 1e-6, "{}", got(2));
            // A pub shut by a lockdown and a library are not traded.
            assert_eq!((got(3), got(4)), (0.0, 0.0));
        }
    }

    #[test]
    fn a_pub_that_only_breaks_even_closes_at_the_reference_rate() {
        let e = Economy::default();
        assert_eq!(yearly_hazard(&e, 0.0), e.pub_closure_rate_at_break_even);
        assert_eq!(margin(1000.0, 1000.0), 0.0);
    }

    #[test]
    fn losing_custom_raises_the_hazard_and_thriving_lowers_it() {
        let e = Economy::default();
        let at = |takings| yearly_hazard(&e, margin(takings, 1000.0));
        assert!(at(500.0) > at(900.0) && at(900.0) > at(1000.0) && at(1000.0) > at(1500.0));
        // A tenth less spend for a marginal pub: 20–50% more hazard (the evidence's bound).
        let rise = at(900.0) / at(1000.0);
        assert!((1.2..=1.5).contains(&rise), "{rise}");
        // Margins are held within [−1, 1].
        assert_eq!(at(0.0), at(-10.0));
        assert_eq!(at(2000.0), at(9000.0));
    }

    #[test]
    fn council_cuts_take_money_out_of_local_spending() {
        let e = Economy::default();
        assert_eq!(local_spending(&e, 9e6, 9e6), 1.0);
        let cut = local_spending(&e, 9e6 * 0.7, 9e6);
        assert!(cut < 1.0);
        assert!((1.0 - cut - 0.3 * e.council_share_of_local_spending).abs() < 1e-12);
        assert!(
            local_spending(&e, 9e6 * 1.1, 9e6) > 1.0,
            "a devolved budget adds"
        );
    }
}
