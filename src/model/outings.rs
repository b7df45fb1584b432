//! Step 3, outings: each resident decides how often to go out this week and where.
//!
//! Rule: a group member goes to their group's weekly meeting with chance `group_attendance`.
//! Other outings number Poisson(sociability × (P / P₀)^loss_elasticity) in all (at most
//! `max_per_week`), where P is the total pull of the resident's choice set this week without
//! the friends term and P₀ its pull the first week it had any. Places that close take their
//! visits with them rather than sending everyone to the pub instead (with loss_elasticity = 1
//! a venue's visits do not depend on what else is open), and a new place brings visits of its
//! own: social infrastructure makes contact, not just moves it (Klinenberg 2018). Each outing
//! goes to a venue drawn from the resident's choice set with weight
//!
//!   exp(preference[kind] − cost_weight × visit_cost × money_pressure) × (d + d0)^−γ
//!     × exp(quality_weight × quality) × (1 + friends_weight × haunt score),
//!
//! a softmax over the resident's own liking for the kind (a council venue's pull is scaled by
//! the share of its usual hours the council can still open it; see council_budget.rs) (the kind's `preference`, shifted by
//! life stage and personal taste; see town/residents.rs), cost, quality, friends met there
//! recently and distance. The
//! distance term makes contact fall as d^−γ with γ ≈ 1.6 (Illenberger et al. 2009). Money
//! pressure is (0.5 + deprivation), doubled for residents out of work: pubs cost money, and
//! deprivation matters. A resident visits a venue at most once a week. The choice set holds the
//! `nearest_per_kind` nearest open venues of each kind and is rebuilt only when a venue opens or
//! closes.

use super::components::*;
use crate::rng::{Purpose, RngExt};
use crate::scenario::{Owner, Scenario, VenueKind};
use crate::town::distance;
use bevy_ecs::prelude::*;

/// What the choice depends on this week, per venue id (built once per tick).
struct VenueView {
    kind: VenueKind,
    /// Not closed for good (it may be shut for a while).
    open: bool,
    ward: u16,
    pos_km: [f32; 2],
    visit_cost_gbp: f32,
    /// exp(quality_weight × quality) if open, else 0.
    pull: f32,
}

#[allow(clippy::too_many_arguments)]
pub fn outings(
    mut residents: Query<(
        &Resident,
        &Identity,
        &Memberships,
        &Haunts,
        &mut ChoiceSet,
        &mut Outings,
        &mut Recent,
    )>,
    venues: Query<&Venue>,
    venue_index: Res<VenueIndex>,
    groups: Query<&Group>,
    group_index: Res<GroupIndex>,
    layout: Res<Layout>,
    council: Res<CouncilState>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    let s: &Scenario = &config.0;
    let o = &s.outings;
    let tick = clock.tick();
    let view: Vec<VenueView> = venue_index
        .0
        .iter()
        .map(|&e| {
            let v = venues.get(e).expect("every indexed venue exists");
            VenueView {
                kind: v.kind,
                open: v.open,
                ward: v.ward,
                pos_km: v.pos_km,
                visit_cost_gbp: v.visit_cost_gbp,
                pull: if v.usable(tick) {
                    let hours = if v.owner == Owner::Council && tick >= v.funded_until {
                        council.opening_share as f32
                    } else {
                        1.0
                    };
                    libm::expf(o.quality_weight as f32 * v.quality) * hours
                } else {
                    0.0
                },
            }
        })
        .collect();
    let meeting_place: Vec<Option<u16>> = group_index
        .0
        .iter()
        .map(|&e| {
            let g = groups.get(e).expect("every indexed group exists");
            g.home_venue
                .filter(|&v| g.active && view[v as usize].pull > 0.0)
        })
        .collect();
    let friends_weight = o.friends_weight as f32;
    let version = layout.version();
    let per_kind = nearest_per_kind(s);
    let step = clock.step;
    let ring = clock.ring();
    let seeds = seeds.0;

    residents.par_iter_mut().for_each(
        |(resident, identity, memberships, haunts, mut choices, mut outings, mut recent)| {
            if choices.layout != version {
                let out_of_work = matches!(resident.employment, Employment::Unemployed);
                let stale = choices.layout == u32::MAX
                    || choices.out_of_work != out_of_work
                    || layout
                        .since(choices.layout)
                        .iter()
                        .any(|&v| affects(&choices, resident, &view, v, per_kind));
                if stale {
                    rebuild(&mut choices, resident, identity, &view, s);
                    choices.out_of_work = out_of_work;
                }
                choices.layout = version;
            }
            let mut rng = seeds.tick_stream(Purpose::Outings, u64::from(resident.id), step);
            let mut week = Outings::default();
            let cap = (o.max_per_week as usize).min(MAX_OUTINGS);
            let push = |w: &mut Outings, v: u16| {
                if (w.len as usize) < cap && !w.as_slice().contains(&v) {
                    w.venues[w.len as usize] = v;
                    w.len += 1;
                }
            };
            for &g in memberships.as_slice() {
                if let Some(v) = meeting_place[g as usize]
                    && rng.random_bool(o.group_attendance)
                {
                    push(&mut week, v);
                }
            }
            let n = choices.len as usize;
            let mut pull = 0f32;
            for (&v, &base) in choices.venue[..n].iter().zip(&choices.weight[..n]) {
                pull += base * view[v as usize].pull;
            }
            if choices.first_pull == 0.0 {
                choices.first_pull = pull;
            }
            // e^−mean for the Poisson draw: cached while the places within reach are as they
            // were first counted.
            let limit = if choices.first_pull > 0.0 && pull != choices.first_pull {
                if pull != choices.reach_pull {
                    let reach = libm::pow(f64::from(pull / choices.first_pull), o.loss_elasticity);
                    choices.reach_pull = pull;
                    choices.reach_limit = libm::exp(-f64::from(identity.sociability) * reach);
                }
                choices.reach_limit
            } else {
                identity.poisson_limit
            };
            let wanted = (poisson_below(&mut rng, limit) as usize).min(cap);
            let others = wanted.saturating_sub(week.len as usize);
            let mut weights = [0f32; MAX_CHOICES];
            let mut total = 0f32;
            if others > 0 {
                for ((w, &v), &base) in weights
                    .iter_mut()
                    .zip(&choices.venue[..n])
                    .zip(&choices.weight[..n])
                {
                    // The haunt score of `v` (as `Haunts::score_of`), without branching.
                    let mut score = 0f32;
                    for i in (0..HAUNTS).rev() {
                        if haunts.venue[i] == v && haunts.score[i] > 0.0 {
                            score = haunts.score[i];
                        }
                    }
                    *w = base * view[v as usize].pull * (1.0 + friends_weight * score);
                    total += *w;
                }
            }
            if others > 0 && total > 0.0 {
                for _ in 0..others {
                    let mut target = rng.random::<f32>() * total;
                    let mut pick = n - 1;
                    for (i, w) in weights[..n].iter().enumerate() {
                        if target < *w {
                            pick = i;
                            break;
                        }
                        target -= w;
                    }
                    push(&mut week, choices.venue[pick]);
                }
            }
            let local = week
                .as_slice()
                .iter()
                .filter(|&&v| view[v as usize].ward == resident.ward)
                .count();
            recent.local_visits[ring] = local.min(255) as u8;
            *outings = week;
        },
    );
}

/// A Poisson draw by inversion with `limit` = e^−mean: the same draws, in the same order, as
/// [`crate::rng::poisson`], which computes the limit itself.
fn poisson_below<R: RngExt>(rng: &mut R, limit: f64) -> u32 {
    let mut product: f64 = rng.random();
    let mut count = 0;
    while product > limit && count < 64 {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

/// Venues of each kind in a choice set.
fn nearest_per_kind(s: &Scenario) -> usize {
    (s.outings.nearest_per_kind as usize).min(MAX_CHOICES / VenueKind::ALL.len())
}

/// Whether venue `v`, which opened or closed since `choices` was last checked, could change
/// it: it is in the set, or it is open and nearer (distance, then id) than the set's farthest
/// of its kind, or the set has room for its kind. If no changed venue could, rebuilding would
/// give the same set, so the set is kept: rebuilds are in proportion to what changed.
fn affects(
    choices: &ChoiceSet,
    resident: &Resident,
    view: &[VenueView],
    v: u16,
    per_kind: usize,
) -> bool {
    let entries = &choices.venue[..choices.len as usize];
    if entries.contains(&v) {
        return true;
    }
    let Some(changed) = view.get(v as usize) else {
        return true;
    };
    if !changed.open {
        return false;
    }
    let mut count = 0;
    let mut farthest: Option<(f32, u16)> = None;
    for &id in entries {
        if view[id as usize].kind == changed.kind {
            count += 1;
            farthest = Some((distance(resident.home_km, view[id as usize].pos_km), id));
        }
    }
    let candidate = (distance(resident.home_km, changed.pos_km), v);
    count < per_kind || farthest.is_none_or(|f| nearer(candidate, f))
}

/// Orders venues by distance, then by id.
fn nearer(a: (f32, u16), b: (f32, u16)) -> bool {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).is_lt()
}

/// Rebuilds a resident's choice set: the nearest open venues of each kind (by distance, then
/// id), with the weight of kind preference, cost and distance. One pass over the venues keeps
/// each kind's nearest in a short sorted list.
fn rebuild(
    choices: &mut ChoiceSet,
    resident: &Resident,
    identity: &Identity,
    view: &[VenueView],
    s: &Scenario,
) {
    const KINDS: usize = VenueKind::ALL.len();
    const PER_KIND: usize = MAX_CHOICES / KINDS;
    let o = &s.outings;
    let per_kind = nearest_per_kind(s);
    let out_of_work = matches!(resident.employment, Employment::Unemployed);
    let pressure = (0.5 + resident.deprivation) * if out_of_work { 2.0 } else { 1.0 };
    let mut nearest = [[(0f32, 0u16); PER_KIND]; KINDS];
    let mut found = [0usize; KINDS];
    if per_kind > 0 {
        for (id, v) in view.iter().enumerate() {
            if !v.open {
                continue;
            }
            let k = v.kind.index();
            let candidate = (distance(resident.home_km, v.pos_km), id as u16);
            let list = &mut nearest[k];
            let n = found[k];
            if n == per_kind && !nearer(candidate, list[n - 1]) {
                continue;
            }
            let mut at = n.min(per_kind - 1);
            while at > 0 && nearer(candidate, list[at - 1]) {
                list[at] = list[at - 1];
                at -= 1;
            }
            list[at] = candidate;
            found[k] = (n + 1).min(per_kind);
        }
    }
    let mut len = 0;
    for kind in VenueKind::ALL {
        let k = kind.index();
        for &(d, id) in &nearest[k][..found[k]] {
            let utility = identity.preference[k]
                - o.cost_weight_per_gbp as f32 * view[id as usize].visit_cost_gbp * pressure;
            let reach = libm::powf(
                d + o.distance_offset_km as f32,
                -(o.distance_exponent as f32),
            );
            choices.venue[len] = id;
            choices.weight[len] = libm::expf(utility) * reach;
            len += 1;
        }
    }
    choices.len = len as u8;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Seeds, poisson};

    #[test]
    fn poisson_below_draws_as_poisson() {
        let seeds = Seeds::new(5);
        for i in 0..5_000u64 {
            let mean = f64::from((i % 97) as f32 * 0.07);
            let a = poisson(&mut seeds.tick_stream(Purpose::Outings, i, 1), mean);
            let b = poisson_below(
                &mut seeds.tick_stream(Purpose::Outings, i, 1),
                libm::exp(-mean),
            );
            assert_eq!(a, b, "mean {mean}");
        }
    }
}
