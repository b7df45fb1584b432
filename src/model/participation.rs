//! Step 7, participation: who takes part in civic life this week (a meeting, a consultation, a
//! campaign, volunteering for a group).
//!
//! Rule: P(take part) = σ(b0 + b1·agency + b2·share of ties who took part last week + b3·β
//!        − b4·cost + b5·opportunities offered + member·in a group).
//! The peer term makes this a threshold cascade in the sense of Granovetter (1978): with the
//! other terms switched off it is his model. Cost is the ward's deprivation (time, money,
//! transport). Opportunities come from the council: consultations, participatory budgeting,
//! devolved powers.

use super::batches;
use super::below_logistic;
use super::components::*;
use crate::rng::{Purpose, RngExt};
use bevy_ecs::prelude::*;

/// The participation logit for given terms; shared with the Granovetter check.
#[allow(clippy::too_many_arguments)]
pub fn participation_logit(
    p: &crate::scenario::Participation,
    agency: f64,
    peer_share: f64,
    belonging: f64,
    cost: f64,
    opportunities: f64,
    member: bool,
) -> f64 {
    p.intercept
        + p.agency_weight * agency
        + p.peer_weight * peer_share
        + p.belonging_weight * belonging
        - p.cost_weight * cost
        + p.opportunity_weight * opportunities
        + if member { p.group_member_weight } else { 0.0 }
}

#[allow(clippy::too_many_arguments)]
pub fn participation(
    mut residents: Query<(&Resident, &Attitudes, &Ties, &Memberships, &mut Civic)>,
    signals: Res<PeerSignals>,
    slots: Res<SlotIndex>,
    council: Res<CouncilState>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    let p = &config.0.participation;
    let opportunities = council.opportunities;
    let (step, now, seeds) = (clock.step, clock.now(), seeds.0);
    batches::each(
        residents.reborrow(),
        |(me, attitudes, ties, memberships, mut civic)| {
            let ties = ties.as_slice();
            let active = ties
                .iter()
                .filter(|t| {
                    slots.holds(t.slot, t.id) && signals.participated_last_week[t.slot as usize]
                })
                .count();
            let peer_share = if ties.is_empty() {
                0.0
            } else {
                active as f64 / ties.len() as f64
            };
            let x = participation_logit(
                p,
                f64::from(attitudes.agency()),
                peer_share,
                f64::from(attitudes.belonging),
                f64::from(me.deprivation),
                opportunities,
                memberships.len > 0,
            );
            let mut rng = seeds.tick_stream(Purpose::Participation, u64::from(me.id), step);
            if below_logistic(rng.random::<f64>(), x) {
                civic.participated = true;
                civic.last_participated = now;
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing;
    use bevy_ecs::system::RunSystemOnce;

    #[test]
    fn each_term_moves_the_logit_the_way_the_rule_says() {
        let p = crate::Scenario::default().participation;
        let base = |agency, peers, belonging, cost, offered, member| {
            participation_logit(&p, agency, peers, belonging, cost, offered, member)
        };
        let x = base(0.5, 0.2, 0.5, 0.5, 0.3, false);
        assert!((base(0.6, 0.2, 0.5, 0.5, 0.3, false) - x - 0.1 * p.agency_weight).abs() < 1e-12);
        assert!((base(0.5, 0.3, 0.5, 0.5, 0.3, false) - x - 0.1 * p.peer_weight).abs() < 1e-12);
        assert!(
            (base(0.5, 0.2, 0.6, 0.5, 0.3, false) - x - 0.1 * p.belonging_weight).abs() < 1e-12
        );
        assert!((base(0.5, 0.2, 0.5, 0.6, 0.3, false) - x + 0.1 * p.cost_weight).abs() < 1e-12);
        assert!(
            (base(0.5, 0.2, 0.5, 0.5, 0.4, false) - x - 0.1 * p.opportunity_weight).abs() < 1e-12
        );
        assert!((base(0.5, 0.2, 0.5, 0.5, 0.3, true) - x - p.group_member_weight).abs() < 1e-12);
    }

    /// Three residents with only the peer term switched on, steep enough that the draw cannot
    /// matter: resident 0's two ties both took part last week, resident 1's one tie did not, and
    /// resident 2's one tie took part but has since left (a newcomer holds the slot).
    #[test]
    fn peers_count_only_ties_still_here_who_took_part_last_week() {
        let mut s = crate::Scenario::default();
        let p = &mut s.participation;
        (p.intercept, p.peer_weight) = (-30.0, 60.0);
        (p.agency_weight, p.belonging_weight, p.cost_weight) = (0.0, 0.0, 0.0);
        (p.opportunity_weight, p.group_member_weight) = (0.0, 0.0);
        let mut world = testing::world(s, Vec::new(), Vec::new());
        let ties = |list: &[(u32, u32)]| {
            let mut t = Ties::default();
            for &(slot, id) in list {
                t.add(
                    Tie {
                        slot,
                        id,
                        strength: 0.5,
                    },
                    MAX_TIES,
                );
            }
            t
        };
        let mut entities = Vec::new();
        for (slot, list) in [
            (0u32, vec![(3, 13), (4, 14)]),
            (1, vec![(5, 15)]),
            (2, vec![(3, 99)]),
        ] {
            let parts = (
                testing::resident(10 + slot, slot, 0, 0.0),
                testing::attitudes(0.5),
                ties(&list),
                Memberships::default(),
                Civic::fresh(),
            );
            entities.push(world.spawn(parts).id());
        }
        let ids = vec![10, 11, 12, 13, 14, 15];
        world.insert_resource(SlotIndex {
            entities,
            ids,
            wards: vec![0; 6],
        });
        world.insert_resource(PeerSignals {
            participated_last_week: vec![false, false, false, true, true, false],
        });
        world.run_system_once(participation).unwrap();
        let mut q = world.query::<(&Resident, &Civic)>();
        let mut took_part: Vec<(u32, bool)> = q
            .iter(&world)
            .map(|(r, c)| (r.id, c.participated))
            .collect();
        took_part.sort_unstable();
        assert_eq!(took_part, [(10, true), (11, false), (12, false)]);
    }
}
