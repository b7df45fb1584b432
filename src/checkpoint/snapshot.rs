//! The world as bytes and back: every component and resource a run carries from one week to
//! the next, encoded with postcard (floats as their exact bits).
//!
//! What is saved, what is rebuilt and what is scratch:
//!
//! - saved: every resident's components in slot order (nobody for an empty home), venues in
//!   venue-id order, groups in group-id order, and the resources that change as the run goes (the clock, the council,
//!   interventions still to come, closures, events, observations, the slot ids, …);
//! - rebuilt: what follows from the scenario and the seed (`Config`, `RunSeeds`) and the
//!   indices from our ids to bevy entities (`SlotIndex::entities`, `VenueIndex`, `GroupIndex`),
//!   refilled as the entities are spawned again in id order;
//! - scratch: what a mechanism fills afresh every week before anything reads it (`Buckets`,
//!   `Inbox`, each venue's `EncounterLog`, each resident's `Politics`). `Buckets::id_order` is the one piece carried from
//!   week to week, and it is by construction the slots in resident-id order, which gather
//!   rebuilds from the slot ids when it finds it empty.
//!
//! Architecture invariant: every component on an entity and every resource in the world is
//! in one of those three lists. [`check_coverage`] enforces it before each checkpoint, so a
//! component or resource added to the model without a decision here stops the run with a
//! message, rather than being silently lost on resume.

use super::validate;
use crate::Seeds;
use crate::model::components::*;
use crate::model::resident::{ResidentBundle, ResidentPartsReadOnly, ResidentPartsReadOnlyItem};
use crate::observe::{Observation, Observations};
use crate::scenario::{Intervention, Scenario};
use crate::sim::Simulation;
use crate::townmap::VenueHistory;
use bevy_ecs::component::IS_RESOURCE;
use bevy_ecs::prelude::*;
use serde::ser::{Error as _, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use std::any::TypeId;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

/// Bumped whenever the snapshot's own shape changes (its fields, their order or their
/// meaning). Component layouts are covered by [`layout_fingerprint`].
pub const SCHEMA: u32 = 8;

/// Every component type found on entities, with its name: saved ones and the scratch
/// `EncounterLog`.
fn known_components() -> Vec<(TypeId, &'static str, usize)> {
    fn k<T: 'static>(name: &'static str) -> (TypeId, &'static str, usize) {
        (TypeId::of::<T>(), name, std::mem::size_of::<T>())
    }
    vec![
        k::<Resident>("Resident"),
        k::<Identity>("Identity"),
        k::<TrustState>("TrustState"),
        k::<Attitudes>("Attitudes"),
        k::<Ties>("Ties"),
        k::<Memberships>("Memberships"),
        k::<Civic>("Civic"),
        k::<Recent>("Recent"),
        k::<Haunts>("Haunts"),
        k::<ChoiceSet>("ChoiceSet"),
        k::<Outings>("Outings"),
        k::<Departure>("Departure"),
        k::<Venue>("Venue"),
        k::<Group>("Group"),
        k::<EncounterLog>("EncounterLog (scratch)"),
        k::<Politics>("Politics (scratch)"),
    ]
}

/// Every resource type in a simulation's world, saved, rebuilt or scratch.
fn known_resources() -> Vec<(TypeId, &'static str, usize)> {
    fn k<T: 'static>(name: &'static str) -> (TypeId, &'static str, usize) {
        (TypeId::of::<T>(), name, std::mem::size_of::<T>())
    }
    vec![
        k::<CouncilState>("CouncilState"),
        k::<PendingEvents>("PendingEvents"),
        k::<Config>("Config (rebuilt)"),
        k::<RunSeeds>("RunSeeds (rebuilt)"),
        k::<Clock>("Clock"),
        k::<SlotIndex>("SlotIndex"),
        k::<VenueIndex>("VenueIndex (rebuilt)"),
        k::<GroupIndex>("GroupIndex (rebuilt)"),
        k::<VenueLabels>("VenueLabels"),
        k::<WardCultures>("WardCultures"),
        k::<Wards>("Wards"),
        k::<NextResidentId>("NextResidentId"),
        k::<Layout>("Layout"),
        k::<PeerSignals>("PeerSignals"),
        k::<Buckets>("Buckets (scratch)"),
        k::<Inbox>("Inbox (scratch)"),
        k::<Closures>("Closures"),
        k::<PubHistory>("PubHistory"),
        k::<Labour>("Labour"),
        k::<EventLog>("EventLog"),
        k::<Observations>("Observations"),
        k::<VenueHistory>("VenueHistory"),
    ]
}

/// A fingerprint of the saved types' names and sizes: a checkpoint written by a build whose
/// components differ in shape is refused even if the version number was not changed.
pub fn layout_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(SCHEMA.to_le_bytes());
    for (_, name, size) in known_components().into_iter().chain(known_resources()) {
        h.update(name.as_bytes());
        h.update((size as u64).to_le_bytes());
    }
    crate::scenario::hex(&h.finalize()[..8])
}

/// The resources bevy keeps for itself in a world that has run a schedule: not the model's
/// state, and rebuilt by bevy in a new world.
fn engine_resources() -> Vec<TypeId> {
    let mut world = World::new();
    let mut schedule = bevy_ecs::schedule::Schedule::default();
    schedule.set_executor(bevy_ecs::schedule::SingleThreadedExecutor::new());
    schedule.add_systems(|| {});
    schedule.run(&mut world);
    world
        .iter_resources()
        .filter_map(|(_, info, _)| info.type_id())
        .collect()
}

/// Checks that every component on an entity and every resource in `world` is one that
/// checkpoints save, rebuild or know to be scratch. Names the first one that is not.
pub fn check_coverage(world: &World) -> Result<(), String> {
    let components = known_components();
    for archetype in world.archetypes().iter() {
        if archetype.is_empty() || archetype.components().contains(&IS_RESOURCE) {
            continue;
        }
        for &id in archetype.components() {
            let Some(info) = world.components().get_info(id) else {
                continue;
            };
            if !components.iter().any(|(t, ..)| Some(*t) == info.type_id()) {
                let beside: Vec<&str> = archetype
                    .components()
                    .iter()
                    .filter_map(|&other| {
                        let t = world.components().get_info(other)?.type_id()?;
                        components
                            .iter()
                            .find(|(k, ..)| *k == t)
                            .map(|(_, n, _)| *n)
                    })
                    .collect();
                return Err(format!(
                    "a component{} ({} bytes, on entities that also carry {}) is not handled by \
                     checkpoints: save it, or list it as rebuilt or scratch, in \
                     src/checkpoint/snapshot.rs",
                    named(&info.name().to_string()),
                    info.layout().size(),
                    if beside.is_empty() {
                        "nothing known".to_string()
                    } else {
                        beside.join(", ")
                    }
                ));
            }
        }
    }
    let resources = known_resources();
    let engine = engine_resources();
    for (_, info, _) in world.iter_resources() {
        let known = |t: &TypeId| Some(*t) == info.type_id();
        if !resources.iter().any(|(t, ..)| known(t)) && !engine.iter().any(known) {
            return Err(format!(
                "a resource{} ({} bytes) is not handled by checkpoints: save it, or list it as \
                 rebuilt or scratch, in src/checkpoint/snapshot.rs",
                named(&info.name().to_string()),
                info.layout().size()
            ));
        }
    }
    Ok(())
}

/// ` `name`` when bevy knows the type's name (its `debug` feature), else nothing.
fn named(name: &str) -> String {
    if name.starts_with('<') {
        String::new()
    } else {
        format!(" `{name}`")
    }
}

/// An event as saved (its kind as a string of its own).
#[derive(Serialize, Deserialize)]
struct SavedEvent<S> {
    tick: u32,
    kind: S,
    venue: Option<String>,
    ward: Option<u16>,
    detail: String,
}

/// An observation as saved.
#[derive(Serialize, Deserialize)]
struct SavedObservation<S> {
    tick: u32,
    ward: Option<u16>,
    metric: S,
    value: f64,
}

/// The resources saved, in the order they are written.
#[derive(Serialize, Deserialize)]
struct Resources<C, P, W, L, U, N, Y, G, X, H, Q, B> {
    clock: C,
    council: P,
    /// Interventions still to come, as JSON (the scenario's event types are tagged enums,
    /// which a compact binary format cannot carry).
    pending_events: String,
    wards: W,
    venue_labels: L,
    ward_cultures: U,
    next_resident_id: N,
    layout: Y,
    peer_signals: G,
    closures: X,
    slot_ids: Vec<u32>,
    venue_history: H,
    pub_history: Q,
    labour: B,
}

/// A resident as saved: the fields of [`ResidentBundle`], in its order, borrowed from the world
/// when writing and owned when reading. Ties and the choice set keep only the entries in use
/// (the rest of their fixed arrays is never read), which makes a checkpoint about a third
/// smaller.
#[derive(Serialize, Deserialize)]
struct SavedResident<'a> {
    resident: Cow<'a, Resident>,
    identity: Cow<'a, Identity>,
    trust: Cow<'a, TrustState>,
    attitudes: Cow<'a, Attitudes>,
    ties: Cow<'a, [Tie]>,
    memberships: Cow<'a, Memberships>,
    civic: Cow<'a, Civic>,
    recent: Cow<'a, Recent>,
    haunts: Cow<'a, Haunts>,
    choices: SavedChoices<'a>,
    outings: Cow<'a, Outings>,
    departure: Cow<'a, Departure>,
}

/// A choice set as saved: the venues and weights in use, and the cached reach.
#[derive(Serialize, Deserialize)]
struct SavedChoices<'a> {
    venue: Cow<'a, [u16]>,
    weight: Cow<'a, [f32]>,
    layout: u32,
    out_of_work: bool,
    first_pull: [f32; KINDS],
    reach_pull: [f32; KINDS],
    reach_limit: f64,
    reach_scale: [f32; KINDS],
}

impl<'a> SavedResident<'a> {
    /// The resident whose components `parts` reads, borrowed.
    fn of(parts: ResidentPartsReadOnlyItem<'a, '_>) -> SavedResident<'a> {
        let ResidentPartsReadOnlyItem {
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
            politics: _,
        } = parts;
        let n = usize::from(choices.len).min(MAX_CHOICES);
        SavedResident {
            resident: Cow::Borrowed(resident),
            identity: Cow::Borrowed(identity),
            trust: Cow::Borrowed(trust),
            attitudes: Cow::Borrowed(attitudes),
            ties: Cow::Borrowed(ties.as_slice()),
            memberships: Cow::Borrowed(memberships),
            civic: Cow::Borrowed(civic),
            recent: Cow::Borrowed(recent),
            haunts: Cow::Borrowed(haunts),
            choices: SavedChoices {
                venue: Cow::Borrowed(&choices.venue[..n]),
                weight: Cow::Borrowed(&choices.weight[..n]),
                layout: choices.layout,
                out_of_work: choices.out_of_work,
                first_pull: choices.first_pull,
                reach_pull: choices.reach_pull,
                reach_limit: choices.reach_limit,
                reach_scale: choices.reach_scale,
            },
            outings: Cow::Borrowed(outings),
            departure: Cow::Borrowed(departure),
        }
    }

    /// The resident as a bundle to spawn. Lengths are checked here; everything else by
    /// `validate::resident` after.
    fn into_bundle(self) -> Result<ResidentBundle, String> {
        let SavedResident {
            resident,
            identity,
            trust,
            attitudes,
            ties: saved_ties,
            memberships,
            civic,
            recent,
            haunts,
            choices: saved_choices,
            outings,
            departure,
        } = self;
        if saved_ties.len() > MAX_TIES {
            return Err(format!("{} ties, more than {MAX_TIES}", saved_ties.len()));
        }
        let mut ties = Ties::default();
        ties.list[..saved_ties.len()].copy_from_slice(&saved_ties);
        ties.len = saved_ties.len() as u8;
        let n = saved_choices.venue.len();
        if n > MAX_CHOICES || saved_choices.weight.len() != n {
            return Err(format!(
                "a choice set of {n} venues and {} weights",
                saved_choices.weight.len()
            ));
        }
        let mut choices = ChoiceSet {
            layout: saved_choices.layout,
            out_of_work: saved_choices.out_of_work,
            first_pull: saved_choices.first_pull,
            reach_pull: saved_choices.reach_pull,
            reach_limit: saved_choices.reach_limit,
            reach_scale: saved_choices.reach_scale,
            len: n as u8,
            ..ChoiceSet::default()
        };
        choices.venue[..n].copy_from_slice(&saved_choices.venue);
        choices.weight[..n].copy_from_slice(&saved_choices.weight);
        Ok(ResidentBundle {
            resident: resident.into_owned(),
            identity: identity.into_owned(),
            trust: trust.into_owned(),
            attitudes: attitudes.into_owned(),
            ties,
            memberships: memberships.into_owned(),
            civic: civic.into_owned(),
            recent: recent.into_owned(),
            haunts: haunts.into_owned(),
            choices,
            outings: outings.into_owned(),
            departure: departure.into_owned(),
            politics: Politics::default(),
        })
    }
}

/// The residents in slot order, serialised straight from the world (no copy of the town).
struct ResidentsInSlotOrder<'w, 's> {
    query: Query<'w, 's, ResidentPartsReadOnly>,
    slots: &'w [Entity],
    /// The slots' ids: a vacant slot (`VACANT`) is saved as nobody.
    ids: &'w [u32],
}

impl Serialize for ResidentsInSlotOrder<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.slots.len()))?;
        for (slot, &e) in self.slots.iter().enumerate() {
            if self.ids[slot] == VACANT {
                seq.serialize_element(&None::<SavedResident>)?;
                continue;
            }
            let parts = self.query.get(e).map_err(|_| {
                S::Error::custom(format!("the resident in slot {slot} lacks a component"))
            })?;
            seq.serialize_element(&Some(SavedResident::of(parts)))?;
        }
        seq.end()
    }
}

/// Writes the state of `sim`'s world to `out`, streaming: nothing the size of the town is
/// copied on the way.
pub fn write(sim: &Simulation, out: &mut impl Write) -> Result<(), String> {
    let world = sim.world();
    check_coverage(world)?;
    let res = |name: &str| format!("the world has no {name} resource");
    let pending = world
        .get_resource::<PendingEvents>()
        .ok_or_else(|| res("PendingEvents"))?;
    let slots = world
        .get_resource::<SlotIndex>()
        .ok_or_else(|| res("SlotIndex"))?;
    let resources = Resources {
        clock: world.get_resource::<Clock>().ok_or_else(|| res("Clock"))?,
        council: world
            .get_resource::<CouncilState>()
            .ok_or_else(|| res("CouncilState"))?,
        pending_events: serde_json::to_string(&pending.0).map_err(|e| e.to_string())?,
        wards: world.get_resource::<Wards>().ok_or_else(|| res("Wards"))?,
        venue_labels: world
            .get_resource::<VenueLabels>()
            .ok_or_else(|| res("VenueLabels"))?,
        ward_cultures: world
            .get_resource::<WardCultures>()
            .ok_or_else(|| res("WardCultures"))?,
        next_resident_id: world
            .get_resource::<NextResidentId>()
            .ok_or_else(|| res("NextResidentId"))?,
        layout: world
            .get_resource::<Layout>()
            .ok_or_else(|| res("Layout"))?,
        peer_signals: world
            .get_resource::<PeerSignals>()
            .ok_or_else(|| res("PeerSignals"))?,
        closures: world
            .get_resource::<Closures>()
            .ok_or_else(|| res("Closures"))?,
        slot_ids: slots.ids.clone(),
        venue_history: world
            .get_resource::<VenueHistory>()
            .ok_or_else(|| res("VenueHistory"))?,
        pub_history: world
            .get_resource::<PubHistory>()
            .ok_or_else(|| res("PubHistory"))?,
        labour: world
            .get_resource::<Labour>()
            .ok_or_else(|| res("Labour"))?,
    };
    let events: Vec<SavedEvent<&str>> = world
        .get_resource::<EventLog>()
        .ok_or_else(|| res("EventLog"))?
        .0
        .iter()
        .map(|e| SavedEvent {
            tick: e.tick,
            kind: e.kind,
            venue: e.venue.clone(),
            ward: e.ward,
            detail: e.detail.clone(),
        })
        .collect();
    let observations: Vec<SavedObservation<&str>> = world
        .get_resource::<Observations>()
        .ok_or_else(|| res("Observations"))?
        .0
        .iter()
        .map(|o| SavedObservation {
            tick: o.tick,
            ward: o.ward,
            metric: o.metric,
            value: o.value,
        })
        .collect();
    let venues = in_id_order::<Venue>(world, &world.resource::<VenueIndex>().0, "venue")?;
    let groups = in_id_order::<Group>(world, &world.resource::<GroupIndex>().0, "group")?;
    let mut state = world
        .try_query::<ResidentPartsReadOnly>()
        .ok_or("the world has no residents' components")?;
    let residents = ResidentsInSlotOrder {
        query: state.query(world),
        slots: &slots.entities,
        ids: &slots.ids,
    };
    let whole = (
        &resources,
        &events,
        &observations,
        &venues,
        &groups,
        &residents,
    );
    postcard::to_io(&whole, out).map_err(|e| format!("writing the checkpoint: {e}"))?;
    Ok(())
}

fn in_id_order<'w, T: Component>(
    world: &'w World,
    index: &[Entity],
    what: &str,
) -> Result<Vec<&'w T>, String> {
    index
        .iter()
        .enumerate()
        .map(|(id, &e)| {
            world
                .get::<T>(e)
                .ok_or_else(|| format!("the {what} with id {id} has gone from the world"))
        })
        .collect()
}

type OwnedResources = Resources<
    Clock,
    CouncilState,
    Wards,
    VenueLabels,
    WardCultures,
    NextResidentId,
    Layout,
    PeerSignals,
    Closures,
    VenueHistory,
    PubHistory,
    Labour,
>;

type OwnedWhole = (
    OwnedResources,
    Vec<SavedEvent<String>>,
    Vec<SavedObservation<String>>,
    Vec<Venue>,
    Vec<Group>,
    Vec<Option<SavedResident<'static>>>,
);

/// Static names for the strings that the model keeps as `&'static str`: the metric names it
/// knows, and any other (an event kind) kept once for the life of the process.
#[derive(Default)]
struct Names(HashMap<String, &'static str>);

impl Names {
    fn new() -> Names {
        let mut names = Names::default();
        for m in crate::metrics::names() {
            names.0.insert(m.to_string(), m);
        }
        names
    }
    fn get(&mut self, s: String) -> &'static str {
        if let Some(&n) = self.0.get(&s) {
            return n;
        }
        let n: &'static str = Box::leak(s.clone().into_boxed_str());
        self.0.insert(s, n);
        n
    }
}

/// Rebuilds a simulation of `scenario` with `seeds` from a payload written by [`write`].
pub fn restore(scenario: &Scenario, seeds: Seeds, payload: &[u8]) -> Result<Simulation, String> {
    let (whole, rest): (OwnedWhole, &[u8]) =
        postcard::take_from_bytes(payload).map_err(|e| format!("cannot decode the state: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes follow the state", rest.len()));
    }
    let (resources, events, observations, venues, groups, residents) = whole;
    validate::clock(&resources.clock, scenario)?;
    validate::pending_events(&resources.pending_events, scenario)?;
    let pending: Vec<(u32, Intervention)> = serde_json::from_str(&resources.pending_events)
        .map_err(|e| format!("cannot decode the interventions still to come: {e}"))?;
    if residents.len() != resources.slot_ids.len() {
        return Err(format!(
            "{} residents but {} slots",
            residents.len(),
            resources.slot_ids.len()
        ));
    }
    validate::wards(&resources.wards, scenario, residents.len())?;
    let next_id = resources.next_resident_id.0;
    validate::slot_ids(&resources.slot_ids, next_id)?;
    let bounds = validate::Bounds {
        scenario,
        step: resources.clock.step,
        residents: residents.len(),
        venues: venues.len(),
        groups: groups.len(),
        wards: &resources.wards,
        next_id,
        layout_version: resources.layout.version(),
    };
    validate::council(&resources.council, &bounds)?;
    validate::labour(&resources.labour, &bounds)?;
    validate::venue_labels(&resources.venue_labels, &venues)?;
    validate::resources(
        &bounds,
        &resources.ward_cultures,
        &resources.layout,
        &resources.peer_signals,
        &resources.closures,
        &resources.venue_history,
    )?;
    for (id, v) in venues.iter().enumerate() {
        validate::venue(v, id, &bounds).map_err(|e| format!("venue {id}: {e}"))?;
    }
    for (id, g) in groups.iter().enumerate() {
        validate::group(g, id, &bounds).map_err(|e| format!("group {id}: {e}"))?;
    }
    for (k, e) in events.iter().enumerate() {
        validate::event(&e.kind, e.tick, e.ward, k, &bounds)?;
    }
    for (k, o) in observations.iter().enumerate() {
        let saved = validate::SavedMetric {
            tick: o.tick,
            ward: o.ward,
            metric: &o.metric,
            value: o.value,
        };
        validate::observation(&saved, k, &bounds)?;
    }

    let mut world = World::new();
    let mut entities = Vec::with_capacity(residents.len());
    let mut wards = Vec::with_capacity(residents.len());
    for (slot, r) in residents.into_iter().enumerate() {
        let Some(r) = r else {
            // An empty home: nobody lives in the slot.
            if resources.slot_ids[slot] != VACANT {
                return Err(format!(
                    "slot {slot} is saved empty, but the slot index has resident {} there",
                    resources.slot_ids[slot]
                ));
            }
            wards.push(0);
            entities.push(Entity::PLACEHOLDER);
            continue;
        };
        if r.resident.slot as usize != slot || r.resident.id != resources.slot_ids[slot] {
            return Err(format!(
                "the resident in slot {slot} does not match the slot index"
            ));
        }
        let bundle = r
            .into_bundle()
            .and_then(|b| validate::resident(&b, slot, &bounds).map(|()| b))
            .map_err(|e| format!("the resident in slot {slot}: {e}"))?;
        wards.push(bundle.resident.ward);
        entities.push(world.spawn(bundle).id());
    }
    let venue_entities: Vec<Entity> = venues
        .into_iter()
        .map(|v| world.spawn((v, EncounterLog::default())).id())
        .collect();
    let group_entities: Vec<Entity> = groups.into_iter().map(|g| world.spawn(g).id()).collect();
    let mut names = Names::new();
    let events = events
        .into_iter()
        .map(|e| EventRecord {
            tick: e.tick,
            kind: names.get(e.kind),
            venue: e.venue,
            ward: e.ward,
            detail: e.detail,
        })
        .collect();
    let observations = observations
        .into_iter()
        .map(|o| Observation {
            tick: o.tick,
            ward: o.ward,
            metric: names.get(o.metric),
            value: o.value,
        })
        .collect();
    world.insert_resource(resources.council);
    world.insert_resource(PendingEvents(pending));
    world.insert_resource(Config(Arc::new(scenario.clone())));
    world.insert_resource(RunSeeds(seeds));
    world.insert_resource(resources.clock);
    world.insert_resource(SlotIndex {
        entities,
        ids: resources.slot_ids,
        wards,
    });
    world.insert_resource(VenueIndex(venue_entities));
    world.insert_resource(GroupIndex(group_entities));
    world.insert_resource(resources.venue_labels);
    world.insert_resource(resources.ward_cultures);
    world.insert_resource(resources.wards);
    world.insert_resource(resources.next_resident_id);
    world.insert_resource(resources.layout);
    world.insert_resource(resources.peer_signals);
    world.insert_resource(resources.venue_history);
    world.insert_resource(Buckets::default());
    world.insert_resource(Inbox::default());
    world.insert_resource(resources.closures);
    world.insert_resource(resources.pub_history);
    world.insert_resource(resources.labour);
    world.insert_resource(EventLog(events));
    world.insert_resource(Observations(observations));
    Ok(Simulation::from_world(
        world,
        scenario.time.warmup_weeks + scenario.ticks(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        Scenario::from_toml(
            "name = \"t\"\n[time]\nyears = 2\nwarmup_weeks = 4\n[town]\nresidents = 600\n\
             [[events]]\nkind = \"close\"\nyear = 2011\nvenue_kind = \"pub\"\ncount = 1\n",
            "test",
        )
        .unwrap()
    }

    fn bytes(sim: &Simulation) -> Vec<u8> {
        let mut out = Vec::new();
        write(sim, &mut out).unwrap();
        out
    }

    #[test]
    fn a_fresh_world_is_fully_covered() {
        let sim = Simulation::new(&small(), Seeds::new(1));
        check_coverage(sim.world()).unwrap();
    }

    #[test]
    fn an_unknown_component_or_resource_is_named() {
        #[derive(Component)]
        struct Stray(#[allow(dead_code)] [u8; 3]);
        #[derive(Resource)]
        struct Loose(#[allow(dead_code)] [u8; 5]);
        let mut sim = Simulation::new(&small(), Seeds::new(1));
        let e = sim.world().resource::<SlotIndex>().entity(0);
        sim.world_mut().entity_mut(e).insert(Stray([0; 3]));
        let err = check_coverage(sim.world()).unwrap_err();
        assert!(
            err.contains("3 bytes") && err.contains("Resident, Identity"),
            "{err}"
        );
        sim.world_mut().entity_mut(e).remove::<Stray>();
        check_coverage(sim.world()).unwrap();
        sim.world_mut().insert_resource(Loose([0; 5]));
        let err = check_coverage(sim.world()).unwrap_err();
        assert!(err.contains("resource") && err.contains("5 bytes"), "{err}");
    }

    #[test]
    fn restore_then_write_gives_the_same_bytes_and_the_same_future() {
        let scenario = small();
        let seeds = Seeds::new(3);
        let mut sim = Simulation::new(&scenario, seeds);
        for _ in 0..60 {
            sim.step();
        }
        let saved = bytes(&sim);
        let mut restored = restore(&scenario, seeds, &saved).unwrap();
        assert_eq!(bytes(&restored), saved);
        assert_eq!(restored.steps_done(), 60);
        let a = {
            while sim.step() {}
            sim.into_output()
        };
        let b = {
            while restored.step() {}
            restored.into_output()
        };
        assert_eq!(a.observations.0, b.observations.0);
        assert_eq!(a.events, b.events);
        assert!(!a.events.is_empty(), "the scenario closes a pub");
    }

    #[test]
    fn a_truncated_payload_is_an_error() {
        let scenario = small();
        let sim = Simulation::new(&scenario, Seeds::new(3));
        let saved = bytes(&sim);
        assert!(restore(&scenario, Seeds::new(3), &saved[..saved.len() / 2]).is_err());
    }
}
