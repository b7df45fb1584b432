//! The first social network: each resident seeks a few ties, most in their own ward, and a
//! candidate is accepted with a chance that rises with similarity and falls with distance
//! (homophily and propinquity; McPherson, Smith-Lovin & Cook 2001).

use crate::model::components::Tie;
use crate::model::distance;
use crate::model::encounters::similarity;
use crate::model::resident::draw::ResidentInit;
use crate::rng::{Purpose, RngExt, Seeds};
use crate::scenario::Scenario;

/// Attempts per tie sought before giving up.
const TRIES_PER_TIE: u32 = 12;
/// Acceptance falls as exp(-distance / this), km.
const DISTANCE_SCALE_KM: f32 = 1.5;

/// Adds symmetric ties to `people` (in slot order, so the result depends only on the seeds).
pub fn tie_up(s: &Scenario, seeds: Seeds, people: &mut [ResidentInit]) {
    let n = people.len();
    if n < 2 {
        return;
    }
    let mut by_ward: Vec<Vec<u32>> = vec![Vec::new(); s.town.wards.len()];
    for p in people.iter() {
        by_ward[p.resident.ward as usize].push(p.resident.slot);
    }
    let features = s.residents.identity_features as usize;
    let cap = s.residents.max_ties as usize;
    for i in 0..n {
        let mut rng = seeds.stream(Purpose::TownNetwork, u64::from(people[i].resident.id), 0);
        // Each tie has two ends, so each resident seeks half their share.
        let wanted = crate::rng::poisson(&mut rng, s.residents.initial_ties / 2.0);
        for _ in 0..wanted {
            for _ in 0..TRIES_PER_TIE {
                let local = rng.random_bool(s.residents.local_tie_share);
                let ward = &by_ward[people[i].resident.ward as usize];
                let j = if local && ward.len() > 1 {
                    ward[rng.random_range(0..ward.len())] as usize
                } else {
                    rng.random_range(0..n)
                };
                if j == i || people[i].ties.position(people[j].resident.id).is_some() {
                    continue;
                }
                let sim = similarity(
                    &people[i].identity.traits,
                    &people[j].identity.traits,
                    features,
                );
                let d = distance(people[i].resident.home_km, people[j].resident.home_km);
                let accept = (0.3 + 0.7 * sim) * libm::expf(-d / DISTANCE_SCALE_KM);
                if !rng.random_bool(f64::from(accept).clamp(0.0, 1.0)) {
                    continue;
                }
                if usize::from(people[i].ties.len) >= cap || usize::from(people[j].ties.len) >= cap
                {
                    break;
                }
                let strength = 0.3 + 0.5 * rng.random::<f32>();
                let (a, b) = (&people[i].resident, &people[j].resident);
                let to_j = Tie {
                    slot: b.slot,
                    id: b.id,
                    strength,
                };
                let to_i = Tie {
                    slot: a.slot,
                    id: a.id,
                    strength,
                };
                people[i].ties.add(to_j, cap);
                people[j].ties.add(to_i, cap);
                break;
            }
        }
    }
}
