//! A resident, defined once: every component one carries ([`ResidentBundle`]), how a founder
//! and a newcomer start, and the query that reaches all of them by name ([`ResidentParts`]).
//!
//! The town's founders are drawn with the town (by [`draw`], the town adding the first ties
//! and memberships) and a newcomer is drawn by turnover when a resident leaves; both then start
//! the running state the same way: no outings yet, no haunts, no civic life, no choice set.
//! Spawning (`sim`), replacement (`turnover`) and checkpoints (`checkpoint::snapshot`) all go
//! through this file, so a component added to a resident is added here and nowhere else goes
//! without it: the constructors and [`ResidentBundle::replace`] take the bundle apart field by
//! field, and the compiler names every place that misses one.

pub mod draw;

use self::draw::{Arrival, ResidentInit, new_resident};
use super::components::*;
use crate::rng::Seeds;
use crate::scenario::Scenario;
use bevy_ecs::prelude::*;
use bevy_ecs::query::QueryData;

/// Every component a resident carries, in the order checkpoints save them.
#[derive(Bundle, Clone, Debug)]
pub struct ResidentBundle {
    pub resident: Resident,
    pub identity: Identity,
    pub trust: TrustState,
    pub attitudes: Attitudes,
    pub ties: Ties,
    pub memberships: Memberships,
    pub civic: Civic,
    pub recent: Recent,
    pub haunts: Haunts,
    pub choices: ChoiceSet,
    pub outings: Outings,
    pub departure: Departure,
    /// Scratch: written afresh by the politics step every week before anything reads it.
    pub politics: Politics,
}

impl ResidentBundle {
    /// A founder of the town, as the town plan drew them (ties and memberships included), with
    /// the running state not yet started.
    ///
    /// The plan keeps only what is drawn, not the whole bundle: for a million residents the
    /// running state would be 400 MB more held beside the world while it fills.
    pub fn founder(drawn: ResidentInit) -> ResidentBundle {
        ResidentBundle::starting(drawn)
    }

    /// Newcomer `id`, moving into `slot` in `ward`: drawn like any resident but younger, knowing
    /// nobody yet (turnover then finds them a few neighbours).
    pub fn newcomer(
        scenario: &Scenario,
        seeds: Seeds,
        ward_cultures: &[[u8; MAX_FEATURES]],
        id: u32,
        slot: u32,
        ward: u16,
    ) -> ResidentBundle {
        let drawn = new_resident(
            scenario,
            seeds,
            ward_cultures,
            id,
            slot,
            ward,
            Arrival::Newcomer,
        );
        ResidentBundle::starting(ResidentInit {
            ties: Ties::default(),
            memberships: Memberships::default(),
            ..drawn
        })
    }

    /// A drawn resident with the state every resident starts from.
    fn starting(drawn: ResidentInit) -> ResidentBundle {
        let ResidentInit {
            resident,
            identity,
            trust,
            attitudes,
            ties,
            memberships,
        } = drawn;
        ResidentBundle {
            resident,
            identity,
            trust,
            attitudes,
            ties,
            memberships,
            civic: Civic::fresh(),
            recent: Recent::default(),
            haunts: Haunts::default(),
            choices: ChoiceSet::default(),
            outings: Outings::default(),
            departure: Departure::default(),
            politics: Politics::default(),
        }
    }

    /// Puts this resident in place of the one whose components `into` reaches: every
    /// component is overwritten, so nothing of the leaver stays.
    pub fn replace(self, into: &mut ResidentPartsItem<'_, '_>) {
        let ResidentBundle {
            resident,
            identity,
            trust,
            attitudes,
            ties,
            memberships,
            civic,
            recent,
            haunts,
            choices,
            outings,
            departure,
            politics,
        } = self;
        *into.resident = resident;
        *into.identity = identity;
        *into.trust = trust;
        *into.attitudes = attitudes;
        *into.ties = ties;
        *into.memberships = memberships;
        *into.civic = civic;
        *into.recent = recent;
        *into.haunts = haunts;
        *into.choices = choices;
        *into.outings = outings;
        *into.departure = departure;
        *into.politics = politics;
    }
}

/// Every component of a resident, by name: a query's item with the bundle's fields.
/// `ResidentPartsReadOnly` (made by the derive) reads them without changing any.
#[derive(QueryData)]
#[query_data(mutable)]
pub struct ResidentParts {
    pub resident: &'static mut Resident,
    pub identity: &'static mut Identity,
    pub trust: &'static mut TrustState,
    pub attitudes: &'static mut Attitudes,
    pub ties: &'static mut Ties,
    pub memberships: &'static mut Memberships,
    pub civic: &'static mut Civic,
    pub recent: &'static mut Recent,
    pub haunts: &'static mut Haunts,
    pub choices: &'static mut ChoiceSet,
    pub outings: &'static mut Outings,
    pub departure: &'static mut Departure,
    pub politics: &'static mut Politics,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        let mut s = Scenario::default();
        s.town.residents = 100;
        s
    }

    #[test]
    fn a_newcomer_knows_nobody_and_has_done_nothing_yet() {
        let s = scenario();
        let cultures = vec![[0u8; MAX_FEATURES]; s.town.wards.len()];
        let b = ResidentBundle::newcomer(&s, Seeds::new(2), &cultures, 500, 7, 1);
        assert_eq!(
            (b.resident.id, b.resident.slot, b.resident.ward),
            (500, 7, 1)
        );
        assert_eq!((b.ties.len, b.memberships.len, b.outings.len), (0, 0, 0));
        assert_eq!(b.civic.last_participated, NEVER);
        assert_eq!(b.civic.assembly_step, NEVER);
        assert_eq!(
            b.choices.layout,
            u32::MAX,
            "the choice set is built on first use"
        );
        assert!(!b.resident.former_miner, "newcomers never worked the pits");
        assert!(!b.departure.leaving);
    }

    #[test]
    fn replacing_overwrites_every_component() {
        let s = scenario();
        let cultures = vec![[3u8; MAX_FEATURES]; s.town.wards.len()];
        let seeds = Seeds::new(4);
        let mut world = World::new();
        let mut old = ResidentBundle::newcomer(&s, seeds, &cultures, 1, 0, 0);
        old.ties.add(
            Tie {
                slot: 3,
                id: 3,
                strength: 0.5,
            },
            8,
        );
        old.memberships.add(2);
        old.civic.participated = true;
        old.recent.encounters = [1, 2, 3, 4];
        old.haunts.score[0] = 1.0;
        old.choices.len = 2;
        old.outings.len = 1;
        old.departure.leaving = true;
        let e = world.spawn(old).id();
        let new = ResidentBundle::newcomer(&s, seeds, &cultures, 9, 0, 2);
        let mut state = world.query::<ResidentParts>();
        new.clone()
            .replace(&mut state.get_mut(&mut world, e).unwrap());
        let got = state.get(&world, e).unwrap();
        assert_eq!(got.resident.id, 9);
        assert_eq!(got.resident.ward, 2);
        assert_eq!(got.identity.traits, new.identity.traits);
        assert_eq!(got.ties.len, 0);
        assert_eq!(got.memberships.len, 0);
        assert!(!got.civic.participated);
        assert_eq!(got.recent.encounters, [0; 4]);
        assert_eq!(got.haunts.score, [0.0; HAUNTS]);
        assert_eq!(got.choices.len, 0);
        assert_eq!(got.outings.len, 0);
        assert!(!got.departure.leaving);
    }
}
