//! Schelling's segregation model on a grid (Schelling 1971, "Dynamic models of segregation",
//! Journal of Mathematical Sociology 1:143–186), in the two versions people run today.
//!
//! Rule (the default, as Mesa's bundled example, mesa 3.5.1 `examples/basic/schelling`): each
//! cell of a `width × height` grid holds an agent with chance `density`; an agent is of the
//! minority group with chance `minority`. An agent is happy when the share of similar agents
//! among the *occupied* cells of its Moore neighbourhood (radius `radius`) is at least
//! `homophily`; an agent with no neighbours is unhappy. Each step, everyone's happiness is
//! judged from the grid as it stands; then agents act one after another in a fresh random order,
//! and each one judged unhappy moves at once to a uniformly random empty cell. The grid is not a
//! torus, and the run stops when everyone is happy.
//!
//! `--variant netlogo` follows Wilensky's NetLogo Segregation model (1997) instead: an agent
//! with no neighbours is happy, and an unhappy agent turns to a random heading and jumps a
//! random distance under 10 cells, again and again until it lands on a cell no one else holds.
//! NetLogo's model runs on a 51 × 51 torus with density 0.95 and two equal groups.
//!
//! Summary statistics: `happy_share`; `similar_share`, the mean over agents with neighbours of
//! their share of similar neighbours; and `similar_share_pooled`, all similar neighbours over
//! all neighbours (NetLogo's "percent similar").
//!
//! Agents act one after another, each seeing the last one's move, so the model is sequential and
//! keeps its grid in plain arrays; every draw comes from a keyed stream per step.

use super::params::{Kind, ParamSpec, Params};
use super::{ClassicError, ClassicModel};
use crate::rng::{Purpose, RngExt, Seeds};
use serde::Serialize;

/// The parameters of `cohesion classic schelling`; the defaults are Mesa's example's.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "width",
        kind: Kind::Int {
            min: 1,
            max: 10_000,
        },
        default: "20",
        help: "grid width, cells",
    },
    ParamSpec {
        name: "height",
        kind: Kind::Int {
            min: 1,
            max: 10_000,
        },
        default: "20",
        help: "grid height, cells",
    },
    ParamSpec {
        name: "density",
        kind: Kind::Float { min: 0.0, max: 1.0 },
        default: "0.8",
        help: "chance that a cell starts with an agent",
    },
    ParamSpec {
        name: "minority",
        kind: Kind::Float { min: 0.0, max: 1.0 },
        default: "0.5",
        help: "chance that an agent belongs to the minority group",
    },
    ParamSpec {
        name: "homophily",
        kind: Kind::Float { min: 0.0, max: 1.0 },
        default: "0.4",
        help: "wanted share of similar agents among occupied neighbouring cells",
    },
    ParamSpec {
        name: "radius",
        kind: Kind::Int { min: 1, max: 100 },
        default: "1",
        help: "radius of the Moore neighbourhood, cells",
    },
    ParamSpec {
        name: "torus",
        kind: Kind::Bool,
        default: "false",
        help: "whether the grid wraps around at its edges",
    },
    ParamSpec {
        name: "stop-when-happy",
        kind: Kind::Bool,
        default: "true",
        help: "stop as soon as everyone is happy",
    },
    ParamSpec {
        name: "variant",
        kind: Kind::Choice(&["mesa", "netlogo"]),
        default: "mesa",
        help: "mesa: no neighbours is unhappy, move to a random empty cell; netlogo: no \
               neighbours is happy, move by random jumps under 10 cells",
    },
];

/// Steps run at most, unless `--steps` says otherwise.
pub const DEFAULT_MAX_STEPS: u64 = 1_000;
/// NetLogo's unhappy turtles jump `random-float 10` patches.
const NETLOGO_JUMP: f64 = 10.0;
/// A NetLogo-style search gives up (and the agent stays) after this many jumps.
const MAX_JUMPS: u32 = 1_000_000;
const EMPTY: u32 = u32::MAX;

/// Which published version's rules to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Mesa,
    NetLogo,
}

/// A Schelling configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub width: usize,
    pub height: usize,
    pub density: f64,
    pub minority: f64,
    pub homophily: f64,
    pub radius: usize,
    pub torus: bool,
    pub stop_when_happy: bool,
    pub variant: Variant,
}

impl Config {
    /// Mesa's example, with its defaults.
    pub fn mesa() -> Config {
        Config {
            width: 20,
            height: 20,
            density: 0.8,
            minority: 0.5,
            homophily: 0.4,
            radius: 1,
            torus: false,
            stop_when_happy: true,
            variant: Variant::Mesa,
        }
    }

    /// NetLogo's Segregation model with `wanted` similar (its slider default is 0.3).
    pub fn netlogo(wanted: f64) -> Config {
        Config {
            width: 51,
            height: 51,
            density: 0.95,
            minority: 0.5,
            homophily: wanted,
            radius: 1,
            torus: true,
            stop_when_happy: true,
            variant: Variant::NetLogo,
        }
    }

    pub fn from_params(p: &Params) -> Result<Config, ClassicError> {
        let c = Config {
            width: p.int("width") as usize,
            height: p.int("height") as usize,
            density: p.float("density"),
            minority: p.float("minority"),
            homophily: p.float("homophily"),
            radius: p.int("radius") as usize,
            torus: p.flag("torus"),
            stop_when_happy: p.flag("stop-when-happy"),
            variant: if p.text("variant") == "netlogo" {
                Variant::NetLogo
            } else {
                Variant::Mesa
            },
        };
        if c.torus && 2 * c.radius + 1 > c.width.min(c.height) {
            return Err(ClassicError::BadValue {
                param: "radius".into(),
                value: c.radius.to_string(),
                allowed: format!(
                    "at most {} on a {}×{} torus (a neighbourhood may not wrap onto itself)",
                    (c.width.min(c.height) - 1) / 2,
                    c.width,
                    c.height
                ),
            });
        }
        if c.width * c.height > 100_000_000 {
            return Err(ClassicError::BadValue {
                param: "width".into(),
                value: c.width.to_string(),
                allowed: "a grid of at most 100 million cells".into(),
            });
        }
        Ok(c)
    }
}

/// What a run ends with.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub agents: usize,
    pub happy_share: f64,
    /// Mean, over agents with at least one neighbour, of their share of similar neighbours.
    pub similar_share: f64,
    /// All similar neighbours over all neighbours (NetLogo's percent-similar, as a share).
    pub similar_share_pooled: f64,
    pub all_happy: bool,
    pub steps: u64,
    /// Moves made in all.
    pub moves: u64,
}

/// A grid of agents.
pub struct Schelling {
    config: Config,
    seeds: Seeds,
    /// Agent id in each cell, or `EMPTY`.
    grid: Vec<u32>,
    /// Who is in each cell as the neighbours see it: 0 if empty, else 1 + the agent's group (so
    /// that counting neighbours reads one byte per cell).
    shade: Vec<u8>,
    /// Each agent's cell and group.
    cell: Vec<usize>,
    group: Vec<u8>,
    /// Empty cells, in no particular order, and where each is in that list.
    empties: Vec<usize>,
    empty_slot: Vec<usize>,
    /// Neighbouring cells of each cell, flattened: `neighbours[offsets[c]..offsets[c + 1]]`.
    neighbours: Vec<u32>,
    offsets: Vec<usize>,
    happy: Vec<bool>,
    /// Scratch: this step's order of agents, and the cells whose neighbourhoods changed.
    order: Vec<u32>,
    touched: Vec<usize>,
    steps: u64,
    moves: u64,
}

impl Schelling {
    /// Fills the grid cell by cell, row by row, as Mesa does: an agent with chance `density`,
    /// of the minority with chance `minority`.
    pub fn new(config: &Config, seeds: Seeds) -> Schelling {
        let (w, h) = (config.width, config.height);
        let mut rng = seeds.stream(Purpose::Schelling, 0, 0);
        let mut grid = vec![EMPTY; w * h];
        let (mut cell, mut group) = (Vec::new(), Vec::new());
        let mut empties = Vec::new();
        let mut empty_slot = vec![usize::MAX; w * h];
        for (c, slot) in grid.iter_mut().enumerate() {
            if rng.random::<f64>() < config.density {
                *slot = cell.len() as u32;
                cell.push(c);
                group.push(u8::from(rng.random::<f64>() < config.minority));
            } else {
                empty_slot[c] = empties.len();
                empties.push(c);
            }
        }
        let r = config.radius as isize;
        let mut neighbours = Vec::new();
        let mut offsets = vec![0];
        for c in 0..w * h {
            let (x, y) = ((c % w) as isize, (c / w) as isize);
            for dy in -r..=r {
                for dx in -r..=r {
                    if dx == 0 && dy == 0 {
                        continue;
                    }
                    let (mut nx, mut ny) = (x + dx, y + dy);
                    if config.torus {
                        nx = nx.rem_euclid(w as isize);
                        ny = ny.rem_euclid(h as isize);
                    } else if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    neighbours.push((ny as usize * w + nx as usize) as u32);
                }
            }
            offsets.push(neighbours.len());
        }
        let shade = grid
            .iter()
            .map(|&a| if a == EMPTY { 0 } else { 1 + group[a as usize] })
            .collect();
        let mut s = Schelling {
            config: config.clone(),
            seeds,
            grid,
            shade,
            order: Vec::new(),
            touched: Vec::new(),
            happy: vec![false; cell.len()],
            cell,
            group,
            empties,
            empty_slot,
            neighbours,
            offsets,
            steps: 0,
            moves: 0,
        };
        s.judge();
        s
    }

    /// (similar, occupied) neighbours of agent `a`.
    fn counts(&self, a: usize) -> (u32, u32) {
        let c = self.cell[a];
        let mine = 1 + self.group[a];
        let (mut similar, mut total) = (0, 0);
        for &n in &self.neighbours[self.offsets[c]..self.offsets[c + 1]] {
            let shade = self.shade[n as usize];
            total += u32::from(shade != 0);
            similar += u32::from(shade == mine);
        }
        (similar, total)
    }

    /// Whether agent `a` is happy with the grid as it stands.
    fn is_happy(&self, a: usize) -> bool {
        let (similar, total) = self.counts(a);
        if total == 0 {
            self.config.variant == Variant::NetLogo
        } else {
            f64::from(similar) / f64::from(total) >= self.config.homophily
        }
    }

    /// Judges everyone's happiness from the grid as it stands.
    fn judge(&mut self) {
        for a in 0..self.cell.len() {
            self.happy[a] = self.is_happy(a);
        }
    }

    /// Judges again the agents in and around the cells that changed this step: nobody else's
    /// neighbourhood changed, so this gives what judging everyone would.
    /// When so many cells changed that this would judge more agents than there are, everyone is
    /// judged instead.
    fn judge_touched(&mut self) {
        if self.touched.len() * 9 >= self.cell.len() {
            self.touched.clear();
            self.judge();
            return;
        }
        let touched = std::mem::take(&mut self.touched);
        for &c in &touched {
            let around = &self.neighbours[self.offsets[c]..self.offsets[c + 1]];
            for &cell in std::iter::once(&(c as u32)).chain(around) {
                let a = self.grid[cell as usize];
                if a != EMPTY {
                    self.happy[a as usize] = self.is_happy(a as usize);
                }
            }
        }
        self.touched = touched;
        self.touched.clear();
    }

    /// Whether everyone is happy.
    pub fn all_happy(&self) -> bool {
        self.happy.iter().all(|&h| h)
    }

    /// Moves agent `a` from its cell to the empty cell `to`.
    fn relocate(&mut self, a: usize, to: usize) {
        let from = self.cell[a];
        if from == to {
            return;
        }
        // `to` leaves the empty list; `from` takes its place in it.
        let slot = self.empty_slot[to];
        self.empties[slot] = from;
        self.empty_slot[from] = slot;
        self.empty_slot[to] = usize::MAX;
        self.grid[from] = EMPTY;
        self.grid[to] = a as u32;
        self.shade[from] = 0;
        self.shade[to] = 1 + self.group[a];
        self.cell[a] = to;
        self.touched.extend([from, to]);
        self.moves += 1;
    }

    /// NetLogo's `find-new-spot`: random heading, a jump under 10 cells, until the cell there is
    /// empty (or the agent's own).
    fn jump_target<R: RngExt>(&self, a: usize, rng: &mut R) -> usize {
        let (w, h) = (self.config.width as f64, self.config.height as f64);
        let home = self.cell[a];
        let (mut x, mut y) = (
            (home % self.config.width) as f64,
            (home / self.config.width) as f64,
        );
        for _ in 0..MAX_JUMPS {
            let heading = rng.random::<f64>() * std::f64::consts::TAU;
            let d = rng.random::<f64>() * NETLOGO_JUMP;
            let (mut nx, mut ny) = (x + d * libm::sin(heading), y + d * libm::cos(heading));
            if self.config.torus {
                nx = (nx + 0.5).rem_euclid(w) - 0.5;
                ny = (ny + 0.5).rem_euclid(h) - 0.5;
            } else if nx < -0.5 || ny < -0.5 || nx >= w - 0.5 || ny >= h - 0.5 {
                // Off the edge of a bounded world: the jump is not made; try another.
                continue;
            }
            (x, y) = (nx, ny);
            let px = ((x + 0.5).floor() as usize).min(self.config.width - 1);
            let py = ((y + 0.5).floor() as usize).min(self.config.height - 1);
            let c = py * self.config.width + px;
            if self.grid[c] == EMPTY || c == home {
                return c;
            }
        }
        home
    }

    /// One step: the unhappy (as judged at the end of the last step) move one after another in
    /// a fresh random order; then those in and around the cells that changed are judged again.
    pub fn step(&mut self) {
        let mut rng = self.seeds.stream(
            Purpose::Schelling,
            1,
            u32::try_from(self.steps).unwrap_or(u32::MAX),
        );
        // The unhappy, in a fresh random order: shuffling just them gives each of their orders
        // the chance a shuffle of everyone would, and the happy stay put either way.
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend((0..self.cell.len() as u32).filter(|&a| !self.happy[a as usize]));
        for i in (1..order.len()).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        for &a in &order {
            let a = a as usize;
            if self.happy[a] || self.empties.is_empty() {
                continue;
            }
            let to = match self.config.variant {
                Variant::Mesa => self.empties[rng.random_range(0..self.empties.len())],
                Variant::NetLogo => self.jump_target(a, &mut rng),
            };
            self.relocate(a, to);
        }
        self.order = order;
        self.steps += 1;
        self.judge_touched();
    }

    pub fn summary(&self) -> Summary {
        let n = self.cell.len();
        let (mut share_sum, mut with_neighbours) = (0.0, 0u64);
        let (mut similar_all, mut total_all) = (0u64, 0u64);
        for a in 0..n {
            let (similar, total) = self.counts(a);
            if total > 0 {
                share_sum += f64::from(similar) / f64::from(total);
                with_neighbours += 1;
            }
            similar_all += u64::from(similar);
            total_all += u64::from(total);
        }
        let happy = self.happy.iter().filter(|&&h| h).count();
        Summary {
            agents: n,
            happy_share: happy as f64 / n.max(1) as f64,
            similar_share: share_sum / with_neighbours.max(1) as f64,
            similar_share_pooled: similar_all as f64 / total_all.max(1) as f64,
            all_happy: happy == n,
            steps: self.steps,
            moves: self.moves,
        }
    }
}

impl ClassicModel for Schelling {
    fn agents(&self) -> u64 {
        self.cell.len() as u64
    }

    fn run(&mut self, max_steps: u64) -> u64 {
        let start = self.steps;
        while self.steps - start < max_steps {
            if self.config.stop_when_happy && self.all_happy() {
                break;
            }
            self.step();
        }
        self.steps - start
    }

    fn summary_json(&self) -> serde_json::Value {
        serde_json::to_value(self.summary()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_and_corners_have_fewer_neighbours() {
        let s = Schelling::new(&Config::mesa(), Seeds::new(1));
        let count = |c: usize| s.offsets[c + 1] - s.offsets[c];
        assert_eq!(count(0), 3);
        assert_eq!(count(1), 5);
        assert_eq!(count(21), 8);
    }

    #[test]
    fn empty_bookkeeping_stays_consistent() {
        let mut s = Schelling::new(&Config::mesa(), Seeds::new(5));
        s.run(20);
        for (slot, &c) in s.empties.iter().enumerate() {
            assert_eq!(s.grid[c], EMPTY);
            assert_eq!(s.empty_slot[c], slot);
        }
        for (c, &a) in s.grid.iter().enumerate() {
            let shade = if a == EMPTY {
                0
            } else {
                1 + s.group[a as usize]
            };
            assert_eq!(s.shade[c], shade, "cell {c}");
        }
        let occupied = s.grid.iter().filter(|&&g| g != EMPTY).count();
        assert_eq!(occupied + s.empties.len(), 400);
        assert_eq!(occupied, s.cell.len());
    }

    #[test]
    fn judging_the_touched_cells_is_judging_everyone() {
        for variant in [Variant::Mesa, Variant::NetLogo] {
            let config = Config {
                width: 60,
                height: 50,
                torus: variant == Variant::NetLogo,
                variant,
                ..Config::mesa()
            };
            let mut s = Schelling::new(&config, Seeds::new(9));
            for _ in 0..8 {
                s.step();
                let kept = s.happy.clone();
                s.judge();
                assert_eq!(kept, s.happy, "{variant:?} after step {}", s.steps);
            }
            assert!(s.moves > 0);
        }
    }
}
