//! Step 10, turnover and ageing: everyone ages a week; some residents leave and newcomers take
//! their place, knowing almost nobody.
//!
//! Rule: a resident leaves this week with chance
//!
//!   leave_rate / 52 × (young_multiplier × (1 + k·Δu) if younger than young_age) × (1 + w·(1 − β))
//!     + mortality,
//!
//! where Δu is the rise in the town's unemployment since the start (a share of working-age
//! residents, at least 0; 0 unless the labour market is on, see jobs.rs) and k is
//! `young_unemployment_response`: the young leave a town whose jobs have gone (Langella &
//! Manning 2022, Residential mobility and unemployment in the UK, Labour Economics 75: local
//! unemployment raises moving away; its size here is assumed); mortality is
//! `mortality_at_80_per_year` doubling every 8 years of age. Low belonging makes people more
//! likely to move away (and the young move most), so a town that loses its meeting places, or
//! its jobs, also loses the people most loosely tied to it. Each leaver is
//! replaced at once by a newcomer drawn like any resident but younger, with a fresh id, low
//! belonging and `newcomer_ties` ties of strength `newcomer_tie_strength` to neighbours in their ward
//! (fewer when `residents.max_ties` is smaller: a tie is made on both sides or not at all).
//! Students start work at `student_work_age_years` (22); people retire at
//! `retirement_age_years` (66). Turnover runs during the warm-up too, so that the town starts the
//! first recorded year with the mix of settled residents and newcomers it will keep.

use super::batches::{self, Collector};
use super::components::*;
use super::resident::{ResidentBundle, ResidentParts};
use super::weighted_index;
use crate::rng::{Purpose, RngExt};
use crate::scenario::WEEKS_PER_YEAR;
use bevy_ecs::prelude::*;

/// Attempts to find each neighbour for a newcomer.
const NEIGHBOUR_TRIES: u32 = 40;

/// The draws for letting empty homes (keyed by slot) come from a stream of their own, apart
/// from the residents' leaving (keyed by id).
const VACANCY_STREAM: u64 = 1 << 41;

/// What the weekly leaving decision reads and writes.
type Ageing<'a> = (&'a mut Resident, &'a Attitudes, &'a mut Departure);

#[allow(clippy::too_many_arguments)]
pub fn turnover(
    mut commands: Commands,
    mut residents: ParamSet<(Query<Ageing>, Query<ResidentParts>)>,
    mut slots: ResMut<SlotIndex>,
    mut next_id: ResMut<NextResidentId>,
    cultures: Res<WardCultures>,
    labour: Res<Labour>,
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
    // Poor local opportunity: the rise in unemployment since the start (0 with the labour
    // market off) raises the young's moving.
    let opportunity = 1.0 + t.young_unemployment_response * labour.unemployment_rise(s);
    // With the labour market on, the homes standing empty at the start of the week are let, each
    // with the week's chance (a home left this week stands empty at least until next week).
    let shrinking = s.jobs.enabled;
    let mut lets: Vec<u32> = Vec::new();
    if shrinking {
        let chance = let_chance(s, &labour);
        for slot in 0..slots.len() as u32 {
            if slots.is_vacant(slot) {
                let key = VACANCY_STREAM | u64::from(slot);
                if seeds
                    .tick_stream(Purpose::Turnover, key, step)
                    .random::<f64>()
                    < chance
                {
                    lets.push(slot);
                }
            }
        }
    }
    let leaving: Collector<Vec<u32>> = Collector::default();
    batches::each_init(
        residents.p0(),
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
                t.young_multiplier * opportunity
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
    // With the labour market on a leaver's home stands empty and the homes let this week take
    // newcomers; with it off each leaver is replaced at once.
    let arriving = if shrinking {
        for &slot in &leavers {
            commands.entity(slots.entity(slot)).despawn();
            slots.entities[slot as usize] = Entity::PLACEHOLDER;
            slots.ids[slot as usize] = VACANT;
            slots.wards[slot as usize] = 0;
        }
        lets
    } else {
        leavers
    };
    let shares: Vec<f64> = s.town.wards.iter().map(|w| w.housing_share).collect();
    let cap = s.residents.max_ties as usize;
    let strength = t.newcomer_tie_strength as f32;
    for slot in arriving {
        let id = next_id.0;
        next_id.0 += 1;
        let mut rng = seeds.tick_stream(Purpose::Newcomer, u64::from(id), 1);
        let ward = weighted_index(&shares, rng.random::<f64>()) as u16;
        slots.ids[slot as usize] = id;
        slots.wards[slot as usize] = ward;
        let mut newcomer = ResidentBundle::newcomer(s, seeds, &cultures.0, id, slot, ward);
        // A few neighbours to start with.
        let n = slots.len();
        for _ in 0..t.newcomer_ties {
            // Ties are held on both sides: a newcomer with `max_ties` ties takes no more.
            if newcomer.ties.len as usize >= cap {
                break;
            }
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
                if neighbour.ties.add(me, cap) {
                    newcomer.ties.add(them, cap);
                }
                break;
            }
        }
        if shrinking {
            slots.entities[slot as usize] = commands.spawn(newcomer).id();
        } else if let Ok(mut leaver) = residents.get_mut(slots.entity(slot)) {
            newcomer.replace(&mut leaver);
        }
    }
}

/// The weekly chance that an empty home is let: `let_chance_per_week` × (jobs now / jobs at the
/// start)^`let_jobs_exponent`, the jobs ratio taken as 1 until the start is counted.
pub fn let_chance(s: &crate::scenario::Scenario, labour: &Labour) -> f64 {
    let t = &s.turnover;
    let ratio = if labour.counted {
        labour.jobs_ratio.max(0.0)
    } else {
        1.0
    };
    (t.let_chance_per_week * ratio.powf(t.let_jobs_exponent)).clamp(0.0, 1.0)
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

    /// Rates at which exactly the residents aged 100 or more leave (moving away, at the full
    /// weekly chance) and nobody dies, with every newcomer housed in Welfare Estate (ward 2).
    fn only_the_old_leave() -> Scenario {
        let mut s = Scenario::default();
        let t = &mut s.turnover;
        (t.leave_rate_per_year, t.young_age_years, t.young_multiplier) = (52.0, 100.0, 0.0);
        t.mortality_at_80_per_year = 0.0;
        for (i, w) in s.town.wards.iter_mut().enumerate() {
            w.housing_share = if i == 2 { 1.0 } else { 0.0 };
        }
        s
    }

    /// A town of the given residents, one per slot (slot `i` is id `i`), aged `age` in `ward`,
    /// with `ties`; the next newcomer's id is 100.
    fn town(s: Scenario, people: &[(u16, f32, &[Tie])]) -> World {
        let cultures = vec![[1; MAX_FEATURES]; s.town.wards.len()];
        let seeds = crate::rng::Seeds::new(3);
        let mut w = testing::world(s.clone(), vec![], vec![]);
        let mut entities = Vec::new();
        for (slot, &(ward, age, ties)) in people.iter().enumerate() {
            let slot = slot as u32;
            let mut b = ResidentBundle::newcomer(&s, seeds, &cultures, slot, slot, ward);
            b.resident = testing::resident(slot, slot, ward, 0.5);
            b.resident.age_years = age;
            for &t in ties {
                b.ties.add(t, MAX_TIES);
            }
            entities.push(w.spawn(b).id());
        }
        w.insert_resource(SlotIndex {
            entities,
            ids: (0..people.len() as u32).collect(),
            wards: people.iter().map(|p| p.0).collect(),
        });
        w.insert_resource(NextResidentId(100));
        w.insert_resource(WardCultures(cultures));
        w
    }

    fn parts(w: &mut World, slot: u32) -> ResidentBundle {
        let e = w.resource::<SlotIndex>().entity(slot);
        let mut q = w.query::<crate::model::resident::ResidentPartsReadOnly>();
        let p = q.get(w, e).unwrap();
        ResidentBundle {
            resident: p.resident.clone(),
            identity: p.identity.clone(),
            trust: p.trust.clone(),
            attitudes: p.attitudes.clone(),
            ties: p.ties.clone(),
            memberships: p.memberships.clone(),
            civic: p.civic.clone(),
            recent: p.recent.clone(),
            haunts: p.haunts.clone(),
            choices: p.choices.clone(),
            outings: p.outings.clone(),
            departure: p.departure.clone(),
            politics: *p.politics,
        }
    }

    fn tie(slot: u32, strength: f32) -> Tie {
        Tie {
            slot,
            id: slot,
            strength,
        }
    }

    #[test]
    fn a_leaver_is_replaced_in_their_slot_by_a_fresh_newcomer_tied_to_neighbours() {
        let mut s = only_the_old_leave();
        s.turnover.newcomer_tie_strength = 0.35;
        // Slot 0 (ward 0, aged 100) leaves; slots 1 and 2 live in ward 2, slots 3 and 4 in ward 0.
        let mut w = town(
            s.clone(),
            &[
                (0, 100.0, &[tie(1, 0.8), tie(3, 0.6)]),
                (2, 40.0, &[tie(0, 0.8)]),
                (2, 40.0, &[]),
                (0, 40.0, &[tie(0, 0.6)]),
                (0, 40.0, &[]),
            ],
        );
        // The leaver's civic life, groups, trust and haunts, none of which should stay.
        let e = w.resource::<SlotIndex>().entity(0);
        {
            let mut leaver = w.entity_mut(e);
            *leaver.get_mut::<Civic>().unwrap() = Civic {
                participated: true,
                last_participated: 0,
                assembly_step: 0,
            };
            leaver.get_mut::<Memberships>().unwrap().add(3);
            leaver.get_mut::<TrustState>().unwrap().good = 9.0;
            leaver.get_mut::<Haunts>().unwrap().score[0] = 1.0;
            leaver.get_mut::<Recent>().unwrap().encounters = [5; RECENT_WEEKS];
            leaver.get_mut::<Attitudes>().unwrap().belonging = 0.9;
        }
        w.run_system_once(turnover).unwrap();

        let slots = w.resource::<SlotIndex>();
        assert_eq!(
            (slots.entity(0), slots.ids.clone(), slots.wards.clone()),
            (e, vec![100, 1, 2, 3, 4], vec![2, 2, 2, 0, 0]),
            "the newcomer takes the slot, housed by housing share"
        );
        assert_eq!(
            w.resource::<NextResidentId>().0,
            101,
            "ids are never reused"
        );
        let new = parts(&mut w, 0);
        let r = &new.resident;
        assert_eq!((r.id, r.slot, r.ward), (100, 0, 2));
        assert_eq!(r.deprivation, s.town.wards[2].deprivation as f32);
        assert!((18.0..=45.0).contains(&r.age_years), "{}", r.age_years);
        assert!(!r.former_miner);
        assert!(!new.civic.participated && new.civic.last_participated == NEVER);
        assert_eq!(new.civic.assembly_step, NEVER);
        assert_eq!(new.memberships.len, 0);
        assert_eq!(
            (new.trust.good, new.trust.bad),
            (0.0, 0.0),
            "no experience yet"
        );
        assert_eq!(new.haunts.score, [0.0; HAUNTS]);
        assert_eq!(new.recent.encounters, [0; RECENT_WEEKS]);
        assert!(new.attitudes.belonging < 0.5, "newcomers belong little yet");
        // Two ties, both ways, at the stated strength, to the neighbours in ward 2 only.
        let mut ties: Vec<Tie> = new.ties.as_slice().to_vec();
        ties.sort_by_key(|t| t.slot);
        assert_eq!(ties, [tie(1, 0.35), tie(2, 0.35)]);
        let back = |w: &mut World, slot| {
            let t = parts(w, slot).ties;
            t.position(100).map(|k| t.list[k])
        };
        let me = Tie {
            slot: 0,
            id: 100,
            strength: 0.35,
        };
        assert_eq!((back(&mut w, 1), back(&mut w, 2)), (Some(me), Some(me)));
        assert_eq!((back(&mut w, 3), back(&mut w, 4)), (None, None));
        // Everyone else stays and ages a week; their ties to the leaver are now dead.
        for slot in 1..5 {
            let stayer = parts(&mut w, slot).resident;
            assert_eq!(stayer.id, slot);
            assert!((stayer.age_years - 40.0 - 1.0 / 52.0).abs() < 1e-4);
        }
        assert!(!w.resource::<SlotIndex>().holds(0, 0));
    }

    #[test]
    fn the_young_leave_more_when_unemployment_has_risen_and_the_market_is_on() {
        // 2,000 residents aged 20, each leaving with chance 0.1 a week at the start.
        let leavers = |enabled: bool, rise: f64| {
            let mut s = Scenario::default();
            let t = &mut s.turnover;
            (
                t.leave_rate_per_year,
                t.young_multiplier,
                t.belonging_weight,
            ) = (5.2, 1.0, 0.0);
            (t.mortality_at_80_per_year, t.young_unemployment_response) = (0.0, 4.0);
            s.jobs.enabled = enabled;
            let people = vec![(0u16, 20.0f32, &[][..]); 2000];
            let mut w = town(s, &people);
            w.insert_resource(Labour {
                counted: true,
                unemployment_at_start: 0.05,
                unemployment: 0.05 + rise,
                ..Labour::default()
            });
            w.run_system_once(turnover).unwrap();
            // Leavers are replaced at once (market off) or leave their homes empty (market on).
            let replaced = w.resource::<NextResidentId>().0 - 100;
            let empty = w
                .resource::<SlotIndex>()
                .ids
                .iter()
                .filter(|&&id| id == VACANT);
            f64::from(replaced + empty.count() as u32) / 2000.0
        };
        let at_start = leavers(true, 0.0);
        assert!((at_start - 0.1).abs() < 0.02, "{at_start}");
        // Unemployment up 25 points: × (1 + 4 × 0.25) = × 2.
        let poor = leavers(true, 0.25);
        assert!((poor - 0.2).abs() < 0.025, "{poor}");
        // A fall in unemployment does not keep the young, and with the market off nothing moves.
        assert_eq!(leavers(true, -0.04), at_start);
        assert_eq!(leavers(false, 0.25), at_start);
    }

    /// Empties `slot` as turnover does with the labour market on: nobody lives there.
    fn vacate(w: &mut World, slot: u32) {
        let e = w.resource::<SlotIndex>().entity(slot);
        w.despawn(e);
        let mut slots = w.resource_mut::<SlotIndex>();
        slots.entities[slot as usize] = Entity::PLACEHOLDER;
        slots.ids[slot as usize] = VACANT;
        slots.wards[slot as usize] = 0;
    }

    fn living(w: &mut World) -> usize {
        w.query::<&Resident>().iter(w).count()
    }

    #[test]
    fn with_the_market_on_a_leavers_home_stands_empty_until_it_is_let() {
        let mut s = only_the_old_leave();
        s.jobs.enabled = true;
        s.turnover.let_chance_per_week = 1.0;
        // Slot 0 (aged 100) leaves; slot 1 is tied to them.
        let mut w = town(
            s,
            &[(0, 100.0, &[]), (2, 40.0, &[tie(0, 0.8)]), (2, 40.0, &[])],
        );
        w.run_system_once(turnover).unwrap();
        {
            let slots = w.resource::<SlotIndex>();
            assert!(slots.is_vacant(0), "the home stands empty this week");
            assert_eq!(slots.entity(0), Entity::PLACEHOLDER);
            assert!(!slots.holds(0, 0), "the tie to the leaver is dead");
        }
        assert_eq!(living(&mut w), 2, "nobody has taken their place");
        assert_eq!(w.resource::<NextResidentId>().0, 100);
        // Next week, at a chance of 1, it is let to a newcomer, housed by housing share.
        w.run_system_once(turnover).unwrap();
        assert_eq!(living(&mut w), 3);
        let slots = w.resource::<SlotIndex>();
        assert_eq!(
            (slots.ids.clone(), slots.wards.clone()),
            (vec![100, 1, 2], vec![2, 2, 2])
        );
        let new = parts(&mut w, 0).resident;
        assert_eq!((new.id, new.slot, new.ward), (100, 0, 2));
    }

    #[test]
    fn empty_homes_are_let_at_the_base_chance_scaled_by_the_jobs_left() {
        // 2,000 homes, all but one empty, nobody leaving; the share let in one week.
        let let_share = |enabled: bool, counted: bool, jobs_ratio: f64, exponent: f64| {
            let mut s = Scenario::default();
            s.jobs.enabled = enabled;
            let t = &mut s.turnover;
            (t.leave_rate_per_year, t.mortality_at_80_per_year) = (0.0, 0.0);
            (t.let_chance_per_week, t.let_jobs_exponent) = (0.2, exponent);
            let people = vec![(0u16, 40.0f32, &[][..]); 2000];
            let mut w = town(s, &people);
            for slot in 1..2000 {
                vacate(&mut w, slot);
            }
            w.insert_resource(Labour {
                counted,
                jobs_ratio,
                ..Labour::default()
            });
            w.run_system_once(turnover).unwrap();
            let let_now = w.resource::<NextResidentId>().0 - 100;
            assert_eq!(living(&mut w), 1 + let_now as usize);
            f64::from(let_now) / 1999.0
        };
        // With the town's jobs as at the start, homes are let at the base chance.
        let base = let_share(true, true, 1.0, 1.0);
        assert!((base - 0.2).abs() < 0.03, "{base}");
        // Before the start is counted (the warm-up) the jobs count as unchanged.
        assert_eq!(let_share(true, false, 0.3, 1.0), base);
        // Half the jobs: × 0.5 at exponent 1, × 0.25 at exponent 2; none with the jobs gone.
        let half = let_share(true, true, 0.5, 1.0);
        assert!((half - 0.1).abs() < 0.02, "{half}");
        let quarter = let_share(true, true, 0.5, 2.0);
        assert!((quarter - 0.05).abs() < 0.015, "{quarter}");
        assert_eq!(
            let_share(true, true, 0.0, 1.0),
            0.0,
            "no jobs, no newcomers"
        );
        // At exponent 0 the jobs do not matter; with the market off no home is let this way.
        assert_eq!(let_share(true, true, 0.5, 0.0), base);
        assert_eq!(let_share(false, true, 1.0, 1.0), 0.0);
    }

    #[test]
    fn a_newcomer_is_never_tied_beyond_max_ties_and_displaces_only_a_weaker_tie() {
        // In ward 2, slot 1 is full of strong ties, slot 2 full with a weak one, slot 3 has room.
        let mut tied_to = [0; 4];
        for seed in 0..24 {
            let mut s = only_the_old_leave();
            (s.residents.max_ties, s.turnover.newcomer_ties) = (2, 2);
            let strength = s.turnover.newcomer_tie_strength as f32;
            let mut w = town(
                s,
                &[
                    (0, 100.0, &[]),
                    (2, 40.0, &[tie(4, 0.9), tie(5, 0.8)]),
                    (2, 40.0, &[tie(4, 0.9), tie(5, strength / 2.0)]),
                    (2, 40.0, &[]),
                    (0, 40.0, &[]),
                    (0, 40.0, &[]),
                ],
            );
            w.insert_resource(RunSeeds(crate::rng::Seeds::new(seed)));
            w.run_system_once(turnover).unwrap();
            let new = parts(&mut w, 0).ties;
            assert!(new.len <= 2);
            for slot in 1..6 {
                let theirs = parts(&mut w, slot).ties;
                let ours = new.position(slot).is_some();
                assert_eq!(
                    theirs.position(100).is_some(),
                    ours,
                    "both sides, seed {seed}"
                );
                assert!(theirs.len <= 2);
                if ours {
                    tied_to[slot as usize - 1] += 1;
                }
            }
            assert_eq!(parts(&mut w, 1).ties.as_slice(), [tie(4, 0.9), tie(5, 0.8)]);
            if new.position(2).is_some() {
                let kept: Vec<u32> = parts(&mut w, 2)
                    .ties
                    .as_slice()
                    .iter()
                    .map(|t| t.id)
                    .collect();
                assert_eq!(kept, [4, 100], "the weaker tie gives way");
            }
        }
        assert_eq!(
            tied_to[0], 0,
            "a neighbour full of stronger ties takes no newcomer"
        );
        assert!(tied_to[1] > 0 && tied_to[2] > 0, "{tied_to:?}");
        assert_eq!(tied_to[3], 0, "nor does anyone in another ward");
    }

    #[test]
    fn a_newcomer_asked_for_more_ties_than_max_ties_holds_every_tie_on_both_sides() {
        for seed in 0..24 {
            let mut s = only_the_old_leave();
            (s.residents.max_ties, s.turnover.newcomer_ties) = (1, 3);
            let mut w = town(
                s,
                &[
                    (0, 100.0, &[]),
                    (2, 40.0, &[]),
                    (2, 40.0, &[]),
                    (2, 40.0, &[]),
                    (0, 40.0, &[]),
                ],
            );
            w.insert_resource(RunSeeds(crate::rng::Seeds::new(seed)));
            w.run_system_once(turnover).unwrap();
            let new = parts(&mut w, 0).ties;
            assert!(new.len <= 1, "seed {seed}");
            let holding: Vec<u32> = (1..5)
                .filter(|&slot| parts(&mut w, slot).ties.position(100).is_some())
                .collect();
            let held: Vec<u32> = new.as_slice().iter().map(|t| t.slot).collect();
            assert_eq!(holding, held, "both sides, seed {seed}");
        }
    }
}
