//! The intervention plumbing: a scheduled `close` takes effect in its week, is logged, and is
//! felt by the mechanisms that read venues (belonging and council trust in the ward).

use cohesion::{Scenario, Seeds, Simulation};

fn small(events: &str) -> Scenario {
    let text = format!(
        "[time]\nyears = 2\nwarmup_weeks = 20\n[town]\nresidents = 2000\n[economy]\n\
         pub_closure_rate_at_break_even = 0.0\n{events}"
    );
    Scenario::from_toml(&text, "test").unwrap()
}

#[test]
fn a_scheduled_closure_happens_in_its_week_and_is_logged() {
    let s = small(
        "[[events]]\nkind = \"close\"\nyear = 2011\nweek = 10\nvenue_kind = \"pub\"\ncount = 2\n\
         ward = \"Pithead\"\n",
    );
    let out = cohesion::run::to_end(&s, Seeds::new(3));
    let pubs = out.observations.series(None, "pubs_open");
    let before = pubs.iter().find(|(t, _)| *t == 52 + 8).unwrap().1;
    let after = pubs.iter().find(|(t, _)| *t == 52 + 9).unwrap().1;
    assert_eq!(before - after, 2.0, "two pubs close in week 10 of 2011");
    let intervention: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.kind == "intervention")
        .collect();
    assert_eq!(intervention.len(), 1);
    assert_eq!(intervention[0].tick, 61);
    let closes: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.kind == "close" && e.tick == 61)
        .collect();
    assert_eq!(closes.len(), 2);
    let pithead = out.ward_names.iter().position(|w| w == "Pithead").unwrap() as u16;
    assert!(closes.iter().all(|e| e.ward == Some(pithead)));
}

#[test]
fn closing_every_venue_in_a_ward_lowers_belonging_there() {
    let mut events = String::new();
    for kind in [
        "pub",
        "library",
        "community_centre",
        "welfare_hall",
        "park",
        "sports_club",
        "place_of_worship",
    ] {
        events.push_str(&format!(
            "[[events]]\nkind = \"close\"\nyear = 2010\nweek = 2\nvenue_kind = \"{kind}\"\ncount = 99\nward = \"Pithead\"\n"
        ));
    }
    let base = small("");
    let hit = small(&events);
    let a = cohesion::run::to_end(&base, Seeds::new(4));
    let b = cohesion::run::to_end(&hit, Seeds::new(4));
    let pithead = a.ward_names.iter().position(|w| w == "Pithead").unwrap() as u16;
    let mean_last_half_year = |o: &cohesion::RunOutput, ward: Option<u16>, m: &str| {
        let s = o.observations.series(ward, m);
        let tail = &s[s.len() - 26..];
        tail.iter().map(|x| x.1).sum::<f64>() / tail.len() as f64
    };
    let (kept, closed) = (
        mean_last_half_year(&a, Some(pithead), "belonging"),
        mean_last_half_year(&b, Some(pithead), "belonging"),
    );
    assert!(closed < kept - 0.02, "belonging {kept:.3} -> {closed:.3}");
    let (kept, closed) = (
        mean_last_half_year(&a, Some(pithead), "council_trust"),
        mean_last_half_year(&b, Some(pithead), "council_trust"),
    );
    assert!(closed < kept, "council trust {kept:.3} -> {closed:.3}");
}

/// A small town run to the start of recorded week `tick` (the event's week has been applied).
fn run_to(s: &Scenario, tick: u32) -> Simulation {
    let mut sim = Simulation::new(s, Seeds::new(11));
    while sim.clock().warming_up() || sim.clock().tick() <= tick {
        sim.step();
    }
    sim
}

fn council(sim: &Simulation) -> cohesion::model::components::CouncilState {
    sim.world()
        .resource::<cohesion::model::components::CouncilState>()
        .clone()
}

fn venues(sim: &mut Simulation) -> Vec<cohesion::model::components::Venue> {
    let mut q = sim
        .world_mut()
        .query::<&cohesion::model::components::Venue>();
    let mut v: Vec<_> = q.iter(sim.world()).cloned().collect();
    v.sort_by_key(|v| v.id);
    v
}

#[test]
fn austerity_cuts_the_budget_each_year_for_its_span() {
    let s = small(
        "[[events]]\nkind = \"austerity\"\nyear = 2010\nweek = 5\nyears = 2\ncut_per_year = 0.1\n\
         statutory_share_rise_per_year = 0.02\n",
    );
    let out = cohesion::run::to_end(&s, Seeds::new(1));
    let budget = out.observations.series(None, "council_budget");
    let at = |t: u32| budget.iter().find(|(x, _)| *x == t).unwrap().1;
    let start = at(3);
    // Discretionary = budget × (1 − statutory): 9m × 0.4 at the start.
    assert_eq!(start, 3_600_000.0);
    assert_eq!(at(4), (9e6 * 0.9 * (1.0 - 0.62_f64)).round());
    assert_eq!(at(4 + 52), (9e6 * 0.81 * (1.0 - 0.64_f64)).round());
    assert_eq!(at(103), at(4 + 52), "only two cuts");
}

#[test]
fn invest_opens_the_venue_in_the_named_ward_and_year() {
    let s = small(
        "[[events]]\nkind = \"invest\"\nyear = 2011\nweek = 3\nvenue_kind = \"library\"\n\
         ward = \"Welfare Estate\"\nfunding_years = 1\n",
    );
    let mut sim = run_to(&s, 54);
    let libraries: Vec<_> = venues(&mut sim)
        .into_iter()
        .filter(|v| v.kind == cohesion::scenario::VenueKind::Library)
        .collect();
    assert_eq!(libraries.len(), 2);
    let new = libraries.iter().max_by_key(|v| v.id).unwrap();
    let ward = s
        .town
        .wards
        .iter()
        .position(|w| w.name == "Welfare Estate")
        .unwrap() as u16;
    assert_eq!(new.ward, ward);
    assert!(new.open && new.funded_until == 54 + 52);
    // People go there in its first week.
    assert!(
        new.visits.iter().sum::<u32>() > 0,
        "nobody visited the new library"
    );
    let out = cohesion::run::finish(sim);
    let lib = out.observations.series(None, "open_library");
    assert_eq!(lib.iter().find(|(t, _)| *t == 53).unwrap().1, 1.0);
    assert_eq!(lib.iter().find(|(t, _)| *t == 54).unwrap().1, 2.0);
    let opened: Vec<_> = out.events.iter().filter(|e| e.kind == "open").collect();
    assert_eq!(opened.len(), 1);
    assert_eq!((opened[0].tick, opened[0].ward), (54, Some(ward)));
    assert_eq!(opened[0].venue.as_deref(), Some("library-02"));
}

#[test]
fn lockdown_shuts_venues_for_exactly_the_weeks_given() {
    let s = small("[[events]]\nkind = \"lockdown\"\nyear = 2010\nweek = 11\nweeks = 6\n");
    let mut sim = Simulation::new(&s, Seeds::new(2));
    let mut visits_by_tick = Vec::new();
    while sim.step() {
        // The week just run is one step before the clock.
        let c = sim.clock();
        let step = c.step - 1;
        if step < c.warmup || step - c.warmup > 30 {
            continue;
        }
        let done = step - c.warmup;
        let ring = step as usize % 4;
        let total: u32 = venues(&mut sim).iter().map(|v| v.visits[ring]).sum();
        visits_by_tick.push((done, total));
    }
    for (tick, total) in visits_by_tick {
        let shut = (10..16).contains(&tick);
        assert_eq!(total == 0, shut, "week {tick}: {total} visits");
    }
}

#[test]
fn pub_costs_change_every_pubs_running_costs() {
    let base = small("");
    let dear = small("[[events]]\nkind = \"pub_costs\"\nyear = 2010\nweek = 2\nchange = 0.25\n");
    let mut a = run_to(&base, 1);
    let mut b = run_to(&dear, 1);
    let (va, vb) = (venues(&mut a), venues(&mut b));
    for (x, y) in va.iter().zip(&vb) {
        if x.kind == cohesion::scenario::VenueKind::Pub {
            assert!((y.weekly_cost_gbp / x.weekly_cost_gbp - 1.25).abs() < 1e-5);
        } else {
            assert_eq!(x.weekly_cost_gbp, y.weekly_cost_gbp);
        }
    }
}

#[test]
fn devolution_and_extra_grants_reach_the_council() {
    let s = small(
        "[[events]]\nkind = \"devolution\"\nyear = 2010\nweek = 3\nbig_bang = true\nopenness = 0.9\n\
         [[events]]\nkind = \"fund_groups\"\nyear = 2010\nweek = 3\ngbp_per_year = 52000.0\nyears = 1\n",
    );
    let before = council(&run_to(&s, 1));
    let after = council(&run_to(&s, 2));
    assert_eq!((before.openness, after.openness), (0.35, 0.9));
    assert_eq!(after.devolved_powers, 0.8);
    assert_eq!(after.participatory_budget_share, 0.1);
    assert!(after.community_right_to_bid && !before.community_right_to_bid);
    assert_eq!(
        after.discretionary_gbp - before.discretionary_gbp,
        1_000_000.0
    );
    assert!(after.opportunities > before.opportunities);
    assert_eq!(after.extra_grants, vec![(2 + 52 - 1, 52000.0)]);
}

#[test]
fn a_citizens_assembly_seats_its_members_and_the_council_answers_as_told() {
    let assembly = |acted: bool| {
        small(&format!(
            "[[events]]\nkind = \"citizens_assembly\"\nyear = 2010\nweek = 8\nmembers = 100\n\
             acted_on = {acted}\n"
        ))
    };
    // Members' mean external efficacy and council trust just after the assembly's week.
    let members = |acted: bool| {
        let mut sim = run_to(&assembly(acted), 7);
        let now = sim.clock().step as i32 - 1;
        let mut q = sim.world_mut().query::<(
            &cohesion::model::components::Civic,
            &cohesion::model::components::Attitudes,
        )>();
        let sat: Vec<(f32, f32)> = q
            .iter(sim.world())
            .filter(|(c, _)| c.assembly_step == now)
            .inspect(|(c, _)| assert!(c.participated))
            .map(|(_, a)| (a.efficacy_external, a.council_trust))
            .collect();
        let n = sat.len() as f32;
        (
            sat.len(),
            sat.iter().map(|x| x.0).sum::<f32>() / n,
            sat.iter().map(|x| x.1).sum::<f32>() / n,
        )
    };
    let (n_yes, ee_yes, ct_yes) = members(true);
    let (n_no, ee_no, ct_no) = members(false);
    assert_eq!((n_yes, n_no), (100, 100));
    assert!(
        ee_yes > ee_no + 0.03,
        "external efficacy {ee_yes} vs {ee_no}"
    );
    assert!(ct_yes > ct_no + 0.02, "council trust {ct_yes} vs {ct_no}");
}
