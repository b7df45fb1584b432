//! The intervention plumbing: a scheduled `close` takes effect in its week, is logged, and is
//! felt by the mechanisms that read venues (belonging and council trust in the ward).

use cohesion::{Scenario, Seeds, Simulation};

fn small(events: &str) -> Scenario {
    let text = format!(
        "[time]\nyears = 2\nwarmup_weeks = 20\n[town]\nresidents = 2000\n[economy]\n\
         small_pub_closure_rate_per_year = 0.0\nlarge_pub_closure_rate_per_year = 0.0\n\
         pub_loss_weeks = 520\n{events}"
    );
    Scenario::from_toml(&text, "test").unwrap()
}

#[test]
fn a_scheduled_closure_happens_in_its_week_and_is_logged() {
    let s = small(
        "[[events]]\nkind = \"close\"\nyear = 2011\nweek = 10\nvenue_kind = \"pub\"\ncount = 2\n\
         ward = \"Pithead\"\n",
    );
    let out = Simulation::new(&s, Seeds::new(3)).finish();
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
    let a = Simulation::new(&base, Seeds::new(4)).finish();
    let b = Simulation::new(&hit, Seeds::new(4)).finish();
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
