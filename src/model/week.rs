//! Step 0, a new week: what residents did last week becomes what their ties can see this week.
//!
//! Rule: who took part last week is published to [`PeerSignals`], and this week's flags are
//! cleared. Every decision this week then reads the same picture of last week, whatever order
//! residents are processed in (a synchronous update, as in Granovetter 1978).

use super::components::{Civic, PeerSignals, Resident, SlotIndex};
use bevy_ecs::prelude::*;

pub fn new_week(
    mut residents: Query<(&Resident, &mut Civic)>,
    slots: Res<SlotIndex>,
    mut signals: ResMut<PeerSignals>,
) {
    // One flag per slot; a slot with nobody in it (an empty home) shows nobody taking part.
    let seen = &mut signals.participated_last_week;
    seen.clear();
    seen.resize(slots.len(), false);
    for (me, mut civic) in residents.iter_mut() {
        seen[me.slot as usize] = civic.participated;
        civic.participated = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::components::VACANT;
    use crate::model::testing;
    use bevy_ecs::system::RunSystemOnce;

    /// Five homes: slots 0, 1, 3 and 4 lived in (spawned out of slot order, so that the
    /// query's order is not the slots'), slot 2 empty. Residents in slots 1 and 4 took part
    /// this week. Last week's picture is stale: every flag set, and one slot too many.
    #[test]
    fn who_took_part_is_published_by_slot_and_the_flags_are_cleared() {
        let mut w = World::new();
        let took_part = [(4, true), (0, false), (3, false), (1, true)];
        let mut entities = vec![Entity::PLACEHOLDER; 5];
        let mut ids = vec![VACANT; 5];
        for (id, (slot, went)) in took_part.into_iter().enumerate() {
            let civic = Civic {
                participated: went,
                ..Civic::fresh()
            };
            let me = testing::resident(10 + id as u32, slot, 0, 0.5);
            entities[slot as usize] = w.spawn((me, civic)).id();
            ids[slot as usize] = 10 + id as u32;
        }
        w.insert_resource(SlotIndex {
            entities,
            ids,
            wards: vec![0; 5],
        });
        w.insert_resource(PeerSignals {
            participated_last_week: vec![true; 6],
        });
        w.run_system_once(new_week).unwrap();

        // Published: one flag per slot, the resident's own in each lived-in slot, none for
        // the empty home, nothing left of the stale picture.
        assert_eq!(
            w.resource::<PeerSignals>().participated_last_week,
            vec![false, true, false, false, true]
        );
        // Cleared: nobody has taken part in the new week yet.
        let mut q = w.query::<&Civic>();
        assert!(q.iter(&w).all(|c| !c.participated));
        assert_eq!(q.iter(&w).count(), 4);

        // A second week with nobody taking part publishes nobody.
        w.run_system_once(new_week).unwrap();
        assert_eq!(
            w.resource::<PeerSignals>().participated_last_week,
            vec![false; 5]
        );
    }
}
