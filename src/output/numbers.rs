//! Numbers as a reader says them, shared by the charts (money on an axis), the sweep's tables
//! and the comparison's report (`crate::report::story`): money rounded or exact, whether a
//! parameter is money, and whole numbers with their thousands separated.

/// Money as a reader says it: "£3.0m", "£250k", "£900" (rounded; a minus sign when negative).
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let sign = if x < 0.0 { "−" } else { "" };
    let a = x.abs();
    if a >= 999_950.0 {
        format!("{sign}£{:.1}m", a / 1e6)
    } else if a >= 10_000.0 {
        format!("{sign}£{:.0}k", a / 1e3)
    } else {
        format!("{sign}£{:.0}", a)
    }
}

/// Money to the precision it was given, for axes and levels: "£3.0m", "£3.25m", "£250k",
/// "£2,800" (at most three decimals of a million, one of a thousand; whole pounds below ten
/// thousand).
pub fn money_exact(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let sign = if x < 0.0 { "−" } else { "" };
    let a = x.abs();
    // The fewest decimals (from `least` to `most`) that show `v` as it is.
    let fewest = |v: f64, least: usize, most: usize| {
        (least..=most)
            .find(|&d| {
                let p = 10f64.powi(d as i32);
                ((v * p).round() / p - v).abs() < 1e-9 * v.max(1.0)
            })
            .unwrap_or(most)
    };
    if a >= 1e6 {
        let m = a / 1e6;
        format!("{sign}£{:.*}m", fewest(m, 1, 3), m)
    } else if a >= 10_000.0 {
        let k = a / 1e3;
        format!("{sign}£{:.*}k", fewest(k, 0, 1), k)
    } else {
        format!("{sign}£{}", thousands(a))
    }
}

/// Whether a parameter, by its dotted key, is an amount of money: its last name ends in `_gbp`
/// (but not `_per_gbp`) or is or ends in `gbp_per_year`, as every money key of the schema does
/// (`council.yearly_budget_gbp`, `events.fund_groups.gbp_per_year`); `cost_weight_per_gbp` is
/// a weight per pound, not money.
pub fn is_money_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    (last.ends_with("_gbp") && !last.ends_with("_per_gbp"))
        || last == "gbp_per_year"
        || last.ends_with("_gbp_per_year")
}

/// A whole number with thousands separated by commas ("10,065").
pub fn thousands(x: f64) -> String {
    let digits = format!("{}", x.round().abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("−{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_in_millions_and_thousands() {
        assert_eq!(money(3_000_000.0), "£3.0m");
        assert_eq!(money(4_260_000.0), "£4.3m");
        assert_eq!(money(250_000.0), "£250k");
        assert_eq!(money(900.0), "£900");
        assert_eq!(money(-1_500_000.0), "−£1.5m");
        assert_eq!(thousands(10065.0), "10,065");
        assert_eq!(money_exact(3_000_000.0), "£3.0m");
        assert_eq!(money_exact(3_250_000.0), "£3.25m");
        assert_eq!(money_exact(9_000_000.0), "£9.0m");
        assert_eq!(money_exact(250_000.0), "£250k");
        assert_eq!(money_exact(12_500.0), "£12.5k");
        assert_eq!(money_exact(2_800.0), "£2,800");
        assert!(is_money_key("council.yearly_budget_gbp"));
        assert!(is_money_key("events.fund_groups.gbp_per_year"));
        assert!(is_money_key("events.devolution.budget_gbp_per_year"));
        assert!(is_money_key("venues.pub.weekly_cost_gbp"));
        assert!(!is_money_key("outings.cost_weight_per_gbp"));
        assert!(!is_money_key("council.openness"));
    }
}
