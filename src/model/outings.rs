//! Step 3, outings: each resident decides how often to go out this week and where.
//!
//! Rule: a group member goes to their group's weekly meeting with chance `group_attendance`.
//! Other outings number Poisson(sociability × Σ_k W_k / P₀) in all (at most `max_per_week`).
//! P_k is the pull of the resident's choices of venue kind k this week (without the friends
//! term), P₀_k the same the first week the choice set had any pull, and P₀ = Σ_k P₀_k. A kind
//! keeps what it drew at first, moved by how its pull changed, as far as its visits are not
//! absorbed by the venues of that kind still in reach:
//!
//!   W_k = P₀_k · (P_k / P₀_k)^(1 − s_k),   W_k = P_k when P₀_k = 0,   W_k = 0 when P_k = 0,
//!
//! with `s_k` the kind's substitution share (`outings.<kind>_substitution`). When a venue
//! closes, a share s_k of its visits moves to the venues of its kind still within reach and
//! 1 − s_k is lost; when none is left in reach, every visit is lost; a new venue takes a share
//! s_k of its custom from the others of its kind and brings the rest of its own. Pubs move
//! most of their custom (ONS 2018, Economies of ale: the remaining pubs "appear to have soaked
//! up the custom"), libraries about half (Brent's closures of 2011), community centres and
//! welfare halls little (docs/evidence/places.md §1). Each outing goes to a venue drawn from
//! the resident's choice set with weight
//!
//!   (W_k / P_k) × exp(preference[kind] − cost_weight × visit_cost × money_pressure)
//!     × (d + d0)^−γ × exp(quality_weight × quality) × (1 + friends_weight × haunt score),
//!
//! so that each kind gets its share W_k of the week's outings, and within the kind a softmax
//! over the resident's own liking for the kind (a council venue's pull is scaled by the share
//! of its usual hours the council can still open it; see council_budget.rs) (the kind's
//! `preference`, shifted by life stage and personal taste; see model/resident/draw.rs), cost,
//! quality, friends met there recently and distance. The distance term makes contact fall as
//! d^−γ with γ ≈ 1.6 (Illenberger et al. 2009). Money pressure is (0.5 + deprivation), doubled
//! for residents out of work at the start's out-of-work income and scaled by that income over
//! the income now when benefits change (jobs.rs): pubs cost money, and deprivation matters. A
//! resident visits a venue at most once a week. The choice set holds the `nearest_per_kind`
//! nearest open venues of each kind and is rebuilt only when a venue opens or closes (or the
//! labour market changes the resident's employment or out-of-work income; see jobs.rs).

use super::batches;
use super::components::*;
use super::distance;
use crate::rng::{Purpose, RngExt};
use crate::scenario::{Owner, Scenario, VenueKind};
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
    labour: Res<Labour>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    let s: &Scenario = &config.0;
    let out_of_work_pressure = labour.out_of_work_pressure(s);
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
    let substitution = VenueKind::ALL.map(|k| substitution(o, k));
    let version = layout.version();
    let per_kind = nearest_per_kind(s);
    let grids = NearestGrids::new(&view);
    let step = clock.step;
    let ring = clock.ring();
    let seeds = seeds.0;

    batches::each(
        residents.reborrow(),
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
                    rebuild(
                        &mut choices,
                        resident,
                        identity,
                        &view,
                        &grids,
                        s,
                        out_of_work_pressure,
                    );
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
            // Each choice's weight this week without the friends term, and each kind's pull.
            let mut weights = [0f32; MAX_CHOICES];
            let mut kinds = [0u8; MAX_CHOICES];
            let mut pull = [0f32; KINDS];
            for (((w, kind), &v), &base) in weights
                .iter_mut()
                .zip(&mut kinds)
                .zip(&choices.venue[..n])
                .zip(&choices.weight[..n])
            {
                let venue = &view[v as usize];
                let k = venue.kind.index();
                *w = base * venue.pull;
                *kind = k as u8;
                pull[k] += *w;
            }
            if choices.first_pull.iter().all(|&p| p == 0.0) {
                choices.first_pull = pull;
            }
            // e^−mean for the Poisson draw and each kind's factor: cached while the places
            // within reach are as they were first counted, or as they were last week.
            let limit = if pull == choices.first_pull {
                choices.reach_scale = [1.0; KINDS];
                identity.poisson_limit
            } else {
                if pull != choices.reach_pull {
                    let (reach, scale) = reach(&choices.first_pull, &pull, &substitution);
                    choices.reach_pull = pull;
                    choices.reach_scale = scale;
                    choices.reach_limit = libm::exp(-f64::from(identity.sociability) * reach);
                }
                choices.reach_limit
            };
            let wanted = (poisson_below(&mut rng, limit) as usize).min(cap);
            let others = wanted.saturating_sub(week.len as usize);
            let mut total = 0f32;
            if others > 0 {
                // The friends term: each choice's haunt score (as `Haunts::score_of`: the first
                // live haunt at that venue), found from the few haunts rather than per choice.
                let mut score = [0f32; MAX_CHOICES];
                for i in (0..HAUNTS).rev() {
                    if haunts.score[i] > 0.0
                        && let Some(j) = choices.venue[..n]
                            .iter()
                            .position(|&v| v == haunts.venue[i])
                    {
                        score[j] = haunts.score[i];
                    }
                }
                // Each kind's share of the week (W_k / P_k), then the friends term.
                let scale = &choices.reach_scale;
                for ((w, &sc), &kind) in weights[..n].iter_mut().zip(&score[..n]).zip(&kinds) {
                    *w *= scale[kind as usize];
                    *w *= 1.0 + friends_weight * sc;
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

/// The share of a closed venue's visits that venues of its kind still in reach absorb.
pub fn substitution(o: &crate::scenario::OutingParams, kind: VenueKind) -> f64 {
    match kind {
        VenueKind::Pub => o.pub_substitution,
        VenueKind::Library => o.library_substitution,
        VenueKind::CommunityCentre => o.community_centre_substitution,
        VenueKind::WelfareHall => o.welfare_hall_substitution,
        VenueKind::Park => o.park_substitution,
        VenueKind::SportsClub => o.sports_club_substitution,
        VenueKind::PlaceOfWorship => o.place_of_worship_substitution,
    }
}

/// The reach of a choice set whose pull by kind was `first` when first counted and is `now`:
/// Σ_k W_k / P₀ (the factor on the resident's mean outings), and each kind's W_k / P_k (the
/// factor on its choices' weights, so that the kind draws W_k of the week's pull).
fn reach(
    first: &[f32; KINDS],
    now: &[f32; KINDS],
    substitution: &[f64; KINDS],
) -> (f64, [f32; KINDS]) {
    let total_first: f64 = first.iter().map(|&p| f64::from(p)).sum();
    let mut kept = 0f64;
    let mut scale = [1f32; KINDS];
    for k in 0..KINDS {
        let (p0, p) = (f64::from(first[k]), f64::from(now[k]));
        let w = if p == 0.0 {
            0.0
        } else if p0 == 0.0 {
            p
        } else {
            p0 * libm::pow(p / p0, 1.0 - substitution[k])
        };
        if p > 0.0 {
            scale[k] = (w / p) as f32;
        }
        kept += w;
    }
    (kept / total_first.max(f64::MIN_POSITIVE), scale)
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

/// Puts `candidate` in its place in `list` (the `found` nearest so far, at most `per_kind`).
fn keep_nearest(
    list: &mut [(f32, u16)],
    found: &mut usize,
    per_kind: usize,
    candidate: (f32, u16),
) {
    let n = *found;
    if n == per_kind && !nearer(candidate, list[n - 1]) {
        return;
    }
    let mut at = n.min(per_kind - 1);
    while at > 0 && nearer(candidate, list[at - 1]) {
        list[at] = list[at - 1];
        at -= 1;
    }
    list[at] = candidate;
    *found = (n + 1).min(per_kind);
}

/// With more open venues than this, the nearest are found through [`NearestGrids`].
const GRID_ABOVE: usize = 128;

/// The open venues of each kind on a square grid, so that finding a home's nearest looks only
/// at the cells around it: the cells are searched ring by ring outwards until every cell not
/// yet searched lies farther away than the farthest venue kept, so the venues found are
/// exactly those a look at every venue would find.
struct NearestGrids {
    kinds: Vec<KindGrid>,
}

/// One kind's grid: venue ids by cell, in compressed rows (`ids[starts[c]..starts[c + 1]]`).
struct KindGrid {
    origin: [f32; 2],
    cell_km: f32,
    size: [i32; 2],
    starts: Vec<u32>,
    ids: Vec<u16>,
}

/// Slack on the distance beyond which unsearched cells are ruled out, km: far above the
/// rounding of positions and distances, so that nothing is ruled out that could be kept.
const GRID_SLACK_KM: f32 = 1e-3;

impl NearestGrids {
    /// Grids of the open venues, or none when there are few enough to look at them all.
    fn new(view: &[VenueView]) -> Option<NearestGrids> {
        if view.iter().filter(|v| v.open).count() <= GRID_ABOVE {
            return None;
        }
        let kinds = VenueKind::ALL
            .iter()
            .map(|&kind| {
                let ids: Vec<u16> = (0..view.len() as u16)
                    .filter(|&i| view[i as usize].open && view[i as usize].kind == kind)
                    .collect();
                KindGrid::new(view, ids)
            })
            .collect();
        Some(NearestGrids { kinds })
    }
}

impl KindGrid {
    fn new(view: &[VenueView], ids: Vec<u16>) -> KindGrid {
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for &i in &ids {
            let p = view[i as usize].pos_km;
            for a in 0..2 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        if ids.is_empty() {
            (lo, hi) = ([0.0; 2], [0.0; 2]);
        }
        let area = ((hi[0] - lo[0]) * (hi[1] - lo[1])).max(1.0);
        // About two venues per cell.
        let cell_km = (2.0 * area / ids.len().max(1) as f32).sqrt().max(0.05);
        let size = [0, 1].map(|a| ((hi[a] - lo[a]) / cell_km) as i32 + 1);
        let cells = (size[0] * size[1]) as usize;
        let cell_of = |p: [f32; 2]| {
            let x = (((p[0] - lo[0]) / cell_km) as i32).clamp(0, size[0] - 1);
            let y = (((p[1] - lo[1]) / cell_km) as i32).clamp(0, size[1] - 1);
            (y * size[0] + x) as usize
        };
        let mut starts = vec![0u32; cells + 1];
        for &i in &ids {
            starts[cell_of(view[i as usize].pos_km) + 1] += 1;
        }
        for c in 0..cells {
            starts[c + 1] += starts[c];
        }
        let mut cursor = starts.clone();
        let mut by_cell = vec![0u16; ids.len()];
        for &i in &ids {
            let c = cell_of(view[i as usize].pos_km);
            by_cell[cursor[c] as usize] = i;
            cursor[c] += 1;
        }
        KindGrid {
            origin: lo,
            cell_km,
            size,
            starts,
            ids: by_cell,
        }
    }

    /// Keeps the `per_kind` venues nearest `home` (distance, then id) in `list`.
    fn nearest(
        &self,
        home: [f32; 2],
        view: &[VenueView],
        list: &mut [(f32, u16)],
        found: &mut usize,
        per_kind: usize,
    ) {
        // The home's cell, which may lie outside the grid; a venue in a cell r rings out is
        // more than (r − 1) cells' width away.
        let at = [0, 1].map(|a| ((home[a] - self.origin[a]) / self.cell_km).floor() as i32);
        let beyond = [0, 1]
            .map(|a| (at[a]).max(self.size[a] - 1 - at[a]).max(-at[a]).max(0))
            .into_iter()
            .max()
            .unwrap_or(0);
        for r in 0..=beyond {
            for y in at[1] - r..=at[1] + r {
                if y < 0 || y >= self.size[1] {
                    continue;
                }
                let edge = y == at[1] - r || y == at[1] + r;
                let step = if edge || r == 0 { 1 } else { 2 * r };
                let mut x = at[0] - r;
                while x <= at[0] + r {
                    if x >= 0 && x < self.size[0] {
                        let c = (y * self.size[0] + x) as usize;
                        for &id in &self.ids[self.starts[c] as usize..self.starts[c + 1] as usize] {
                            let d = distance(home, view[id as usize].pos_km);
                            keep_nearest(list, found, per_kind, (d, id));
                        }
                    }
                    x += step;
                }
            }
            // Every cell not yet searched is more than r cells' width away.
            let cleared = r as f32 * self.cell_km - GRID_SLACK_KM;
            if *found == per_kind && list[per_kind - 1].0 < cleared {
                return;
            }
        }
    }
}

/// Rebuilds a resident's choice set: the nearest open venues of each kind (by distance, then
/// id), with the weight of kind preference, cost and distance. One pass over the venues (or a
/// search of the grid cells around the home) keeps each kind's nearest in a short sorted list.
fn rebuild(
    choices: &mut ChoiceSet,
    resident: &Resident,
    identity: &Identity,
    view: &[VenueView],
    grids: &Option<NearestGrids>,
    s: &Scenario,
    out_of_work_pressure: f32,
) {
    const KINDS: usize = VenueKind::ALL.len();
    const PER_KIND: usize = MAX_CHOICES / KINDS;
    let o = &s.outings;
    let per_kind = nearest_per_kind(s);
    let out_of_work = matches!(resident.employment, Employment::Unemployed);
    let pressure = (0.5 + resident.deprivation)
        * if out_of_work {
            out_of_work_pressure
        } else {
            1.0
        };
    let mut nearest = [[(0f32, 0u16); PER_KIND]; KINDS];
    let mut found = [0usize; KINDS];
    match grids {
        _ if per_kind == 0 => {}
        Some(grids) => {
            for (k, grid) in grids.kinds.iter().enumerate() {
                grid.nearest(
                    resident.home_km,
                    view,
                    &mut nearest[k],
                    &mut found[k],
                    per_kind,
                );
            }
        }
        None => {
            for (id, v) in view.iter().enumerate() {
                if v.open {
                    let k = v.kind.index();
                    let candidate = (distance(resident.home_km, v.pos_km), id as u16);
                    keep_nearest(&mut nearest[k], &mut found[k], per_kind, candidate);
                }
            }
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

    /// 20,000 like residents at the town's centre (ward 0, employed, deprivation 0.2, 1.5
    /// outings a week, a haunt at pub 1) and five venues: pub 0 near in ward 0, pub 1 farther
    /// in ward 1, cheaper and better, pub 2 closed for good, library 3 in ward 0 open the
    /// council's 60% of hours, library 4 shut by a lockdown. When first counted the residents'
    /// pubs pulled twice what they pull now and their libraries 1.25 times. One week: each
    /// venue is visited by the share of residents the header's rule gives (the outings are
    /// Poisson, so the draws at venue v are Poisson(mean × p_v) and it is visited with chance
    /// 1 − e^(−mean × p_v)), within five standard errors; the closed and the shut venue never.
    #[test]
    fn one_week_of_outings_follows_the_headers_choice_rule() {
        use crate::model::testing;
        use bevy_ecs::system::RunSystemOnce;

        let s = Scenario::default();
        let o = s.outings.clone();
        let (pub_, library) = (VenueKind::Pub.index(), VenueKind::Library.index());
        let venues = [
            (VenueKind::Pub, Owner::Private, 0, [0.5, 0.0], 0.5, 10.0),
            (VenueKind::Pub, Owner::Private, 1, [2.0, 0.0], 0.9, 5.0),
            (VenueKind::Pub, Owner::Private, 0, [0.1, 0.0], 0.9, 5.0),
            (VenueKind::Library, Owner::Council, 0, [1.0, 0.0], 0.3, 0.0),
            (VenueKind::Library, Owner::Council, 1, [0.0, 3.0], 0.3, 0.0),
        ];
        let venues: Vec<Venue> = venues
            .iter()
            .enumerate()
            .map(|(id, &(kind, owner, ward, pos_km, quality, cost))| {
                let mut v = testing::venue(id as u16, kind, owner);
                (v.ward, v.pos_km, v.quality, v.visit_cost_gbp) = (ward, pos_km, quality, cost);
                v
            })
            .collect();
        let mut w = testing::world(s.clone(), venues.clone(), Vec::new());
        w.get_mut::<Venue>(w.resource::<VenueIndex>().0[2])
            .unwrap()
            .open = false;
        w.get_mut::<Venue>(w.resource::<VenueIndex>().0[4])
            .unwrap()
            .shut_until = 5;
        w.resource_mut::<CouncilState>().opening_share = 0.6;

        // The header's weights by hand: (W_k / P_k) × exp(preference − cost × pressure)
        // × (d + d0)^−γ × exp(quality_weight × quality) × hours × (1 + friends × haunt).
        let (sociability, deprivation) = (1.5, 0.2);
        let mut preference = [0f32; 7];
        (preference[pub_], preference[library]) = (0.5, -0.2);
        let pressure = 0.5 + deprivation;
        let hours = [1.0, 1.0, 0.0, 0.6, 0.0];
        let haunt = [0.0, 0.5, 0.0, 0.0, 0.0];
        let base: Vec<f64> = (0..5)
            .map(|i| {
                let v = &venues[i];
                let d = f64::from(v.pos_km[0]).hypot(f64::from(v.pos_km[1]));
                (f64::from(preference[v.kind.index()])
                    - o.cost_weight_per_gbp * f64::from(v.visit_cost_gbp) * pressure)
                    .exp()
                    * (d + o.distance_offset_km).powf(-o.distance_exponent)
                    * (o.quality_weight * f64::from(v.quality)).exp()
                    * hours[i]
            })
            .collect();
        let kind_of = |i: usize| venues[i].kind.index();
        let pull = |k: usize| {
            (0..5)
                .filter(|&i| kind_of(i) == k)
                .map(|i| base[i])
                .sum::<f64>()
        };
        let (p_pub, p_library) = (pull(pub_), pull(library));
        let (first_pub, first_library) = (2.0 * p_pub, 1.25 * p_library);
        let kept = |p0: f64, p: f64, s: f64| p0 * (p / p0).powf(1.0 - s);
        let w_pub = kept(first_pub, p_pub, o.pub_substitution);
        let w_library = kept(first_library, p_library, o.library_substitution);
        let mean = sociability * (w_pub + w_library) / (first_pub + first_library);
        let weight: Vec<f64> = (0..5)
            .map(|i| {
                let scale = if kind_of(i) == pub_ {
                    w_pub / p_pub
                } else {
                    w_library / p_library
                };
                base[i] * scale * (1.0 + o.friends_weight * haunt[i])
            })
            .collect();
        let total: f64 = weight.iter().sum();
        let chance: Vec<f64> = weight
            .iter()
            .map(|&x| 1.0 - (-mean * x / total).exp())
            .collect();

        let n = 20_000u32;
        for id in 0..n {
            let identity = Identity {
                traits: [0; MAX_FEATURES],
                sociability: sociability as f32,
                poisson_limit: (-sociability).exp(),
                trustworthiness: 0.5,
                preference,
            };
            let haunts = Haunts {
                venue: [1, 0, 0, 0],
                score: [0.5, 0.0, 0.0, 0.0],
            };
            let mut choices = ChoiceSet::default();
            (choices.first_pull[pub_], choices.first_pull[library]) =
                (first_pub as f32, first_library as f32);
            w.spawn((
                testing::resident(id, id, 0, deprivation as f32),
                identity,
                Memberships::default(),
                haunts,
                choices,
                Outings::default(),
                Recent::default(),
            ));
        }
        w.run_system_once(outings).unwrap();

        let mut visited = [0u32; 5];
        let mut local = 0u32;
        let mut q = w.query::<(&Outings, &Recent)>();
        for (week, recent) in q.iter(&w) {
            for &v in week.as_slice() {
                visited[v as usize] += 1;
            }
            local += u32::from(recent.local_visits[0]);
        }
        assert_eq!(
            (visited[2], visited[4]),
            (0, 0),
            "closed and shut: {visited:?}"
        );
        let n = f64::from(n);
        for i in [0, 1, 3] {
            let (share, p) = (f64::from(visited[i]) / n, chance[i]);
            let bound = 5.0 * (p * (1.0 - p) / n).sqrt();
            assert!(
                (share - p).abs() < bound,
                "venue {i}: {share} against {p} ± {bound}"
            );
        }
        // Visits in the resident's own ward (pub 0 and library 3) are counted as local.
        assert_eq!(local, visited[0] + visited[3]);
    }

    /// Two kinds drew equally at first (pull 2 each); half of the first kind's pull is gone.
    fn half_of_one_kind_gone(s: f64) -> (f64, [f32; KINDS]) {
        let mut first = [0f32; KINDS];
        let mut now = [0f32; KINDS];
        (first[0], first[1]) = (2.0, 2.0);
        (now[0], now[1]) = (1.0, 2.0);
        reach(&first, &now, &[s; KINDS])
    }

    #[test]
    fn with_full_substitution_a_closure_only_moves_visits() {
        let (r, scale) = half_of_one_kind_gone(1.0);
        assert_eq!(r, 1.0, "no outing lost");
        assert_eq!(scale[0], 2.0, "the kind's remaining venues take its visits");
        assert_eq!(scale[1], 1.0);
    }

    #[test]
    fn with_no_substitution_a_closure_takes_its_visits_with_it() {
        let (r, scale) = half_of_one_kind_gone(0.0);
        assert!(
            (r - 0.75).abs() < 1e-12,
            "a quarter of the pull and the outings gone: {r}"
        );
        assert_eq!(scale, [1.0; KINDS]);
    }

    #[test]
    fn partial_substitution_keeps_the_share_of_the_closed_visits() {
        // With s = 0.7 the kind keeps 2 × 0.5^0.3 of its 2: about 81%, so of the quarter of
        // all visits that were at the closed venue, about 62% are kept.
        let (r, scale) = half_of_one_kind_gone(0.7);
        let kept = 2.0 * 0.5f64.powf(0.3);
        assert!((r - (kept + 2.0) / 4.0).abs() < 1e-12, "{r}");
        assert!((f64::from(scale[0]) - kept).abs() < 1e-6, "{scale:?}");
        assert!(r > 0.75 && r < 1.0);
    }

    #[test]
    fn nothing_left_of_a_kind_loses_all_its_visits_whatever_the_substitution() {
        let mut first = [0f32; KINDS];
        first[0] = 2.0;
        first[1] = 2.0;
        let mut now = first;
        now[0] = 0.0;
        for s in [0.0, 0.5, 1.0] {
            let (r, _) = reach(&first, &now, &[s; KINDS]);
            assert_eq!(r, 0.5, "substitution {s}");
        }
    }

    #[test]
    fn a_kind_new_to_the_choice_set_brings_visits_of_its_own() {
        let mut first = [0f32; KINDS];
        first[0] = 2.0;
        let mut now = first;
        now[2] = 1.0;
        let (r, scale) = reach(&first, &now, &[1.0; KINDS]);
        assert_eq!(r, 1.5);
        assert_eq!(scale[2], 1.0);
    }

    #[test]
    fn each_kind_has_its_own_substitution_share() {
        let o = crate::scenario::OutingParams::default();
        let shares = VenueKind::ALL.map(|k| substitution(&o, k));
        assert_eq!(shares, [0.7, 0.5, 0.3, 0.3, 0.8, 0.5, 0.6]);
    }

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

    #[test]
    fn the_grid_finds_what_looking_at_every_venue_finds() {
        use crate::model::resident::draw::{Arrival, SettledAges, new_resident};
        let seeds = Seeds::new(11);
        let mut rng = seeds.tick_stream(Purpose::Outings, 0, 0);
        // Venues over a 40 km square, some at the same spot (equal distances, settled by id),
        // some closed.
        let mut view: Vec<VenueView> = Vec::new();
        for i in 0..700u32 {
            let pos_km = if i % 50 == 7 {
                view[(i - 1) as usize].pos_km
            } else {
                [
                    rng.random::<f32>() * 40.0 - 5.0,
                    rng.random::<f32>() * 40.0 - 5.0,
                ]
            };
            view.push(VenueView {
                kind: VenueKind::ALL[(i % 7) as usize],
                open: i % 9 != 4,
                ward: 0,
                pos_km,
                visit_cost_gbp: (i % 5) as f32,
                pull: 1.0,
            });
        }
        let grids = NearestGrids::new(&view);
        assert!(grids.is_some(), "enough venues for grids");
        for per_kind in [1, 3, 8] {
            let mut s = Scenario::default();
            s.outings.nearest_per_kind = per_kind;
            let cultures = vec![[0u8; MAX_FEATURES]; s.town.wards.len()];
            let ages = SettledAges::new(&s);
            for id in 0..300u32 {
                let founder = Arrival::Founder(&ages);
                let init = new_resident(&s, seeds, &cultures, id, id, (id % 6) as u16, founder);
                let mut resident = init.resident;
                // Homes inside the venues' square, and some well outside it.
                resident.home_km = if id % 4 == 0 {
                    [
                        rng.random::<f32>() * 120.0 - 60.0,
                        rng.random::<f32>() * 120.0 - 60.0,
                    ]
                } else {
                    [
                        rng.random::<f32>() * 40.0 - 5.0,
                        rng.random::<f32>() * 40.0 - 5.0,
                    ]
                };
                let (mut a, mut b) = (ChoiceSet::default(), ChoiceSet::default());
                rebuild(&mut a, &resident, &init.identity, &view, &grids, &s, 2.0);
                rebuild(&mut b, &resident, &init.identity, &view, &None, &s, 2.0);
                let n = a.len as usize;
                assert_eq!(n, 7 * per_kind as usize);
                assert_eq!(
                    a.venue[..n],
                    b.venue[..n],
                    "resident {id}, {per_kind} per kind"
                );
                assert_eq!(a.weight[..n], b.weight[..n]);
            }
        }
    }
}
