//! Step 11, council response and the two efficacies: what residents learn about their council
//! from what happens to them.
//!
//! Rule, for each resident each week:
//! - **Asking and being answered.** A resident who took part this week sees the council act on
//!   their input with chance `responsiveness` (in scope of its powers × willing × able to pay;
//!   see council budget). If it acts, external efficacy rises by `efficacy_gain_when_acted` and
//!   council trust by `council_trust_gain_when_acted` of the way to 1; if not, they fall by
//!   `efficacy_loss_when_ignored` and `council_trust_loss_when_ignored` of the way to 0.
//!   Internal efficacy rises slowly, and only through taking part. This is the pattern of the
//!   Lisbon citizens' assembly evidence (SocArXiv `ju8r7`: participants' external efficacy and
//!   institutional trust rose, internal efficacy did not), with the loss when ignored from the
//!   Climate Assembly UK follow-ups (members' sense of having a say fell when the government did
//!   not respond). Members of a citizens' assembly sitting this week see the council act, or
//!   not, as the assembly event says.
//! - **Services one used being cut.** A resident who visited one of the council's own venues
//!   this week while their hours were cut (a fall in the share of usual hours it keeps), or who
//!   made a visit in their own ward in the last four weeks when a council venue there closed,
//!   loses `council_trust_loss_per_cut` × `blame_council_share` of their council trust and
//!   `efficacy_loss_per_cut` of their external efficacy, per closure (an hours cut counts as
//!   the share of hours lost). Fetzer (2019, AER 109(11), Table 4) bounds the size: a personal
//!   benefit cut raised "public officials don't care" by about 0.02 of the scale; polls put
//!   26-29% of the blame for council cuts on councils and 29-42% on central government (YouGov
//!   2011, 2014; Ipsos MORI 2013), and most residents reported not noticing the cuts (Ipsos MORI
//!   2013, 2016), which is why only users are touched.
//! - **Anchors.** Everyone's attitudes relax slowly towards their own anchors, which nothing
//!   moves: the budget acts only through the two channels above.

use super::batches;
use super::components::*;
use crate::rng::{Purpose, RngExt};
use crate::scenario::Owner;
use bevy_ecs::prelude::*;

/// What one resident experienced of the council this week.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Experience {
    /// Took part, and whether the council acted on it.
    pub answered: Option<bool>,
    /// Closures of services they used, an hours cut counting as the share of hours lost.
    pub cuts: f64,
}

/// One week's update of a resident's attitudes from what they experienced: the rule above,
/// without the draws.
pub fn respond(a: &mut Attitudes, seen: Experience, c: &crate::scenario::Council) {
    if let Some(acted) = seen.answered {
        if acted {
            a.efficacy_external += c.efficacy_gain_when_acted as f32 * (1.0 - a.efficacy_external);
            a.council_trust += c.council_trust_gain_when_acted as f32 * (1.0 - a.council_trust);
        } else {
            a.efficacy_external -= c.efficacy_loss_when_ignored as f32 * a.efficacy_external;
            a.council_trust -= c.council_trust_loss_when_ignored as f32 * a.council_trust;
        }
        a.efficacy_internal += c.internal_efficacy_gain as f32 * (1.0 - a.efficacy_internal);
    }
    if seen.cuts > 0.0 {
        let trust_loss = (c.council_trust_loss_per_cut * c.blame_council_share * seen.cuts)
            .clamp(0.0, 1.0) as f32;
        let efficacy_loss = (c.efficacy_loss_per_cut * seen.cuts).clamp(0.0, 1.0) as f32;
        a.council_trust -= trust_loss * a.council_trust;
        a.efficacy_external -= efficacy_loss * a.efficacy_external;
    }
    let relax = c.attitude_relaxation_per_week as f32;
    a.council_trust += relax * (a.council_trust_anchor - a.council_trust);
    a.efficacy_external += relax * (a.efficacy_external_anchor - a.efficacy_external);
    a.efficacy_internal += relax * (a.efficacy_internal_anchor - a.efficacy_internal);
    a.council_trust = a.council_trust.clamp(0.0, 1.0);
    a.efficacy_external = a.efficacy_external.clamp(0.0, 1.0);
    a.efficacy_internal = a.efficacy_internal.clamp(0.0, 1.0);
}

#[allow(clippy::too_many_arguments)]
pub fn council_response(
    mut residents: Query<(&Resident, &Civic, &Outings, &Recent, &mut Attitudes)>,
    venues: Query<&Venue>,
    council: Res<CouncilState>,
    closures: Res<Closures>,
    wards: Res<Wards>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    let c = &config.0.council;
    let mut closed_here = vec![0u32; wards.names.len()];
    if !clock.warming_up() {
        let now = clock.tick();
        for r in closures.list.iter().rev().take_while(|r| r.tick == now) {
            if r.owner == Owner::Council {
                closed_here[r.ward as usize] += 1;
            }
        }
    }
    // The council's own venues whose hours were cut this week, by venue id.
    let hours_cut = if clock.warming_up() {
        0.0
    } else {
        council.hours_cut
    };
    let mut cut_venue = Vec::new();
    if hours_cut > 0.0 {
        for v in venues.iter() {
            let id = v.id as usize;
            if cut_venue.len() <= id {
                cut_venue.resize(id + 1, false);
            }
            cut_venue[id] = v.owner == Owner::Council && v.funded_until <= clock.tick();
        }
    }
    let responsiveness = council.responsiveness;
    let assembly = council.assembly.filter(|&(when, _)| when == clock.now());
    let (step, seeds) = (clock.step, seeds.0);

    batches::each(
        residents.reborrow(),
        |(me, civic, outings, recent, mut a)| {
            let answered = civic.participated.then(|| match assembly {
                // An assembly's recommendations are acted on, or not, as a whole.
                Some((when, acted_on)) if when == civic.assembly_step => acted_on,
                _ => {
                    let mut rng =
                        seeds.tick_stream(Purpose::CouncilResponse, u64::from(me.id), step);
                    rng.random::<f64>() < responsiveness
                }
            });
            let used_cut_venue = hours_cut > 0.0
                && outings
                    .as_slice()
                    .iter()
                    .any(|&v| cut_venue.get(v as usize).copied().unwrap_or(false));
            let closed = if recent.total_local_visits() > 0 {
                f64::from(closed_here[me.ward as usize])
            } else {
                0.0
            };
            let cuts = closed + if used_cut_venue { hours_cut } else { 0.0 };
            respond(&mut a, Experience { answered, cuts }, c);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Council;

    fn attitudes() -> Attitudes {
        Attitudes {
            belonging: 0.5,
            council_trust: 0.36,
            efficacy_internal: 0.46,
            efficacy_external: 0.41,
            council_trust_anchor: 0.36,
            efficacy_external_anchor: 0.41,
            efficacy_internal_anchor: 0.46,
        }
    }

    #[test]
    fn only_what_a_resident_experiences_moves_them() {
        let c = Council::default();
        let mut quiet = attitudes();
        respond(&mut quiet, Experience::default(), &c);
        assert_eq!(
            (
                quiet.council_trust,
                quiet.efficacy_external,
                quiet.efficacy_internal
            ),
            (0.36, 0.41, 0.46),
            "at their anchors and untouched, nothing moves"
        );
        let mut heard = attitudes();
        respond(
            &mut heard,
            Experience {
                answered: Some(true),
                cuts: 0.0,
            },
            &c,
        );
        let mut ignored = attitudes();
        respond(
            &mut ignored,
            Experience {
                answered: Some(false),
                cuts: 0.0,
            },
            &c,
        );
        assert!(heard.efficacy_external > 0.41 && heard.council_trust > 0.36);
        assert!(ignored.efficacy_external < 0.41 && ignored.council_trust < 0.36);
        // Internal efficacy grows with practice, answered or not, and less than external.
        assert!(heard.efficacy_internal > 0.46 && ignored.efficacy_internal > 0.46);
        assert!(
            heard.efficacy_internal - 0.46 < heard.efficacy_external - 0.41,
            "{heard:?}"
        );
        let mut cut = attitudes();
        respond(
            &mut cut,
            Experience {
                answered: None,
                cuts: 1.0,
            },
            &c,
        );
        let trust_drop = 0.36 - cut.council_trust;
        // The loss, then a week's relaxation back towards the anchor.
        let relax = c.attitude_relaxation_per_week as f32;
        let expected =
            (c.council_trust_loss_per_cut * c.blame_council_share) as f32 * 0.36 * (1.0 - relax);
        assert!(
            (trust_drop - expected).abs() < 1e-6,
            "{trust_drop} {expected}"
        );
        assert!(
            0.41 - cut.efficacy_external <= 0.02 * 0.41 + 1e-6,
            "Fetzer's bound"
        );
        // Blame laid wholly on central government leaves council trust alone.
        let mut elsewhere = attitudes();
        let all_central = Council {
            blame_council_share: 0.0,
            ..c.clone()
        };
        respond(
            &mut elsewhere,
            Experience {
                answered: None,
                cuts: 1.0,
            },
            &all_central,
        );
        assert_eq!(elsewhere.council_trust, 0.36);
    }

    /// A hand-built town of one ward: a council library and a pub; three residents at their
    /// anchors, one who went to the library this week, one who went to the pub, one who stayed
    /// in. The council's hours were cut by `hours_cut` this week.
    fn town(hours_cut: f64) -> World {
        crate::sim::init_threads(None);
        let mut world = World::new();
        let scenario = crate::Scenario::default();
        let mut council = CouncilState {
            yearly_budget_gbp: 1.0,
            statutory_share: 0.6,
            venue_share: 0.2,
            grant_share: 0.0,
            participatory_budget_share: 0.0,
            openness: 0.35,
            devolved_powers: 0.1,
            consultations_per_year: 4.0,
            community_right_to_bid: false,
            real_terms_change_per_year: 0.0,
            discretionary_at_start_gbp: 1.0,
            discretionary_gbp: 0.5,
            shortfall_weeks: 0,
            capacity: 0.5,
            opening_share: 0.7,
            responsiveness: 0.0,
            opportunities: 0.0,
            cuts_left: 0,
            cut: 0.0,
            statutory_rise: 0.0,
            next_cut_tick: 0,
            extra_grants: Vec::new(),
            devolved_budget_gbp: 0.0,
            fiscal_autonomy: 0.0,
            hours_cut,
            assembly: None,
        };
        council.responsiveness = 0.0;
        world.insert_resource(council);
        world.insert_resource(Config(std::sync::Arc::new(scenario)));
        world.insert_resource(Clock {
            step: 10,
            warmup: 0,
            start_year: 2010,
        });
        world.insert_resource(RunSeeds(crate::Seeds::new(1)));
        world.insert_resource(Closures::default());
        world.insert_resource(Wards {
            names: vec!["Only".into()],
            deprivation: vec![0.5],
            amenity_at_start: vec![0.0],
            residents_at_start: vec![3],
        });
        for (id, kind, owner) in [
            (0u16, crate::scenario::VenueKind::Library, Owner::Council),
            (1, crate::scenario::VenueKind::Pub, Owner::Private),
        ] {
            world.spawn(Venue {
                id,
                kind,
                owner,
                ward: 0,
                pos_km: [0.0, 0.0],
                capacity: 80,
                quality: 0.5,
                weekly_cost_gbp: 1000.0,
                visit_cost_gbp: 0.0,
                open: true,
                shut_until: 0,
                funded_until: 0,
                opened_step: -1,
                bid: None,
                closure_hazard: 0.0,
                visits: [0; RECENT_WEEKS],
            });
        }
        for (id, went) in [(0u32, Some(0u16)), (1, Some(1)), (2, None)] {
            let mut outings = Outings::default();
            if let Some(v) = went {
                outings.venues[0] = v;
                outings.len = 1;
            }
            world.spawn((
                crate::model::testing::resident(id, id, 0, 0.5),
                Civic::fresh(),
                outings,
                Recent::default(),
                attitudes(),
            ));
        }
        world
    }

    fn after_a_week(hours_cut: f64) -> Vec<Attitudes> {
        use bevy_ecs::system::RunSystemOnce;
        let mut world = town(hours_cut);
        world.run_system_once(council_response).unwrap();
        let mut q = world.query::<(&Resident, &Attitudes)>();
        let mut out: Vec<(u32, Attitudes)> =
            q.iter(&world).map(|(r, a)| (r.id, a.clone())).collect();
        out.sort_by_key(|(id, _)| *id);
        out.into_iter().map(|(_, a)| a).collect()
    }

    #[test]
    fn an_hours_cut_touches_only_those_who_used_the_councils_venue() {
        let cut = after_a_week(0.3);
        assert!(
            cut[0].council_trust < 0.36,
            "the library user: {:?}",
            cut[0]
        );
        assert!(cut[0].efficacy_external < 0.41);
        for a in &cut[1..] {
            assert_eq!(
                (a.council_trust, a.efficacy_external),
                (0.36, 0.41),
                "{a:?}"
            );
        }
        // The same budget with no cut this week: no one moves, the capacity of 0.5 included.
        for a in after_a_week(0.0) {
            assert_eq!(
                (a.council_trust, a.efficacy_external),
                (0.36, 0.41),
                "{a:?}"
            );
        }
    }
}
