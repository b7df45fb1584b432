//! Parameter spaces for sensitivity analysis and calibration: named parameters, each with a
//! lower and an upper bound, spread evenly (uniform) or evenly in the logarithm (log-uniform).
//!
//! The same box serves twice: as the input distribution of a Sobol analysis
//! ([`crate::sensitivity`]) and as the prior of a calibration ([`crate::calibrate`]). Both work
//! in the **unit cube**: coordinate `u` in [0, 1] maps to `lo + u (hi − lo)` for a uniform
//! parameter and to `exp(ln lo + u (ln hi − ln lo))` for a log-uniform one. Independent
//! uniform or log-uniform parameters are then exactly uniform on the cube, so the prior density
//! there is 1 everywhere inside and 0 outside, and a perturbation of size 0.1 means the same
//! share of the prior's range for every parameter.
//!
//! Logarithms and exponentials come from `libm`, so that the same unit coordinate gives the same
//! value, bit for bit, on every platform.
//!
//! Architecture invariant: pure functions of their arguments; no randomness, no I/O.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a parameter's values are spread between its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spread {
    /// Evenly between the bounds.
    Uniform,
    /// Evenly in the logarithm between the bounds (both bounds positive): each factor of ten
    /// gets the same share.
    LogUniform,
}

/// One parameter of a space: its name (the dotted scenario key, for a caller that has one) and
/// its bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpaceAxis {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    pub spread: Spread,
}

impl SpaceAxis {
    /// A uniform axis.
    pub fn uniform(name: &str, lo: f64, hi: f64) -> SpaceAxis {
        SpaceAxis {
            name: name.to_string(),
            lo,
            hi,
            spread: Spread::Uniform,
        }
    }

    /// A log-uniform axis.
    pub fn log_uniform(name: &str, lo: f64, hi: f64) -> SpaceAxis {
        SpaceAxis {
            name: name.to_string(),
            lo,
            hi,
            spread: Spread::LogUniform,
        }
    }

    /// The value at unit coordinate `u` in [0, 1], kept inside the bounds against rounding.
    pub fn value(&self, u: f64) -> f64 {
        let x = match self.spread {
            Spread::Uniform => self.lo + u * (self.hi - self.lo),
            Spread::LogUniform => {
                let (a, b) = (libm::log(self.lo), libm::log(self.hi));
                libm::exp(a + u * (b - a))
            }
        };
        x.clamp(self.lo, self.hi)
    }

    /// The unit coordinate of value `x` (the inverse of [`SpaceAxis::value`], up to rounding).
    pub fn unit(&self, x: f64) -> f64 {
        match self.spread {
            Spread::Uniform => (x - self.lo) / (self.hi - self.lo),
            Spread::LogUniform => {
                let (a, b) = (libm::log(self.lo), libm::log(self.hi));
                (libm::log(x) - a) / (b - a)
            }
        }
    }

    /// Why this axis is not usable, if it is not.
    fn problem(&self) -> Option<String> {
        if self.name.trim().is_empty() {
            return Some("the name is empty".into());
        }
        if !self.lo.is_finite() || !self.hi.is_finite() {
            return Some(format!(
                "bounds must be finite numbers (got {} and {})",
                self.lo, self.hi
            ));
        }
        if self.lo >= self.hi {
            return Some(format!(
                "the lower bound {} must be below the upper bound {}",
                self.lo, self.hi
            ));
        }
        if self.spread == Spread::LogUniform && self.lo <= 0.0 {
            return Some(format!(
                "a log-uniform parameter needs positive bounds (the lower bound is {})",
                self.lo
            ));
        }
        None
    }
}

/// A space that cannot be used: which parameter and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceError {
    /// The parameter's name, or empty when the space as a whole is at fault.
    pub parameter: String,
    pub problem: String,
}

impl fmt::Display for SpaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.parameter.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "parameter `{}`: {}", self.parameter, self.problem)
        }
    }
}

impl std::error::Error for SpaceError {}

/// A checked list of axes: at least one, each with usable bounds, names distinct.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<SpaceAxis>", into = "Vec<SpaceAxis>")]
pub struct Space {
    axes: Vec<SpaceAxis>,
}

impl TryFrom<Vec<SpaceAxis>> for Space {
    type Error = SpaceError;

    fn try_from(axes: Vec<SpaceAxis>) -> Result<Space, SpaceError> {
        Space::new(axes)
    }
}

impl From<Space> for Vec<SpaceAxis> {
    fn from(space: Space) -> Vec<SpaceAxis> {
        space.axes
    }
}

impl Space {
    /// The space of `axes`, in the order given (which is the order of every vector of values).
    pub fn new(axes: Vec<SpaceAxis>) -> Result<Space, SpaceError> {
        if axes.is_empty() {
            return Err(SpaceError {
                parameter: String::new(),
                problem: "at least one parameter is needed".into(),
            });
        }
        for axis in &axes {
            if let Some(problem) = axis.problem() {
                return Err(SpaceError {
                    parameter: axis.name.clone(),
                    problem,
                });
            }
        }
        let mut names: Vec<&str> = axes.iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(SpaceError {
                parameter: pair[0].to_string(),
                problem: "the name appears more than once".into(),
            });
        }
        Ok(Space { axes })
    }

    /// The axes, in order.
    pub fn axes(&self) -> &[SpaceAxis] {
        &self.axes
    }

    /// The number of parameters.
    pub fn dim(&self) -> usize {
        self.axes.len()
    }

    /// The parameters' names, in order.
    pub fn names(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.name.clone()).collect()
    }

    /// The values at unit point `u` (one coordinate per axis).
    pub fn values(&self, u: &[f64]) -> Vec<f64> {
        debug_assert_eq!(u.len(), self.axes.len());
        self.axes.iter().zip(u).map(|(a, &u)| a.value(u)).collect()
    }

    /// The unit point of `values` (one per axis).
    pub fn units(&self, values: &[f64]) -> Vec<f64> {
        debug_assert_eq!(values.len(), self.axes.len());
        self.axes
            .iter()
            .zip(values)
            .map(|(a, &x)| a.unit(x))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_coordinates_map_to_the_bounds_evenly_or_in_the_logarithm() {
        let lin = SpaceAxis::uniform("a", -2.0, 6.0);
        assert_eq!(lin.value(0.0), -2.0);
        assert_eq!(lin.value(0.5), 2.0);
        assert_eq!(lin.value(1.0), 6.0);
        let log = SpaceAxis::log_uniform("b", 0.01, 100.0);
        assert!((log.value(0.5) - 1.0).abs() < 1e-12);
        assert!((log.value(0.25) - 0.1).abs() < 1e-12);
        assert_eq!(log.value(0.0), 0.01);
        assert_eq!(log.value(1.0), 100.0);
        for u in [0.0, 0.1, 0.37, 0.9, 1.0] {
            assert!((lin.unit(lin.value(u)) - u).abs() < 1e-12);
            assert!((log.unit(log.value(u)) - u).abs() < 1e-12);
        }
    }

    #[test]
    fn a_bad_axis_is_named_with_what_is_wrong() {
        let e = Space::new(vec![SpaceAxis::uniform("x", 1.0, 1.0)]).unwrap_err();
        assert_eq!(e.parameter, "x");
        assert!(e.to_string().contains("below the upper bound"), "{e}");
        let e = Space::new(vec![SpaceAxis::log_uniform("y", 0.0, 1.0)]).unwrap_err();
        assert!(e.to_string().contains("positive"), "{e}");
        let e = Space::new(vec![SpaceAxis::uniform("z", f64::NAN, 1.0)]).unwrap_err();
        assert!(e.to_string().contains("finite"), "{e}");
        let e = Space::new(vec![
            SpaceAxis::uniform("w", 0.0, 1.0),
            SpaceAxis::uniform("w", 0.0, 2.0),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("more than once"), "{e}");
        assert!(Space::new(vec![]).is_err());
    }

    #[test]
    fn a_space_reads_back_from_json_and_is_checked_on_the_way() {
        let s = Space::new(vec![
            SpaceAxis::uniform("a", 0.0, 1.0),
            SpaceAxis::log_uniform("b", 0.5, 8.0),
        ])
        .unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Space>(&json).unwrap(), s);
        let bad = r#"[{"name":"a","lo":2.0,"hi":1.0,"spread":"uniform"}]"#;
        let err = serde_json::from_str::<Space>(bad).unwrap_err().to_string();
        assert!(err.contains("parameter `a`"), "{err}");
    }
}
