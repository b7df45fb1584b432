//! Step 7, participation: who takes part in civic life this week (a meeting, a consultation, a
//! campaign, volunteering for a group).
//!
//! Rule: P(take part) = σ(b0 + b1·agency + b2·share of ties who took part last week + b3·β
//!        − b4·cost + b5·opportunities offered + member·in a group).
//! The peer term makes this a threshold cascade in the sense of Granovetter (1978): with the
//! other terms switched off it is his model. Cost is the ward's deprivation (time, money,
//! transport). Opportunities come from the council: consultations, participatory budgeting,
//! devolved powers.

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
    residents
        .par_iter_mut()
        .for_each(|(me, attitudes, ties, memberships, mut civic)| {
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
        });
}
