//! How many bytes a week's passes move through memory: an estimate from what each mechanism
//! declares it touches, for `timings.json` (not part of any result).
//!
//! The rule: bevy records, for every system, the components and resources its parameters may
//! read or write (that is how it schedules systems safely). A mechanism's bytes are the bytes of
//! every column it names — rows × the column's size for a component, the heap a per-slot scratch
//! table holds for the resources listed in `heap_bytes` — counted once if it only reads them
//! and twice if it writes them (read, then written back). Summed over the week's mechanisms and
//! divided by the residents, that is what a week streams if each pass touched each row it names
//! once.
//!
//! What it leaves out, so read it as an estimate, not a measurement: partners' rows read at
//! random (a tie's signal, a friend's outings) cost a whole cache line each, not the bytes read,
//! so it undercounts; a pass that does its work only in some weeks (interventions; politics,
//! which skips the warm-up) or touches only some of the rows it names counts them in full, so it
//! overcounts those (turnover and jobs, the two that would count most, are listed in
//! [`STREAMED_ONLY`]). The machine here has no
//! hardware counters to measure traffic directly; the bandwidth bench (`cargo bench --features
//! bench --bench tick -- bandwidth`) measures the ceiling this is compared with.

use crate::model::components::{
    Attitudes, Buckets, Departure, EncounterLog, Inbox, PeerSignals, Resident, SlotIndex,
};
use bevy_ecs::component::ComponentId;
use bevy_ecs::prelude::*;
use bevy_ecs::query::ComponentAccessKind;
use bevy_ecs::schedule::Schedule;
use std::collections::HashMap;

/// A run's memory figures, per resident.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traffic {
    /// Bytes of state per resident: every resident column, and the per-slot scratch tables.
    pub state_bytes_per_resident: f64,
    /// Each mechanism's estimated bytes moved per resident-week, in the order they run.
    pub bytes_per_resident_week: Vec<(&'static str, f64)>,
}

impl Traffic {
    /// The week's estimated bytes moved per resident, all mechanisms together.
    pub fn total_bytes_per_resident_week(&self) -> f64 {
        self.bytes_per_resident_week.iter().map(|(_, b)| b).sum()
    }
}

/// Estimates the traffic of `mechanisms` (schedules that have run at least once) on `world`.
pub fn estimate(world: &mut World, mechanisms: &[(&'static str, Schedule)]) -> Traffic {
    let residents = world.query::<&Resident>().iter(world).count();
    let per = |bytes: u64| bytes as f64 / residents.max(1) as f64;
    let bytes = column_bytes(world);
    let resident_columns = world
        .component_id::<Resident>()
        .map(|id| resident_column_ids(world, id))
        .unwrap_or_default();
    let scratch = [
        world.component_id::<Buckets>(),
        world.component_id::<Inbox>(),
        world.component_id::<PeerSignals>(),
        world.component_id::<SlotIndex>(),
    ];
    let state: u64 = resident_columns
        .iter()
        .chain(scratch.iter().flatten())
        .map(|id| bytes.get(id).copied().unwrap_or(0))
        .sum();
    let bytes_per_resident_week = mechanisms
        .iter()
        .map(|(name, schedule)| {
            let moved = match streamed_only(world, name) {
                Some(columns) => columns
                    .iter()
                    .map(|&(id, times)| times * bytes.get(&id).copied().unwrap_or(0))
                    .sum(),
                None => mechanism_bytes(schedule, &bytes),
            };
            (*name, per(moved))
        })
        .collect();
    Traffic {
        state_bytes_per_resident: per(state),
        bytes_per_resident_week,
    }
}

/// The mechanisms whose parameters name whole rows they touch for only a few residents a week
/// (those leaving or arriving, those laid off), with the columns they do stream over every
/// resident and how often (1 read, 2 read and written). Counting what they name would make
/// turnover alone move more than the machine's bandwidth allows in the time it takes.
pub const STREAMED_ONLY: [&str; 2] = ["turnover", "jobs"];

fn streamed_only(world: &World, mechanism: &str) -> Option<Vec<(ComponentId, u64)>> {
    let columns = match mechanism {
        // Ageing: each resident's age and departure are read and written, attitudes read.
        "turnover" => vec![
            (world.component_id::<Resident>(), 2),
            (world.component_id::<Attitudes>(), 1),
            (world.component_id::<Departure>(), 2),
        ],
        // Employment counted and moved between in and out of work: the resident read.
        "jobs" => vec![(world.component_id::<Resident>(), 1)],
        _ => return None,
    };
    Some(
        columns
            .into_iter()
            .filter_map(|(id, times)| Some((id?, times)))
            .collect(),
    )
}

/// The bytes a schedule's systems name: each read column once, each written column twice.
/// A system whose access cannot be listed (one that takes the whole world) counts nothing.
fn mechanism_bytes(schedule: &Schedule, bytes: &HashMap<ComponentId, u64>) -> u64 {
    let Ok(systems) = schedule.systems_with_access() else {
        return 0;
    };
    let mut total = 0;
    for (_, system) in systems {
        let set = system.access().to_filtered_access_set();
        let Ok(accesses) = set.combined_access().try_iter_access() else {
            continue;
        };
        for access in accesses {
            let (id, times) = match access {
                ComponentAccessKind::Shared(id) => (id, 1),
                ComponentAccessKind::Exclusive(id) => (id, 2),
                ComponentAccessKind::Archetypal(_) => continue,
            };
            total += times * bytes.get(&id).copied().unwrap_or(0);
        }
    }
    total
}

/// The bytes each component's column holds (rows × size, over every archetype with it), plus the
/// heap of the types whose data lives there.
fn column_bytes(world: &mut World) -> HashMap<ComponentId, u64> {
    let mut bytes: HashMap<ComponentId, u64> = HashMap::new();
    for archetype in world.archetypes().iter() {
        for &id in archetype.components() {
            let size = world
                .components()
                .get_info(id)
                .map_or(0, |info| info.layout().size());
            *bytes.entry(id).or_default() += u64::from(archetype.len()) * size as u64;
        }
    }
    for (id, heap) in heap_bytes(world) {
        *bytes.entry(id).or_default() += heap;
    }
    bytes
}

/// The columns of the residents' archetypes.
fn resident_column_ids(world: &World, resident: ComponentId) -> Vec<ComponentId> {
    let mut ids: Vec<ComponentId> = world
        .archetypes()
        .iter()
        .filter(|a| a.contains(resident) && !a.is_empty())
        .flat_map(|a| a.components().iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Bytes in use (length, not capacity) of a vector's elements.
fn vec_bytes<T>(v: &[T]) -> u64 {
    std::mem::size_of_val(v) as u64
}

/// The heap held by the per-slot scratch tables and the venues' encounter logs: what their
/// passes stream besides the fixed-size columns.
fn heap_bytes(world: &mut World) -> Vec<(ComponentId, u64)> {
    let mut out = Vec::new();
    if let (Some(id), Some(b)) = (
        world.component_id::<Buckets>(),
        world.get_resource::<Buckets>(),
    ) {
        let friends: u64 =
            b.friends.iter().map(|f| vec_bytes(f)).sum::<u64>() + vec_bytes(&b.friends);
        let heap = vec_bytes(&b.visitors)
            + vec_bytes(&b.starts)
            + friends
            + vec_bytes(&b.id_order)
            + vec_bytes(&b.id_order_ids)
            + vec_bytes(&b.week_by_slot)
            + vec_bytes(&b.visitor_by_slot)
            + vec_bytes(&b.mask_by_slot)
            + vec_bytes(&b.position_by_slot)
            + vec_bytes(&b.found)
            + vec_bytes(&b.found_at);
        out.push((id, heap));
    }
    if let (Some(id), Some(inbox)) = (world.component_id::<Inbox>(), world.get_resource::<Inbox>())
    {
        out.push((id, vec_bytes(&inbox.offsets) + vec_bytes(&inbox.items)));
    }
    if let (Some(id), Some(signals)) = (
        world.component_id::<PeerSignals>(),
        world.get_resource::<PeerSignals>(),
    ) {
        out.push((id, vec_bytes(&signals.participated_last_week)));
    }
    if let (Some(id), Some(slots)) = (
        world.component_id::<SlotIndex>(),
        world.get_resource::<SlotIndex>(),
    ) {
        out.push((
            id,
            vec_bytes(&slots.entities) + vec_bytes(&slots.ids) + vec_bytes(&slots.wards),
        ));
    }
    if let Some(id) = world.component_id::<EncounterLog>() {
        let logs: u64 = world
            .query::<&EncounterLog>()
            .iter(world)
            .map(|log| vec_bytes(&log.meetings))
            .sum();
        out.push((id, logs));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::components::*;
    use crate::rng::Seeds;
    use crate::scenario::Scenario;
    use crate::sim::Simulation;
    use std::mem::size_of;

    #[test]
    fn counts_what_each_mechanism_names() {
        let scenario = Scenario::from_toml(
            "name = \"t\"\n[time]\nyears = 1\nwarmup_weeks = 2\n[town]\nresidents = 500\n",
            "test",
        )
        .unwrap();
        let mut sim = Simulation::new(&scenario, Seeds::new(5));
        for _ in 0..4 {
            sim.step();
        }
        let t = sim.traffic();
        let of = |name: &str| {
            t.bytes_per_resident_week
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| *b)
                .unwrap()
        };
        // Trust writes its four columns and reads the resident's: at least their sizes, writes
        // twice, plus the inbox it reads.
        let trust_columns = 2 * (size_of::<TrustState>() + size_of::<Ties>() + size_of::<Haunts>())
            + 2 * size_of::<Recent>()
            + size_of::<Resident>();
        assert!(of("trust") > trust_columns as f64, "{}", of("trust"));
        // Pubs names no resident column: a few bytes of venues and groups per resident.
        assert!(of("pubs") < 16.0, "{}", of("pubs"));
        // Gather writes the week's buckets, far larger than any one column.
        assert!(of("gather") > of("politics"), "{:?}", t);
        // The state holds at least every resident column.
        let columns = size_of::<Resident>()
            + size_of::<Identity>()
            + size_of::<Ties>()
            + size_of::<ChoiceSet>()
            + size_of::<Outings>();
        assert!(t.state_bytes_per_resident > columns as f64, "{t:?}");
        assert!(t.state_bytes_per_resident < 10_000.0, "{t:?}");
        assert_eq!(t.bytes_per_resident_week.len(), 19);
        // The mechanisms counted by what they stream are in the week, and count less than they
        // name: turnover's leavers' rows are not streamed.
        for name in super::STREAMED_ONLY {
            assert!(
                t.bytes_per_resident_week.iter().any(|(n, _)| *n == name),
                "{name}"
            );
        }
        assert!(
            of("turnover") < (2 * size_of::<Resident>() + 64) as f64,
            "{t:?}"
        );
    }
}
