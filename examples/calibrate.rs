//! Prints the calibration figures of a scenario, year by year: the first year's values are what
//! the calibration table of docs/calibration.md is checked against.
//!
//! `cargo run --release --example calibrate -- [SCENARIO] [SEED]`

use cohesion::{Scenario, Seeds};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scenario = Scenario::load(args.get(1).map_or("baseline", |s| s.as_str()))
        .unwrap_or_else(|e| panic!("{e}"));
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    if let Ok(t) = std::env::var("THREADS") {
        cohesion::sim::init_threads(t.parse().ok());
    }
    let start = Instant::now();
    let out = cohesion::run::to_end(&scenario, Seeds::new(seed));
    let secs = start.elapsed().as_secs_f64();
    let metrics = [
        "share_trusting",
        "trust",
        "share_belonging",
        "belonging",
        "share_influence",
        "neighbour_contact",
        "participation",
        "participation_year",
        "isolated",
        "group_members",
        "council_trust",
        "mean_ties",
        "pubs_open",
        "venues_open",
    ];
    print!("year");
    for m in metrics {
        print!(" {:>8.8}", m);
    }
    println!();
    for year in 0..scenario.time.years {
        print!("{}", scenario.time.start_year + year as i32);
        for m in metrics {
            let series = out.observations.series(None, m);
            let in_year: Vec<f64> = series
                .iter()
                .filter(|(t, _)| t / 52 == year)
                .map(|(_, v)| *v)
                .collect();
            let value = if m == "participation_year" || m.ends_with("_open") {
                *in_year.last().unwrap_or(&f64::NAN)
            } else {
                in_year.iter().sum::<f64>() / in_year.len().max(1) as f64
            };
            print!(" {value:>8.3}");
        }
        println!();
    }
    let closes = out.events.iter().filter(|e| e.kind == "close").count();
    println!("closures: {closes}; {secs:.2} s");
}
