//! Step 9, venue economics: whether pubs pay their way.
//!
//! Rule: a pub's takings are visits × spend per visit × (1 − spend_deprivation_discount ×
//! ward deprivation). A week whose takings fall short of running costs adds to its run of
//! loss-making weeks; `pub_loss_weeks` in a row and it closes. Besides, every pub faces a small
//! background hazard — `small_pub_closure_rate_per_year` for pubs under `small_pub_capacity`,
//! `large_pub_closure_rate_per_year` otherwise — for what the model does not see (a landlord
//! retiring, a brewery selling up). Together these give about 1.8% of pubs closing a year with
//! no intervention, small pubs faster (ONS, Economies of ale, 2018). A closing pub can pass to a
//! community group under a right to bid. Nothing closes during the warm-up.

use super::components::*;
use super::venues::Ledger;
use super::weekly_from_yearly;
use crate::rng::{Purpose, RngExt};
use crate::scenario::VenueKind;
use bevy_ecs::prelude::*;

#[allow(clippy::too_many_arguments)]
pub fn economy(
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
    let small = weekly_from_yearly(e.small_pub_closure_rate_per_year);
    let large = weekly_from_yearly(e.large_pub_closure_rate_per_year);
    let ring = clock.ring();
    for &entity in &venue_index.0 {
        let Ok(mut v) = venues.get_mut(entity) else {
            continue;
        };
        if !v.open || v.kind != VenueKind::Pub {
            continue;
        }
        // A pub shut by a lockdown neither takes money nor counts losses (support schemes).
        let shut = !v.usable(clock.tick());
        let dep = wards.deprivation[v.ward as usize];
        let takings = v.visits[ring] as f32
            * v.visit_cost_gbp
            * (1.0 - e.spend_deprivation_discount as f32 * dep);
        if shut {
            // Losses neither grow nor reset while shut.
        } else if takings < v.weekly_cost_gbp {
            v.loss_weeks += 1;
        } else {
            v.loss_weeks = 0;
        }
        let hazard = if v.capacity < e.small_pub_capacity {
            small
        } else {
            large
        };
        let mut rng = seeds
            .0
            .tick_stream(Purpose::Economy, u64::from(v.id), clock.step);
        let cause = if v.loss_weeks >= e.pub_loss_weeks {
            Some("takings have not covered costs for too long")
        } else if rng.random::<f64>() < hazard {
            Some("background closure (owner retired, site sold)")
        } else {
            None
        };
        if let Some(cause) = cause {
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
