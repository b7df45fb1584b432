//! Axelrod's model of the dissemination of culture (Axelrod 1997, "The dissemination of
//! culture: a model with local convergence and global polarization", Journal of Conflict
//! Resolution 41(2):203–226).
//!
//! Rule: each site of a `width × height` grid (not a torus, as in the paper) holds a culture of
//! F features, each one of q traits, drawn uniformly. An event: pick a site at random and one of
//! its von Neumann neighbours at random; with probability equal to their similarity (the share of
//! features on which they agree) they interact: the site copies the neighbour's trait on one
//! feature, chosen at random among those on which they differ. The run stops when no
//! neighbouring pair has a similarity strictly between 0 and 1, so no event can change anything.
//!
//! The similarity is the town's own, [`crate::model::rules::similarity`], which sets how well two
//! residents who meet at a venue get on.
//!
//! Published result (Axelrod 1997, Table 2, 10 × 10 grid, 10 runs a cell): the number of stable
//! regions (connected sets of sites with the same culture) rises with q and falls with F.
//!
//! Sites act one after another, so the model is sequential, with its grid in plain arrays. A step
//! is a sweep of width × height events, each sweep drawing from its own keyed stream.

use super::params::{Kind, ParamSpec, Params};
use super::{ClassicError, ClassicModel};
use crate::model::components::MAX_FEATURES;
use crate::model::rules::similarity;
use crate::rng::{Purpose, RngExt, Seeds};
use serde::Serialize;

/// The parameters of `cohesion classic axelrod`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "width",
        kind: Kind::Int { min: 1, max: 2_000 },
        default: "10",
        help: "grid width, sites",
    },
    ParamSpec {
        name: "height",
        kind: Kind::Int { min: 1, max: 2_000 },
        default: "10",
        help: "grid height, sites",
    },
    ParamSpec {
        name: "features",
        kind: Kind::Int {
            min: 1,
            max: MAX_FEATURES as i64,
        },
        default: "5",
        help: "cultural features per site (F)",
    },
    ParamSpec {
        name: "traits",
        kind: Kind::Int { min: 1, max: 255 },
        default: "10",
        help: "traits per feature (q)",
    },
    ParamSpec {
        name: "torus",
        kind: Kind::Bool,
        default: "false",
        help: "whether the grid wraps around at its edges (the paper's does not)",
    },
];

/// Sweeps run at most, unless `--steps` says otherwise.
pub const DEFAULT_MAX_SWEEPS: u64 = 10_000_000;

/// An Axelrod configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub width: usize,
    pub height: usize,
    pub features: usize,
    pub traits: u8,
    pub torus: bool,
}

impl Config {
    /// The paper's territory: a 10 × 10 grid without wrap-around.
    pub fn paper(features: usize, traits: u8) -> Config {
        Config {
            width: 10,
            height: 10,
            features,
            traits,
            torus: false,
        }
    }

    pub fn from_params(p: &Params) -> Result<Config, ClassicError> {
        let c = Config {
            width: p.int("width") as usize,
            height: p.int("height") as usize,
            features: p.int("features") as usize,
            traits: p.int("traits") as u8,
            torus: p.flag("torus"),
        };
        if c.width * c.height < 2 {
            return Err(ClassicError::BadValue {
                param: "width".into(),
                value: c.width.to_string(),
                allowed: "a grid of at least two sites".into(),
            });
        }
        Ok(c)
    }
}

/// What a run ends with.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Connected sets of neighbouring sites with the same culture.
    pub regions: usize,
    /// Whether no event can change anything any more (the regions are then stable regions).
    pub stable: bool,
    /// Distinct cultures present.
    pub cultures: usize,
    pub events: u64,
    pub sweeps: u64,
}

/// A grid of cultures.
pub struct Axelrod {
    config: Config,
    seeds: Seeds,
    culture: Vec<[u8; MAX_FEATURES]>,
    /// Von Neumann neighbours of each site, flattened as in `Schelling`.
    neighbours: Vec<u32>,
    offsets: Vec<usize>,
    /// Neighbouring pairs (counted once) whose similarity is strictly between 0 and 1.
    active: usize,
    events: u64,
    sweeps: u64,
}

impl Axelrod {
    /// Cultures drawn uniformly, site by site.
    pub fn new(config: &Config, seeds: Seeds) -> Axelrod {
        let (w, h) = (config.width, config.height);
        let mut rng = seeds.stream(Purpose::Axelrod, 0, 0);
        let culture: Vec<[u8; MAX_FEATURES]> = (0..w * h)
            .map(|_| {
                let mut c = [0u8; MAX_FEATURES];
                for t in c.iter_mut().take(config.features) {
                    *t = rng.random_range(0..config.traits);
                }
                c
            })
            .collect();
        let mut neighbours = Vec::new();
        let mut offsets = vec![0];
        for s in 0..w * h {
            let (x, y) = ((s % w) as isize, (s / w) as isize);
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let (mut nx, mut ny) = (x + dx, y + dy);
                if config.torus {
                    nx = nx.rem_euclid(w as isize);
                    ny = ny.rem_euclid(h as isize);
                } else if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                    continue;
                }
                let n = ny as usize * w + nx as usize;
                // A narrow torus can make the same cell a neighbour twice, or oneself.
                if n != s && !neighbours[offsets[s]..].contains(&(n as u32)) {
                    neighbours.push(n as u32);
                }
            }
            offsets.push(neighbours.len());
        }
        let mut a = Axelrod {
            config: config.clone(),
            seeds,
            culture,
            neighbours,
            offsets,
            active: 0,
            events: 0,
            sweeps: 0,
        };
        a.active = (0..w * h).map(|s| a.active_around(s)).sum::<usize>() / 2;
        a
    }

    fn neighbours_of(&self, s: usize) -> &[u32] {
        &self.neighbours[self.offsets[s]..self.offsets[s + 1]]
    }

    fn similarity(&self, a: usize, b: usize) -> f32 {
        similarity(&self.culture[a], &self.culture[b], self.config.features)
    }

    /// Active pairs that include site `s`.
    fn active_around(&self, s: usize) -> usize {
        self.neighbours_of(s)
            .iter()
            .filter(|&&n| {
                let sim = self.similarity(s, n as usize);
                sim > 0.0 && sim < 1.0
            })
            .count()
    }

    /// Whether no event can change anything.
    pub fn stable(&self) -> bool {
        self.active == 0
    }

    /// One sweep of width × height events (fewer if the grid becomes stable).
    pub fn sweep(&mut self) {
        let sites = self.culture.len();
        let f = self.config.features;
        let mut rng = self.seeds.stream(
            Purpose::Axelrod,
            1,
            u32::try_from(self.sweeps).unwrap_or(u32::MAX),
        );
        let mut differing = [0usize; MAX_FEATURES];
        for _ in 0..sites {
            if self.stable() {
                break;
            }
            self.events += 1;
            let s = rng.random_range(0..sites);
            let around = self.neighbours_of(s);
            if around.is_empty() {
                continue;
            }
            let n = around[rng.random_range(0..around.len())] as usize;
            let sim = self.similarity(s, n);
            if !(sim > 0.0 && sim < 1.0 && rng.random::<f32>() < sim) {
                continue;
            }
            let mut k = 0;
            for (i, d) in (0..f)
                .filter(|&i| self.culture[s][i] != self.culture[n][i])
                .enumerate()
            {
                differing[i] = d;
                k = i + 1;
            }
            let feature = differing[rng.random_range(0..k)];
            let before = self.active_around(s);
            self.culture[s][feature] = self.culture[n][feature];
            self.active = self.active + self.active_around(s) - before;
        }
        self.sweeps += 1;
    }

    /// Connected sets of neighbouring sites with identical cultures.
    pub fn regions(&self) -> usize {
        let sites = self.culture.len();
        let mut seen = vec![false; sites];
        let mut stack = Vec::new();
        let mut regions = 0;
        for start in 0..sites {
            if seen[start] {
                continue;
            }
            regions += 1;
            seen[start] = true;
            stack.push(start);
            while let Some(s) = stack.pop() {
                for &n in self.neighbours_of(s) {
                    let n = n as usize;
                    if !seen[n] && self.culture[n] == self.culture[s] {
                        seen[n] = true;
                        stack.push(n);
                    }
                }
            }
        }
        regions
    }

    pub fn summary(&self) -> Summary {
        let mut cultures: Vec<[u8; MAX_FEATURES]> = self.culture.clone();
        cultures.sort_unstable();
        cultures.dedup();
        Summary {
            regions: self.regions(),
            stable: self.stable(),
            cultures: cultures.len(),
            events: self.events,
            sweeps: self.sweeps,
        }
    }
}

impl ClassicModel for Axelrod {
    fn agents(&self) -> u64 {
        self.culture.len() as u64
    }

    fn run(&mut self, max_steps: u64) -> u64 {
        let start = self.sweeps;
        while !self.stable() && self.sweeps - start < max_steps {
            self.sweep();
        }
        self.sweeps - start
    }

    fn summary_json(&self) -> serde_json::Value {
        serde_json::to_value(self.summary()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trait_is_one_region_from_the_start() {
        let a = Axelrod::new(&Config::paper(5, 1), Seeds::new(1));
        assert!(a.stable());
        assert_eq!(a.regions(), 1);
    }

    #[test]
    fn runs_to_a_stable_state_where_neighbours_share_all_or_nothing() {
        let mut a = Axelrod::new(&Config::paper(5, 10), Seeds::new(3));
        a.run(DEFAULT_MAX_SWEEPS);
        assert!(a.stable());
        for s in 0..100 {
            for &n in a.neighbours_of(s) {
                let sim = a.similarity(s, n as usize);
                assert!(sim == 0.0 || sim == 1.0);
            }
        }
        assert!(a.regions() >= 1 && a.regions() <= a.summary().cultures.max(1) * 100);
    }
}
