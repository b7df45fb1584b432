//! Step 1, interventions: scenario events due this week take effect.
//!
//! `close` shuts `count` open venues of a kind (in one ward, if given), the least used over the
//! last four weeks first, ties broken by venue id. A scheduled closure is a decision already
//! taken, so it does not go to asset transfer. Each event writes one `intervention` row to
//! events.csv, and each venue it closes a `close` row.

use super::components::*;
use super::venues::Ledger;
use crate::scenario::Event;
use bevy_ecs::prelude::*;

pub fn interventions(
    mut pending: ResMut<PendingEvents>,
    mut venues: Query<&mut Venue>,
    index: Res<VenueIndex>,
    wards: Res<Wards>,
    mut ledger: Ledger,
) {
    if ledger.clock.warming_up() {
        return;
    }
    let tick = ledger.clock.tick();
    let due: Vec<Event> = pending
        .0
        .iter()
        .filter(|(t, _)| *t == tick)
        .map(|(_, e)| e.clone())
        .collect();
    pending.0.retain(|(t, _)| *t != tick);
    for event in due {
        match event {
            Event::Close {
                venue_kind,
                count,
                ward,
                ..
            } => {
                let ward_id = ward
                    .as_ref()
                    .and_then(|name| wards.names.iter().position(|n| n == name))
                    .map(|w| w as u16);
                let mut candidates: Vec<(u32, u16)> = index
                    .0
                    .iter()
                    .filter_map(|&e| venues.get(e).ok())
                    .filter(|v| v.open && v.kind == venue_kind)
                    .filter(|v| ward_id.is_none_or(|w| v.ward == w))
                    .map(|v| (v.visits_last_4_weeks(), v.id))
                    .collect();
                candidates.sort_unstable();
                let closed = candidates.len().min(count as usize);
                ledger.note(
                    "intervention",
                    ward_id,
                    format!(
                        "close {count} {}{}: {closed} closed",
                        venue_kind.name(),
                        ward.map(|w| format!(" in {w}")).unwrap_or_default()
                    ),
                );
                for &(_, id) in candidates.iter().take(closed) {
                    if let Ok(mut v) = venues.get_mut(index.0[id as usize]) {
                        ledger.close(&mut v, "scheduled closure");
                    }
                }
            }
        }
    }
}
