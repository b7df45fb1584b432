//! A run asked for by the seminar page (`POST /api/run`): its JSON, the scenario it makes, and
//! the limits that keep one browser from exhausting the machine.
//!
//! The request names a built-in scenario, may replace its interventions (`events`, the same
//! tables as a scenario file's `[[events]]`), and may set parameters by the dotted names that
//! `cohesion params` and sweep files use (`"council.openness": 0.5`). The server writes that as a
//! scenario file and reads it back with [`Scenario::from_toml`], the path every scenario file
//! takes, so a bad value is refused with the same key and message as on the command line, the
//! file being called `request`. Only built-in names are accepted: the client never names a file.
//!
//! A request may also fork its run ("pause in 2015, pull a lever"): with `"branch": {"at": 2015,
//! "events": [...]}` the run the rest of the request describes is paused at the start of 2015
//! and goes on with those interventions added, beside the same run going on unchanged. The
//! branch is made from the run exactly as `cohesion compare RUN.toml CHANGES.toml --branch-at
//! 2015` makes it from a changes file ([`crate::scenario::changes::apply`]), and that changes
//! file is what the server offers for download, so a fork made on the page reproduces on the
//! command line. Only interventions can be added at a fork: the town and years are the run's.
//!
//! Architecture invariant: bad input becomes an [`ApiError`] with a 4xx status, never a panic.

use crate::Scenario;
use crate::scenario::{Intervention, ScenarioError, VenueKind, builtin, hex};
use crate::sweep::plan::{Level, set};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The most residents one run may have.
pub const MAX_RESIDENTS: u32 = 50_000;
/// The most replicates one request may ask for.
pub const MAX_REPLICATES: u32 = 8;
/// The most simulated years.
pub const MAX_YEARS: u32 = 30;
/// The most venues a run may have in all: those built at the start and those interventions
/// open. (The default town has 28 for 12,000 residents.)
pub const MAX_VENUES: u64 = 2_000;
/// The most community groups at the start. (The default town has 20.)
pub const MAX_GROUPS: u32 = 2_000;
/// The most wards (`town.copies` in a built-in repeats its wards).
pub const MAX_WARDS: usize = 100;
/// The most interventions one request may list.
pub const MAX_EVENTS: usize = 50;
/// The most work one request may cost, in resident-weeks of the default town: about a minute
/// of a two-core machine's time. [`Work`] says how a request's work is counted.
pub const MAX_WORK: f64 = 150e6;
/// The largest request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The seed used when a request gives none.
pub const DEFAULT_SEED: u64 = 42;
/// How errors name the request, as a file would be named.
pub const ORIGIN: &str = "request";

/// A request refused: the HTTP status and one line saying what was wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// The offending key, when there is one.
    pub key: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            key: None,
        }
    }

    /// A scenario that cannot be used: 422, with the key and message the CLI would give.
    fn scenario(mut e: ScenarioError) -> ApiError {
        // The text was written by the server, so its line numbers would mean nothing.
        e.line = None;
        ApiError {
            status: 422,
            message: e.to_string(),
            key: e.key,
        }
    }

    fn at_key(status: u16, key: &str, message: String) -> ApiError {
        ApiError::scenario(ScenarioError::at_key(ORIGIN, None, key, message)).with_status(status)
    }

    fn with_status(mut self, status: u16) -> ApiError {
        self.status = status;
        self
    }

    /// `{"error": ..., "key": ...}`.
    pub fn json(&self) -> Value {
        let mut v = serde_json::json!({ "error": self.message });
        if let Some(key) = &self.key {
            v["key"] = Value::String(key.clone());
        }
        v
    }
}

/// The request body as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    scenario: String,
    #[serde(default)]
    set: serde_json::Map<String, Value>,
    #[serde(default)]
    events: Option<Vec<Value>>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "one")]
    replicates: u32,
    /// Whether a change of `town.residents` scales the built-in's venue and group counts (and
    /// the council's budget) with it ([`Scenario::scale_counts`]); `false` keeps them as built.
    #[serde(default = "yes")]
    scale_with_residents: bool,
    /// A fork of the run the rest of the request describes.
    #[serde(default)]
    branch: Option<BranchBody>,
}

/// `"branch"` as sent: the year the run is paused at and the interventions added from then.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BranchBody {
    at: i32,
    #[serde(default)]
    events: Vec<Value>,
}

fn yes() -> bool {
    true
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}

fn one() -> u32 {
    1
}

/// A checked request, ready to run.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The built-in it started from.
    pub base: String,
    /// The scenario to run, fully resolved. It keeps the built-in's name when nothing was
    /// changed, and is called `<built-in>-<6 hex digits>` (a digest of the change) otherwise.
    pub scenario: Scenario,
    pub seed: u64,
    pub replicates: u32,
    /// What differs from the built-in, in short phrases ("austerity cut_per_year 0.035 → 0.05").
    pub changes: Vec<String>,
    /// The request as sent, for the page to show and resend.
    pub echo: Value,
    /// With a fork, the run it was forked from; `scenario` is then the branch and `changes`
    /// what the branch adds.
    pub fork: Option<Fork>,
}

/// A run paused at the start of a year and gone on under changed levers, beside the same run
/// going on unchanged: replicate `r` of each shares replicate `r`'s past up to the fork.
#[derive(Clone, Debug)]
pub struct Fork {
    /// The year the run is paused at: the branch goes its own way from its first week.
    pub at: i32,
    /// The run forked from, as the rest of the request describes it.
    pub parent: Scenario,
    /// What the parent changed from the built-in, as [`Prepared::changes`] says it.
    pub parent_changes: Vec<String>,
    /// The changes file that makes the branch from the parent, as `cohesion compare PARENT.toml
    /// CHANGES.toml --branch-at AT` reads it.
    pub changes_toml: String,
}

impl Prepared {
    /// A label for the page: the built-in and what was changed; for a fork, what the branch
    /// adds, the year and the run it was forked from.
    pub fn label(&self) -> String {
        match &self.fork {
            None => label(&self.base, &self.changes),
            Some(f) => format!(
                "forked in {}: {} — from {}",
                f.at,
                shown(&self.changes),
                label(&self.base, &f.parent_changes)
            ),
        }
    }

    /// The scenario file's name when downloaded: for a fork, the run it was forked from.
    pub fn file_name(&self) -> String {
        match &self.fork {
            None => format!("{}.toml", self.scenario.name),
            Some(f) => format!("{}.toml", f.parent.name),
        }
    }

    /// A fork's changes file's name when downloaded.
    pub fn changes_file_name(&self) -> String {
        format!(
            "{}.toml",
            crate::report::scenario_file_stem(&self.scenario.name)
        )
    }

    /// The command line that reproduces the run from the downloaded scenario file (and, for a
    /// fork, the downloaded changes file).
    pub fn command(&self) -> String {
        if let Some(f) = &self.fork {
            return format!(
                "cohesion compare {} {} --branch-at {} --replicates {} --seed {}",
                self.file_name(),
                self.changes_file_name(),
                f.at,
                self.replicates,
                self.seed
            );
        }
        if self.replicates == 1 {
            format!("cohesion run {} --seed {}", self.file_name(), self.seed)
        } else {
            format!(
                "cohesion compare {} --replicates {} --seed {}",
                self.file_name(),
                self.replicates,
                self.seed
            )
        }
    }
}

/// "built-in: change; change; and 2 more", or "built-in (as built)".
fn label(base: &str, changes: &[String]) -> String {
    if changes.is_empty() {
        format!("{base} (as built)")
    } else {
        format!("{base}: {}", shown(changes))
    }
}

/// The first few changes, and how many more there are.
fn shown(changes: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut parts: Vec<String> = changes.iter().take(SHOWN).cloned().collect();
    if changes.len() > SHOWN {
        parts.push(format!("and {} more", changes.len() - SHOWN));
    }
    parts.join("; ")
}

/// Reads and checks a request body.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, ApiError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            413,
            format!("the request is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    let echo: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            400,
            format!("{ORIGIN}: malformed JSON: {e} (send one JSON object)"),
        )
    })?;
    if !echo.is_object() {
        return Err(ApiError::new(
            400,
            format!("{ORIGIN}: send one JSON object, such as {{\"scenario\": \"baseline\"}}"),
        ));
    }
    let body: Body = serde_json::from_value(echo.clone()).map_err(|e| {
        let message = e.to_string();
        let key = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        ApiError {
            status: 400,
            message: format!("{ORIGIN}: {message}"),
            key,
        }
    })?;

    let Some(b) = builtin(&body.scenario) else {
        let names: Vec<&str> = crate::scenario::BUILTINS.iter().map(|b| b.name).collect();
        return Err(ApiError::at_key(
            422,
            "scenario",
            format!(
                "no built-in scenario is called `{}` (built-ins: {})",
                body.scenario,
                names.join(", ")
            ),
        ));
    };
    let base = Scenario::from_toml(b.toml, &format!("built-in scenario `{}`", b.name))
        .map_err(|e| ApiError::new(500, e.to_string()))?;
    // A town of another size starts from the built-in's counts scaled to it, so that a small
    // town has a small town's pubs; counts the request sets itself are then set as given.
    let mut start = base.clone();
    if body.scale_with_residents
        && let Some(residents) = body.set.get("town.residents").and_then(Value::as_u64)
        && let Ok(residents) = u32::try_from(residents)
        && residents > 0
        && residents != base.town.residents
    {
        start.town.residents = residents;
        start.town.counts_for_residents = base.town.residents;
        start.scale_counts();
    }
    let mut tree: toml::Table = start
        .to_toml()
        .parse()
        .map_err(|e| ApiError::new(500, format!("{e}")))?;

    if let Some(events) = &body.events {
        let mut list = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            let key = format!("events[{i}]");
            if !e.is_object() {
                return Err(ApiError::at_key(
                    422,
                    &key,
                    "an event is a table such as {\"kind\": \"austerity\", ...}".into(),
                ));
            }
            list.push(toml_of(e).map_err(|m| ApiError::at_key(422, &key, m))?);
        }
        tree.insert("events".into(), toml::Value::Array(list));
    }
    for (path, value) in &body.set {
        let key = format!("set.{path}");
        let level = match value {
            Value::Bool(b) => Level::Bool(*b),
            Value::Number(n) => match n.as_f64() {
                Some(x) if x.is_finite() => Level::Num(x),
                _ => return Err(ApiError::at_key(422, &key, format!("{n} is not a number"))),
            },
            other => {
                return Err(ApiError::at_key(
                    422,
                    &key,
                    format!("takes a number or true/false, not {other}"),
                ));
            }
        };
        set(&mut tree, path, level, true).map_err(|m| ApiError::at_key(422, &key, m))?;
    }
    let text = toml::to_string(&tree).map_err(|e| ApiError::new(422, format!("{ORIGIN}: {e}")))?;
    let mut scenario = Scenario::from_toml(&text, ORIGIN).map_err(ApiError::scenario)?;

    check_limits(&scenario, body.replicates)?;
    let mut changes = changes(&start, &scenario);
    if start.town.residents != base.town.residents {
        changes.insert(
            0,
            format!(
                "residents {} → {} (venues, groups and council budget scaled)",
                base.town.residents, start.town.residents
            ),
        );
    }
    if !changes.is_empty() {
        let digest = hex(&Sha256::digest(scenario.to_toml().as_bytes()));
        scenario.name = format!("{}-{}", base.name, &digest[..6]);
        scenario.description = format!(
            "{}\n\nMade on the seminar page from the built-in `{}`, changed: {}.",
            base.description.trim_end(),
            base.name,
            changes.join("; ")
        );
    }
    let Some(branch) = &body.branch else {
        return Ok(Prepared {
            base: base.name,
            scenario,
            seed: body.seed,
            replicates: body.replicates,
            changes,
            echo,
            fork: None,
        });
    };
    let (fork, branch) = fork(scenario, changes, branch, body.replicates)?;
    Ok(Prepared {
        base: base.name,
        changes: self::changes(&fork.parent, &branch),
        scenario: branch,
        seed: body.seed,
        replicates: body.replicates,
        echo,
        fork: Some(fork),
    })
}

/// The fork `branch` asks for of the run `parent`: the fork, and the branch's scenario, made
/// from the parent and a changes file as `cohesion compare --branch-at` makes it. Errors name
/// the key under `branch`.
fn fork(
    parent: Scenario,
    parent_changes: Vec<String>,
    branch: &BranchBody,
    replicates: u32,
) -> Result<(Fork, Scenario), ApiError> {
    let at = branch.at;
    let (lo, hi) = (
        parent.time.start_year,
        parent.time.start_year + parent.time.years as i32 - 1,
    );
    if at < lo || at > hi {
        return Err(ApiError::at_key(
            422,
            "branch.at",
            format!(
                "{at} is outside the run's years {lo}–{hi}: a run is paused at the start of one \
                 of its own years"
            ),
        ));
    }
    if branch.events.is_empty() {
        return Err(ApiError::at_key(
            422,
            "branch.events",
            format!(
                "a fork pulls at least one lever: give the interventions that happen from {at} \
                 on, such as {{\"kind\": \"invest\", \"year\": {at}, ...}}"
            ),
        ));
    }
    let mut list = Vec::with_capacity(branch.events.len());
    for (i, e) in branch.events.iter().enumerate() {
        let key = format!("branch.events[{i}]");
        if !e.is_object() {
            return Err(ApiError::at_key(
                422,
                &key,
                "an event is a table such as {\"kind\": \"invest\", ...}".into(),
            ));
        }
        list.push(toml_of(e).map_err(|m| ApiError::at_key(422, &key, m))?);
    }
    let mut events = toml::Table::new();
    events.insert("events".into(), toml::Value::Array(list));
    let events =
        toml::to_string(&events).map_err(|e| ApiError::new(422, format!("{ORIGIN}: {e}")))?;
    // Named by what it is forked from, where, and a digest of what it adds.
    let digest = hex(&Sha256::digest(
        format!("{}\n{at}\n{events}", parent.to_toml()).as_bytes(),
    ));
    let name = format!("{}+fork{at}-{}", parent.name, &digest[..6]);
    let changes_toml = format!(
        "# The levers pulled when `{}` was paused at the start of {at}; run with\n\
         # cohesion compare {}.toml THIS_FILE --branch-at {at}\nname = \"{name}\"\n\n{events}",
        parent.name, parent.name
    );
    let scenario = crate::scenario::changes::apply(&parent, &changes_toml, ORIGIN, at, &name)
        .map_err(|mut e| {
            e.key = e.key.map(|k| format!("branch.{k}"));
            ApiError::scenario(e)
        })?;
    check_limits(&scenario, replicates).map_err(|e| branch_key(e, parent.events.len()))?;
    // Both futures are run, each from the start.
    let work = Work::of(&parent, replicates).total() + Work::of(&scenario, replicates).total();
    if work > MAX_WORK {
        return Err(ApiError::at_key(
            422,
            "branch",
            format!(
                "a fork runs the town twice, unchanged and forked: {} million resident-weeks \
                 is more work than this server takes on at once (at most {} million); use \
                 fewer residents, years or replicates",
                (work / 1e6).round(),
                MAX_WORK / 1e6
            ),
        ));
    }
    Ok((
        Fork {
            at,
            parent,
            parent_changes,
            changes_toml,
        },
        scenario,
    ))
}

/// A limit's error about a branch, its key moved from the branch's whole list of events to the
/// events the request adds (`events[5]` of a parent with 4 is `branch.events[1]`).
fn branch_key(mut e: ApiError, inherited: usize) -> ApiError {
    let Some(old) = e.key.clone() else {
        return e;
    };
    let new = match crate::scenario::path::renumber_event(&old, inherited) {
        Some(own) => format!("branch.{own}"),
        None if old == "events" => "branch.events".to_string(),
        None => return e,
    };
    e.message = e.message.replace(&format!("`{old}`"), &format!("`{new}`"));
    e.key = Some(new);
    e
}

/// What a run costs, counted before it is queued, in resident-weeks of the default town:
///
/// ```text
/// replicates × ( weeks × (residents × busyness + venues + groups) + events × residents )
/// ```
///
/// where `weeks` counts the warm-up too, `venues` are those built at the start plus those
/// interventions open, and `busyness` is √(max(2, outings a week × encounters per visit at
/// capacity) / 2), 1 for the default town. Measured on 20,000 residents over two years: a
/// venue-week costs about a resident-week (50 residents with 40,000 parks: 1.3 s for 52
/// weeks), a group-week a tenth of one, an intervention about a third of a week of the town
/// (counted as a whole week); and a resident-week costs 1.5× at 6 outings a week, 2× at 20,
/// 2× at 10 encounters a visit, 7× at 50, 22× at 20 outings and 50 encounters — each at most
/// `busyness`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    pub replicates: u32,
    /// Warm-up and recorded weeks.
    pub weeks: u32,
    pub residents: u32,
    pub busyness: f64,
    /// Built at the start plus opened by interventions.
    pub venues: u64,
    pub groups: u32,
    pub events: usize,
}

impl Work {
    pub fn of(s: &Scenario, replicates: u32) -> Work {
        let built: u64 = VenueKind::ALL
            .iter()
            .map(|k| u64::from(s.venues.spec(*k).count))
            .sum();
        let busy = s.residents.outings_per_week * s.encounters.per_visit_at_capacity;
        Work {
            replicates,
            weeks: s.time.warmup_weeks.saturating_add(s.ticks()),
            residents: s.town.residents,
            busyness: (busy.max(2.0) / 2.0).sqrt(),
            venues: built.saturating_add(invested(s)),
            groups: s.groups.count,
            events: s.events.len(),
        }
    }

    /// The total, in resident-weeks of the default town.
    pub fn total(&self) -> f64 {
        let residents = f64::from(self.residents);
        let per_week = residents * self.busyness + self.venues as f64 + f64::from(self.groups);
        f64::from(self.replicates)
            * (f64::from(self.weeks) * per_week + self.events as f64 * residents)
    }
}

/// Venues opened by the scenario's interventions.
fn invested(s: &Scenario) -> u64 {
    s.events
        .iter()
        .map(|e| match e {
            Intervention::Invest(e) => u64::from(e.count),
            _ => 0,
        })
        .fold(0, u64::saturating_add)
}

/// The server's own limits, beyond the scenario's allowed ranges, each refused with the key
/// to change; then the work of the whole request ([`Work`]) against [`MAX_WORK`].
pub fn check_limits(s: &Scenario, replicates: u32) -> Result<(), ApiError> {
    let over = |key: &str, message: String| Err(ApiError::at_key(422, key, message));
    if s.town.residents > MAX_RESIDENTS {
        return over(
            "town.residents",
            format!(
                "{} residents is more than this server runs: at most {MAX_RESIDENTS} (larger \
                 towns run with `cohesion run` on the command line)",
                s.town.residents
            ),
        );
    }
    if s.time.years > MAX_YEARS {
        return over(
            "time.years",
            format!(
                "{} years is more than this server runs: at most {MAX_YEARS}",
                s.time.years
            ),
        );
    }
    if replicates == 0 || replicates > MAX_REPLICATES {
        return over(
            "replicates",
            format!("{replicates} is out of range: allowed 1 to {MAX_REPLICATES}"),
        );
    }
    if s.events.len() > MAX_EVENTS {
        return over(
            "events",
            format!(
                "{} interventions is more than this server runs: at most {MAX_EVENTS}",
                s.events.len()
            ),
        );
    }
    if s.town.wards.len() > MAX_WARDS {
        return over(
            "town.wards",
            format!(
                "{} wards is more than this server runs: at most {MAX_WARDS} (a town this \
                 large runs with `cohesion run` on the command line)",
                s.town.wards.len()
            ),
        );
    }
    if s.groups.count > MAX_GROUPS {
        return over(
            "groups.count",
            format!(
                "{} groups is more than this server runs: at most {MAX_GROUPS}",
                s.groups.count
            ),
        );
    }
    // Venues: name the count (a kind's, or an intervention's) that takes the total over.
    let mut total = 0u64;
    let mut crossing = None;
    for kind in VenueKind::ALL {
        total = total.saturating_add(u64::from(s.venues.spec(kind).count));
        if total > MAX_VENUES && crossing.is_none() {
            crossing = Some(format!("venues.{}.count", kind.name()));
        }
    }
    let built = total;
    for (i, e) in s.events.iter().enumerate() {
        if let Intervention::Invest(inv) = e {
            total = total.saturating_add(u64::from(inv.count));
            if total > MAX_VENUES && crossing.is_none() {
                crossing = Some(format!("events[{i}].count"));
            }
        }
    }
    if let Some(key) = crossing {
        return over(
            &key,
            format!(
                "{total} venues in all ({built} at the start, {} opened by interventions) is \
                 more than this server runs: at most {MAX_VENUES}",
                total - built
            ),
        );
    }
    let work = Work::of(s, replicates);
    if work.total() > MAX_WORK {
        let residents = f64::from(work.residents) * work.busyness;
        let key = if residents >= work.venues as f64 + f64::from(work.groups) {
            "town.residents"
        } else if work.venues >= u64::from(work.groups) {
            "venues"
        } else {
            "groups.count"
        };
        let busy = if work.busyness > 1.0 {
            format!(" (× {:.2} for outings and encounters)", work.busyness)
        } else {
            String::new()
        };
        return over(
            key,
            format!(
                "{} million resident-weeks is more work than this server takes on at once (at \
                 most {} million): {} residents{busy}, {} venues and {} groups over {} weeks, \
                 {} interventions, {} replicate(s); use fewer residents, years or replicates",
                (work.total() / 1e6).round(),
                MAX_WORK / 1e6,
                work.residents,
                work.venues,
                work.groups,
                work.weeks,
                work.events,
                work.replicates
            ),
        );
    }
    Ok(())
}

/// A JSON value as TOML. TOML has no null, and its integers are 64-bit and signed.
fn toml_of(v: &Value) -> Result<toml::Value, String> {
    Ok(match v {
        Value::Null => return Err("null is not allowed; leave the key out instead".into()),
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, Some(x)) if n.is_f64() => toml::Value::Float(x),
            _ => return Err(format!("{n} is too large")),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => {
            toml::Value::Array(items.iter().map(toml_of).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => {
            let mut t = toml::Table::new();
            for (k, v) in map {
                t.insert(k.clone(), toml_of(v)?);
            }
            toml::Value::Table(t)
        }
    })
}

/// What differs between a built-in and the scenario made from it, in short phrases: changed
/// parameters by their dotted names, then interventions by kind.
pub fn changes(base: &Scenario, new: &Scenario) -> Vec<String> {
    let flat = |s: &Scenario| {
        let mut v = serde_json::to_value(s).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            for k in ["name", "description", "events"] {
                map.remove(k);
            }
        }
        let mut out = BTreeMap::new();
        flatten("", &v, &mut out);
        out
    };
    let (a, b) = (flat(base), flat(new));
    let mut out: Vec<String> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| {
            let before = a.get(k).map_or("(none)".to_string(), show);
            format!("{} {before} → {}", friendly(k), show(v))
        })
        .collect();
    let (ea, eb) = (events_by_kind(base), events_by_kind(new));
    for (key, after) in &eb {
        match ea.get(key) {
            None => out.push(format!("+ {}", event_phrase(key, after))),
            Some(before) => {
                for (field, value) in after {
                    if before.get(field) != Some(value) {
                        let was = before.get(field).map_or("(none)".to_string(), show);
                        out.push(format!("{key} {field} {was} → {}", show(value)));
                    }
                }
                for field in before.keys().filter(|f| !after.contains_key(*f)) {
                    out.push(format!("{key} {field} (left out)"));
                }
            }
        }
    }
    for key in ea.keys().filter(|k| !eb.contains_key(*k)) {
        out.push(format!("no {key}"));
    }
    out
}

/// Each event's fields (without `kind`), keyed by its kind, numbered (`devolution#2`) when a
/// scenario has more than one of a kind.
fn events_by_kind(s: &Scenario) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &s.events {
        *counts.entry(e.kind()).or_default() += 1;
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for e in &s.events {
        let n = seen.entry(e.kind()).or_default();
        *n += 1;
        let key = if counts[e.kind()] > 1 {
            format!("{}#{n}", e.kind())
        } else {
            e.kind().to_string()
        };
        let mut fields: BTreeMap<String, Value> = match serde_json::to_value(e) {
            Ok(Value::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        fields.remove("kind");
        out.insert(key, fields);
    }
    out
}

/// "+ austerity from 2012": a new event in a few words.
fn event_phrase(key: &str, fields: &BTreeMap<String, Value>) -> String {
    let year = fields.get("year").map(show).unwrap_or_default();
    let what = fields
        .get("venue_kind")
        .map(|k| format!(" ({})", show(k)))
        .unwrap_or_default();
    format!("{key}{what} in {year}")
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// A few parameters under the names a seminar uses.
fn friendly(path: &str) -> String {
    match path {
        "town.residents" => "residents".into(),
        "time.years" => "years".into(),
        "council.community_right_to_bid" => "right to bid from the start".into(),
        other => other.to_string(),
    }
}

/// A value as a reader writes it: strings without quotes.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(json: &str) -> Result<Prepared, ApiError> {
        prepare(json.as_bytes())
    }

    #[test]
    fn a_built_in_as_it_is_keeps_its_name() {
        let p = ask(r#"{"scenario": "austerity_2010"}"#).unwrap();
        assert_eq!(p.scenario, Scenario::load("austerity_2010").unwrap());
        assert!(p.changes.is_empty());
        assert_eq!(p.seed, DEFAULT_SEED);
        assert_eq!(p.label(), "austerity_2010 (as built)");
        assert_eq!(p.command(), "cohesion run austerity_2010.toml --seed 42");
    }

    #[test]
    fn levers_become_events_and_parameters_and_name_the_change() {
        let p = ask(
            r#"{"scenario": "baseline", "seed": 7, "replicates": 2,
                "set": {"town.residents": 2000, "council.openness": 0.5},
                "events": [{"kind": "austerity", "year": 2012, "years": 5, "cut_per_year": 0.05}]}"#,
        )
        .unwrap();
        assert_eq!(p.scenario.town.residents, 2000);
        assert_eq!(p.scenario.council.openness, 0.5);
        assert_eq!(p.scenario.events.len(), 1);
        assert!(p.scenario.name.starts_with("baseline-") && p.scenario.name.len() == 15);
        assert!(
            p.changes.contains(
                &"residents 12000 → 2000 (venues, groups and council budget scaled)".to_string()
            ),
            "{:?}",
            p.changes
        );
        assert!(
            p.changes.contains(&"+ austerity in 2012".to_string()),
            "{:?}",
            p.changes
        );
        assert_eq!(
            p.command(),
            format!(
                "cohesion compare {}.toml --replicates 2 --seed 7",
                p.scenario.name
            )
        );
        // The scenario written out reads back as the same scenario.
        let back = Scenario::from_toml(&p.scenario.to_toml(), "back").unwrap();
        assert_eq!(back, p.scenario);
    }

    #[test]
    fn a_smaller_town_has_fewer_venues_unless_asked_to_keep_them() {
        let p = ask(r#"{"scenario": "baseline", "set": {"town.residents": 3000}}"#).unwrap();
        let d = Scenario::load("baseline").unwrap();
        assert_eq!(
            p.scenario.venues.pubs.count, 4,
            "14 pubs × 3000 / 12000, rounded"
        );
        assert_eq!(p.scenario.groups.count, 5);
        assert!(p.scenario.council.yearly_budget_gbp < d.council.yearly_budget_gbp);
        assert_eq!(
            p.changes,
            vec!["residents 12000 → 3000 (venues, groups and council budget scaled)".to_string()]
        );
        let back = Scenario::from_toml(&p.scenario.to_toml(), "back").unwrap();
        assert_eq!(back, p.scenario, "the downloaded file runs the same town");

        let kept = ask(r#"{"scenario": "baseline", "set": {"town.residents": 3000},
                "scale_with_residents": false}"#)
        .unwrap();
        assert_eq!(kept.scenario.venues, d.venues);
        assert_eq!(kept.scenario.council, d.council);

        // A count the request sets itself is taken as given.
        let given = ask(
            r#"{"scenario": "baseline", "set": {"town.residents": 3000, "venues.pub.count": 9}}"#,
        )
        .unwrap();
        assert_eq!(given.scenario.venues.pubs.count, 9);
        assert_eq!(given.scenario.venues.sports_club.count, 1);
    }

    #[test]
    fn a_changed_event_is_named_by_its_kind() {
        let base = Scenario::load("austerity_2010").unwrap();
        let mut events = serde_json::to_value(&base.events).unwrap();
        events[0]["cut_per_year"] = serde_json::json!(0.05);
        let body = serde_json::json!({"scenario": "austerity_2010", "events": events});
        let p = ask(&body.to_string()).unwrap();
        assert_eq!(
            p.changes,
            vec!["austerity cut_per_year 0.035 → 0.05".to_string()]
        );
    }

    #[test]
    fn a_fork_adds_levers_from_its_year_as_the_command_line_would() {
        let p = ask(r#"{"scenario": "baseline", "seed": 7, "replicates": 2,
                "set": {"town.residents": 3000, "time.years": 8},
                "branch": {"at": 2014, "events": [{"kind": "invest", "year": 2014,
                    "venue_kind": "library", "ward": "Pithead"}]}}"#)
        .unwrap();
        let f = p.fork.as_ref().expect("a fork");
        assert_eq!(f.at, 2014);
        // The run forked from is the request without its branch.
        let alone = ask(r#"{"scenario": "baseline", "seed": 7, "replicates": 2,
                "set": {"town.residents": 3000, "time.years": 8}}"#)
        .unwrap();
        assert_eq!(f.parent, alone.scenario);
        assert_eq!(f.parent_changes, alone.changes);
        assert!(alone.fork.is_none());
        // The branch keeps the run's town, years and past, and adds the library.
        assert_eq!(
            (&p.scenario.town, &p.scenario.time),
            (&f.parent.town, &f.parent.time)
        );
        assert_eq!(
            p.scenario.events[..f.parent.events.len()],
            f.parent.events[..]
        );
        assert_eq!(p.scenario.events.len(), f.parent.events.len() + 1);
        assert!(
            p.scenario
                .name
                .starts_with(&format!("{}+fork2014-", f.parent.name)),
            "{}",
            p.scenario.name
        );
        assert_eq!(p.changes, vec!["+ invest (library) in 2014".to_string()]);
        assert!(
            p.label().starts_with(
                "forked in 2014: + invest (library) in 2014 — from baseline: residents"
            ),
            "{}",
            p.label()
        );
        // The downloads make the same branch on the command line: the run's file read back,
        // and the changes file applied at the fork year.
        let file = Scenario::from_toml(&f.parent.to_toml(), &p.file_name()).unwrap();
        let again =
            crate::scenario::changes::apply(&file, &f.changes_toml, "changes.toml", 2014, "x")
                .unwrap();
        assert_eq!(again, p.scenario);
        assert_eq!(
            p.command(),
            format!(
                "cohesion compare {}.toml {} --branch-at 2014 --replicates 2 --seed 7",
                f.parent.name,
                p.changes_file_name()
            )
        );
        // Another lever, or another year, is another branch.
        let later = ask(r#"{"scenario": "baseline", "seed": 7, "replicates": 2,
                "set": {"town.residents": 3000, "time.years": 8},
                "branch": {"at": 2015, "events": [{"kind": "invest", "year": 2015,
                    "venue_kind": "library", "ward": "Pithead"}]}}"#)
        .unwrap();
        assert_ne!(later.scenario.name, p.scenario.name);
    }

    #[test]
    fn a_fork_outside_the_run_or_into_its_past_is_refused_with_the_key() {
        let fork = |branch: &str| {
            let e = ask(&format!(
                r#"{{"scenario": "baseline", "set": {{"time.years": 6}}, "branch": {branch}}}"#
            ))
            .unwrap_err();
            assert!(!e.message.contains("  "), "spaced out: {}", e.message);
            e
        };
        let assembly =
            r#"[{"kind": "citizens_assembly", "year": 2013, "members": 100, "acted_on": true}]"#;
        for at in [2009, 2016] {
            let e = fork(&format!(r#"{{"at": {at}, "events": {assembly}}}"#));
            assert_eq!((e.status, e.key.as_deref()), (422, Some("branch.at")));
            assert!(
                e.message
                    .contains(&format!("{at} is outside the run's years 2010–2015")),
                "{}",
                e.message
            );
        }
        let e = fork(r#"{"at": 2012}"#);
        assert_eq!((e.status, e.key.as_deref()), (422, Some("branch.events")));
        assert!(e.message.contains("at least one lever"), "{}", e.message);
        let e = fork(
            r#"{"at": 2012, "events": [{"kind": "invest", "year": 2011,
                "venue_kind": "library", "ward": "Pithead"}]}"#,
        );
        assert_eq!(e.key.as_deref(), Some("branch.events[0].year"));
        assert!(
            e.message.contains("2011 is before the fork year 2012"),
            "{}",
            e.message
        );
        let e = fork(
            r#"{"at": 2012, "events": [{"kind": "austerity", "year": 2012, "years": 3,
                "cut_per_year": 0.9}]}"#,
        );
        assert_eq!(e.key.as_deref(), Some("branch.events[0].cut_per_year"));
        let e = fork(r#"{"at": 2012, "events": [3]}"#);
        assert_eq!(e.key.as_deref(), Some("branch.events[0]"));
        let e = fork(r#"{"at": 2012, "colour": "red"}"#);
        assert_eq!((e.status, e.key.as_deref()), (400, Some("colour")));
        let e = fork(r#"{"at": "2012"}"#);
        assert_eq!(e.status, 400, "{}", e.message);
        // A venue opened at the fork counts toward the server's limit, named in the branch.
        let e = fork(
            r#"{"at": 2012, "events": [{"kind": "invest", "year": 2012, "venue_kind": "park",
                "ward": "Pithead", "count": 5000}]}"#,
        );
        assert_eq!(
            e.key.as_deref(),
            Some("branch.events[0].count"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("`branch.events[0].count`"),
            "{}",
            e.message
        );
        // A fork runs the town twice: a run that fits alone may not fit forked.
        let big = r#""scenario": "baseline", "replicates": 2,
                     "set": {"town.residents": 40000, "time.years": 20}"#;
        assert!(ask(&format!("{{{big}}}")).is_ok());
        let e = ask(&format!(
            r#"{{{big}, "branch": {{"at": 2013, "events": {assembly}}}}}"#
        ))
        .unwrap_err();
        assert_eq!((e.status, e.key.as_deref()), (422, Some("branch")));
        assert!(e.message.contains("runs the town twice"), "{}", e.message);
        assert!(!e.message.contains("  "), "spaced out: {}", e.message);
    }

    #[test]
    fn bad_requests_are_refused_with_the_key() {
        let e = ask("{not json").unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.message.contains("malformed JSON"), "{}", e.message);
        let e = ask(r#"{"scenario": "baseline", "colour": "red"}"#).unwrap_err();
        assert_eq!((e.status, e.key.as_deref()), (400, Some("colour")));
        let e = ask(r#"{"scenario": "../../etc/passwd"}"#).unwrap_err();
        assert_eq!(e.status, 422);
        assert!(e.message.contains("no built-in scenario"), "{}", e.message);
        let e = ask(r#"{"scenario": "baseline", "set": {"council.opennness": 0.5}}"#).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("set.council.opennness"));
        assert!(
            e.message.contains("did you mean `openness`"),
            "{}",
            e.message
        );
        let e = ask(r#"{"scenario": "baseline", "set": {"council.openness": 1.5}}"#).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("council.openness"));
        assert_eq!(
            e.message,
            "request: key `council.openness`: 1.5 is out of range: allowed a number from 0 to 1"
        );
        let e = ask(r#"{"scenario": "baseline", "set": {"town.residents": 60000}}"#).unwrap_err();
        assert_eq!((e.status, e.key.as_deref()), (422, Some("town.residents")));
        let e = ask(r#"{"scenario": "baseline", "replicates": 9}"#).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("replicates"));
        let e =
            ask(r#"{"scenario": "baseline", "set": {"town.residents": 50000}, "replicates": 8}"#)
                .unwrap_err();
        assert!(e.message.contains("more work"), "{}", e.message);
        let e = ask(
            r#"{"scenario": "baseline", "events": [{"kind": "austerity", "year": 2012, "years": 5, "cut_per_year": 0.9}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some("events[0].cut_per_year"),
            "{}",
            e.message
        );
        let e = ask(r#"{"scenario": "baseline", "events": [{"kind": "party", "year": 2012}]}"#)
            .unwrap_err();
        assert_eq!(e.status, 422);
        assert!(e.message.contains("party"), "{}", e.message);
        let e = ask(r#"{"scenario": "baseline", "events": [{"kind": "austerity", "year": null}]}"#)
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("events[0]"));
        let e = prepare(&vec![b' '; MAX_BODY_BYTES + 1]).unwrap_err();
        assert_eq!(e.status, 413);
    }

    #[test]
    fn the_work_cap_counts_everything_that_costs_and_names_the_key() {
        let refused = |json: &str, key: &str, needle: &str| {
            let e = ask(json).unwrap_err();
            assert_eq!(
                (e.status, e.key.as_deref()),
                (422, Some(key)),
                "{}",
                e.message
            );
            assert!(
                e.message.contains(needle),
                "{needle:?} not in {}",
                e.message
            );
        };
        // Venues opened by an intervention count with those built.
        refused(
            r#"{"scenario": "baseline", "set": {"town.residents": 50, "time.years": 1},
                "scale_with_residents": false,
                "events": [{"kind": "invest", "year": 2010, "venue_kind": "park",
                            "ward": "Pithead", "count": 100000}]}"#,
            "events[0].count",
            "100,028 venues",
        );
        refused(
            r#"{"scenario": "baseline", "set": {"venues.park.count": 1990}}"#,
            "venues.park.count",
            "at most 2000",
        );
        refused(
            r#"{"scenario": "baseline", "set": {"groups.count": 5000}}"#,
            "groups.count",
            "at most 2000",
        );
        refused(
            r#"{"scenario": "scale", "set": {"town.residents": 1000}}"#,
            "town.wards",
            "504 wards",
        );
        let many: Vec<String> = (0..=MAX_EVENTS)
            .map(|_| r#"{"kind": "pub_costs", "year": 2012, "change": 0.1}"#.to_string())
            .collect();
        refused(
            &format!(
                r#"{{"scenario": "baseline", "events": [{}]}}"#,
                many.join(",")
            ),
            "events",
            "at most 50",
        );
        // Busier weeks cost more: a town that passes at the default outings is refused when
        // its residents go out ten times as often and meet fifty times as many people.
        let town = r#""town.residents": 40000, "time.years": 20"#;
        assert!(ask(&format!(r#"{{"scenario": "baseline", "set": {{{town}}}}}"#)).is_ok());
        refused(
            &format!(
                r#"{{"scenario": "baseline", "set": {{{town}, "residents.outings_per_week": 20,
                     "encounters.per_visit_at_capacity": 50}}}}"#
            ),
            "town.residents",
            "for outings and encounters",
        );

        let s = Scenario::load("baseline").unwrap();
        let w = Work::of(&s, 2);
        assert_eq!(w.busyness, 1.0);
        assert_eq!(
            (w.venues, w.groups, w.events, w.weeks),
            (28, 20, 0, 260 + 15 * 52)
        );
        assert_eq!(w.total(), 2.0 * 1040.0 * (12000.0 + 28.0 + 20.0));
    }
}
