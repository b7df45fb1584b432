//! Hand-built worlds for the mechanisms' unit tests: a few venues, groups and residents placed
//! by hand, with the resources a mechanism reads, so that a test can run one system and check
//! its rule on numbers worked out by hand.

use super::components::*;
use crate::rng::Seeds;
use crate::scenario::{Owner, Scenario, VenueKind};
use bevy_ecs::prelude::*;
use std::sync::Arc;

/// An open venue in ward 0 at the town's centre, open for thirty years, costing £1,000 a week.
pub fn venue(id: u16, kind: VenueKind, owner: Owner) -> Venue {
    Venue {
        id,
        kind,
        owner,
        ward: 0,
        pos_km: [0.0, 0.0],
        capacity: 90,
        quality: 0.5,
        weekly_cost_gbp: 1000.0,
        visit_cost_gbp: 10.0,
        open: true,
        shut_until: 0,
        funded_until: 0,
        visits: [0; RECENT_WEEKS],
        opened_step: -1560,
        bid: None,
        closure_hazard: 0.0,
    }
}

/// An active group of `members` in ward 0 with full capacity and no home venue.
pub fn group(id: u16, kind: GroupKind, members: u32) -> Group {
    Group {
        id,
        kind,
        ward: 0,
        home_venue: None,
        members,
        volunteer_hours: 0.0,
        capacity: 1.0,
        funding_gbp: 0.0,
        assets: 0,
        active: true,
    }
}

/// A town of one ward with the given venues and groups, at the first recorded week of 2010
/// (no warm-up), with the resources that opening and closing venues write (the ledger) and the
/// council as `s` starts it.
pub fn world(s: Scenario, venues: Vec<Venue>, groups: Vec<Group>) -> World {
    crate::sim::init_threads(None);
    let mut world = World::new();
    let labels = venues.iter().map(|v| format!("venue-{}", v.id)).collect();
    let ids: Vec<Entity> = venues.into_iter().map(|v| world.spawn(v).id()).collect();
    world.insert_resource(VenueIndex(ids));
    let ids: Vec<Entity> = groups.into_iter().map(|g| world.spawn(g).id()).collect();
    world.insert_resource(GroupIndex(ids));
    world.insert_resource(VenueLabels(labels));
    world.insert_resource(CouncilState::at_start(&s.council));
    world.insert_resource(Config(Arc::new(s)));
    world.insert_resource(RunSeeds(Seeds::new(3)));
    world.insert_resource(Clock {
        step: 0,
        warmup: 0,
        start_year: 2010,
    });
    world.insert_resource(Layout::default());
    world.insert_resource(Closures::default());
    world.insert_resource(EventLog::default());
    world.insert_resource(Labour::default());
    world
}

/// The venue with id `id`, as it stands.
pub fn venue_of(world: &World, id: u16) -> Venue {
    let e = world.resource::<VenueIndex>().0[id as usize];
    world.get::<Venue>(e).cloned().expect("a venue")
}

/// The group with id `id`, as it stands.
pub fn group_of(world: &World, id: u16) -> Group {
    let e = world.resource::<GroupIndex>().0[id as usize];
    world.get::<Group>(e).cloned().expect("a group")
}

/// A working-age, employed resident who was never a miner, at the town's centre.
pub fn resident(id: u32, slot: u32, ward: u16, deprivation: f32) -> Resident {
    Resident {
        id,
        slot,
        ward,
        home_km: [0.0, 0.0],
        age_years: 40.0,
        employment: Employment::Employed,
        former_miner: false,
        deprivation,
    }
}

/// Attitudes with the given belonging and every efficacy, trust and anchor at 0.4.
pub fn attitudes(belonging: f32) -> Attitudes {
    Attitudes {
        belonging,
        council_trust: 0.4,
        efficacy_internal: 0.4,
        efficacy_external: 0.4,
        council_trust_anchor: 0.4,
        efficacy_external_anchor: 0.4,
        efficacy_internal_anchor: 0.4,
    }
}
