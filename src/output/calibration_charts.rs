//! Charts of a calibration, in the look of [`super::charts`] (its font, palette, axes, frame,
//! bands, legend and file writer):
//!
//! - [`write_prior_posterior`]: one parameter's prior density (flat, dashed) against its
//!   weighted posterior as a histogram, on the prior's own scale (log10 for a log-uniform
//!   prior, where that prior is flat too), so that a posterior as wide as the prior is a
//!   parameter the targets do not pin down;
//! - [`write_predictive`]: a target series — its published values with 95% error bars, fitted
//!   years filled and held-out years hollow — against the posterior predictive median and its
//!   95% band over every simulated year.
//!
//! Odd input never panics: points that are not finite are left out, and a chart with no data
//! is still drawn as an empty frame. The files are byte-identical from run to run.

use super::charts::{
    ChartAxis, Figure, Frame, KEY_PX, LEGEND_PX, PALETTE, PLOTTERS_FONT_SCALE, SIZE, TickLabels,
    draw_band, draw_legend, draw_line, extent, io_error, nice_step, register_fonts, ticks,
    write_png_and_svg,
};
use crate::space::{self, Spread};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::io;
use std::path::Path;

/// Bins of a posterior histogram.
const BINS: usize = 20;
/// Opacity of the posterior's bars.
const BAR_ALPHA: f64 = 0.55;
/// Radius of a target's dot, and half the width of its error bar's caps, in pixels.
const DOT_PX: i32 = 6;
const CAP_PX: i32 = 6;

/// A year of the model's predictive band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub year: f64,
    pub low: f64,
    pub median: f64,
    pub high: f64,
}

/// A published target value with its 95% error bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observed {
    pub year: f64,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub held_out: bool,
}

/// Prior against posterior for one parameter: `values` and `weights` are the posterior's
/// particles. Writes `NAME.png` and `NAME.svg` into `dir` (which exists) and returns their
/// names.
pub fn write_prior_posterior(
    dir: &Path,
    name: &str,
    title: &str,
    axis: &space::SpaceAxis,
    values: &[f64],
    weights: &[f64],
) -> io::Result<[String; 2]> {
    register_fonts();
    let log = axis.spread == Spread::LogUniform;
    let to_x = |v: f64| if log { v.log10() } else { v };
    let (lo, hi) = (to_x(axis.lo), to_x(axis.hi));
    let width = (hi - lo) / BINS as f64;
    let mut mass = [0.0; BINS];
    let mut total = 0.0;
    for (&v, &w) in values.iter().zip(weights) {
        let x = to_x(v);
        if !(x.is_finite() && w.is_finite() && w > 0.0) {
            continue;
        }
        let bin = (((x - lo) / width).floor().max(0.0) as usize).min(BINS - 1);
        mass[bin] += w;
        total += w;
    }
    let density: Vec<f64> = mass
        .iter()
        .map(|m| if total > 0.0 { m / total / width } else { 0.0 })
        .collect();
    let prior = 1.0 / (hi - lo);
    let top = density.iter().copied().fold(prior, f64::max) * 1.15;
    let x = if log {
        log_axis(lo, hi)
    } else {
        ChartAxis::new(lo, hi, 10, min_step(hi - lo))
    };
    let y = ChartAxis::new(0.0, top, 10, min_step(top));
    let chart = PriorPosterior {
        title,
        x_desc: if log {
            format!("{} (log scale)", axis.name)
        } else {
            axis.name.clone()
        },
        bins: (0..BINS)
            .map(|b| {
                (
                    lo + b as f64 * width,
                    lo + (b + 1) as f64 * width,
                    density[b],
                )
            })
            .collect(),
        prior: (lo, hi, prior),
        x,
        y,
    };
    write_png_and_svg(dir, name, SIZE, &chart)
}

/// A target series against the posterior predictive. `y_desc` describes the metric. Writes
/// `NAME.png` and `NAME.svg` into `dir` (which exists) and returns their names.
pub fn write_predictive(
    dir: &Path,
    name: &str,
    title: &str,
    y_desc: &str,
    band: &[Band],
    observed: &[Observed],
) -> io::Result<[String; 2]> {
    register_fonts();
    let band: Vec<Band> = band
        .iter()
        .filter(|b| {
            [b.year, b.low, b.median, b.high]
                .iter()
                .all(|v| v.is_finite())
        })
        .copied()
        .collect();
    let observed: Vec<Observed> = observed
        .iter()
        .filter(|o| {
            [o.year, o.value, o.low, o.high]
                .iter()
                .all(|v| v.is_finite())
        })
        .copied()
        .collect();
    let years = band
        .iter()
        .map(|b| b.year)
        .chain(observed.iter().map(|o| o.year));
    let (x0, x1) = extent(years).unwrap_or((2010.0, 2020.0));
    let x = ChartAxis::new((x0 - 0.5).floor(), (x1 + 0.5).ceil(), 12, 1.0);
    let values = band
        .iter()
        .flat_map(|b| [b.low, b.high])
        .chain(observed.iter().flat_map(|o| [o.low, o.high]));
    let (y0, y1) = extent(values).unwrap_or((0.0, 1.0));
    let (y0, y1) = if y1 - y0 > 1e-9 {
        (y0, y1)
    } else {
        (y0 - 0.05, y1 + 0.05)
    };
    let pad = 0.08 * (y1 - y0);
    let (y0, y1) = (y0 - pad, y1 + pad);
    let step = nice_step(y1 - y0, 10, min_step(y1 - y0));
    let y = ChartAxis::new(
        (y0 / step).floor() * step,
        (y1 / step).ceil() * step,
        10,
        min_step(y1 - y0),
    );
    let chart = Predictive {
        title,
        y_desc,
        band,
        observed,
        x,
        y,
    };
    write_png_and_svg(dir, name, SIZE, &chart)
}

/// A floor for the tick step on a span.
fn min_step(span: f64) -> f64 {
    if span > 0.0 && span.is_finite() {
        10f64.powi(span.log10().floor() as i32 - 3)
    } else {
        1e-3
    }
}

/// A log10 axis over [lo, hi] (in log10 units), with ticks at 1, 2 and 5 × powers of ten, or at
/// tidy steps of the exponent when there are too many or too few of those.
fn log_axis(lo: f64, hi: f64) -> ChartAxis {
    let mut marks = Vec::new();
    for decade in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in [1.0f64, 2.0, 5.0] {
            let t = f64::from(decade) + m.log10();
            if t >= lo - 1e-9 && t <= hi + 1e-9 {
                marks.push(t);
            }
        }
    }
    if marks.len() < 2 || marks.len() > 10 {
        let step = nice_step(hi - lo, 8, min_step(hi - lo));
        marks = ticks(lo, hi, step);
    }
    ChartAxis {
        lo,
        hi,
        ticks: marks,
        labels: TickLabels::Log10,
    }
}

struct PriorPosterior<'a> {
    title: &'a str,
    x_desc: String,
    /// (left, right, density) of each bin.
    bins: Vec<(f64, f64, f64)>,
    /// (left, right, density) of the prior.
    prior: (f64, f64, f64),
    x: ChartAxis,
    y: ChartAxis,
}

impl Figure for PriorPosterior<'_> {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(io_error)?;
        let mut ctx = Frame {
            title: self.title,
            x: &self.x,
            y: &self.y,
            x_desc: &self.x_desc,
            y_desc: "density",
            margin_right: 40,
            grid: true,
        }
        .draw(&root)?;
        let key_rise = (text_rise * LEGEND_PX * PLOTTERS_FONT_SCALE).round() as i32;
        let fill = PALETTE[0].mix(BAR_ALPHA).filled();
        ctx.draw_series(
            self.bins
                .iter()
                .map(|&(a, b, d)| Rectangle::new([(a, 0.0), (b, d)], fill)),
        )
        .map_err(io_error)?
        .label("posterior (weighted particles)")
        .legend(move |(x, y)| {
            Rectangle::new(
                [(x, y - key_rise - 7), (x + KEY_PX, y - key_rise + 7)],
                fill,
            )
        });
        let prior_style = PALETTE[1].stroke_width(3);
        let (a, b, d) = self.prior;
        ctx.draw_series(std::iter::once(DashedPathElement::new(
            vec![(a, d), (b, d)],
            10,
            6,
            prior_style,
        )))
        .map_err(io_error)?
        .label("prior")
        .legend(move |(x, y)| {
            DashedPathElement::new(
                vec![(x, y - key_rise), (x + KEY_PX, y - key_rise)],
                10,
                6,
                prior_style,
            )
        });
        let points: Vec<(f64, f64)> = self
            .bins
            .iter()
            .map(|&(a, b, d)| ((a + b) / 2.0, d))
            .chain([(a, d), (b, d)])
            .collect();
        draw_legend(
            &mut ctx,
            &["posterior (weighted particles)", "prior"],
            &[points],
        )?;
        root.present().map_err(io_error)?;
        Ok(())
    }
}

struct Predictive<'a> {
    title: &'a str,
    y_desc: &'a str,
    band: Vec<Band>,
    observed: Vec<Observed>,
    x: ChartAxis,
    y: ChartAxis,
}

impl Figure for Predictive<'_> {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(io_error)?;
        let mut ctx = Frame {
            title: self.title,
            x: &self.x,
            y: &self.y,
            x_desc: "year",
            y_desc: self.y_desc,
            margin_right: 40,
            grid: true,
        }
        .draw(&root)?;
        let band: Vec<(f64, f64, f64)> =
            self.band.iter().map(|b| (b.year, b.low, b.high)).collect();
        draw_band(&mut ctx, PALETTE[0], &band)?;
        let median: Vec<(f64, f64)> = self.band.iter().map(|b| (b.year, b.median)).collect();
        let model = "model: predictive median and 95% band";
        draw_line(&mut ctx, 0, model, &median, text_rise)?;
        let key_rise = (text_rise * LEGEND_PX * PLOTTERS_FONT_SCALE).round() as i32;
        let mut labels = vec![model];
        for (held_out, colour, label) in [
            (false, PALETTE[1], "target, fitted (95% error bar)"),
            (true, PALETTE[2], "target, held out (95% error bar)"),
        ] {
            let chosen: Vec<&Observed> = self
                .observed
                .iter()
                .filter(|o| o.held_out == held_out)
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let bar = colour.stroke_width(2);
            let cap = move |at: (f64, f64)| {
                EmptyElement::at(at) + PathElement::new(vec![(-CAP_PX, 0), (CAP_PX, 0)], bar)
            };
            ctx.draw_series(
                chosen
                    .iter()
                    .map(|o| PathElement::new(vec![(o.year, o.low), (o.year, o.high)], bar)),
            )
            .map_err(io_error)?;
            ctx.draw_series(
                chosen
                    .iter()
                    .flat_map(|o| [cap((o.year, o.low)), cap((o.year, o.high))]),
            )
            .map_err(io_error)?;
            let dot = if held_out {
                colour.stroke_width(3)
            } else {
                colour.filled()
            };
            ctx.draw_series(
                chosen
                    .iter()
                    .map(|o| Circle::new((o.year, o.value), DOT_PX, dot)),
            )
            .map_err(io_error)?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + KEY_PX / 2, y - key_rise), DOT_PX, dot));
            labels.push(label);
        }
        let mut points: Vec<Vec<(f64, f64)>> = vec![
            self.band
                .iter()
                .flat_map(|b| [(b.year, b.low), (b.year, b.median), (b.year, b.high)])
                .collect(),
        ];
        points.push(
            self.observed
                .iter()
                .flat_map(|o| [(o.year, o.low), (o.year, o.value), (o.year, o.high)])
                .collect(),
        );
        draw_legend(&mut ctx, &labels, &points)?;
        root.present().map_err(io_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_written_and_the_same_bytes_twice() {
        let dir = tempfile::tempdir().unwrap();
        let axis = space::SpaceAxis::log_uniform("trust.prior_strength", 1.0, 100.0);
        let values = [2.0, 3.0, 10.0, 50.0];
        let weights = [0.1, 0.4, 0.4, 0.1];
        let a = write_prior_posterior(dir.path(), "a", "t", &axis, &values, &weights).unwrap();
        let first = std::fs::read(dir.path().join(&a[1])).unwrap();
        write_prior_posterior(dir.path(), "a", "t", &axis, &values, &weights).unwrap();
        assert_eq!(first, std::fs::read(dir.path().join(&a[1])).unwrap());
        let band = [
            Band {
                year: 2010.0,
                low: 0.5,
                median: 0.6,
                high: 0.7,
            },
            Band {
                year: 2011.0,
                low: 0.52,
                median: 0.61,
                high: f64::NAN,
            },
        ];
        let obs = [
            Observed {
                year: 2010.0,
                value: 0.62,
                low: 0.6,
                high: 0.64,
                held_out: false,
            },
            Observed {
                year: 2011.0,
                value: 0.65,
                low: 0.63,
                high: 0.67,
                held_out: true,
            },
        ];
        let p = write_predictive(dir.path(), "p", "t", "share", &band, &obs).unwrap();
        assert!(dir.path().join(&p[0]).exists());
        write_predictive(dir.path(), "e", "t", "share", &[], &[]).unwrap();
    }
}
