//! Step 9b, the community right to bid: a moratorium during which a community group may or may
//! not raise the price of a listed pub that is up for sale.
//!
//! Rule (Localism Act 2011; Assets of Community Value (England) Regulations 2012): only a pub
//! listed as an asset of community value can be bid for. Whether a pub is listed is fixed for
//! the run (a draw keyed by the venue, `council.acv_listed_share`: about 3.5% of UK pubs were
//! listed around 2020 by Plunkett's register, more where an active group nominates them). When a
//! listed pub would close and an eligible group based in its ward — a residents' association, a
//! heritage society or an arts group, able to raise about £450,000 from about 200 shareholders
//! (Plunkett 2021), so only those whose capacity reaches `council.transfer_capacity_threshold` —
//! is active, the group triggers the full moratorium with chance
//! `council.moratorium_trigger_probability` (0.74: 194 of 263 interim moratoria went on to a
//! full one, Plunkett 2022). The pub stays shut for `council.moratorium_weeks` (six months), then
//! the group buys it with chance `council.community_purchase_probability` (0.09: 11 acquisitions
//! in 122 full moratoria, CLG Committee 2015) and runs it with volunteers, or it closes. Overall,
//! a listed pub coming up for sale passes to its community about 7% of the time, against every
//! time before. A council building passes to a capable group by community asset transfer
//! (not subject to the moratorium) with chance `council.asset_transfer_probability` (assumed).

use super::components::*;
use super::venues::Ledger;
use crate::model::components::GroupKind;
use crate::rng::{Purpose, RngExt};
use bevy_ecs::prelude::*;

/// Group kinds that can bid for a pub: those that raise community shares, not faith groups,
/// bands, teams or youth clubs (docs/evidence/places.md §5, assumed list).
pub const ELIGIBLE: [GroupKind; 3] = [
    GroupKind::ResidentsAssociation,
    GroupKind::HeritageSociety,
    GroupKind::ArtsGroup,
];

/// Whether venue `id` is listed as an asset of community value: one draw per venue, the same
/// whenever it is asked.
pub fn listed(seeds: &crate::rng::Seeds, id: u16, share: f64) -> bool {
    let mut rng = seeds.tick_stream(Purpose::RightToBid, u64::from(id), 0);
    rng.random::<f64>() < share
}

/// Ends the moratoria that run out this week: the bidding group buys the pub, or it closes.
pub fn right_to_bid(
    mut venues: Query<&mut Venue>,
    venue_index: Res<VenueIndex>,
    mut groups: Query<&mut Group>,
    group_index: Res<GroupIndex>,
    mut ledger: Ledger,
) {
    let clock = *ledger.clock;
    let (p_buy, saving) = {
        let s = &ledger.config.0;
        (
            s.council.community_purchase_probability,
            s.economy.community_cost_saving as f32,
        )
    };
    let seeds = ledger.seeds.0;
    for &entity in &venue_index.0 {
        let Ok(mut v) = venues.get_mut(entity) else {
            continue;
        };
        let Some((until, group_id)) = v.bid else {
            continue;
        };
        if clock.tick() < until {
            continue;
        }
        v.bid = None;
        let mut rng = seeds.tick_stream(Purpose::RightToBid, u64::from(v.id), clock.step);
        let bought = rng.random::<f64>() < p_buy;
        match groups.get_mut(group_index.0[group_id as usize]) {
            Ok(mut group) if bought && group.active => {
                v.shut_until = clock.tick();
                ledger.transfer(
                    &mut v,
                    &mut group,
                    saving,
                    "bought by its community after the moratorium",
                );
            }
            _ => ledger.close(&mut v, super::venues::cause::NO_BID),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{self, venue};
    use crate::scenario::{Owner, Scenario, VenueKind};
    use bevy_ecs::system::RunSystemOnce;

    /// A town of one ward: the given venues and one capable residents' association.
    fn world(s: Scenario, venues: Vec<Venue>) -> World {
        let association = testing::group(0, GroupKind::ResidentsAssociation, 60);
        testing::world(s, venues, vec![association])
    }

    fn close_first(
        mut venues: Query<&mut Venue>,
        index: Res<VenueIndex>,
        mut groups: Query<&mut Group>,
        group_index: Res<GroupIndex>,
        mut ledger: Ledger,
    ) {
        let mut v = venues.get_mut(index.0[0]).unwrap();
        ledger.close_or_transfer(&mut v, &mut groups, &group_index, true, "test");
    }

    fn first(world: &mut World) -> Venue {
        let e = world.resource::<VenueIndex>().0[0];
        world.get::<Venue>(e).unwrap().clone()
    }

    fn run_to(world: &mut World, tick: u32) {
        while world.resource::<Clock>().tick() < tick {
            world.resource_mut::<Clock>().step += 1;
            world.run_system_once(right_to_bid).unwrap();
        }
    }

    fn certain(purchase: f64) -> Scenario {
        let mut s = Scenario::default();
        s.council.acv_listed_share = 1.0;
        s.council.moratorium_trigger_probability = 1.0;
        s.council.community_purchase_probability = purchase;
        s
    }

    #[test]
    fn a_listed_pub_is_shut_through_the_moratorium_then_bought_or_closed() {
        for (purchase, bought) in [(1.0, true), (0.0, false)] {
            let mut w = world(
                certain(purchase),
                vec![venue(0, VenueKind::Pub, Owner::Private)],
            );
            w.run_system_once(close_first).unwrap();
            let v = first(&mut w);
            assert!(v.open && !v.usable(0) && v.bid == Some((26, 0)), "{v:?}");
            run_to(&mut w, 25);
            assert!(first(&mut w).open && first(&mut w).bid.is_some());
            run_to(&mut w, 26);
            let v = first(&mut w);
            assert_eq!(v.open, bought, "purchase chance {purchase}");
            assert!(v.bid.is_none());
            if bought {
                assert_eq!(v.owner, Owner::Community);
                assert!(v.usable(26));
            }
            assert_eq!(w.resource::<Closures>().list.len(), usize::from(!bought));
        }
    }

    #[test]
    fn an_unlisted_pub_or_one_with_no_eligible_group_just_closes() {
        let mut s = certain(1.0);
        s.council.acv_listed_share = 0.0;
        let mut w = world(s, vec![venue(0, VenueKind::Pub, Owner::Private)]);
        w.run_system_once(close_first).unwrap();
        assert!(!first(&mut w).open);

        let mut w = world(certain(1.0), vec![venue(0, VenueKind::Pub, Owner::Private)]);
        let g = w.resource::<GroupIndex>().0[0];
        w.get_mut::<Group>(g).unwrap().kind = GroupKind::FaithGroup;
        w.run_system_once(close_first).unwrap();
        assert!(!first(&mut w).open, "a faith group does not bid for a pub");
    }

    #[test]
    fn the_evidence_makes_a_community_buy_out_rare() {
        let s = Scenario::default();
        let c = &s.council;
        let overall = c.moratorium_trigger_probability * c.community_purchase_probability;
        assert!((0.04..=0.15).contains(&overall), "{overall}");
        let seeds = crate::rng::Seeds::new(9);
        let n = (0..10_000u16)
            .filter(|&id| listed(&seeds, id, c.acv_listed_share))
            .count();
        assert!((800..1200).contains(&n), "{n} of 10,000 pubs listed");
    }
}
