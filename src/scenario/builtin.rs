//! Scenarios compiled into the binary, so that `cohesion run NAME` works from anywhere.

/// A built-in scenario: its name, a one-line summary and its TOML text.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub summary: &'static str,
    pub toml: &'static str,
}

/// Every built-in scenario; the first is the default.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "baseline",
        summary: "The default former pit town, 2010-2024, with no intervention",
        toml: include_str!("../../scenarios/baseline.toml"),
    },
    Builtin {
        name: "austerity_2010",
        summary: "Nine years of council cuts from 2010, deepest where deprivation is highest",
        toml: include_str!("../../scenarios/austerity_2010.toml"),
    },
    Builtin {
        name: "social_infrastructure",
        summary: "Austerity, then a re-opened library, a community hub and grants from 2016",
        toml: include_str!("../../scenarios/social_infrastructure.toml"),
    },
    Builtin {
        name: "devolution_big_bang",
        summary: "Austerity, then powers, money and participatory budgeting at once in 2017",
        toml: include_str!("../../scenarios/devolution_big_bang.toml"),
    },
    Builtin {
        name: "devolution_money",
        summary: "Austerity, then in 2017 a devolved budget of £1m a year and nothing else",
        toml: include_str!("../../scenarios/devolution_money.toml"),
    },
    Builtin {
        name: "devolution_powers",
        summary: "Austerity, then in 2017 devolved powers (0.8) and nothing else",
        toml: include_str!("../../scenarios/devolution_powers.toml"),
    },
    Builtin {
        name: "devolution_openness",
        summary: "Austerity, then in 2017 an open council (0.7) and nothing else",
        toml: include_str!("../../scenarios/devolution_openness.toml"),
    },
    Builtin {
        name: "devolution_participatory",
        summary: "Austerity, then in 2017 participatory budgeting over a tenth of the discretionary budget",
        toml: include_str!("../../scenarios/devolution_participatory.toml"),
    },
    Builtin {
        name: "devolution_voice",
        summary: "Austerity, then in 2017 powers, openness and participatory budgeting without money",
        toml: include_str!("../../scenarios/devolution_voice.toml"),
    },
    Builtin {
        name: "devolution_fiscal",
        summary: "Austerity with half the budget out of reach of central cuts from 2010",
        toml: include_str!("../../scenarios/devolution_fiscal.toml"),
    },
    Builtin {
        name: "community_ownership",
        summary: "Austerity with a community right to bid from 2012",
        toml: include_str!("../../scenarios/community_ownership.toml"),
    },
    Builtin {
        name: "lockdown_2020",
        summary: "The baseline town through the lockdowns of 2020-21",
        toml: include_str!("../../scenarios/lockdown_2020.toml"),
    },
    Builtin {
        name: "jobs_shock",
        summary: "A local labour market: 500 jobs lost in 2012, the £20 Universal Credit uplift of 2020-21 and its removal",
        toml: include_str!("../../scenarios/jobs_shock.toml"),
    },
    Builtin {
        name: "citizens_assembly",
        summary: "A citizens' assembly in 2019 whose recommendations the council acts on",
        toml: include_str!("../../scenarios/citizens_assembly.toml"),
    },
    Builtin {
        name: "scale",
        summary: "One million residents (the town repeated as 84 pit towns) for one year: speed and memory",
        toml: include_str!("../../scenarios/scale.toml"),
    },
];

/// The built-in scenario called `name`.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    #[test]
    fn every_builtin_is_valid_and_named_as_listed() {
        for b in BUILTINS {
            let s = Scenario::load(b.name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(s.name, b.name);
            assert!(
                !s.description.trim().is_empty(),
                "{} has no description",
                b.name
            );
        }
    }

    #[test]
    fn scale_is_the_town_repeated_and_resolves_to_itself() {
        let base = Scenario::load("baseline").unwrap();
        let s = Scenario::load("scale").unwrap();
        assert_eq!(s.town.residents, 1_000_000);
        assert_eq!(s.town.copies, 1, "copies are expanded when read");
        assert_eq!(s.town.wards.len(), 84 * base.town.wards.len());
        assert_eq!(s.venues.pubs.count, 84 * base.venues.pubs.count);
        assert_eq!(s.groups.count, 84 * base.groups.count);
        assert_eq!(s.town.wards[7].name, "Pithead 2");
        assert_eq!(s.town.wards[7].deprivation, base.town.wards[1].deprivation);
        let dx = s.town.wards[7].centre_km[0] - base.town.wards[1].centre_km[0];
        assert_eq!(dx, crate::scenario::COPY_SPACING_KM);
        // The resolved form is a scenario of its own that reads back unchanged.
        let again = Scenario::from_toml(&s.to_toml(), "resolved").unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn copies_out_of_range_are_refused_by_key() {
        for bad in ["0", "1001"] {
            let text = format!("[town]\ncopies = {bad}\n");
            let e = Scenario::from_toml(&text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains("t.toml:2") && e.contains("town.copies"), "{e}");
        }
        // 200 copies of six wards make 1,200 wards, and four copies of a ward 95 km out reach
        // too far: both named by the key.
        let far = "[[town.wards]]\nname = \"Far\"\ndeprivation = 0.5\nhousing_share = 1.0\n\
                   centre_km = [95.0, 0.0]\nradius_km = 1.0\n";
        for (bad, why, wards) in [("200", "at most 1000", ""), ("4", "within 100 km", far)] {
            let text = format!("[town]\ncopies = {bad}\n{wards}");
            let e = Scenario::from_toml(&text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains("t.toml:2") && e.contains(why), "{e}");
        }
    }
}
