//! Step 6, belonging: how attached residents feel to their neighbourhood.
//!
//! Rule: β ← (1 − ρ)β + ρ·σ(c0 + c1·min(local ties met, 4) + c2·min(local visits, 4)
//!        + c3·min(ward amenity, amenity_cap) − c4·closures + c5·openings + age and pit-history terms),
//! with counts over the last four weeks. Ward amenity is open venues per 1,000 residents relative
//! to the town at the start. Closures act twice — fewer places to meet, and a visible signal of
//! decline (Bolet 2021) — and openings likewise. Each closure or opening in the ward counts as a
//! share of the ward's venues at the start (Bolet measures closures relative to the district's
//! stock of pubs), weighted by how long the venue had served the ward (a venue that has just
//! opened counts `new_venue_signal`, one that has served `service_years_for_full_signal` or more
//! counts fully; docs/evidence/places.md §9, assumed), fully when it happens and fading linearly
//! over `closure_memory_weeks`. The same closure signals the same in every ward: deprivation acts
//! through what residents can reach and afford, not through a multiplier on the signal. The
//! weight is set so that losing a tenth of a ward's venues lowers its share belonging by a few
//! points in all (docs/evidence/places.md §6: national neighbourliness moved a few points while
//! about a fifth of local venues closed; no causal estimate exists). The weights of local ties,
//! local visits and amenity are calibrated so that the no-intervention baseline holds its share
//! belonging over 2010-24 while its pubs close at 1.8% a year, as the Community Life Survey's
//! series held ("broadly stable since 2015/16", DCMS 2024; data/targets/cls_england.csv).

use super::batches;
use super::components::*;
use super::rules::move_toward;
use super::{logistic, per_thousand};
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
            f64::from(here / town_start).min(b.amenity_cap)
        })
        .collect();
    let stock: Vec<f64> = (0..n_wards)
        .map(|w| {
            let venues = wards.amenity_at_start[w] * wards.residents_at_start[w] as f32 / 1000.0;
            f64::from(venues.round()).max(1.0)
        })
        .collect();
    let signal = if clock.warming_up() {
        vec![0.0; n_wards]
    } else {
        ward_signal(&closures, b, clock.tick(), &stock)
    };
    let rho = b.adjustment_per_week as f32;

    batches::each(residents.reborrow(), |(me, recent, mut attitudes)| {
        let w = me.ward as usize;
        let x = b.intercept
            + b.local_ties_weight * f64::from(recent.total_local_ties_met().min(4))
            + b.local_visits_weight * f64::from(recent.total_local_visits().min(4))
            + b.amenity_weight * amenity[w]
            + signal[w]
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

/// Each ward's closure-and-opening term of the belonging target this recorded week:
/// Σ ± weight · service weight · (1 − age / memory) / the ward's venues at the start, closures
/// negative and openings positive, over those younger than the memory.
pub fn ward_signal(
    closures: &Closures,
    b: &crate::scenario::Belonging,
    now: u32,
    stock: &[f64],
) -> Vec<f64> {
    let memory = f64::from(b.closure_memory_weeks);
    let mut signal = vec![0f64; stock.len()];
    for (records, weight) in [
        (&closures.list, -b.closure_weight),
        (&closures.openings, b.opening_weight),
    ] {
        for c in records {
            let age = f64::from(now.saturating_sub(c.tick));
            let w = c.ward as usize;
            if age < memory && w < stock.len() {
                signal[w] += weight * f64::from(c.service_weight) * (1.0 - age / memory) / stock[w];
            }
        }
    }
    signal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::venues::service_weight;
    use crate::scenario::{Belonging, Owner, WEEKS_PER_YEAR};

    fn record(tick: u32, ward: u16, served_years: i32, b: &Belonging) -> ClosureRecord {
        ClosureRecord {
            tick,
            ward,
            owner: Owner::Private,
            service_weight: service_weight(b, served_years * WEEKS_PER_YEAR as i32),
        }
    }

    /// Two wards of 1,000 and 2,000 residents with three venues each at the start (the town
    /// 2 per 1,000). Now ward 0 has two of its three open (one closed ten weeks ago after 30
    /// years), ward 1 nine (one opened two weeks ago, new); a closure in ward 1 is older than
    /// the memory. Resident 0 (ward 0, 40, a former miner) met 5 local ties and made 2 local
    /// visits in the last four weeks; resident 1 (ward 1, 70) met 1 and made 6.
    #[test]
    fn one_week_moves_belonging_toward_the_logistic_target_of_the_header() {
        use crate::model::testing;
        use crate::scenario::{Scenario, VenueKind};
        use bevy_ecs::system::RunSystemOnce;

        let s = Scenario::default();
        let b = s.belonging.clone();
        let mut venues = Vec::new();
        for id in 0..12u16 {
            let mut v = testing::venue(id, VenueKind::Pub, Owner::Private);
            v.ward = if id < 3 { 0 } else { 1 };
            v.open = id != 2;
            venues.push(v);
        }
        let mut w = testing::world(s, venues, Vec::new());
        w.insert_resource(Wards {
            names: vec!["a".into(), "b".into()],
            deprivation: vec![0.3, 0.6],
            amenity_at_start: vec![3.0, 1.5],
            residents_at_start: vec![1000, 2000],
        });
        let (full, new) = (1.0f32, 0.5f32);
        let rec = |tick, ward, service_weight| ClosureRecord {
            tick,
            ward,
            owner: Owner::Private,
            service_weight,
        };
        w.insert_resource(Closures {
            list: vec![rec(10, 1, full), rec(110, 0, full)],
            openings: vec![rec(118, 1, new)],
        });
        w.resource_mut::<Clock>().step = 120;
        let mut miner = crate::model::testing::resident(0, 0, 0, 0.3);
        miner.former_miner = true;
        let mut elder = crate::model::testing::resident(1, 1, 1, 0.6);
        elder.age_years = 70.0;
        let recent = |ties: [u8; 4], visits: [u8; 4]| Recent {
            encounters: [0; 4],
            local_ties_met: ties,
            local_visits: visits,
        };
        let a = w
            .spawn((
                miner,
                recent([2, 3, 0, 0], [1, 0, 1, 0]),
                testing::attitudes(0.3),
            ))
            .id();
        let e = w
            .spawn((
                elder,
                recent([1, 0, 0, 0], [3, 3, 0, 0]),
                testing::attitudes(0.8),
            ))
            .id();
        w.run_system_once(belonging).unwrap();

        // The header's terms by hand. Amenity: ward 0 has 2 open per 1,000 against the town's
        // 6 per 3,000 at the start (1.0); ward 1 has 9 per 2,000 (2.25), held at the cap.
        let amenity = [2.0 / 2.0, (9.0 / 2.0 / 2.0f64).min(b.amenity_cap)];
        assert_eq!(amenity[1], b.amenity_cap, "the cap binds in ward 1");
        // Each ward had 3 venues at the start; signals fade over the memory.
        let memory = f64::from(b.closure_memory_weeks);
        let signal = [
            -b.closure_weight * 1.0 * (1.0 - 10.0 / memory) / 3.0,
            b.opening_weight * 0.5 * (1.0 - 2.0 / memory) / 3.0,
        ];
        let x_miner = b.intercept
            + b.local_ties_weight * 4.0
            + b.local_visits_weight * 2.0
            + b.amenity_weight * amenity[0]
            + signal[0]
            + b.age_weight_per_decade * (40.0 - 16.0) / 10.0
            + b.former_miner_weight;
        let x_elder = b.intercept
            + b.local_ties_weight * 1.0
            + b.local_visits_weight * 4.0
            + b.amenity_weight * amenity[1]
            + signal[1]
            + b.age_weight_per_decade * (70.0 - 16.0) / 10.0;
        let rho = b.adjustment_per_week;
        let sigma = |x: f64| 1.0 / (1.0 + (-x).exp());
        for (entity, before, x) in [(a, 0.3, x_miner), (e, 0.8, x_elder)] {
            let expected = before + rho * (sigma(x) - before);
            let got = f64::from(w.get::<Attitudes>(entity).unwrap().belonging);
            assert!((got - expected).abs() < 1e-6, "{got} against {expected}");
            assert!((got - before).abs() > 1e-3, "belonging moved");
        }
    }

    #[test]
    fn a_closure_counts_by_how_long_the_venue_served_the_ward() {
        let b = Belonging::default();
        assert_eq!(service_weight(&b, 0), 0.5);
        assert_eq!(service_weight(&b, 5 * 52), 0.625);
        assert_eq!(service_weight(&b, 20 * 52), 1.0);
        assert_eq!(service_weight(&b, 100 * 52), 1.0);
        let stock = [4.0, 4.0];
        let closures = Closures {
            list: vec![record(10, 0, 100, &b), record(10, 1, 5, &b)],
            openings: Vec::new(),
        };
        let s = ward_signal(&closures, &b, 10, &stock);
        assert!((s[0] + b.closure_weight / 4.0).abs() < 1e-12, "{s:?}");
        assert!(
            (s[1] / s[0] - 0.625).abs() < 1e-6,
            "a five-year project: {s:?}"
        );
    }

    #[test]
    fn openings_signal_as_closures_do_and_both_fade() {
        let b = Belonging {
            opening_weight: 0.35,
            closure_weight: 0.35,
            ..Belonging::default()
        };
        let stock = [2.0, 8.0];
        // A venue opens in week 0 and closes three years on; the other ward sees nothing.
        let mut closures = Closures::default();
        closures.openings.push(record(0, 0, 0, &b));
        let opened = ward_signal(&closures, &b, 0, &stock);
        assert!(opened[0] > 0.0 && opened[1] == 0.0);
        assert!((opened[0] - 0.35 * 0.5 / 2.0).abs() < 1e-12);
        let half = ward_signal(&closures, &b, b.closure_memory_weeks / 2, &stock);
        assert!((half[0] - opened[0] / 2.0).abs() < 1e-9, "fades linearly");
        assert_eq!(
            ward_signal(&closures, &b, b.closure_memory_weeks, &stock)[0],
            0.0
        );
        closures.list.push(record(156, 0, 3, &b));
        let closed = ward_signal(&closures, &b, 156, &stock);
        assert!(closed[0] < 0.0);
        assert!((closed[0] + 0.35 * (0.5 + 0.5 * 3.0 / 20.0) / 2.0).abs() < 1e-6);
        // The same closure in a ward with four times the venues signals a quarter as much.
        closures.list.push(record(156, 1, 3, &b));
        let both = ward_signal(&closures, &b, 156, &stock);
        assert!((both[1] / both[0] - 0.25).abs() < 1e-6, "{both:?}");
    }
}
