//! Step 10, turnover and ageing: everyone ages a week; some residents leave and newcomers take
//! their place, knowing almost nobody.
//!
//! Rule: a resident leaves this week with chance
//!
//!   leave_rate / 52 × (young_multiplier if younger than young_age) × (1 + w·(1 − β)) + mortality,
//!
//! where mortality is `mortality_at_80_per_year` doubling every 8 years of age. Low belonging makes people more likely to move away (and the young move most), so a town
//! that loses its meeting places also loses the people most loosely tied to it. Each leaver is
//! replaced at once by a newcomer drawn like any resident but younger, with a fresh id, low
//! belonging and `newcomer_ties` ties of strength `newcomer_tie_strength` to neighbours in their ward.
//! Students start work at `student_work_age_years` (22); people retire at
//! `retirement_age_years` (66). Turnover runs during the warm-up too, so that the town starts the
//! first recorded year with the mix of settled residents and newcomers it will keep.

use super::batches::Collector;
use super::components::*;
use super::resident::{ResidentBundle, ResidentParts};
use crate::rng::{Purpose, RngExt};
use crate::scenario::WEEKS_PER_YEAR;
use crate::town::weighted_index;
use bevy_ecs::prelude::*;

/// Attempts to find each neighbour for a newcomer.
const NEIGHBOUR_TRIES: u32 = 40;

/// What the weekly leaving decision reads and writes.
type Ageing<'a> = (&'a mut Resident, &'a Attitudes, &'a mut Departure);

#[allow(clippy::too_many_arguments)]
pub fn turnover(
    mut residents: ParamSet<(Query<Ageing>, Query<ResidentParts>)>,
    mut slots: ResMut<SlotIndex>,
    mut next_id: ResMut<NextResidentId>,
    cultures: Res<WardCultures>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    let s = &config.0;
    let t = &s.turnover;
    let (step, seeds) = (clock.step, seeds.0);
    let week = 1.0 / WEEKS_PER_YEAR as f32;
    let base = t.leave_rate_per_year / f64::from(WEEKS_PER_YEAR);

    let mortality = t.mortality_at_80_per_year;
    let leaving: Collector<Vec<u32>> = Collector::default();
    residents.p0().par_iter_mut().for_each_init(
        || leaving.batch(),
        |batch, (mut me, attitudes, mut departure)| {
            me.age_years += week;
            me.employment = match me.employment {
                Employment::Student if f64::from(me.age_years) >= t.student_work_age_years => {
                    Employment::Employed
                }
                Employment::Employed | Employment::Unemployed
                    if f64::from(me.age_years) >= t.retirement_age_years =>
                {
                    Employment::Retired
                }
                other => other,
            };
            departure.leaving = false;
            let young = if f64::from(me.age_years) < t.young_age_years {
                t.young_multiplier
            } else {
                1.0
            };
            let moving =
                base * young * (1.0 + t.belonging_weight * (1.0 - f64::from(attitudes.belonging)));
            let doublings = (f64::from(me.age_years) - 80.0) / 8.0;
            let dying = |d: f64| mortality * d / f64::from(WEEKS_PER_YEAR);
            let mut rng = seeds.tick_stream(Purpose::Turnover, u64::from(me.id), step);
            let u = rng.random::<f64>();
            // 2^(whole doublings + 2) is above 2^doublings, so when the draw falls outside the
            // narrow band the exact chance could lie in, the answer is known without computing it
            // (measured: the power of two was a fiftieth of a tick). Rounding keeps the order of
            // the bounds, so the outcome is the same as comparing with the exact chance.
            let above = libm::scalbn(1.0, (doublings as i32).saturating_add(2).min(1000));
            departure.leaving = if mortality >= 0.0 && u < moving.min(1.0) {
                true
            } else if mortality >= 0.0 && u >= (moving + dying(above)).min(1.0) {
                false
            } else {
                u < (moving + dying(libm::exp2(doublings))).min(1.0)
            };
            if departure.leaving {
                batch.value.push(me.slot);
            }
        },
    );
    let mut residents = residents.p1();

    // Leavers in slot order (the batches finish in any order).
    let mut leavers: Vec<u32> = leaving.into_batches().concat();
    leavers.sort_unstable();
    let shares: Vec<f64> = s.town.wards.iter().map(|w| w.housing_share).collect();
    let cap = s.residents.max_ties as usize;
    let strength = t.newcomer_tie_strength as f32;
    for slot in leavers {
        let id = next_id.0;
        next_id.0 += 1;
        let mut rng = seeds.tick_stream(Purpose::Newcomer, u64::from(id), 1);
        let ward = weighted_index(&shares, rng.random::<f64>()) as u16;
        let entity = slots.entity(slot);
        slots.ids[slot as usize] = id;
        slots.wards[slot as usize] = ward;
        let Ok(mut leaver) = residents.get_mut(entity) else {
            continue;
        };
        ResidentBundle::newcomer(s, seeds, &cultures.0, id, slot, ward).replace(&mut leaver);
        // A few neighbours to start with.
        let n = slots.len();
        for _ in 0..t.newcomer_ties {
            for _ in 0..NEIGHBOUR_TRIES {
                let other = rng.random_range(0..n) as u32;
                if other == slot || slots.wards[other as usize] != ward {
                    continue;
                }
                let Ok(mut neighbour) = residents.get_mut(slots.entity(other)) else {
                    continue;
                };
                debug_assert_eq!(
                    neighbour.resident.ward, ward,
                    "the slot index's ward is stale"
                );
                if neighbour.ties.position(id).is_some() {
                    continue;
                }
                let them = Tie {
                    slot: other,
                    id: neighbour.resident.id,
                    strength,
                };
                let me = Tie { slot, id, strength };
                if neighbour.ties.add(me, cap)
                    && let Ok(mut newcomer) = residents.get_mut(entity)
                {
                    newcomer.ties.add(them, cap);
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing;
    use crate::scenario::Scenario;
    use bevy_ecs::system::RunSystemOnce;

    /// Ages one week of a resident in `employment` aged `age`, with nobody leaving, at the given
    /// ages of starting work and retiring; returns their employment after the week.
    fn after_a_week(employment: Employment, age: f32, work_at: f64, retire_at: f64) -> Employment {
        let mut s = Scenario::default();
        (
            s.turnover.leave_rate_per_year,
            s.turnover.mortality_at_80_per_year,
        ) = (0.0, 0.0);
        (
            s.turnover.student_work_age_years,
            s.turnover.retirement_age_years,
        ) = (work_at, retire_at);
        let mut w = testing::world(s, vec![], vec![]);
        let mut me = testing::resident(0, 0, 0, 0.5);
        (me.employment, me.age_years) = (employment, age);
        let e = w
            .spawn((me, testing::attitudes(0.5), Departure::default()))
            .id();
        w.insert_resource(SlotIndex {
            entities: vec![e],
            ids: vec![0],
            wards: vec![0],
        });
        w.insert_resource(NextResidentId(1));
        w.insert_resource(WardCultures(vec![[0; MAX_FEATURES]]));
        w.run_system_once(turnover).unwrap();
        let r = w.get::<Resident>(e).unwrap();
        assert!((r.age_years - age - 1.0 / 52.0).abs() < 1e-4, "ages a week");
        assert!(!w.get::<Departure>(e).unwrap().leaving, "nobody leaves");
        r.employment
    }

    #[test]
    fn students_start_work_and_workers_retire_at_the_stated_ages() {
        use Employment::*;
        // At the defaults, 22 and 66: a week short of the age changes nothing.
        assert_eq!(after_a_week(Student, 21.9, 22.0, 66.0), Student);
        assert_eq!(after_a_week(Student, 22.0, 22.0, 66.0), Employed);
        assert_eq!(after_a_week(Employed, 65.9, 22.0, 66.0), Employed);
        assert_eq!(after_a_week(Employed, 66.0, 22.0, 66.0), Retired);
        assert_eq!(after_a_week(Unemployed, 66.0, 22.0, 66.0), Retired);
        // The ages are read from the parameters.
        assert_eq!(after_a_week(Student, 19.0, 18.0, 66.0), Employed);
        assert_eq!(after_a_week(Employed, 61.0, 22.0, 60.0), Retired);
        assert_eq!(after_a_week(Employed, 66.0, 22.0, 68.0), Employed);
        // The retired and students stay as they are.
        assert_eq!(after_a_week(Retired, 40.0, 22.0, 66.0), Retired);
    }
}
