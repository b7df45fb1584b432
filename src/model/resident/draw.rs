//! Drawing one resident: age, work, pit history, identity, sociability, dispositions.
//!
//! Used for the first population and for every newcomer (turnover, through
//! `model::resident::ResidentBundle::newcomer`), so both are drawn the same way. Coalfield residents start with lower trust, council trust and efficacy than England as a
//! whole (Abreu & Jones 2021); deprivation lowers them further and raises unemployment.

use crate::model::components::*;
use crate::rng::{Purpose, RngExt, Seeds, normal};
use crate::scenario::{Scenario, VenueKind};

/// Entity ids at or above this name wards, not residents, in the residents' stream.
const WARD_STREAM_BASE: u64 = 1 << 40;
/// Chance that a trait follows the ward's own culture rather than being drawn at random.
const WARD_CULTURE_PULL: f64 = 0.35;

/// What is drawn for a resident: who they are, their traits and dispositions, and (for the
/// town's founders, filled in by the town plan) their first ties and memberships. The rest of
/// what a resident carries starts empty: `model::resident::ResidentBundle` adds it.
#[derive(Clone, Debug)]
pub struct ResidentInit {
    pub resident: Resident,
    pub identity: Identity,
    pub trust: TrustState,
    pub attitudes: Attitudes,
    pub ties: Ties,
    pub memberships: Memberships,
}

/// Each ward's most common trait per feature, so that neighbours tend to be alike.
pub fn ward_cultures(scenario: &Scenario, seeds: Seeds) -> Vec<[u8; MAX_FEATURES]> {
    let q = scenario.residents.identity_traits;
    (0..scenario.town.wards.len() as u64)
        .map(|w| {
            let mut rng = seeds.stream(Purpose::TownResidents, WARD_STREAM_BASE + w, 0);
            let mut traits = [0u8; MAX_FEATURES];
            for t in traits.iter_mut() {
                *t = rng.random_range(0..q) as u8;
            }
            traits
        })
        .collect()
}

/// The ages newcomers arrive at: `turnover.newcomer_age_min_years` to `newcomer_age_max_years`,
/// within the residents' ages.
fn newcomer_ages(s: &Scenario) -> (f64, f64) {
    let (r, t) = (&s.residents, &s.turnover);
    let lo = t
        .newcomer_age_min_years
        .clamp(r.age_min_years, r.age_max_years);
    (lo, t.newcomer_age_max_years.clamp(lo, r.age_max_years))
}

/// Width of the age steps of the settled age structure, in years.
const AGE_STEP_YEARS: f64 = 0.1;

/// The age structure that turnover holds steady: newcomers arrive evenly over the newcomer
/// ages and residents leave at each age at the rate the turnover rule gives (moving away, more
/// for the young, and mortality; the belonging term taken at belonging 0.5, the middle of the
/// scale). The share aged a then solves n'(a) = inflow(a) − leaving(a)·n(a) from the youngest
/// age, so a town whose founders are drawn from it neither ages nor grows younger as turnover
/// replaces them. Built once per town; `age` draws from it.
pub struct SettledAges {
    min: f64,
    max: f64,
    /// Residents in each `AGE_STEP_YEARS` step from `min`, up to a constant.
    density: Vec<f64>,
    total: f64,
}

impl SettledAges {
    pub fn new(s: &Scenario) -> Self {
        let (r, t) = (&s.residents, &s.turnover);
        let (lo, hi) = newcomer_ages(s);
        let steps = ((r.age_max_years - r.age_min_years) / AGE_STEP_YEARS)
            .ceil()
            .max(1.0) as usize;
        let mut density = Vec::with_capacity(steps);
        let mut n = 0.0;
        for i in 0..steps {
            let a = r.age_min_years + (i as f64 + 0.5) * AGE_STEP_YEARS;
            let young = if a < t.young_age_years {
                t.young_multiplier
            } else {
                1.0
            };
            let leaving = t.leave_rate_per_year * young * (1.0 + 0.5 * t.belonging_weight)
                + t.mortality_at_80_per_year * libm::exp2((a - 80.0) / 8.0);
            // Newcomers per year of age; all in one step when they all arrive at one age.
            let arriving = if hi - lo < AGE_STEP_YEARS {
                f64::from((a - lo).abs() <= AGE_STEP_YEARS / 2.0) / AGE_STEP_YEARS
            } else {
                f64::from((lo..hi).contains(&a)) / (hi - lo)
            };
            // One exact step of n' = arriving − leaving·n over the width of the step.
            let keep = libm::exp(-leaving * AGE_STEP_YEARS);
            n = n * keep
                + if leaving > 0.0 {
                    arriving * (1.0 - keep) / leaving
                } else {
                    arriving * AGE_STEP_YEARS
                };
            density.push(n);
        }
        let total = density.iter().sum();
        SettledAges {
            min: r.age_min_years,
            max: r.age_max_years,
            density,
            total,
        }
    }

    /// The age at quantile `u` (0–1) of the settled structure.
    pub fn age(&self, u: f64) -> f64 {
        if self.total <= 0.0 || !self.total.is_finite() {
            return self.min + (self.max - self.min) * u;
        }
        let mut target = u * self.total;
        for (i, d) in self.density.iter().enumerate() {
            if target < *d {
                let within = if *d > 0.0 { target / d } else { 0.0 };
                return (self.min + (i as f64 + within) * AGE_STEP_YEARS).min(self.max);
            }
            target -= d;
        }
        self.max
    }
}

/// Who is drawn: one of the town's founders, aged from its settled age structure, or a
/// newcomer.
#[derive(Clone, Copy)]
pub enum Arrival<'a> {
    Founder(&'a SettledAges),
    Newcomer,
}

fn clamp01(x: f64, lo: f64, hi: f64) -> f32 {
    x.clamp(lo, hi) as f32
}

/// Draws resident `id` living in `ward`. A newcomer is younger, knows almost nobody and has
/// yet to come to feel they belong.
pub fn new_resident(
    s: &Scenario,
    seeds: Seeds,
    ward_traits: &[[u8; MAX_FEATURES]],
    id: u32,
    slot: u32,
    ward: u16,
    arrival: Arrival,
) -> ResidentInit {
    let newcomer = matches!(arrival, Arrival::Newcomer);
    let purpose = if newcomer {
        Purpose::Newcomer
    } else {
        Purpose::TownResidents
    };
    let mut rng = seeds.stream(purpose, u64::from(id), 0);
    let r = &s.residents;
    let w = &s.town.wards[ward as usize];
    let dep = w.deprivation;

    // Home: uniform over the ward's disc.
    let radius = w.radius_km * rng.random::<f64>().sqrt();
    let angle = std::f64::consts::TAU * rng.random::<f64>();
    let home_km = [
        (w.centre_km[0] + radius * libm::cos(angle)) as f32,
        (w.centre_km[1] + radius * libm::sin(angle)) as f32,
    ];

    // Age: newcomers evenly over the newcomer ages; the town's founders from the age
    // structure that turnover keeps (see `SettledAges`).
    let age = match arrival {
        Arrival::Newcomer => {
            let (lo, hi) = newcomer_ages(s);
            lo + (hi - lo) * rng.random::<f64>()
        }
        Arrival::Founder(ages) => ages.age(rng.random::<f64>()),
    };
    let unemployment =
        (r.unemployment_rate * (1.0 + r.unemployment_deprivation_gradient * dep)).clamp(0.0, 1.0);
    let employment = if age >= s.turnover.retirement_age_years {
        Employment::Retired
    } else if age < s.turnover.student_work_age_years && rng.random_bool(0.5) {
        Employment::Student
    } else if rng.random_bool(unemployment) {
        Employment::Unemployed
    } else {
        Employment::Employed
    };
    let former_miner = !newcomer && age >= 50.0 && rng.random_bool(r.former_miner_share_over_50);

    let mut traits = [0u8; MAX_FEATURES];
    for (f, t) in traits
        .iter_mut()
        .enumerate()
        .take(r.identity_features as usize)
    {
        *t = if rng.random_bool(WARD_CULTURE_PULL) {
            ward_traits[ward as usize][f]
        } else {
            rng.random_range(0..r.identity_traits) as u8
        };
    }
    let spread = r.sociability_spread;
    let sociability =
        r.outings_per_week * libm::exp(spread * normal(&mut rng) - 0.5 * spread * spread);
    // Liking for each kind of venue: the kind's appeal, a life-stage shift (the young go to the
    // pub and the club, older people to chapel and the library), and personal taste.
    let mut preference = [0f32; 7];
    for (kind, p) in VenueKind::ALL.iter().zip(preference.iter_mut()) {
        let life_stage = match kind {
            VenueKind::Pub | VenueKind::SportsClub if age < 35.0 => 0.4,
            VenueKind::Pub | VenueKind::SportsClub if age >= 65.0 => -0.3,
            VenueKind::PlaceOfWorship | VenueKind::Library if age >= 60.0 => 0.4,
            _ => 0.0,
        };
        *p = (s.venues.spec(*kind).preference + life_stage + r.preference_spread * normal(&mut rng))
            as f32;
    }
    let trustworthiness = clamp01(
        r.trustworthiness_mean - r.trustworthiness_deprivation_gradient * (dep - 0.5)
            + r.trustworthiness_spread * normal(&mut rng),
        0.05,
        0.98,
    );

    // Trust: a disposition (prior) and, for the first population, the experience a resident of
    // this sociability would have built up, so the town does not start from nothing.
    let t = &s.trust;
    let disposition = clamp01(
        t.prior_mean - t.prior_deprivation_gradient * (dep - 0.5)
            + t.prior_spread * normal(&mut rng),
        0.02,
        0.98,
    );
    let experience = if newcomer {
        0.0
    } else {
        t.weight_per_encounter * sociability * s.encounters.per_visit_at_capacity * 0.5
            / (1.0 - t.memory_per_week).max(0.01)
    };
    let trust = TrustState {
        prior_good: (t.prior_strength * f64::from(disposition)) as f32,
        prior_bad: (t.prior_strength * (1.0 - f64::from(disposition))) as f32,
        good: (experience * 0.55) as f32,
        bad: (experience * 0.45) as f32,
    };

    let c = &s.council;
    let anchor = |mean: f64, rng: &mut rand_chacha::ChaCha8Rng| {
        clamp01(
            mean - 0.1 * (dep - 0.5) + c.anchor_spread * normal(rng),
            0.01,
            0.99,
        )
    };
    let council_trust_anchor = anchor(c.council_trust_anchor, &mut rng);
    let efficacy_external_anchor = anchor(c.efficacy_external_anchor, &mut rng);
    let efficacy_internal_anchor = anchor(c.efficacy_internal_anchor, &mut rng);
    let belonging = if newcomer {
        0.3
    } else {
        clamp01(0.5 + 0.2 * normal(&mut rng), 0.01, 0.99)
    };
    ResidentInit {
        resident: Resident {
            id,
            slot,
            ward,
            home_km,
            age_years: age as f32,
            employment,
            former_miner,
            deprivation: dep as f32,
        },
        identity: Identity {
            traits,
            sociability: sociability as f32,
            poisson_limit: libm::exp(-f64::from(sociability as f32)),
            trustworthiness,
            preference,
        },
        trust,
        attitudes: Attitudes {
            belonging,
            council_trust: council_trust_anchor,
            efficacy_internal: efficacy_internal_anchor,
            efficacy_external: efficacy_external_anchor,
            council_trust_anchor,
            efficacy_external_anchor,
            efficacy_internal_anchor,
        },
        ties: Ties::default(),
        memberships: Memberships::default(),
    }
}
