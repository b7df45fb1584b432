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
