//! Step 13, politics: each resident's chance of voting in a local election and of supporting an
//! anti-system (radical-right, Leave-style) party.
//!
//! Rule:
//!   P(vote) = σ(v0 + v1·agency + v2·trust + v3·belonging + v4·took part in the last year
//!             + v5·decades over 16),
//!   P(anti-system) = σ(a0 + a1·(1 − belonging) + a2·(1 − trust) + a3·(1 − council trust)
//!             + a4·(1 − external efficacy) + a5·out of work + a6·pub loss in the ward),
//! where a ward's pub loss is (pubs open `pub_loss_window_weeks` ago − pubs open now) / pubs
//! open then, never below 0: closures net of openings, relative to the ward's own stock, as
//! Bolet (2021, "Drinking alone", Comparative Political Studies 54(9):1653-92) measures pub
//! closures against the district's stock. Her outcome is support for UKIP rather than any other
//! party, which is what `anti_system` stands for: +4.3 points per closure at district scale,
//! "magnified under conditions of material deprivation". There is no deprivation term in the
//! pub-loss effect: where residents already lean towards the anti-system vote (lower trust and
//! efficacy, more out of work, all higher where deprivation is high), the same push moves more
//! of them (the logistic is steeper nearer one half), and the closure's other effects (fewer
//! places, less contact, lower belonging) add to it.
//!
//! Turnout follows Abreu & Jones (2021, "The shadow of the Pithead", Applied Geography
//! 131:102448): coalfield residents with low trust and efficacy vote less; interest, civic
//! duty, trust and age raise turnout (Purdam & Ford 2018). The levels are calibrated (turnout
//! 24-36% in coalfield councils' local elections; anti-system support about 10% of adults in
//! the first year); every weight's size is assumed and listed with its range in `[politics]`.
//!
//! The probabilities are expectations, not drawn votes: the metrics are expected turnout and
//! expected support. Nothing here feeds back into the other mechanisms.

use super::batches;
use super::components::*;
use super::logistic;
use crate::scenario::{VenueKind, WEEKS_PER_YEAR};
use bevy_ecs::prelude::*;

/// Each ward's pub loss this week: the share of the pubs open `window` weeks ago (or at the
/// first week recorded, if sooner) that are no longer open, net of openings, at least 0.
pub fn pub_loss(history: &PubHistory, step: u32, now: &[u16]) -> Vec<f64> {
    let wards = history.wards as usize;
    let then_row = if history.recorded >= history.window {
        (step % history.window) as usize
    } else {
        0
    };
    (0..wards)
        .map(|w| match history.counts.get(then_row * wards + w) {
            Some(&then) if then > 0 && then > now[w] => f64::from(then - now[w]) / f64::from(then),
            _ => 0.0,
        })
        .collect()
}

/// The turnout logit of one resident.
pub fn turnout_logit(
    p: &crate::scenario::PoliticsParams,
    agency: f64,
    trust: f64,
    belonging: f64,
    took_part_in_year: bool,
    age_years: f64,
) -> f64 {
    p.turnout_intercept
        + p.turnout_agency_weight * agency
        + p.turnout_trust_weight * trust
        + p.turnout_belonging_weight * belonging
        + if took_part_in_year {
            p.turnout_participation_weight
        } else {
            0.0
        }
        + p.turnout_age_weight_per_decade * (age_years - 16.0).max(0.0) / 10.0
}

/// The anti-system logit of one resident.
#[allow(clippy::too_many_arguments)]
pub fn anti_system_logit(
    p: &crate::scenario::PoliticsParams,
    belonging: f64,
    trust: f64,
    council_trust: f64,
    efficacy_external: f64,
    out_of_work: bool,
    pub_loss: f64,
) -> f64 {
    p.anti_intercept
        + p.anti_belonging_weight * (1.0 - belonging)
        + p.anti_trust_weight * (1.0 - trust)
        + p.anti_council_trust_weight * (1.0 - council_trust)
        + p.anti_efficacy_weight * (1.0 - efficacy_external)
        + if out_of_work {
            p.anti_out_of_work_weight
        } else {
            0.0
        }
        + p.anti_pub_loss_weight * pub_loss
}

pub fn politics(
    mut residents: Query<(&Resident, &TrustState, &Attitudes, &Civic, &mut Politics)>,
    venues: Query<&Venue>,
    wards: Res<Wards>,
    mut history: ResMut<PubHistory>,
    config: Res<Config>,
    clock: Res<Clock>,
) {
    let p = &config.0.politics;
    let n_wards = wards.names.len();
    let mut now = vec![0u16; n_wards];
    for v in venues.iter().filter(|v| v.open && v.kind == VenueKind::Pub) {
        now[v.ward as usize] = now[v.ward as usize].saturating_add(1);
    }
    let window = p.pub_loss_window_weeks.max(1);
    if history.window != window || history.wards as usize != n_wards {
        *history = PubHistory {
            window,
            wards: n_wards as u32,
            counts: vec![0; window as usize * n_wards],
            recorded: 0,
        };
    }
    let step = clock.step;
    let loss = if history.recorded == 0 {
        vec![0.0; n_wards]
    } else {
        pub_loss(&history, step, &now)
    };
    let row = (step % window) as usize * n_wards;
    history.counts[row..row + n_wards].copy_from_slice(&now);
    history.recorded = history.recorded.saturating_add(1);
    // The probabilities are read only by the observations, and nothing is observed during the
    // warm-up: the pub history above is all a warm-up week needs.
    if clock.warming_up() {
        return;
    }

    let year = WEEKS_PER_YEAR as i32;
    let now_step = clock.now();
    batches::each(residents.reborrow(), |(me, trust, a, civic, mut out)| {
        let trust = f64::from(trust.mean());
        let belonging = f64::from(a.belonging);
        let vote = turnout_logit(
            p,
            f64::from(a.agency()),
            trust,
            belonging,
            now_step - civic.last_participated < year,
            f64::from(me.age_years),
        );
        let anti = anti_system_logit(
            p,
            belonging,
            trust,
            f64::from(a.council_trust),
            f64::from(a.efficacy_external),
            me.employment == Employment::Unemployed,
            loss[me.ward as usize],
        );
        out.vote_local = logistic(vote) as f32;
        out.anti_system = logistic(anti) as f32;
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::PoliticsParams as Params;

    fn history(window: u32, rows: &[[u16; 2]]) -> PubHistory {
        let mut h = PubHistory {
            window,
            wards: 2,
            counts: vec![0; window as usize * 2],
            recorded: 0,
        };
        for (step, row) in rows.iter().enumerate() {
            let at = (step as u32 % window) as usize * 2;
            h.counts[at..at + 2].copy_from_slice(row);
            h.recorded += 1;
        }
        h
    }

    /// A hand-built town: two wards alike but for deprivation, two pubs each, and in each
    /// ward one resident with what deprivation brings (or not).
    fn town() -> World {
        crate::sim::init_threads(None);
        let mut world = World::new();
        world.insert_resource(Config(std::sync::Arc::new(crate::Scenario::default())));
        world.insert_resource(Clock {
            step: 0,
            warmup: 0,
            start_year: 2010,
        });
        world.insert_resource(Wards {
            names: vec!["Low".into(), "High".into()],
            deprivation: vec![0.3, 0.8],
            amenity_at_start: vec![0.0, 0.0],
            residents_at_start: vec![1, 1],
        });
        world.insert_resource(PubHistory::default());
        for (ward, trust, efficacy, employment) in [
            (0u16, 0.45f32, 0.45f32, Employment::Employed),
            (1, 0.32, 0.35, Employment::Unemployed),
        ] {
            world.spawn((
                Resident {
                    id: u32::from(ward),
                    slot: u32::from(ward),
                    ward,
                    home_km: [0.0, 0.0],
                    age_years: 50.0,
                    employment,
                    former_miner: false,
                    deprivation: [0.3, 0.8][ward as usize],
                },
                TrustState {
                    prior_good: trust * 10.0,
                    prior_bad: (1.0 - trust) * 10.0,
                    good: 0.0,
                    bad: 0.0,
                },
                Attitudes {
                    belonging: 0.6,
                    council_trust: 0.36,
                    efficacy_internal: 0.45,
                    efficacy_external: efficacy,
                    council_trust_anchor: 0.36,
                    efficacy_external_anchor: 0.41,
                    efficacy_internal_anchor: 0.46,
                },
                Civic::fresh(),
                Politics::default(),
            ));
        }
        for id in 0..4u16 {
            world.spawn(Venue {
                id,
                kind: VenueKind::Pub,
                owner: crate::scenario::Owner::Private,
                ward: id / 2,
                pos_km: [0.0, 0.0],
                capacity: 90,
                quality: 0.5,
                weekly_cost_gbp: 2800.0,
                visit_cost_gbp: 12.0,
                open: true,
                shut_until: 0,
                funded_until: 0,
                opened_step: -1,
                bid: None,
                closure_hazard: 0.0,
                visits: [0; RECENT_WEEKS],
            });
        }
        world
    }

    /// Runs the mechanism for a week; returns each ward's resident's anti-system probability.
    fn week(world: &mut World) -> [f32; 2] {
        use bevy_ecs::system::RunSystemOnce;
        world.run_system_once(politics).unwrap();
        world.resource_mut::<Clock>().step += 1;
        let mut out = [0.0; 2];
        let mut q = world.query::<(&Resident, &Politics)>();
        for (r, p) in q.iter(world) {
            out[r.ward as usize] = p.anti_system;
        }
        out
    }

    #[test]
    fn a_pub_closing_in_each_ward_raises_support_more_where_more_lean_that_way() {
        let mut world = town();
        let before = week(&mut world);
        assert!(before[1] > before[0], "{before:?}");
        assert_eq!(week(&mut world), before, "nothing changed, nothing moves");
        // One of the two pubs in each ward closes.
        let mut q = world.query::<&mut Venue>();
        for mut v in q.iter_mut(&mut world) {
            if v.id % 2 == 0 {
                v.open = false;
            }
        }
        let after = week(&mut world);
        let rise = [after[0] - before[0], after[1] - before[1]];
        assert!(rise[0] > 0.02 && rise[1] < 0.06, "{rise:?}");
        assert!(rise[1] > rise[0], "{rise:?}");
        // Three years on the loss has left the window: support is back where it was.
        for _ in 0..156 {
            week(&mut world);
        }
        let later = week(&mut world);
        assert!((later[0] - before[0]).abs() < 1e-6, "{later:?} {before:?}");
    }

    #[test]
    fn pub_loss_is_net_and_relative_to_the_stock_a_window_ago() {
        // Ward 0 had 3 pubs and now has 2; ward 1 had 2 and one opened.
        let h = history(4, &[[3, 2], [3, 2], [2, 3]]);
        let loss = pub_loss(&h, 3, &[2, 3]);
        assert!((loss[0] - 1.0 / 3.0).abs() < 1e-12, "{loss:?}");
        assert_eq!(loss[1], 0.0, "an opening is no loss");
        // Once the window has passed, the closure is measured against the later stock.
        let h = history(4, &[[3, 2], [2, 2], [2, 2], [2, 2], [2, 2]]);
        assert_eq!(pub_loss(&h, 5, &[2, 2]), vec![0.0, 0.0]);
        // A ward that had no pubs has nothing to lose.
        let h = history(4, &[[0, 0]]);
        assert_eq!(pub_loss(&h, 1, &[0, 0]), vec![0.0, 0.0]);
    }

    #[test]
    fn each_term_moves_the_probabilities_its_own_way() {
        let p = Params::default();
        let base = anti_system_logit(&p, 0.6, 0.4, 0.36, 0.41, false, 0.0);
        assert!(anti_system_logit(&p, 0.5, 0.4, 0.36, 0.41, false, 0.0) > base);
        assert!(anti_system_logit(&p, 0.6, 0.3, 0.36, 0.41, false, 0.0) > base);
        assert!(anti_system_logit(&p, 0.6, 0.4, 0.26, 0.41, false, 0.0) > base);
        assert!(anti_system_logit(&p, 0.6, 0.4, 0.36, 0.31, false, 0.0) > base);
        assert!(anti_system_logit(&p, 0.6, 0.4, 0.36, 0.41, true, 0.0) > base);
        // One closure among three pubs: a rise of 2-5 points from about 10%.
        let before = logistic(base);
        let after = logistic(anti_system_logit(
            &p,
            0.6,
            0.4,
            0.36,
            0.41,
            false,
            1.0 / 3.0,
        ));
        assert!(
            (0.02..0.05).contains(&(after - before)),
            "{before} → {after}"
        );

        let vote = turnout_logit(&p, 0.4, 0.4, 0.6, false, 50.0);
        assert!(turnout_logit(&p, 0.5, 0.4, 0.6, false, 50.0) > vote);
        assert!(turnout_logit(&p, 0.4, 0.5, 0.6, false, 50.0) > vote);
        assert!(turnout_logit(&p, 0.4, 0.4, 0.6, true, 50.0) > vote);
        assert!(turnout_logit(&p, 0.4, 0.4, 0.6, false, 25.0) < vote);
        // A rise of 0.1 in agency: 1-3 points of turnout near 30%.
        let at = |agency| logistic(turnout_logit(&p, agency, 0.4, 0.6, false, 50.0));
        let shift = libm::log(0.3 / 0.7) - turnout_logit(&p, 0.4, 0.4, 0.6, false, 50.0);
        let centred = Params {
            turnout_intercept: p.turnout_intercept + shift,
            ..p.clone()
        };
        let at30 = |agency| logistic(turnout_logit(&centred, agency, 0.4, 0.6, false, 50.0));
        assert!((at30(0.4) - 0.3).abs() < 1e-9);
        assert!((0.01..0.03).contains(&(at30(0.5) - at30(0.4))));
        assert!(at(0.5) > at(0.4));
    }

    #[test]
    fn the_same_closure_moves_more_residents_where_more_already_lean_that_way() {
        // Two residents alike but for what deprivation brings: lower trust and efficacy, out
        // of work. The pub-loss term is the same for both; no term multiplies it.
        let p = Params::default();
        let rise = |trust, efficacy, out_of_work| {
            let at = |loss| {
                logistic(anti_system_logit(
                    &p,
                    0.6,
                    trust,
                    0.36,
                    efficacy,
                    out_of_work,
                    loss,
                ))
            };
            at(1.0 / 3.0) - at(0.0)
        };
        assert!(rise(0.32, 0.35, true) > rise(0.45, 0.45, false));
        // With every attitude weight at zero the two respond the same.
        let flat = Params {
            anti_belonging_weight: 0.0,
            anti_trust_weight: 0.0,
            anti_council_trust_weight: 0.0,
            anti_efficacy_weight: 0.0,
            anti_out_of_work_weight: 0.0,
            ..p.clone()
        };
        let rise_flat = |trust, efficacy, out_of_work| {
            let at = |loss| {
                logistic(anti_system_logit(
                    &flat,
                    0.6,
                    trust,
                    0.36,
                    efficacy,
                    out_of_work,
                    loss,
                ))
            };
            at(1.0 / 3.0) - at(0.0)
        };
        assert_eq!(rise_flat(0.32, 0.35, true), rise_flat(0.45, 0.45, false));
    }
}
