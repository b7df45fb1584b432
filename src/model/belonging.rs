//! Step 6, belonging: how attached residents feel to their neighbourhood.
//!
//! Rule: β ← (1 − ρ)β + ρ·σ(c0 + c1·min(local ties met, 4) + c2·min(local visits, 4)
//!        + c3·min(ward amenity, 2) − c4·(1 + deprivation)·recent closures in the ward
//!        + age and pit-history terms),
//! with counts over the last four weeks. Ward amenity is open venues per 1,000 residents relative
//! to the town at the start. A closure counts fully when it happens and fades linearly over
//! `closure_memory_weeks`. Closures act twice — fewer places to meet, and a visible signal of
//! decline that hurts more where deprivation is high (Bolet 2021).

use super::components::*;
use super::logistic;
use super::rules::move_toward;
use crate::town::per_thousand;
use bevy_ecs::prelude::*;

#[allow(clippy::too_many_arguments)]
pub fn belonging(
    mut residents: Query<(&Resident, &Recent, &mut Attitudes)>,
    venues: Query<&Venue>,
    wards: Res<Wards>,
    closures: Res<Closures>,
    config: Res<Config>,
    clock: Res<Clock>,
) {
    let b = &config.0.belonging;
    let n_wards = wards.names.len();
    let mut open = vec![0u32; n_wards];
    for v in venues.iter().filter(|v| v.open) {
        open[v.ward as usize] += 1;
    }
    let total_start: u32 = wards.residents_at_start.iter().sum();
    let venues_start: f32 = wards
        .amenity_at_start
        .iter()
        .zip(&wards.residents_at_start)
        .map(|(a, &r)| a * r as f32 / 1000.0)
        .sum();
    let town_start = per_thousand(venues_start.round() as u32, total_start).max(1e-6);
    let amenity: Vec<f64> = (0..n_wards)
        .map(|w| {
            let here = per_thousand(open[w], wards.residents_at_start[w]);
            f64::from(here / town_start).min(2.0)
        })
        .collect();
    let memory = b.closure_memory_weeks as f64;
    let now = clock.tick();
    let mut decline = vec![0f64; n_wards];
    if !clock.warming_up() {
        for c in &closures.list {
            let age = f64::from(now - c.tick);
            if age < memory {
                decline[c.ward as usize] += 1.0 - age / memory;
            }
        }
    }
    let rho = b.adjustment_per_week as f32;

    residents
        .par_iter_mut()
        .for_each(|(me, recent, mut attitudes)| {
            let w = me.ward as usize;
            let x = b.intercept
                + b.local_ties_weight * f64::from(recent.total_local_ties_met().min(4))
                + b.local_visits_weight * f64::from(recent.total_local_visits().min(4))
                + b.amenity_weight * amenity[w]
                - b.closure_weight * (1.0 + f64::from(me.deprivation)) * decline[w]
                + b.age_weight_per_decade * f64::from(me.age_years - 16.0) / 10.0
                + if me.former_miner {
                    b.former_miner_weight
                } else {
                    0.0
                };
            let target = logistic(x) as f32;
            attitudes.belonging = move_toward(attitudes.belonging, target, rho);
        });
}
