//! The classic models through the library and the real binary: published exact results, Mesa's
//! rules, the same bytes on 1 and 2 threads, bad input, and the rules shared with the town.

use crate::common::*;
use cohesion::classic::{self, ClassicError, granovetter, schelling};
use cohesion::model::rules::{move_toward, similarity};
use cohesion::rng::Seeds;

fn summary(model: &str, params: &[(&str, &str)]) -> serde_json::Value {
    let p: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    classic::run(model, &p, 42, None).expect("runs").summary
}

#[test]
fn granovetter_ladder_brings_out_everyone() {
    let s = summary("granovetter", &[("thresholds", "0..99")]);
    assert_eq!(s["joined"], 100);
}

#[test]
fn granovetter_raising_one_threshold_stops_the_riot() {
    let s = summary("granovetter", &[("thresholds", "0,2,2..99")]);
    assert_eq!(s["joined"], 1);
    // Raising the instigator instead stops everyone.
    let s = summary("granovetter", &[("thresholds", "1..100")]);
    assert_eq!(s["joined"], 0);
}

#[test]
fn deffuant_wide_confidence_reaches_consensus() {
    for seed in 0..5 {
        let r = classic::run("deffuant", &[("epsilon".into(), "0.5".into())], seed, None).unwrap();
        assert_eq!(r.summary["clusters"], 1, "seed {seed}: {}", r.summary);
        assert_eq!(r.summary["settled"], true);
    }
    // A narrow bound does not.
    let s = summary("deffuant", &[("epsilon", "0.1")]);
    assert!(s["major_clusters"].as_u64().unwrap() >= 3, "{s}");
}

#[test]
fn schelling_follows_mesas_rules() {
    // An agent with no neighbours is unhappy under Mesa's rules and happy under NetLogo's: a
    // lone agent on a 3×3 grid keeps moving under Mesa's and is settled at once under NetLogo's.
    let lone = |variant: &str, seed: u64| {
        let p: Vec<(String, String)> = [
            ("width", "3"),
            ("height", "3"),
            ("density", "0.2"),
            ("variant", variant),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        classic::run("schelling", &p, seed, Some(50)).unwrap()
    };
    let seed = (0..40)
        .find(|&s| lone("mesa", s).summary["agents"] == 1)
        .expect("some seed places exactly one agent");
    let mesa = lone("mesa", seed);
    assert_eq!(mesa.summary["happy_share"], 0.0);
    assert_eq!(mesa.steps, 50, "a lone agent keeps moving");
    assert_eq!(mesa.summary["moves"], 50, "and moves every step");
    let netlogo = lone("netlogo", seed);
    assert_eq!(netlogo.summary["happy_share"], 1.0);
    assert_eq!(netlogo.steps, 0);
    // Mesa's defaults: 20×20, not a torus; every run ends with everyone happy, most neighbours
    // similar, in a handful of steps (Mesa itself: 10.3 steps, 82.8% similar on average).
    let cfg = schelling::Config::mesa();
    assert!(!cfg.torus && cfg.width == 20 && cfg.homophily == 0.4);
    let mut shares = Vec::new();
    for seed in 0..20 {
        let mut m = schelling::Schelling::new(&cfg, Seeds::new(seed));
        classic::ClassicModel::run(&mut m, 1000);
        let s = m.summary();
        assert!(s.all_happy && s.steps < 40, "{s:?}");
        shares.push(s.similar_share);
    }
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!((mean - 0.828).abs() < 0.02, "mean similar share {mean}");
}

#[test]
fn bad_parameters_name_the_parameter_and_what_is_allowed() {
    let err = |model: &str, k: &str, v: &str| {
        classic::run(model, &[(k.into(), v.into())], 1, None).unwrap_err()
    };
    let e = err("hk", "eps", "0.2");
    assert!(matches!(e, ClassicError::UnknownParam { .. }));
    assert!(e.to_string().contains("--epsilon"), "{e}");
    let e = err("schelling", "density", "1.5");
    assert!(e.to_string().contains("--density 1.5") && e.to_string().contains("0 to 1"));
    let e = err("schelling", "torus", "yes");
    assert!(e.to_string().contains("true or false"), "{e}");
    let e = err("granovetter", "thresholds", "0,x");
    assert!(e.to_string().contains("`x` is not a number"), "{e}");
    let e = err("deffuant", "network", "lattice");
    assert!(e.to_string().contains("square number"), "{e}");
    let e = classic::run("nosuch", &[], 1, None).unwrap_err();
    assert!(e.to_string().contains("deffuant, hk, schelling"), "{e}");
}

#[test]
fn the_cli_exits_2_on_bad_input_and_prints_one_json_line() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cohesion(tmp.path(), &["classic", "schelling", "--homophily", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--homophily 2"), "{}", stderr(&o));
    let o = cohesion(tmp.path(), &["classic", "axelrod", "--features"]);
    assert_eq!(o.status.code(), Some(2));
    let o = cohesion(tmp.path(), &["classic", "axelrod", "--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["model"], "axelrod");
    assert_eq!(v["seed"], 3);
    assert_eq!(v["parameters"]["features"], 5);
    assert!(v["summary"]["regions"].as_u64().unwrap() >= 1);
    for key in ["setup_s", "run_s", "agent_steps_per_s"] {
        assert!(v[key].as_f64().unwrap() >= 0.0, "{key}");
    }
}

/// The JSON line without its timings.
fn without_timings(stdout: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    for key in ["setup_s", "run_s", "agent_steps_per_s"] {
        v.as_object_mut().unwrap().remove(key);
    }
    v
}

#[test]
fn every_model_gives_the_same_result_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let runs: [&[&str]; 6] = [
        &["deffuant", "--n", "400", "--epsilon", "0.15"],
        &[
            "deffuant",
            "--n",
            "400",
            "--network",
            "lattice",
            "--steps",
            "50",
        ],
        &["hk", "--n", "3000", "--epsilon", "0.12"],
        &[
            "schelling",
            "--variant",
            "netlogo",
            "--width",
            "30",
            "--height",
            "30",
            "--torus",
            "true",
        ],
        &[
            "granovetter",
            "--distribution",
            "normal",
            "--n",
            "5000",
            "--sd",
            "12",
        ],
        &["axelrod", "--features", "5", "--traits", "15"],
    ];
    for args in runs {
        let run = |threads: &str| {
            let mut all = vec!["classic"];
            all.extend_from_slice(args);
            all.extend_from_slice(&["--seed", "11", "--threads", threads]);
            let o = cohesion(tmp.path(), &all);
            assert!(o.status.success(), "{args:?}: {}", stderr(&o));
            without_timings(&o.stdout)
        };
        assert_eq!(
            run("1"),
            run("2"),
            "{args:?} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn the_shared_rules_are_the_towns() {
    // The town's similarity is the one Axelrod's model and the town's encounters use.
    let mut a = [0u8; cohesion::model::components::MAX_FEATURES];
    let mut b = a;
    a[..3].copy_from_slice(&[1, 2, 3]);
    b[..3].copy_from_slice(&[1, 2, 4]);
    assert_eq!(similarity(&a, &b, 3), 2.0 / 3.0);
    assert_eq!(
        cohesion::model::encounters::similarity(&a, &b, 3),
        similarity(&a, &b, 3),
        "encounters re-exports the shared rule"
    );
    // Deffuant's opinion step is belonging's partial adjustment.
    assert_eq!(move_toward(0.25, 0.75, 0.5), 0.5);
    // Granovetter's decision is the town's participation logit at its deterministic limit.
    assert!(granovetter::joins(5, 100, 5.0));
    assert!(!granovetter::joins(4, 100, 5.0));
}

#[test]
fn validate_refuses_a_non_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("v")).unwrap();
    std::fs::write(tmp.path().join("v/keep.txt"), "mine").unwrap();
    let o = cohesion(tmp.path(), &["validate", "--quick", "--out", "v"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("v/keep.txt")).unwrap(),
        "mine"
    );
}
