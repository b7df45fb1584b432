//! Step 1, interventions: scenario events due this week take effect.
//!
//! Each event changes only what the mechanisms already read:
//! - `close` shuts `count` open venues of a kind (in one ward, if given), the least used over the
//!   last four weeks first, ties broken by venue id. A scheduled closure is a decision already
//!   taken, so it does not go to asset transfer.
//! - `austerity` schedules real-terms cuts, which the council budget applies (the first at once).
//! - `invest` opens new venues near the ward's centre, funded from outside for a while.
//! - `fund_groups` adds grants for groups to the council's pot for some years.
//! - `devolution` sets the council's powers, openness, participatory budget, fiscal autonomy,
//!   devolved budget and right to bid, each a lever of its own (the big-bang values are the
//!   `council.big_bang_*` parameters).
//! - `citizens_assembly` draws members by lot (the residents whose keyed draw is smallest); they
//!   take part this week, and council response treats their input as the event says.
//! - `lockdown` shuts venues for a number of weeks; `pub_costs` changes pubs' running costs.
//! - `job_loss` orders `count` jobs lost (in a ward, if given), which the labour market makes
//!   at once (jobs.rs); `benefit_change` moves out-of-work income by `gbp_per_week`.
//!
//! Every event writes one `intervention` row to events.csv; venues it closes or opens write
//! their own rows.

use super::components::*;
use super::venues::Ledger;
use crate::rng::{Purpose, RngExt};
use crate::scenario::interventions as iv;
use crate::scenario::{Intervention, Owner, VenueKind, WEEKS_PER_YEAR};
use bevy_ecs::prelude::*;

#[allow(clippy::too_many_arguments)]
pub fn interventions(
    mut commands: Commands,
    mut pending: ResMut<PendingEvents>,
    mut venues: Query<&mut Venue>,
    mut index: ResMut<VenueIndex>,
    mut residents: Query<(&Resident, &mut Civic)>,
    mut council: ResMut<CouncilState>,
    mut labour: ResMut<Labour>,
    wards: Res<Wards>,
    scenario: Res<Config>,
    seeds: Res<RunSeeds>,
    mut ledger: Ledger,
) {
    if ledger.clock.warming_up() {
        return;
    }
    let clock = *ledger.clock;
    let tick = clock.tick();
    let due: Vec<Intervention> = pending
        .0
        .iter()
        .filter(|(t, _)| *t == tick)
        .map(|(_, e)| e.clone())
        .collect();
    pending.0.retain(|(t, _)| *t != tick);
    let ward_id = |name: &str| wards.names.iter().position(|n| n == name).map(|w| w as u16);
    for event in due {
        let ward = event.ward().and_then(ward_id);
        let detail = match &event {
            Intervention::Close(iv::Close {
                venue_kind, count, ..
            }) => {
                let mut candidates: Vec<(u32, u16)> = index
                    .0
                    .iter()
                    .filter_map(|&e| venues.get(e).ok())
                    .filter(|v| v.open && v.kind == *venue_kind)
                    .filter(|v| ward.is_none_or(|w| v.ward == w))
                    .map(|v| (v.visits_last_4_weeks(), v.id))
                    .collect();
                candidates.sort_unstable();
                let closed = candidates.len().min(*count as usize);
                for &(_, id) in candidates.iter().take(closed) {
                    if let Ok(mut v) = venues.get_mut(index.0[id as usize]) {
                        ledger.close(&mut v, super::venues::cause::SCHEDULED);
                    }
                }
                format!("close: {closed} of {count} {} closed", venue_kind.name())
            }
            Intervention::Austerity(iv::Austerity {
                years,
                cut_per_year,
                statutory_share_rise_per_year,
                deprivation_weighted,
                ..
            }) => {
                let weight = if *deprivation_weighted {
                    let n = wards.deprivation.len().max(1) as f64;
                    scenario.0.council.austerity_deprivation_base
                        + wards.deprivation.iter().map(|&d| f64::from(d)).sum::<f64>() / n
                } else {
                    1.0
                };
                council.cuts_left = *years;
                council.cut = (cut_per_year * weight).min(0.9);
                council.statutory_rise = *statutory_share_rise_per_year;
                council.next_cut_tick = tick;
                format!(
                    "austerity: {years} yearly cuts of {:.1}%, statutory share +{:.1} points a year",
                    council.cut * 100.0,
                    statutory_share_rise_per_year * 100.0
                )
            }
            Intervention::Invest(iv::Invest {
                venue_kind,
                ward: ward_name,
                count,
                quality,
                funding_years,
                ..
            }) => {
                let Some(w) = ward else { continue };
                for _ in 0..*count {
                    let venue = new_venue(
                        &scenario.0,
                        *venue_kind,
                        w,
                        *quality,
                        tick + funding_years * WEEKS_PER_YEAR,
                        index.0.len() as u16,
                        &seeds.0,
                        clock.step,
                    );
                    ledger.opened(&venue, "investment in social infrastructure");
                    let e = commands.spawn((venue, EncounterLog::default())).id();
                    index.0.push(e);
                }
                format!(
                    "invest: {count} new {} in {ward_name}, funded for {funding_years} years",
                    venue_kind.name()
                )
            }
            Intervention::FundGroups(iv::FundGroups {
                gbp_per_year,
                years,
                ..
            }) => {
                council
                    .extra_grants
                    .push((tick + years * WEEKS_PER_YEAR - 1, *gbp_per_year));
                format!("fund_groups: £{gbp_per_year:.0} a year for {years} years")
            }
            Intervention::Devolution(iv::Devolution {
                big_bang,
                powers,
                openness,
                budget_gbp_per_year,
                participatory_budget_share,
                right_to_bid,
                fiscal_autonomy,
                ..
            }) => {
                let pick = |given: Option<f64>, bang: f64, now: f64| {
                    given.unwrap_or(if *big_bang { bang } else { now })
                };
                let bang = &scenario.0.council;
                let c = &mut *council;
                c.devolved_powers = pick(*powers, bang.big_bang_powers, c.devolved_powers);
                c.openness = pick(*openness, bang.big_bang_openness, c.openness);
                c.devolved_budget_gbp += pick(*budget_gbp_per_year, bang.big_bang_budget_gbp, 0.0);
                c.participatory_budget_share = pick(
                    *participatory_budget_share,
                    bang.big_bang_participatory_budget_share,
                    c.participatory_budget_share,
                );
                c.fiscal_autonomy = pick(
                    *fiscal_autonomy,
                    bang.big_bang_fiscal_autonomy,
                    c.fiscal_autonomy,
                );
                c.community_right_to_bid =
                    right_to_bid.unwrap_or(*big_bang || c.community_right_to_bid);
                format!(
                    "devolution{}: powers {:.2}, openness {:.2}, devolved budget £{:.0} a year, \
                     participatory budget {:.2}, fiscal autonomy {:.2}, right to bid {}",
                    if *big_bang { " (big bang)" } else { "" },
                    c.devolved_powers,
                    c.openness,
                    c.devolved_budget_gbp,
                    c.participatory_budget_share,
                    c.fiscal_autonomy,
                    c.community_right_to_bid
                )
            }
            Intervention::CitizensAssembly(iv::CitizensAssembly {
                members, acted_on, ..
            }) => {
                let mut lots: Vec<(u64, u32)> = residents
                    .iter()
                    .map(|(r, _)| {
                        let mut rng = seeds.0.tick_stream(
                            Purpose::Interventions,
                            u64::from(r.id),
                            clock.step,
                        );
                        (rng.random::<u64>(), r.id)
                    })
                    .collect();
                lots.sort_unstable();
                let mut chosen: Vec<u32> =
                    lots.iter().take(*members as usize).map(|l| l.1).collect();
                chosen.sort_unstable();
                let mut sitting = 0;
                for (r, mut civic) in residents.iter_mut() {
                    if chosen.binary_search(&r.id).is_ok() {
                        civic.participated = true;
                        civic.last_participated = clock.now();
                        civic.assembly_step = clock.now();
                        sitting += 1;
                    }
                }
                council.assembly = Some((clock.now(), *acted_on));
                format!(
                    "citizens_assembly: {sitting} residents drawn by lot; the council {} on \
                     its recommendations",
                    if *acted_on { "acts" } else { "does not act" }
                )
            }
            Intervention::Lockdown(iv::Lockdown {
                weeks, venue_kinds, ..
            }) => {
                let mut shut = 0;
                for mut v in venues.iter_mut() {
                    if v.open && (venue_kinds.is_empty() || venue_kinds.contains(&v.kind)) {
                        v.shut_until = tick + weeks;
                        shut += 1;
                    }
                }
                format!("lockdown: {shut} venues shut for {weeks} weeks")
            }
            Intervention::PubCosts(iv::PubCosts { change, .. }) => {
                for mut v in venues.iter_mut() {
                    if v.kind == VenueKind::Pub {
                        v.weekly_cost_gbp *= (1.0 + change) as f32;
                    }
                }
                format!("pub_costs: running costs {:+.0}%", change * 100.0)
            }
            Intervention::JobLoss(iv::JobLoss { count, .. }) => {
                labour.layoffs.push((*count, ward));
                labour.jobs_lost += f64::from(*count);
                format!("job_loss: {count} jobs lost")
            }
            Intervention::BenefitChange(iv::BenefitChange { gbp_per_week, .. }) => {
                labour.benefit_change_gbp += gbp_per_week;
                labour.benefit_changed = true;
                format!(
                    "benefit_change: out-of-work income {gbp_per_week:+.2} GBP a week ({:+.2} since the start)",
                    labour.benefit_change_gbp
                )
            }
        };
        // Each detail begins with the intervention's kind, as the scenario file names it.
        ledger.note("intervention", ward, detail);
    }
}

/// A venue opened by investment: the kind's size and costs, the quality given, near the ward's
/// centre. Public money does not open private businesses, so a pub opened this way is run by
/// the community.
#[allow(clippy::too_many_arguments)]
fn new_venue(
    s: &crate::scenario::Scenario,
    kind: VenueKind,
    ward: u16,
    quality: f64,
    funded_until: u32,
    id: u16,
    seeds: &crate::rng::Seeds,
    step: u32,
) -> Venue {
    let spec = s.venues.spec(kind);
    let w = &s.town.wards[ward as usize];
    let mut rng = seeds.tick_stream(Purpose::Interventions, (1 << 40) + u64::from(id), step);
    let r = 0.5 * w.radius_km * rng.random::<f64>().sqrt();
    let angle = std::f64::consts::TAU * rng.random::<f64>();
    Venue {
        id,
        kind,
        owner: match spec.owner {
            Owner::Private => Owner::Community,
            other => other,
        },
        ward,
        pos_km: [
            (w.centre_km[0] + r * libm::cos(angle)) as f32,
            (w.centre_km[1] + r * libm::sin(angle)) as f32,
        ],
        capacity: spec.capacity.max(1),
        quality: quality as f32,
        weekly_cost_gbp: spec.weekly_cost_gbp as f32,
        visit_cost_gbp: spec.visit_cost_gbp as f32,
        open: true,
        shut_until: 0,
        funded_until,
        visits: [0; RECENT_WEEKS],
        opened_step: step as i32,
        bid: None,
        closure_hazard: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{self, venue};
    use crate::scenario::Scenario;
    use bevy_ecs::system::RunSystemOnce;

    /// The events of a scenario file's `[[events]]` text, as read and checked from a file.
    fn events(text: &str) -> Vec<Intervention> {
        Scenario::from_toml(text, "test.toml").unwrap().events
    }

    /// A hand-built town of two wards (deprivation 0.8 and 0.4) with `venues`, and `due` to
    /// take effect this week.
    fn town(s: Scenario, venues: Vec<Venue>, due: Vec<Intervention>) -> World {
        let mut w = testing::world(s, venues, Vec::new());
        w.insert_resource(Wards {
            names: vec!["Market Place".into(), "Pithead".into()],
            deprivation: vec![0.8, 0.4],
            amenity_at_start: vec![1.0, 1.0],
            residents_at_start: vec![100, 100],
        });
        w.insert_resource(PendingEvents(due.into_iter().map(|e| (0, e)).collect()));
        w
    }

    fn pub_with(id: u16, ward: u16, weekly_visits: u32) -> Venue {
        let mut v = venue(id, VenueKind::Pub, Owner::Private);
        v.ward = ward;
        v.visits = [weekly_visits; RECENT_WEEKS];
        v
    }

    fn open_ids(w: &mut World) -> Vec<u16> {
        let mut q = w.query::<&Venue>();
        let mut ids: Vec<u16> = q.iter(w).filter(|v| v.open).map(|v| v.id).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn a_scheduled_closure_shuts_the_least_used_first_and_only_in_its_ward() {
        let pubs = || vec![pub_with(0, 0, 9), pub_with(1, 0, 2), pub_with(2, 1, 1)];
        let close = |extra: &str| {
            events(&format!(
                "[[events]]\nkind = \"close\"\nyear = 2010\nvenue_kind = \"pub\"\ncount = 1\n{extra}"
            ))
        };
        let mut w = town(Scenario::default(), pubs(), close(""));
        w.run_system_once(interventions).unwrap();
        assert_eq!(
            open_ids(&mut w),
            vec![0, 1],
            "the town's least used pub closes"
        );
        assert!(
            w.resource::<PendingEvents>().0.is_empty(),
            "a done event is not done again"
        );

        let mut w = town(
            Scenario::default(),
            pubs(),
            close("ward = \"Market Place\"\n"),
        );
        w.run_system_once(interventions).unwrap();
        assert_eq!(
            open_ids(&mut w),
            vec![0, 2],
            "the least used pub of the ward closes"
        );
        let closures = &w.resource::<Closures>().list;
        assert_eq!((closures.len(), closures[0].ward), (1, 0), "{closures:?}");
    }

    #[test]
    fn a_deprivation_weighted_cut_is_scaled_by_the_base_plus_mean_deprivation() {
        let cut = |weighted: bool, base: f64| {
            let mut s = Scenario::default();
            s.council.austerity_deprivation_base = base;
            let due = events(&format!(
                "[[events]]\nkind = \"austerity\"\nyear = 2010\nyears = 4\ncut_per_year = 0.05\n\
                 deprivation_weighted = {weighted}\n"
            ));
            let mut w = town(s, Vec::new(), due);
            w.run_system_once(interventions).unwrap();
            let c = w.resource::<CouncilState>();
            assert_eq!(
                (c.cuts_left, c.next_cut_tick),
                (4, 0),
                "four cuts, the first now"
            );
            c.cut
        };
        // Mean deprivation of the two wards is 0.6 (held as f32, hence the tolerance).
        assert_eq!(cut(false, 0.5), 0.05);
        assert!((cut(true, 0.5) - 0.05 * 1.1).abs() < 1e-8);
        assert!((cut(true, 0.25) - 0.05 * 0.85).abs() < 1e-8);
    }

    /// The hand-built town of [`town`] with the events of `text` pending at the recorded ticks
    /// their year and week fall on.
    fn scheduled(s: Scenario, venues: Vec<Venue>, text: &str) -> World {
        let due = events(text)
            .into_iter()
            .map(|e| {
                let (year, week) = e.when();
                (s.tick_of(year, week).unwrap(), e)
            })
            .collect();
        let mut w = town(s, venues, Vec::new());
        w.insert_resource(PendingEvents(due));
        w
    }

    /// Runs the interventions step at recorded tick `tick` (no warm-up).
    fn at(w: &mut World, tick: u32) {
        w.resource_mut::<Clock>().step = tick;
        w.run_system_once(interventions).unwrap();
    }

    #[test]
    fn an_event_takes_effect_in_its_own_week_only_and_never_in_the_warm_up() {
        let mut w = scheduled(
            Scenario::default(),
            Vec::new(),
            "[[events]]\nkind = \"fund_groups\"\nyear = 2011\nweek = 3\ngbp_per_year = 5000\n\
             years = 1\n",
        );
        let grants = |w: &World| w.resource::<CouncilState>().extra_grants.clone();
        // Two years of warm-up: the recorded tick is 0 throughout, and nothing happens.
        w.resource_mut::<Clock>().warmup = 104;
        w.resource_mut::<PendingEvents>().0[0].0 = 0;
        at(&mut w, 50);
        assert!(grants(&w).is_empty() && w.resource::<EventLog>().0.is_empty());
        // Out of the warm-up, the event waits for its week (2011, week 3: tick 54).
        let mut w = scheduled(
            Scenario::default(),
            Vec::new(),
            "[[events]]\nkind = \"fund_groups\"\nyear = 2011\nweek = 3\ngbp_per_year = 5000\n\
             years = 1\n",
        );
        for tick in [0, 52, 53] {
            at(&mut w, tick);
            assert!(grants(&w).is_empty(), "not at tick {tick}");
        }
        at(&mut w, 54);
        assert_eq!(grants(&w), [(54 + 52 - 1, 5000.0)]);
        at(&mut w, 55);
        assert_eq!(grants(&w).len(), 1, "once");
        let log = &w.resource::<EventLog>().0;
        assert_eq!(
            (log.len(), log[0].tick, log[0].kind),
            (1, 54, "intervention")
        );
    }

    #[test]
    fn extra_grants_reach_groups_for_the_stated_years_and_no_longer() {
        // Two years of £52,000 a year on top of the council's grants, from 2010: £1,000 a week
        // more for the one group through tick 103, and nothing more from tick 104. The same
        // town without the event gives what the council's own grants are.
        let funding = |text: &str| {
            let team = testing::group(0, GroupKind::SportsTeam, 10);
            let mut w = town(Scenario::default(), Vec::new(), Vec::new());
            let e = w.spawn(team).id();
            w.insert_resource(GroupIndex(vec![e]));
            let due = events(text).into_iter().map(|e| (0, e)).collect();
            w.insert_resource(PendingEvents(due));
            let mut weekly = Vec::new();
            for tick in 0..110 {
                at(&mut w, tick);
                w.run_system_once(crate::model::council_budget::council_budget)
                    .unwrap();
                weekly.push(testing::group_of(&w, 0).funding_gbp);
            }
            weekly
        };
        let with = funding(
            "[[events]]\nkind = \"fund_groups\"\nyear = 2010\ngbp_per_year = 52000\nyears = 2\n",
        );
        let without = funding("");
        for (tick, (a, b)) in with.iter().zip(&without).enumerate() {
            let extra = if tick <= 103 { 1000.0 } else { 0.0 };
            assert!((a - b - extra).abs() < 0.1, "tick {tick}: {a} vs {b}");
        }
    }

    #[test]
    fn investment_opens_funded_venues_near_the_ward_centre() {
        let mut s = Scenario::default();
        s.venues.spec_mut(VenueKind::Pub).owner = Owner::Private;
        let library = || {
            let mut v = venue(1, VenueKind::Library, Owner::Council);
            v.ward = 1;
            v
        };
        let mut w = scheduled(
            s.clone(),
            vec![pub_with(0, 0, 5), library()],
            "[[events]]\nkind = \"invest\"\nyear = 2011\nweek = 2\nvenue_kind = \"pub\"\n\
             ward = \"Pithead\"\ncount = 2\nquality = 0.9\nfunding_years = 3\n",
        );
        w.insert_resource(VenueLabels(vec!["pub-01".into(), "library-01".into()]));
        at(&mut w, 52);
        assert_eq!(w.resource::<VenueIndex>().0.len(), 2, "not before its week");
        at(&mut w, 53);
        assert_eq!(w.resource::<VenueIndex>().0.len(), 4);
        let spec = s.venues.spec(VenueKind::Pub);
        let pithead = &s.town.wards[1];
        for id in [2, 3] {
            let v = testing::venue_of(&w, id);
            assert_eq!((v.id, v.kind, v.ward), (id, VenueKind::Pub, 1));
            assert_eq!(
                v.owner,
                Owner::Community,
                "public money runs no private pub"
            );
            assert!(v.open && v.usable(53) && v.bid.is_none());
            assert_eq!(
                (v.quality, v.funded_until, v.opened_step),
                (0.9, 53 + 3 * 52, 53)
            );
            assert_eq!(v.weekly_cost_gbp, spec.weekly_cost_gbp as f32);
            assert_eq!(v.capacity, spec.capacity.max(1));
            assert_eq!(v.visits, [0; RECENT_WEEKS]);
            let from_centre = f64::hypot(
                f64::from(v.pos_km[0]) - pithead.centre_km[0],
                f64::from(v.pos_km[1]) - pithead.centre_km[1],
            );
            assert!(
                from_centre <= 0.5 * pithead.radius_km + 1e-5,
                "{from_centre}"
            );
            let e = w.resource::<VenueIndex>().0[id as usize];
            assert!(w.get::<EncounterLog>(e).is_some(), "people can meet there");
        }
        assert_eq!(w.resource::<VenueLabels>().0[2..], ["pub-02", "pub-03"]);
        assert_eq!(w.resource::<Layout>().changed, [2, 3]);
        let openings = &w.resource::<Closures>().openings;
        assert_eq!(openings.len(), 2);
        assert!(openings.iter().all(|o| o.tick == 53 && o.ward == 1));
        assert!(w.resource::<Closures>().list.is_empty());
        let log: Vec<_> = w
            .resource::<EventLog>()
            .0
            .iter()
            .map(|e| (e.kind, e.venue.clone(), e.ward))
            .collect();
        assert_eq!(
            log,
            [
                ("open", Some("pub-02".into()), Some(1)),
                ("open", Some("pub-03".into()), Some(1)),
                ("intervention", None, Some(1)),
            ]
        );
        // The council's own kinds stay the council's.
        let mut w = scheduled(
            s.clone(),
            vec![library()],
            "[[events]]\nkind = \"invest\"\nyear = 2010\nvenue_kind = \"library\"\n\
             ward = \"Market Place\"\n",
        );
        at(&mut w, 0);
        let v = testing::venue_of(&w, 1);
        assert_eq!(
            (v.kind, v.ward, v.owner),
            (VenueKind::Library, 0, Owner::Council)
        );
        assert_eq!(
            v.funded_until, 0,
            "no outside funding: the council pays at once"
        );
    }

    #[test]
    fn devolution_sets_each_lever_given_and_big_bang_sets_the_rest() {
        let mut s = Scenario::default();
        let c = &mut s.council;
        (
            c.big_bang_powers,
            c.big_bang_openness,
            c.big_bang_budget_gbp,
        ) = (0.6, 0.55, 250_000.0);
        (
            c.big_bang_participatory_budget_share,
            c.big_bang_fiscal_autonomy,
        ) = (0.2, 0.3);
        c.community_right_to_bid = false;
        let start = CouncilState::at_start(&s.council);
        let levers = |c: &CouncilState| {
            (
                c.devolved_powers,
                c.openness,
                c.devolved_budget_gbp,
                c.participatory_budget_share,
                c.fiscal_autonomy,
                c.community_right_to_bid,
            )
        };
        let after = |keys: &str| {
            let text = format!("[[events]]\nkind = \"devolution\"\nyear = 2012\n{keys}");
            let mut w = scheduled(s.clone(), Vec::new(), &text);
            at(&mut w, 103);
            assert_eq!(
                levers(w.resource::<CouncilState>()),
                levers(&start),
                "not yet"
            );
            at(&mut w, 104);
            levers(w.resource::<CouncilState>())
        };
        assert_eq!(
            after("big_bang = true\n"),
            (0.6, 0.55, 250_000.0, 0.2, 0.3, true)
        );
        assert_eq!(
            after("big_bang = true\npowers = 0.3\nright_to_bid = false\n"),
            (0.3, 0.55, 250_000.0, 0.2, 0.3, false),
            "a key given beats its big-bang value"
        );
        assert_eq!(
            after("openness = 0.9\nbudget_gbp_per_year = 40000\n"),
            (
                start.devolved_powers,
                0.9,
                40_000.0,
                start.participatory_budget_share,
                start.fiscal_autonomy,
                false
            ),
            "without big bang, only the keys given change"
        );
        assert_eq!(
            after(""),
            levers(&start),
            "an empty devolution changes nothing"
        );
        // Devolved budgets add up; levers are set, not added.
        let mut w = scheduled(
            s.clone(),
            Vec::new(),
            "[[events]]\nkind = \"devolution\"\nyear = 2010\npowers = 0.5\n\
             budget_gbp_per_year = 40000\n\
             [[events]]\nkind = \"devolution\"\nyear = 2011\npowers = 0.4\n\
             budget_gbp_per_year = 10000\nright_to_bid = true\n",
        );
        at(&mut w, 0);
        at(&mut w, 52);
        let c = w.resource::<CouncilState>();
        assert_eq!((c.devolved_powers, c.devolved_budget_gbp), (0.4, 50_000.0));
        assert!(c.community_right_to_bid);
        // A later devolution leaves out the right to bid: it stays.
        let mut w = scheduled(
            s,
            Vec::new(),
            "[[events]]\nkind = \"devolution\"\nyear = 2010\nright_to_bid = true\n\
             [[events]]\nkind = \"devolution\"\nyear = 2011\nopenness = 0.5\n",
        );
        at(&mut w, 0);
        at(&mut w, 52);
        assert!(w.resource::<CouncilState>().community_right_to_bid);
    }
}
