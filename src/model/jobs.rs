//! Step 1b, the local labour market: working-age residents lose and find jobs, employers close,
//! and what the out-of-work live on changes.
//!
//! Rule: in the first recorded week the town counts its working-age residents in work (E₀) and
//! out of work (U₀) and the jobs its open venues provide (V₀ = `jobs_per_pub` × open pubs +
//! `jobs_per_other_venue` × other open venues). From then on the town has
//!
//!   J = E₀ + (V − V₀) − jobs lost by `job_loss` events
//!
//! jobs, V being the venues' jobs now, so a venue closing takes its jobs with it and one opening
//! brings them. With the labour market on (`jobs.enabled`), each week an employed resident loses
//! their job with the weekly equivalent s of `separation_rate_per_year` and an unemployed one
//! finds a job with chance
//!
//!   f = s × (E₀ / U₀) × max(0, J / E₀),
//!
//! so that at the start the flows in and out of work balance at the town's unemployment, and
//! fewer jobs mean longer spells out of work. The separation rate is the Labour Force Survey's
//! flow from employment into unemployment over a year (UK Data Service, LFS five-quarter
//! longitudinal datasets: about 2.3–2.5% of those employed in a year's first quarter were
//! unemployed at a later one); the jobs a venue provides are assumed. A `job_loss` event puts
//! `count` employed residents (in its ward, if given) out of work at once, drawn by lot, and
//! lowers J by as many, whether the market is on or off. A `benefit_change` event moves the
//! out-of-work income by `gbp_per_week`; out-of-work residents' money pressure on outings
//! (outings.rs) is doubled at the start's income I₀ (`out_of_work_income_gbp_per_week`, the
//! Universal Credit standard allowance) and scaled by I₀ / (I₀ + change): the £20 uplift of April
//! 2020 to October 2021 lowers it by about a fifth while it lasts. Whoever changes employment, or
//! is out of work when the benefit changes, has their venue weights recomputed. Working age
//! means employed or unemployed: students and the retired are neither. Nothing happens during
//! the warm-up.

use super::components::*;
use super::weekly_from_yearly;
use crate::rng::{Purpose, RngExt};
use crate::scenario::{Scenario, VenueKind};
use bevy_ecs::prelude::*;

/// Lots for job losses are drawn from a stream of their own, apart from the weekly flows.
const LAYOFF_STREAM: u64 = 1 << 40;

/// The jobs the open venues provide.
pub fn venue_jobs<'a>(s: &Scenario, venues: impl Iterator<Item = &'a Venue>) -> f64 {
    venues
        .filter(|v| v.open)
        .map(|v| {
            if v.kind == VenueKind::Pub {
                s.jobs.jobs_per_pub
            } else {
                s.jobs.jobs_per_other_venue
            }
        })
        .sum()
}

/// The weekly chances of losing a job and of finding one, with `ratio` the town's jobs relative
/// to the start.
pub fn weekly_chances(s: &Scenario, labour: &Labour, ratio: f64) -> (f64, f64) {
    let lose = weekly_from_yearly(s.jobs.separation_rate_per_year);
    let balance =
        f64::from(labour.employed_at_start) / f64::from(labour.unemployed_at_start.max(1));
    (lose, (lose * balance * ratio.max(0.0)).min(1.0))
}

fn working_age(r: &Resident) -> bool {
    matches!(r.employment, Employment::Employed | Employment::Unemployed)
}

pub fn jobs(
    mut residents: Query<(&mut Resident, &mut ChoiceSet)>,
    venues: Query<&Venue>,
    mut labour: ResMut<Labour>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    if clock.warming_up() {
        return;
    }
    let s = &config.0;
    let seeds = seeds.0;
    let venue_jobs_now = venue_jobs(s, venues.iter());
    if !labour.counted {
        let (mut e, mut u) = (0u32, 0u32);
        for (r, _) in residents.iter() {
            match r.employment {
                Employment::Employed => e += 1,
                Employment::Unemployed => u += 1,
                _ => {}
            }
        }
        labour.counted = true;
        labour.employed_at_start = e;
        labour.unemployed_at_start = u;
        labour.venue_jobs_at_start = venue_jobs_now;
        labour.unemployment_at_start = f64::from(u) / f64::from((e + u).max(1));
    }

    // Employers closing: the lot falls on the employed residents (of the ward) whose keyed draw
    // is smallest.
    for (count, ward) in std::mem::take(&mut labour.layoffs) {
        let mut lots: Vec<(u64, u32)> = residents
            .iter()
            .filter(|(r, _)| r.employment == Employment::Employed)
            .filter(|(r, _)| ward.is_none_or(|w| r.ward == w))
            .map(|(r, _)| {
                let mut rng =
                    seeds.tick_stream(Purpose::Jobs, LAYOFF_STREAM | u64::from(r.id), clock.step);
                (rng.random::<u64>(), r.id)
            })
            .collect();
        lots.sort_unstable();
        let mut chosen: Vec<u32> = lots.iter().take(count as usize).map(|l| l.1).collect();
        chosen.sort_unstable();
        for (mut r, mut choices) in residents.iter_mut() {
            if chosen.binary_search(&r.id).is_ok() {
                r.employment = Employment::Unemployed;
                choices.layout = u32::MAX;
            }
        }
    }

    let jobs_now = f64::from(labour.employed_at_start) + venue_jobs_now
        - labour.venue_jobs_at_start
        - labour.jobs_lost;
    labour.jobs_ratio = jobs_now.max(0.0) / f64::from(labour.employed_at_start.max(1));
    let (lose, find) = weekly_chances(s, &labour, labour.jobs_ratio);
    let flows = s.jobs.enabled;
    let benefit_changed = std::mem::take(&mut labour.benefit_changed);
    let (mut e, mut u) = (0u32, 0u32);
    for (mut r, mut choices) in residents.iter_mut() {
        if !working_age(&r) {
            continue;
        }
        if flows {
            let mut rng = seeds.tick_stream(Purpose::Jobs, u64::from(r.id), clock.step);
            let draw = rng.random::<f64>();
            let next = match r.employment {
                Employment::Employed if draw < lose => Employment::Unemployed,
                Employment::Unemployed if draw < find => Employment::Employed,
                other => other,
            };
            if next != r.employment {
                r.employment = next;
                choices.layout = u32::MAX;
            }
        }
        if r.employment == Employment::Unemployed {
            u += 1;
            if benefit_changed {
                choices.layout = u32::MAX;
            }
        } else {
            e += 1;
        }
    }
    labour.unemployment = f64::from(u) / f64::from((e + u).max(1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing;
    use crate::scenario::Owner;
    use bevy_ecs::system::RunSystemOnce;

    /// A town of `employed` + `unemployed` working-age residents in ward 0 (ids in that order)
    /// and two retired ones, with one pub and one library open.
    fn town(s: Scenario, employed: u32, unemployed: u32) -> World {
        let venues = vec![
            testing::venue(0, VenueKind::Pub, Owner::Private),
            testing::venue(1, VenueKind::Library, Owner::Council),
        ];
        let mut w = testing::world(s, venues, vec![]);
        for id in 0..employed + unemployed + 2 {
            let mut r = testing::resident(id, id, 0, 0.5);
            r.employment = if id < employed {
                Employment::Employed
            } else if id < employed + unemployed {
                Employment::Unemployed
            } else {
                Employment::Retired
            };
            // Venue weights as if computed already.
            let choices = ChoiceSet {
                layout: 0,
                ..ChoiceSet::default()
            };
            w.spawn((r, choices));
        }
        w
    }

    fn count(w: &mut World, e: Employment) -> usize {
        let mut q = w.query::<&Resident>();
        q.iter(w).filter(|r| r.employment == e).count()
    }

    #[test]
    fn the_start_is_counted_and_the_flows_balance_there() {
        let mut s = Scenario::default();
        s.jobs.enabled = true;
        (s.jobs.jobs_per_pub, s.jobs.jobs_per_other_venue) = (6.0, 2.0);
        let mut w = town(s.clone(), 900, 100);
        w.run_system_once(jobs).unwrap();
        let l = w.resource::<Labour>().clone();
        assert!(l.counted);
        assert_eq!((l.employed_at_start, l.unemployed_at_start), (900, 100));
        assert_eq!(l.venue_jobs_at_start, 8.0);
        assert!((l.unemployment_at_start - 0.1).abs() < 1e-12);
        assert_eq!(l.jobs_ratio, 1.0);
        // E₀ × s = U₀ × f: as many lose a job as find one, in expectation.
        let (lose, find) = weekly_chances(&s, &l, 1.0);
        assert!((900.0 * lose - 100.0 * find).abs() < 1e-9);
        // Half the jobs, half the chance of finding one; none, none.
        assert!((weekly_chances(&s, &l, 0.5).1 - find / 2.0).abs() < 1e-15);
        assert_eq!(weekly_chances(&s, &l, -0.2).1, 0.0);
        // The retired are not working age.
        assert_eq!(count(&mut w, Employment::Retired), 2);
    }

    #[test]
    fn over_a_year_about_the_separation_rate_lose_their_jobs() {
        let mut s = Scenario::default();
        s.jobs.enabled = true;
        s.jobs.separation_rate_per_year = 0.3;
        // No unemployed at the start: nobody finds work, so the losses are the separations alone.
        let mut w = town(s, 2000, 0);
        w.run_system_once(jobs).unwrap();
        w.resource_mut::<Labour>().unemployed_at_start = 1;
        w.resource_mut::<Labour>().employed_at_start = 0;
        for _ in 1..52 {
            w.resource_mut::<Clock>().step += 1;
            w.run_system_once(jobs).unwrap();
        }
        let lost = count(&mut w, Employment::Unemployed) as f64 / 2000.0;
        assert!((lost - 0.3).abs() < 0.04, "{lost}");
        assert!((w.resource::<Labour>().unemployment - lost).abs() < 1e-12);
    }

    #[test]
    fn a_closure_of_an_employer_lays_off_its_count_and_a_closed_venue_takes_its_jobs() {
        // The market off: only the event acts.
        let s = Scenario::default();
        let mut w = town(s, 100, 0);
        w.run_system_once(jobs).unwrap();
        {
            let mut l = w.resource_mut::<Labour>();
            l.layoffs.push((30, None));
            l.jobs_lost += 30.0;
        }
        w.resource_mut::<Clock>().step += 1;
        w.run_system_once(jobs).unwrap();
        assert_eq!(count(&mut w, Employment::Unemployed), 30);
        assert_eq!(
            count(&mut w, Employment::Retired),
            2,
            "only workers lose jobs"
        );
        let l = w.resource::<Labour>().clone();
        assert!((l.unemployment - 0.3).abs() < 1e-12);
        assert!((l.jobs_ratio - 0.7).abs() < 1e-12);
        assert!(l.layoffs.is_empty());
        // Everyone laid off has their venue weights recomputed.
        let mut q = w.query::<(&Resident, &ChoiceSet)>();
        for (r, c) in q.iter(&w) {
            assert_eq!(r.employment == Employment::Unemployed, c.layout == u32::MAX);
        }
        // The pub closes: its six jobs go too.
        let pub_entity = w.resource::<VenueIndex>().0[0];
        w.get_mut::<Venue>(pub_entity).unwrap().open = false;
        w.resource_mut::<Clock>().step += 1;
        w.run_system_once(jobs).unwrap();
        let ratio = w.resource::<Labour>().jobs_ratio;
        assert!(
            (ratio - (100.0 - 30.0 - 6.0) / 100.0).abs() < 1e-12,
            "{ratio}"
        );
        // With the market off nobody else moves.
        assert_eq!(count(&mut w, Employment::Unemployed), 30);
    }

    #[test]
    fn a_layoff_in_a_ward_falls_only_on_its_residents() {
        let mut w = town(Scenario::default(), 10, 0);
        let mut q = w.query::<&mut Resident>();
        for mut r in q.iter_mut(&mut w) {
            r.ward = (r.id % 2) as u16;
        }
        w.run_system_once(jobs).unwrap();
        w.resource_mut::<Labour>().layoffs.push((100, Some(1)));
        w.resource_mut::<Clock>().step += 1;
        w.run_system_once(jobs).unwrap();
        let mut q = w.query::<&Resident>();
        for r in q.iter(&w) {
            if r.id < 10 {
                assert_eq!(r.employment == Employment::Unemployed, r.ward == 1, "{r:?}");
            }
        }
    }

    #[test]
    fn a_benefit_rise_eases_the_out_of_work_money_pressure_and_its_removal_restores_it() {
        let s = Scenario::default();
        let mut l = Labour::default();
        assert_eq!(l.out_of_work_pressure(&s), 2.0);
        l.benefit_change_gbp = 20.0;
        let eased = l.out_of_work_pressure(&s);
        let i0 = s.jobs.out_of_work_income_gbp_per_week;
        assert!((f64::from(eased) - 2.0 * i0 / (i0 + 20.0)).abs() < 1e-6);
        assert!((1.55..1.65).contains(&eased), "{eased}");
        l.benefit_change_gbp -= 20.0;
        assert_eq!(l.out_of_work_pressure(&s), 2.0);
        // A cut deeper than the income is held at an income of 1 GBP a week.
        l.benefit_change_gbp = -1000.0;
        assert!((f64::from(l.out_of_work_pressure(&s)) - 2.0 * i0).abs() < 1e-3);
    }
}
