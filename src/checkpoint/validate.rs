//! What a restored state must satisfy before it is put in a world: every index names something
//! that exists (wards, venues, groups, slots, residents' ids), lengths agree with one another
//! and with the scenario, numbers are finite and inside the ranges the model keeps them in,
//! and the clock lies inside the run.
//!
//! A checkpoint's checksum tells damage from a whole file; it cannot tell a file edited with
//! its checksum recomputed, or a state written by a faulty build. Those are what these checks
//! catch: a state that no run of this scenario could reach is refused, rather than making a
//! mechanism index out of bounds weeks later or carry a NaN into the results. A value changed
//! to another the model could have reached cannot be told from a real one; nothing but
//! running the weeks again could tell it.
//!
//! Architecture invariant: a check here is a property every state the engine writes has (the
//! save, restore and save test and the built-in scenarios' resumptions run every checkpoint
//! they write through these checks), never a guess about what is likely.

use crate::model::components::*;
use crate::model::resident::ResidentBundle;
use crate::scenario::Scenario;
use crate::townmap::VenueHistory;

/// The sizes a state's indices are checked against.
pub(super) struct Bounds<'a> {
    pub scenario: &'a Scenario,
    pub step: u32,
    pub residents: usize,
    pub venues: usize,
    pub groups: usize,
    pub wards: &'a Wards,
    pub next_id: u32,
    pub layout_version: u32,
}

impl Bounds<'_> {
    fn n_wards(&self) -> usize {
        self.wards.names.len()
    }
    /// The recorded week now (0 during the warm-up).
    fn tick(&self) -> u32 {
        self.step.saturating_sub(self.scenario.time.warmup_weeks)
    }
}

/// A number that must be finite.
fn finite(what: &str, x: f64) -> Result<(), String> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(format!("{what} is {x}, not a finite number"))
    }
}

/// A number that must be finite and in `[lo, hi]`.
fn within(what: &str, x: f64, lo: f64, hi: f64) -> Result<(), String> {
    finite(what, x)?;
    if (lo..=hi).contains(&x) {
        Ok(())
    } else {
        Err(format!("{what} is {x}, outside [{lo}, {hi}]"))
    }
}

/// An index that must name one of `n` things called `of`.
fn index(what: &str, i: usize, n: usize, of: &str) -> Result<(), String> {
    if i < n {
        Ok(())
    } else {
        Err(format!("{what} names {of} {i}, but there are {n}"))
    }
}

/// A step that must lie between "never" and now.
fn past_step(what: &str, step: i32, now: u32) -> Result<(), String> {
    if step == NEVER || (0..=i64::from(now)).contains(&i64::from(step)) {
        Ok(())
    } else {
        Err(format!(
            "{what} is step {step}, not a past step (now {now})"
        ))
    }
}

/// Everything a resident carries. `slot` is where it was saved.
pub(super) fn resident(r: &ResidentBundle, slot: usize, b: &Bounds) -> Result<(), String> {
    let s = b.scenario;
    let me = &r.resident;
    index("the ward", usize::from(me.ward), b.n_wards(), "ward")?;
    for x in me.home_km {
        finite("the home's position", f64::from(x))?;
    }
    within("the age", f64::from(me.age_years), 0.0, 1000.0)?;
    let ward_deprivation = b.wards.deprivation[usize::from(me.ward)];
    if me.deprivation.to_bits() != ward_deprivation.to_bits() {
        return Err(format!(
            "the deprivation is {}, but the ward's is {ward_deprivation}",
            me.deprivation
        ));
    }
    if me.id >= b.next_id {
        return Err(format!(
            "the id is {}, but ids so far end at {}",
            me.id, b.next_id
        ));
    }

    let i = &r.identity;
    let features = s.residents.identity_features as usize;
    for (f, &t) in i.traits.iter().enumerate() {
        let most = if f < features {
            s.residents.identity_traits
        } else {
            1
        };
        if u32::from(t) >= most {
            return Err(format!(
                "identity trait {f} is {t}, beyond the {most} allowed"
            ));
        }
    }
    within("the sociability", f64::from(i.sociability), 0.0, 1e6)?;
    if i.poisson_limit.to_bits() != libm::exp(-f64::from(i.sociability)).to_bits() {
        return Err(format!(
            "the Poisson limit {} does not follow from the sociability {}",
            i.poisson_limit, i.sociability
        ));
    }
    within(
        "the trustworthiness",
        f64::from(i.trustworthiness),
        0.0,
        1.0,
    )?;
    for p in i.preference {
        finite("a venue preference", f64::from(p))?;
    }

    let t = &r.trust;
    for (what, x) in [
        ("the trust prior (good)", t.prior_good),
        ("the trust prior (bad)", t.prior_bad),
        ("the trust experience (good)", t.good),
        ("the trust experience (bad)", t.bad),
    ] {
        within(what, f64::from(x), 0.0, f64::from(f32::MAX))?;
    }
    let (a, z) = (t.prior_good + t.good, t.prior_bad + t.bad);
    if !(a + z > 0.0 && (a + z).is_finite()) {
        return Err("the trust pseudo-counts add up to nothing".into());
    }

    let a = &r.attitudes;
    for (what, x) in [
        ("belonging", a.belonging),
        ("council trust", a.council_trust),
        ("internal efficacy", a.efficacy_internal),
        ("external efficacy", a.efficacy_external),
        ("the council trust anchor", a.council_trust_anchor),
        ("the external efficacy anchor", a.efficacy_external_anchor),
        ("the internal efficacy anchor", a.efficacy_internal_anchor),
    ] {
        within(what, f64::from(x), 0.0, 1.0)?;
    }

    let ties = r.ties.as_slice();
    let cap = s.residents.max_ties as usize;
    if ties.len() > cap {
        return Err(format!("{} ties, more than max_ties = {cap}", ties.len()));
    }
    for (k, tie) in ties.iter().enumerate() {
        index(&format!("tie {k}"), tie.slot as usize, b.residents, "slot")?;
        if tie.slot as usize == slot || tie.id == me.id {
            return Err(format!("tie {k} is to the resident themself"));
        }
        if tie.id >= b.next_id {
            return Err(format!(
                "tie {k} is to resident {}, but ids so far end at {}",
                tie.id, b.next_id
            ));
        }
        within(
            &format!("tie {k}'s strength"),
            f64::from(tie.strength),
            0.0,
            1.0,
        )?;
        if ties[..k].iter().any(|other| other.id == tie.id) {
            return Err(format!("tie {k} repeats a tie to resident {}", tie.id));
        }
    }

    let m = &r.memberships;
    if usize::from(m.len) > MAX_MEMBERSHIPS {
        return Err(format!(
            "{} memberships, more than {MAX_MEMBERSHIPS}",
            m.len
        ));
    }
    for (k, &g) in m.as_slice().iter().enumerate() {
        index(
            &format!("membership {k}"),
            usize::from(g),
            b.groups,
            "group",
        )?;
        if m.as_slice()[..k].contains(&g) {
            return Err(format!("membership {k} repeats group {g}"));
        }
    }

    past_step("the last participation", r.civic.last_participated, b.step)?;
    past_step("the last assembly", r.civic.assembly_step, b.step)?;

    for k in 0..HAUNTS {
        let score = f64::from(r.haunts.score[k]);
        within(
            &format!("haunt {k}'s score"),
            score,
            0.0,
            f64::from(f32::MAX),
        )?;
        if score > 0.0 {
            index(
                &format!("haunt {k}"),
                usize::from(r.haunts.venue[k]),
                b.venues,
                "venue",
            )?;
        }
    }

    let c = &r.choices;
    let most = (7 * s.outings.nearest_per_kind as usize).min(MAX_CHOICES);
    if usize::from(c.len) > most {
        return Err(format!("a choice set of {}, more than {most}", c.len));
    }
    for k in 0..usize::from(c.len) {
        index(
            &format!("choice {k}"),
            usize::from(c.venue[k]),
            b.venues,
            "venue",
        )?;
        within(
            &format!("choice {k}'s weight"),
            f64::from(c.weight[k]),
            0.0,
            f64::from(f32::MAX),
        )?;
    }
    if c.layout != u32::MAX && c.layout > b.layout_version {
        return Err(format!(
            "the choice set was built for layout {}, but the layout is at {}",
            c.layout, b.layout_version
        ));
    }
    for k in 0..KINDS {
        for (what, x) in [
            ("first pull", c.first_pull[k]),
            ("reach pull", c.reach_pull[k]),
            ("reach scale", c.reach_scale[k]),
        ] {
            within(
                &format!("the choice set's {what} for kind {k}"),
                f64::from(x),
                0.0,
                f64::from(f32::MAX),
            )?;
        }
    }
    within("the choice set's reach limit", c.reach_limit, 0.0, 1.0)?;

    let o = &r.outings;
    let most = (s.outings.max_per_week as usize).min(MAX_OUTINGS);
    if usize::from(o.len) > most {
        return Err(format!("{} outings, more than {most}", o.len));
    }
    for (k, &v) in o.as_slice().iter().enumerate() {
        index(&format!("outing {k}"), usize::from(v), b.venues, "venue")?;
    }
    Ok(())
}

/// A venue, saved at position `id`.
pub(super) fn venue(v: &Venue, id: usize, b: &Bounds) -> Result<(), String> {
    if usize::from(v.id) != id {
        return Err(format!("is saved with id {}", v.id));
    }
    index("the ward", usize::from(v.ward), b.n_wards(), "ward")?;
    for x in v.pos_km {
        finite("the position", f64::from(x))?;
    }
    within(
        "the quality",
        f64::from(v.quality),
        0.0,
        f64::from(f32::MAX),
    )?;
    for (what, x) in [
        ("the weekly cost", v.weekly_cost_gbp),
        ("the cost of a visit", v.visit_cost_gbp),
    ] {
        within(what, f64::from(x), 0.0, f64::from(f32::MAX))?;
    }
    if v.visits.iter().map(|&x| u64::from(x)).sum::<u64>() > u64::from(u32::MAX) {
        return Err("more visits in four weeks than can be counted".into());
    }
    Ok(())
}

/// A group, saved at position `id`.
pub(super) fn group(g: &Group, id: usize, b: &Bounds) -> Result<(), String> {
    if usize::from(g.id) != id {
        return Err(format!("is saved with id {}", g.id));
    }
    index("the ward", usize::from(g.ward), b.n_wards(), "ward")?;
    if let Some(v) = g.home_venue {
        index("the home venue", usize::from(v), b.venues, "venue")?;
    }
    if g.members as usize > b.residents {
        return Err(format!(
            "{} members, more than the town's {} residents",
            g.members, b.residents
        ));
    }
    within(
        "the volunteer hours",
        f64::from(g.volunteer_hours),
        0.0,
        f64::from(f32::MAX),
    )?;
    within("the capacity", f64::from(g.capacity), 0.0, 1.0)?;
    within(
        "the funding",
        f64::from(g.funding_gbp),
        0.0,
        f64::from(f32::MAX),
    )?;
    if g.assets as usize > b.venues {
        return Err(format!(
            "{} venues taken over, more than the town's {}",
            g.assets, b.venues
        ));
    }
    Ok(())
}

/// The clock: the scenario's warm-up and start year, and a step inside the run.
pub(super) fn clock(c: &Clock, s: &Scenario) -> Result<(), String> {
    if c.warmup != s.time.warmup_weeks || c.start_year != s.time.start_year {
        return Err(format!(
            "the clock has a warm-up of {} weeks from {}, but the scenario {} weeks from {}",
            c.warmup, c.start_year, s.time.warmup_weeks, s.time.start_year
        ));
    }
    let total = s.time.warmup_weeks + s.ticks();
    if c.step > total {
        return Err(format!(
            "the clock is at week {}, after the run's last ({total})",
            c.step
        ));
    }
    Ok(())
}

/// The wards: as many as the scenario has, with its names and deprivation.
pub(super) fn wards(w: &Wards, s: &Scenario, residents: usize) -> Result<(), String> {
    let n = s.town.wards.len();
    if w.names.len() != n
        || w.deprivation.len() != n
        || w.amenity_at_start.len() != n
        || w.residents_at_start.len() != n
    {
        return Err(format!(
            "the wards' tables have {}, {}, {} and {} rows, but the scenario has {n} wards",
            w.names.len(),
            w.deprivation.len(),
            w.amenity_at_start.len(),
            w.residents_at_start.len()
        ));
    }
    for (k, spec) in s.town.wards.iter().enumerate() {
        if w.names[k] != spec.name
            || w.deprivation[k].to_bits() != (spec.deprivation as f32).to_bits()
        {
            return Err(format!(
                "ward {k} is saved as {:?} with deprivation {}, but the scenario has {:?} with {}",
                w.names[k], w.deprivation[k], spec.name, spec.deprivation
            ));
        }
        within(
            &format!("ward {k}'s amenity at the start"),
            f64::from(w.amenity_at_start[k]),
            0.0,
            f64::from(f32::MAX),
        )?;
    }
    let total: u64 = w.residents_at_start.iter().map(|&x| u64::from(x)).sum();
    if total != residents as u64 {
        return Err(format!(
            "the wards held {total} residents at the start, but the town has {residents}"
        ));
    }
    Ok(())
}

/// The council.
pub(super) fn council(c: &CouncilState, b: &Bounds) -> Result<(), String> {
    for (what, x) in [
        ("statutory share", c.statutory_share),
        ("venue share", c.venue_share),
        ("grant share", c.grant_share),
        ("participatory budget share", c.participatory_budget_share),
        ("openness", c.openness),
        ("devolved powers", c.devolved_powers),
        ("opening share", c.opening_share),
        ("responsiveness", c.responsiveness),
        ("opportunities", c.opportunities),
        ("cut", c.cut),
    ] {
        within(&format!("the council's {what}"), x, 0.0, 1.0)?;
    }
    for (what, x) in [
        ("yearly budget", c.yearly_budget_gbp),
        (
            "discretionary budget at the start",
            c.discretionary_at_start_gbp,
        ),
        ("devolved budget", c.devolved_budget_gbp),
        ("consultations a year", c.consultations_per_year),
    ] {
        within(&format!("the council's {what}"), x, 0.0, f64::MAX)?;
    }
    for (what, x) in [
        ("discretionary budget", c.discretionary_gbp),
        ("real-terms change", c.real_terms_change_per_year),
        ("capacity", c.capacity),
        ("statutory rise", c.statutory_rise),
    ] {
        finite(&format!("the council's {what}"), x)?;
    }
    if c.capacity > 1.0 {
        return Err(format!("the council's capacity is {}, above 1", c.capacity));
    }
    for (k, &(_, gbp)) in c.extra_grants.iter().enumerate() {
        within(&format!("extra grant {k}"), gbp, 0.0, f64::MAX)?;
    }
    if let Some((step, _)) = c.assembly {
        past_step("the citizens' assembly", step, b.step)?;
    }
    Ok(())
}

/// The venues' labels: one each, each its kind's word and a number.
pub(super) fn venue_labels(labels: &VenueLabels, venues: &[Venue]) -> Result<(), String> {
    if labels.0.len() != venues.len() {
        return Err(format!(
            "{} venue labels for {} venues",
            labels.0.len(),
            venues.len()
        ));
    }
    for (v, label) in venues.iter().zip(&labels.0) {
        let stem = crate::model::components::venue_label(v.kind, 0);
        let stem = stem.trim_end_matches('0');
        let number = label.strip_prefix(stem).unwrap_or("");
        if number.is_empty() || !number.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "venue {} is labelled {label:?}, not as a {} is",
                v.id,
                v.kind.name()
            ));
        }
    }
    Ok(())
}

/// The resources that index venues, wards and residents.
pub(super) fn resources(
    b: &Bounds,
    cultures: &WardCultures,
    layout: &Layout,
    peer_signals: &PeerSignals,
    closures: &Closures,
    history: &VenueHistory,
) -> Result<(), String> {
    let s = b.scenario;
    if cultures.0.len() != b.n_wards() {
        return Err(format!(
            "{} ward cultures for {} wards",
            cultures.0.len(),
            b.n_wards()
        ));
    }
    for (w, traits) in cultures.0.iter().enumerate() {
        if let Some(t) = traits
            .iter()
            .find(|&&t| u32::from(t) >= s.residents.identity_traits)
        {
            return Err(format!(
                "ward {w}'s culture has trait {t}, beyond the {} allowed",
                s.residents.identity_traits
            ));
        }
    }
    for (k, &v) in layout.changed.iter().enumerate() {
        index(
            &format!("layout change {k}"),
            usize::from(v),
            b.venues,
            "venue",
        )?;
    }
    let signals = peer_signals.participated_last_week.len();
    if signals != 0 && signals != b.residents {
        return Err(format!(
            "last week's participation is known for {signals} slots, but there are {}",
            b.residents
        ));
    }
    for (k, c) in closures.list.iter().enumerate() {
        index(
            &format!("closure {k}"),
            usize::from(c.ward),
            b.n_wards(),
            "ward",
        )?;
        if c.tick > b.tick() {
            return Err(format!("closure {k} is at week {}, in the future", c.tick));
        }
    }
    let years = s.time.years as usize + 1;
    if history.0.len() > years {
        return Err(format!(
            "the town map records {} years, more than the run's {years}",
            history.0.len()
        ));
    }
    for (k, row) in history.0.iter().enumerate() {
        if row.len() > b.venues {
            return Err(format!(
                "the town map's record {k} has {} venues, more than the town's {}",
                row.len(),
                b.venues
            ));
        }
    }
    Ok(())
}

/// The slot index's ids: one per slot, each used once, all below the next id.
/// The labour market: finite amounts, shares within [0, 1], layoffs in wards that exist.
pub(super) fn labour(l: &Labour, b: &Bounds) -> Result<(), String> {
    within(
        "the unemployment at the start",
        l.unemployment_at_start,
        0.0,
        1.0,
    )?;
    within("the unemployment", l.unemployment, 0.0, 1.0)?;
    within("the jobs ratio", l.jobs_ratio, 0.0, f64::MAX)?;
    finite("the venues' jobs at the start", l.venue_jobs_at_start)?;
    finite("the jobs lost", l.jobs_lost)?;
    finite("the benefit change", l.benefit_change_gbp)?;
    for (k, (_, ward)) in l.layoffs.iter().enumerate() {
        if let Some(w) = ward {
            index(
                &format!("job loss {k}'s ward"),
                usize::from(*w),
                b.n_wards(),
                "wards",
            )?;
        }
    }
    Ok(())
}

pub(super) fn slot_ids(ids: &[u32], next_id: u32) -> Result<(), String> {
    // A vacant slot (an empty home) holds `VACANT`, which no resident has.
    let ids: Vec<u32> = ids.iter().copied().filter(|&id| id != VACANT).collect();
    if let Some(&id) = ids.iter().find(|&&id| id >= next_id) {
        return Err(format!(
            "resident id {id} is in the slot index, but ids so far end at {next_id}"
        ));
    }
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("resident id {} is in two slots", w[0]));
    }
    Ok(())
}

/// An event of the log: its kind a plain word, its ward one of the town's, its week past.
pub(super) fn event(
    kind: &str,
    tick: u32,
    ward: Option<u16>,
    k: usize,
    b: &Bounds,
) -> Result<(), String> {
    if kind.is_empty()
        || kind.len() > 40
        || !kind.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
    {
        return Err(format!("event {k} is of kind {kind:?}, not a word"));
    }
    if let Some(w) = ward {
        index(&format!("event {k}"), usize::from(w), b.n_wards(), "ward")?;
    }
    if tick > b.tick() {
        return Err(format!("event {k} is at week {tick}, in the future"));
    }
    Ok(())
}

/// An observation: a known metric, of the town or one of its wards, at a past week, finite.
pub(super) fn observation(o: &SavedMetric, k: usize, b: &Bounds) -> Result<(), String> {
    if crate::metrics::metric(o.metric).is_none() {
        return Err(format!(
            "observation {k} is of an unknown metric {:?}",
            o.metric
        ));
    }
    // The messages are written only for an observation that fails: a long run restores
    // hundreds of thousands of them.
    if let Some(w) = o.ward
        && usize::from(w) >= b.n_wards()
    {
        index(
            &format!("observation {k}"),
            usize::from(w),
            b.n_wards(),
            "ward",
        )?;
    }
    if o.tick > b.tick() {
        return Err(format!(
            "observation {k} is at week {}, in the future",
            o.tick
        ));
    }
    if o.value.is_finite() {
        return Ok(());
    }
    finite(&format!("observation {k} ({})", o.metric), o.value)
}

/// What [`observation`] reads of an observation, with its metric's name as saved.
pub(super) struct SavedMetric<'a> {
    pub tick: u32,
    pub ward: Option<u16>,
    pub metric: &'a str,
    pub value: f64,
}

/// The interventions still to come: the last of the scenario's own, in the order the run
/// applies them (compared as saved, JSON).
pub(super) fn pending_events(saved: &str, s: &Scenario) -> Result<(), String> {
    let mut all: Vec<(u32, crate::scenario::Intervention)> = s
        .events
        .iter()
        .filter_map(|e| {
            let (year, week) = e.when();
            s.tick_of(year, week).map(|t| (t, e.clone()))
        })
        .collect();
    all.sort_by_key(|(t, _)| *t);
    for k in 0..=all.len() {
        if serde_json::to_string(&all[k..]).is_ok_and(|json| json == saved) {
            return Ok(());
        }
    }
    Err("the interventions still to come are not the scenario's".into())
}
