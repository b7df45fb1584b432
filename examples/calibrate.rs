//! Prints the calibration figures of a scenario, year by year: the first year's values are what
//! the calibration table of docs/calibration.md is checked against.
//!
//! `cargo run --release --example calibrate -- [SCENARIO] [SEED]`

use cohesion::metrics::{self, Metric};
use cohesion::scenario::WEEKS_PER_YEAR;
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
    // The calibration table's metrics, each looked up in the metrics table.
    let metrics: [&Metric; 14] = [
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
    ]
    .map(metrics::named);
    print!("year");
    for m in metrics {
        print!(" {:>8.8}", m.name);
    }
    println!();
    for year in 0..scenario.time.years {
        print!("{}", scenario.time.start_year + year as i32);
        for m in metrics {
            let series = out.observations.series(None, m.name);
            let in_year: Vec<f64> = series
                .iter()
                .filter(|(t, _)| t / WEEKS_PER_YEAR == year)
                .map(|(_, v)| *v)
                .collect();
            // A count of venues, and a share over the last year, are read at the year's end.
            let value = if m.name == "participation_year" || m.unit == "venues" {
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
