//! Step 2b, libraries as a statutory service: under cuts, libraries close at the rate England's
//! and Britain's did, never the town's last.
//!
//! Rule: councils must provide "a comprehensive and efficient library service" (Public Libraries
//! and Museums Act 1964), so they cut library hours (council_budget.rs) rather than choose a
//! library as the least-used building to close. While the council's discretionary budget is
//! below its level at the start, each council library other than the town's last open one
//! closes with the yearly chance `council.library_closure_rate_per_year` (2.1%: Great Britain's
//! service points fell from 4,356 in 2009/10 to 3,583 in 2018/19, CIPFA via The Bookseller;
//! data/targets/libraries.csv), or passes to a capable community group to run with council
//! support (community asset transfer, right_to_bid.rs), as a tenth of England's libraries came
//! to be by the mid-2010s (Locality 2013). With no cuts, libraries do not close.

use super::components::*;
use super::venues::Ledger;
use super::weekly_from_yearly;
use crate::rng::{Purpose, RngExt};
use crate::scenario::{Owner, VenueKind};
use bevy_ecs::prelude::*;

pub fn libraries(
    mut venues: Query<&mut Venue>,
    venue_index: Res<VenueIndex>,
    mut groups: Query<&mut Group>,
    group_index: Res<GroupIndex>,
    council: Res<CouncilState>,
    mut ledger: Ledger,
) {
    let clock = *ledger.clock;
    if clock.warming_up() || council.capacity >= 1.0 {
        return;
    }
    let hazard = weekly_from_yearly(ledger.config.0.council.library_closure_rate_per_year);
    let seeds = ledger.seeds.0;
    let tick = clock.tick();
    let mut open_libraries = venue_index
        .0
        .iter()
        .filter_map(|&e| venues.get(e).ok())
        .filter(|v| v.kind == VenueKind::Library && v.open)
        .count();
    for &entity in &venue_index.0 {
        if open_libraries <= 1 {
            break;
        }
        let Ok(mut v) = venues.get_mut(entity) else {
            continue;
        };
        if v.kind != VenueKind::Library
            || !v.open
            || v.owner != Owner::Council
            || tick < v.funded_until
            || v.bid.is_some()
        {
            continue;
        }
        let mut rng = seeds.tick_stream(Purpose::Libraries, u64::from(v.id), clock.step);
        if rng.random::<f64>() < hazard {
            ledger.close_or_transfer(
                &mut v,
                &mut groups,
                &group_index,
                true,
                super::venues::cause::LIBRARY_CUTS,
            );
            if !v.open {
                open_libraries -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{self, venue};
    use crate::scenario::Scenario;
    use bevy_ecs::system::RunSystemOnce;

    #[test]
    fn libraries_close_under_cuts_but_never_the_last() {
        let mut s = Scenario::default();
        s.council.library_closure_rate_per_year = 1.0;
        s.council.asset_transfer_probability = 0.0;
        let lib = |id| venue(id, VenueKind::Library, Owner::Council);
        let mut w = testing::world(s, vec![lib(0), lib(1), lib(2)], Vec::new());
        let open = |w: &mut World| {
            let mut q = w.query::<&Venue>();
            q.iter(w).filter(|v| v.open).count()
        };
        w.run_system_once(libraries).unwrap();
        assert_eq!(open(&mut w), 3, "no cuts, no closures");
        w.resource_mut::<CouncilState>().capacity = 0.8;
        for _ in 0..5 {
            w.resource_mut::<Clock>().step += 1;
            w.run_system_once(libraries).unwrap();
        }
        assert_eq!(open(&mut w), 1, "the town keeps its last library");
    }

    #[test]
    fn only_the_councils_own_unfunded_libraries_close() {
        let mut s = Scenario::default();
        s.council.library_closure_rate_per_year = 1.0;
        let mut funded = venue(1, VenueKind::Library, Owner::Council);
        funded.funded_until = 1000;
        let libraries_of = vec![
            venue(0, VenueKind::Library, Owner::Community),
            funded,
            venue(2, VenueKind::Library, Owner::Community),
            venue(3, VenueKind::CommunityCentre, Owner::Council),
        ];
        let mut w = testing::world(s, libraries_of, Vec::new());
        w.resource_mut::<CouncilState>().capacity = 0.5;
        for _ in 0..20 {
            w.resource_mut::<Clock>().step += 1;
            w.run_system_once(libraries).unwrap();
        }
        let mut q = w.query::<&Venue>();
        assert!(q.iter(&w).all(|v| v.open));
        assert!(w.resource::<Closures>().list.is_empty());
    }
}
