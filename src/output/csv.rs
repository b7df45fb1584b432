//! Tidy CSV: one observation per row, ready for R's `read.csv` or pandas' `read_csv`.

use crate::model::components::EventRecord;
use crate::observe::Observations;
use crate::scenario::WEEKS_PER_YEAR;
use std::fmt::Write;

/// A number as written in CSV: whole numbers without decimals, everything else with six.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.6}")
    }
}

/// Quotes a field if it needs it (RFC 4180).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `metrics.csv`: `tick,year,week,ward,metric,value`; `ward` is `all` for the whole town.
pub fn metrics(obs: &Observations, wards: &[String], start_year: i32) -> String {
    let mut out = String::with_capacity(obs.0.len() * 48);
    out.push_str("tick,year,week,ward,metric,value\n");
    for o in &obs.0 {
        let ward = o.ward.map_or("all", |w| wards[w as usize].as_str());
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            o.tick,
            start_year + (o.tick / WEEKS_PER_YEAR) as i32,
            o.tick % WEEKS_PER_YEAR + 1,
            field(ward),
            o.metric,
            number(o.value)
        );
    }
    out
}

/// `events.csv`: `tick,year,kind,venue,ward,detail`, in the order things happened.
pub fn events(events: &[EventRecord], wards: &[String], start_year: i32) -> String {
    let mut out = String::from("tick,year,kind,venue,ward,detail\n");
    for e in events {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            e.tick,
            start_year + (e.tick / WEEKS_PER_YEAR) as i32,
            e.kind,
            field(e.venue.as_deref().unwrap_or("")),
            field(e.ward.map_or("", |w| wards[w as usize].as_str())),
            field(&e.detail)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Observation;

    #[test]
    fn numbers_and_fields() {
        assert_eq!(number(14.0), "14");
        assert_eq!(number(0.5), "0.500000");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("plain"), "plain");
    }

    #[test]
    fn metrics_rows_carry_calendar_and_ward() {
        let obs = Observations(vec![
            Observation {
                tick: 53,
                ward: None,
                metric: "trust",
                value: 0.25,
            },
            Observation {
                tick: 53,
                ward: Some(1),
                metric: "trust",
                value: 0.5,
            },
        ]);
        let text = metrics(&obs, &["A".into(), "B".into()], 2010);
        assert_eq!(
            text,
            "tick,year,week,ward,metric,value\n53,2011,2,all,trust,0.250000\n53,2011,2,B,trust,0.500000\n"
        );
    }
}
