//! Parameter sweeps end to end, through the real binary: the same merged bytes however the work
//! is split, resuming after a kill, seeds that are unique and reproducible with `cohesion run`,
//! Morris screening, and bad sweep files refused with nothing written.

use crate::common::{bin, cohesion, stderr};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The project's own small sweep (a 2 × 3 grid, 2 replicates, 400 residents, 3 years).
const SMOKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps/smoke.toml");

/// A sweep of slower runs (2,500 residents), so that a kill lands part-way.
const SLOW: &str = r#"
name = "slow"
base = "baseline"
replicates = 4
seed = 99

[set]
"town.residents" = 1500
"time.years" = 3
"time.warmup_weeks" = 10

[[axis]]
param = "council.openness"
values = [0.2, 0.4, 0.6]

[[metric]]
name = "belonging"
summary = "final"

[[metric]]
name = "trust"
summary = "mean"
years = [2010, 2012]
"#;

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "cohesion failed: {}", stderr(out));
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files that must not depend on how a sweep was run.
fn merged(dir: &Path) -> [String; 2] {
    [
        read(&dir.join("results.csv")),
        read(&dir.join("summary.csv")),
    ]
}

#[test]
fn threads_and_shards_merge_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let one = t.join("one");
    let two = t.join("two");
    let sharded = t.join("sharded");
    ok(&cohesion(
        t,
        &[
            "sweep",
            SMOKE,
            "--out",
            one.to_str().unwrap(),
            "--threads",
            "1",
        ],
    ));
    ok(&cohesion(
        t,
        &[
            "sweep",
            SMOKE,
            "--out",
            two.to_str().unwrap(),
            "--threads",
            "2",
        ],
    ));
    for i in 0..3 {
        let shard = format!("{i}/3");
        let out = cohesion(
            t,
            &[
                "sweep",
                SMOKE,
                "--out",
                sharded.to_str().unwrap(),
                "--shard",
                &shard,
            ],
        );
        ok(&out);
        assert!(
            !sharded.join("results.csv").exists(),
            "a shard alone does not merge"
        );
    }
    ok(&cohesion(t, &["merge", sharded.to_str().unwrap()]));
    let reference = merged(&one);
    assert_eq!(merged(&two), reference);
    assert_eq!(merged(&sharded), reference);
    assert_eq!(
        read(&one.join("manifest.json")),
        read(&sharded.join("manifest.json"))
    );

    // 6 points × 2 replicates, one row each, every seed different.
    let rows: Vec<Vec<String>> = reference[0]
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 12);
    let seeds: BTreeSet<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(seeds.len(), 12, "no two runs share a seed");
    let header = reference[0].lines().next().unwrap();
    assert_eq!(
        header,
        "point,council.openness,council.yearly_budget_gbp,replicate,seed,belonging_final,agency_2011_2012,venues_open_2011"
    );

    // Charts: each axis against each metric, and a heatmap per metric for the two-axis grid.
    for name in [
        "belonging_final_by_council-openness.png",
        "agency_2011_2012_by_council-yearly_budget_gbp.svg",
        "belonging_final_heatmap.png",
    ] {
        assert!(one.join("charts").join(name).is_file(), "charts/{name}");
    }
}

#[test]
fn a_run_of_a_sweep_is_reproduced_by_cohesion_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = t.join("sweep");
    ok(&cohesion(
        t,
        &[
            "sweep",
            SMOKE,
            "--out",
            dir.to_str().unwrap(),
            "--keep-series",
        ],
    ));
    let results = read(&dir.join("results.csv"));
    let header: Vec<&str> = results.lines().next().unwrap().split(',').collect();
    // The last run: point p0005, replicate 1.
    let row: Vec<&str> = results.lines().last().unwrap().split(',').collect();
    let (point, seed) = (row[0], row[4]);
    let out = cohesion(
        t,
        &[
            "run",
            dir.join("points")
                .join(format!("{point}.toml"))
                .to_str()
                .unwrap(),
            "--seed",
            seed,
            "--summarise",
            dir.join("sweep.toml").to_str().unwrap(),
            "--out",
            t.join("again").to_str().unwrap(),
        ],
    );
    ok(&out);
    let summary = read(&t.join("again").join("summary.csv"));
    let mut lines = summary.lines();
    assert_eq!(lines.next(), Some("metric,value"));
    let mut compared = 0;
    for line in lines {
        let (metric, value) = line.split_once(',').unwrap();
        let column = header.iter().position(|h| *h == metric).unwrap();
        assert_eq!(row[column], value, "{metric} of {point} with seed {seed}");
        compared += 1;
    }
    assert_eq!(compared, 3);

    // --keep-series kept the run's weekly town series: the town rows of its metrics.csv.
    let series = read(&dir.join("series").join(format!("{point}-r01.csv")));
    let again = read(&t.join("again").join("metrics.csv"));
    let town: Vec<&str> = again
        .lines()
        .filter(|l| l.starts_with("tick") || l.split(',').nth(3) == Some("all"))
        .collect();
    assert!(town.len() > 100);
    assert_eq!(series.lines().collect::<Vec<_>>(), town);
}

#[test]
fn a_killed_sweep_resumes_to_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("slow.toml"), SLOW).unwrap();
    let whole = t.join("whole");
    ok(&cohesion(
        t,
        &[
            "sweep",
            "slow.toml",
            "--out",
            whole.to_str().unwrap(),
            "--threads",
            "2",
        ],
    ));

    let killed = t.join("killed");
    let mut child = Command::new(bin())
        .args([
            "sweep",
            "slow.toml",
            "--out",
            killed.to_str().unwrap(),
            "--threads",
            "2",
        ])
        .current_dir(t)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let runs = killed.join("runs");
    let finished = |dir: &Path| {
        fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while finished(&runs) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(still_running, "the sweep ended before it could be killed");
    let done_before = finished(&runs);
    assert!(
        (2..12).contains(&done_before),
        "{done_before} runs had finished"
    );
    assert!(!killed.join("results.csv").exists());
    let out = cohesion(t, &["merge", killed.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unfinished sweep does not merge"
    );
    assert!(
        stderr(&out).contains("runs are missing"),
        "{}",
        stderr(&out)
    );

    let out = cohesion(
        t,
        &["sweep", "slow.toml", "--out", killed.to_str().unwrap()],
    );
    ok(&out);
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{} to do of 12", 12 - done_before)),
        "finished runs are kept: {}",
        stderr(&out)
    );
    assert_eq!(merged(&killed), merged(&whole));
    assert_eq!(finished(&runs), 12, "no duplicated or lost run");
}

#[test]
fn merge_lists_missing_and_duplicated_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = t.join("s");
    ok(&cohesion(
        t,
        &["sweep", SMOKE, "--out", dir.to_str().unwrap()],
    ));
    let complete = merged(&dir);
    let runs = dir.join("runs");
    fs::rename(runs.join("p0002-r01.json"), t.join("aside.json")).unwrap();
    fs::copy(
        runs.join("p0003-r00.json"),
        runs.join("p0003-r00 copy.json"),
    )
    .unwrap();
    let out = cohesion(t, &["merge", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("1 of 12 runs are missing: p0002-r01"), "{err}");
    assert!(err.contains("duplicates"), "{err}");
    assert_eq!(merged(&dir), complete, "a refused merge writes nothing");

    let out = cohesion(t, &["merge", dir.to_str().unwrap(), "--allow-partial"]);
    ok(&out);
    assert_eq!(read(&dir.join("results.csv")).lines().count(), 1 + 11);

    fs::remove_file(runs.join("p0003-r00 copy.json")).unwrap();
    fs::rename(t.join("aside.json"), runs.join("p0002-r01.json")).unwrap();
    ok(&cohesion(t, &["merge", dir.to_str().unwrap()]));
    assert_eq!(merged(&dir), complete);
}

#[test]
fn morris_screening_ranks_a_parameter_that_matters_above_one_that_cannot() {
    // The belonging threshold only decides who counts as "belonging"; the intercept moves
    // everyone's belonging.
    let text = r#"
name = "screen"
base = "baseline"
replicates = 1
seed = 3
[set]
"town.residents" = 400
"time.years" = 2
"time.warmup_weeks" = 8
[morris]
trajectories = 4
levels = 4
[[axis]]
param = "belonging.belonging_threshold"
bounds = [0.3, 0.7]
[[axis]]
param = "belonging.intercept"
bounds = [-2.5, -0.5]
[[metric]]
name = "belonging"
summary = "final"
[[metric]]
name = "share_belonging"
summary = "final"
"#;
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("screen.toml"), text).unwrap();
    let dir = t.join("out");
    let out = cohesion(t, &["sweep", "screen.toml", "--out", dir.to_str().unwrap()]);
    ok(&out);
    let s = read(&dir.join("sensitivity.csv"));
    let mut lines = s.lines();
    assert_eq!(
        lines.next(),
        Some("metric,param,rank,mu_star,mu,sigma,effects")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "2 parameters × 2 metrics");
    let first = rows
        .iter()
        .find(|r| r[0] == "belonging_final" && r[2] == "1")
        .unwrap();
    assert_eq!(first[1], "belonging.intercept");
    assert_eq!(first[6], "4", "one elementary effect per trajectory");
    assert!(dir.join("charts/sensitivity_belonging_final.png").is_file());
}

/// Runs `cohesion sweep` on `text` into a fresh `out/` and returns its stderr, checking exit
/// code 2 and that nothing was written.
fn refused(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("bad.toml"), text).unwrap();
    let out = cohesion(t, &["sweep", "bad.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!t.join("out").exists(), "a refused sweep wrote out/");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn bad_sweep_files_are_refused_naming_file_line_and_key() {
    let smoke = read(Path::new(SMOKE));
    let err = refused(&smoke.replace("council.openness", "council.opennes"));
    assert!(
        err.contains("bad.toml:") && err.contains("axis[0].param"),
        "{err}"
    );
    assert!(
        err.contains("did you mean") && err.contains("`openness`"),
        "{err}"
    );
    let err = refused(&smoke.replace("[0.2, 0.6]", "[]"));
    assert!(
        err.contains("axis[0].values") && err.contains("empty axis"),
        "{err}"
    );
    let err = refused(&smoke.replace(
        "values = [0.2, 0.6]",
        "bounds = [0.6, 0.2]\n[lhs]\npoints = 3",
    ));
    assert!(err.contains("bounds reversed"), "{err}");
    let err = refused(&smoke.replace("replicates = 2", "replicates = 0"));
    let line = 1 + smoke
        .lines()
        .position(|l| l.starts_with("replicates"))
        .unwrap();
    assert!(
        err.contains(&format!("bad.toml:{line}: key `replicates`")),
        "{err}"
    );
    let lhs = smoke.replace("values = [0.2, 0.6]", "bounds = [0.2, 0.6]");
    let err = refused(&format!("{lhs}\n[lhs]\npoints = 0\n"));
    assert!(err.contains("lhs.points"), "{err}");
    let err = refused(&smoke.replace("[0.2, 0.6]", "[0.2, 1.6]"));
    assert!(
        err.contains("axis[0].values") && err.contains("1.6"),
        "{err}"
    );
    let err = refused(&smoke.replace("year = 2011", "year = 2030"));
    assert!(
        err.contains("metric[2].year") && err.contains("outside"),
        "{err}"
    );
    let err = refused(&smoke.replace("name = \"agency\"", "name = \"happiness\""));
    assert!(err.contains("unknown metric"), "{err}");
}

#[test]
fn a_changed_sweep_file_is_refused_over_an_existing_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let text = read(Path::new(SMOKE));
    fs::write(t.join("s.toml"), &text).unwrap();
    ok(&cohesion(t, &["sweep", "s.toml", "--out", "out"]));
    let before = merged(&t.join("out"));
    fs::write(t.join("s.toml"), text.replace("[0.2, 0.6]", "[0.2, 0.7]")).unwrap();
    let out = cohesion(t, &["sweep", "s.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("axis[0].values: [0.2,0.6] → [0.2,0.7]"),
        "{err}"
    );
    assert_eq!(merged(&t.join("out")), before, "nothing was touched");
    // --force starts afresh.
    ok(&cohesion(
        t,
        &["sweep", "s.toml", "--out", "out", "--force"],
    ));
    assert!(read(&t.join("out/results.csv")).contains(",0.7,"));
}

#[test]
fn slurm_mode_writes_a_job_array_that_resubmits_by_task() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = cohesion(
        t,
        &[
            "sweep",
            SMOKE,
            "--out",
            "s",
            "--slurm",
            "--runs-per-task",
            "3",
            "--time",
            "0:10:00",
        ],
    );
    ok(&out);
    let sbatch = read(&t.join("s/sweep.sbatch"));
    assert!(
        sbatch.contains("#SBATCH --array=0-3"),
        "12 runs in tasks of 3: {sbatch}"
    );
    assert!(sbatch.contains("#SBATCH --time=0:10:00"));
    assert!(sbatch.contains("--runs-per-task 3"));
    assert!(
        !t.join("s/runs").read_dir().unwrap().any(|_| true),
        "nothing ran yet"
    );

    // A task of the array (here, task 2 run by hand with Slurm's variables) does its share:
    // runs 2, 6 and 10 of 12.
    let task = Command::new(bin())
        .args(["sweep", SMOKE, "--out", "s", "--runs-per-task", "3"])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "1") // as when the task is resubmitted alone
        .current_dir(t)
        .output()
        .unwrap();
    ok(&task);
    let mut done: Vec<String> = fs::read_dir(t.join("s/runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    done.sort();
    assert_eq!(done, ["p0000-r01.json", "p0002-r00.json", "p0004-r01.json"]);
    let bad = cohesion(
        t,
        &[
            "sweep",
            SMOKE,
            "--out",
            "s",
            "--slurm",
            "--partition",
            "a b",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
}
