//! Charts of parameter sweeps, so that a reader sees how an outcome depends on the model's
//! parameters.
//!
//! Three kinds, each written as PNG and SVG in the look of [`super::charts`] (its font, palette,
//! tidy axes, frame and file writer):
//!
//! - [`write_param_chart`]: a swept parameter against a summarised metric. A grid sweep joins
//!   each line's means, with the 95% interval as a translucent band; a sampled design (Latin
//!   hypercube, Morris) draws one dot with an interval bar per sampled parameter set.
//! - [`write_heatmap`]: a two-parameter grid, one cell per pair of levels, coloured on the
//!   viridis scale (perceptually uniform, readable by colour-blind readers) and annotated with
//!   its value and ± its 95% interval; cells without runs are hatched grey.
//!
//! An axis whose parameter is money (`numbers::is_money_key`: `council.yearly_budget_gbp`) is
//! labelled in pounds as a reader says them: £3.0m, £250k, £2,800.
//! - [`write_morris_chart`]: the μ*–σ chart of a Morris screening (Morris 1991; μ* as in
//!   Campolongo, Cariboni & Saltelli 2007), with the reference line σ = μ*.
//!
//! Odd input never panics and never stops a chart being written: NaN or infinite values (and,
//! on a log axis, x ≤ 0) are left out, an axis whose data has no span is given one, and a chart
//! with no data at all is still drawn, as an empty frame. The files are byte-identical from run
//! to run: nothing depends on the clock or on hash order.

use super::charts::{
    AXIS_LABEL_PX, ChartAxis, Figure, Frame, KEY_PX, LEGEND_PX, LINE_PX, MARKER, PALETTE,
    PLOTTERS_FONT_SCALE, SIZE, TICK_LABEL_PX, TickLabels, draw_band, draw_legend, draw_line,
    extent, font, io_error, nice_step, register_fonts, tidy_number, write_png_and_svg,
};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontTransform, RGBColor};
use std::io;
use std::path::Path;

/// Radius of a data dot, in pixels.
const DOT_PX: i32 = 5;
/// Width of an interval bar, in pixels, and half the width of the caps at its ends.
const BAR_PX: u32 = 2;
const CAP_PX: i32 = 5;
/// Opacity of interval bars in scatter charts, so that crowded bars do not hide the dots.
const BAR_ALPHA: f64 = 0.55;
/// Space added either side of the data on an x axis, as a fraction of the data's span, so that
/// dots at the ends are drawn whole.
const X_PAD: f64 = 0.03;
/// Space added above and below the data on a y axis, as a fraction of the data's span.
const Y_PAD: f64 = 0.08;
/// At most this many labelled ticks on a numeric axis.
const MAX_TICKS: usize = 10;
/// Data beyond ±this is clamped when axes are chosen, so that spans stay finite.
const LIMIT: f64 = 1e300;

/// Space right of a heatmap's cells for its colour bar, in pixels.
const HEATMAP_MARGIN_RIGHT: u32 = 200;
/// Gap between the cells and the colour bar, and the bar's width, in pixels.
const BAR_GAP_PX: i32 = 28;
const COLOUR_BAR_PX: i32 = 26;
/// Pixels left blank around each heatmap cell, so that neighbouring cells stay distinct.
const CELL_INSET_PX: i32 = 1;
/// Fill and hatching of a cell with no runs.
const NO_DATA_FILL: RGBColor = RGBColor(0xF2, 0xF2, 0xF2);
const NO_DATA_HATCH: RGBColor = RGBColor(0xA0, 0xA0, 0xA0);
/// Distance between hatch lines, in pixels.
const HATCH_PX: i32 = 9;
/// Cell annotations shrink from the tick-label size down to this before they are left out.
const MIN_CELL_TEXT_PX: f64 = 10.0;

/// Font size of the names beside Morris dots, in pixels per em.
const MORRIS_LABEL_PX: f64 = 16.0;
/// Rings of candidate positions tried around a Morris dot for its name.
const LABEL_RINGS: i32 = 14;
/// Blank space kept around each Morris name, in pixels, under a pale backing.
const LABEL_PAD_PX: i32 = 2;

/// Matplotlib's viridis (van der Walt & Smith, CC0) sampled at 17 even steps of its 256
/// entries, in 8-bit sRGB; colours between are interpolated linearly.
const VIRIDIS: [RGBColor; 17] = [
    RGBColor(68, 1, 84),
    RGBColor(72, 24, 106),
    RGBColor(71, 45, 123),
    RGBColor(66, 64, 134),
    RGBColor(59, 82, 139),
    RGBColor(51, 99, 141),
    RGBColor(44, 114, 142),
    RGBColor(38, 130, 142),
    RGBColor(33, 145, 140),
    RGBColor(31, 159, 136),
    RGBColor(39, 173, 129),
    RGBColor(61, 188, 116),
    RGBColor(92, 200, 99),
    RGBColor(129, 211, 77),
    RGBColor(170, 220, 50),
    RGBColor(213, 226, 26),
    RGBColor(253, 231, 37),
];

/// One line in a parameter chart: (x, mean, interval low, interval high) per point.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamLine {
    pub label: String,
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// A swept parameter (x) against a summarised metric (y): each line's means joined by a line
/// with its 95% interval as a translucent band, x sorted ascending by the function itself.
/// With `scatter = true` (Latin hypercube or Morris samples: one point per sampled parameter set,
/// other parameters varying), draw each point as a dot with a vertical interval bar instead of
/// lines and bands. `log_x` puts x on a log10 axis (values > 0; ticks at 1-2-5 × powers of ten).
/// A single line needs no legend; several get one. y axis: padded range around the data
/// including the intervals (not forced to [0,1]).
///
/// Writes `NAME.png` and `NAME.svg` (1200×700) into `dir`, which must exist, and returns their
/// names. A point whose x or mean is NaN or infinite (or, with `log_x`, whose x is ≤ 0) is left
/// out; a point whose interval is not finite keeps its dot but has no interval. In a line chart,
/// a line with fewer than two intervals draws them as bars, since a band needs two.
#[allow(clippy::too_many_arguments)]
pub fn write_param_chart(
    dir: &Path,
    name: &str,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    log_x: bool,
    scatter: bool,
    lines: &[ParamLine],
) -> io::Result<[String; 2]> {
    register_fonts();
    let lines: Vec<Line> = lines.iter().map(|line| Line::new(line, log_x)).collect();
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.x));
    let mut x = if log_x {
        log_axis(xs)
    } else {
        linear_axis(xs, X_PAD, false)
    };
    if !log_x && super::numbers::is_money_key(x_desc) {
        x.labels = TickLabels::Money;
    }
    let ys = lines.iter().flat_map(|l| {
        l.points.iter().flat_map(|p| {
            let (lo, hi) = p.interval.unwrap_or((p.mean, p.mean));
            [p.mean, lo, hi]
        })
    });
    let y = linear_axis(ys, Y_PAD, true);
    let chart = ParamChart {
        title,
        x_desc,
        y_desc,
        scatter,
        lines,
        x,
        y,
    };
    write_png_and_svg(dir, name, SIZE, &chart)
}

/// A two-axis grid as a heatmap: `values[yi][xi]` is the mean metric at (xs[xi], ys[yi]); None
/// for a cell with no runs (drawn hatched or grey, clearly "no data"). Axes are categorical: one
/// column/row per level, labelled with the level's value (tidy formatting: no float noise like
/// 0.30000000000000004; integers without decimals). Each cell is coloured on a perceptually
/// uniform sequential scale (viridis-like, colour-blind safe) between the min and max of the
/// present values and annotated with its value (3 significant decimals) and, where
/// `half_widths[yi][xi]` holds it, ± the half-width of its 95% interval ("0.334 ±0.004"); text
/// colour chosen for contrast. `half_widths` may be empty. A colour bar with `value_desc` and
/// its min/max ticks sits at the right. Say in `title` how many runs each cell holds.
///
/// Writes `NAME.png` and `NAME.svg` (1200×700) into `dir`, which must exist, and returns their
/// names. Columns run left to right and rows bottom to top in ascending order of their levels,
/// whatever the order of `xs` and `ys`. A level that is NaN or infinite is left out with its
/// column or row; a value that is NaN or infinite, or missing because `values` is shorter than
/// the levels, counts as no runs. When all present values are equal, every cell takes the middle
/// colour and the bar has one tick. Annotations shrink to fit small cells, and are left out when
/// even small text would not fit; tick labels are thinned likewise.
#[allow(clippy::too_many_arguments)]
pub fn write_heatmap(
    dir: &Path,
    name: &str,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    value_desc: &str,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<Option<f64>>],
    half_widths: &[Vec<Option<f64>>],
) -> io::Result<[String; 2]> {
    register_fonts();
    let columns = sorted_levels(xs);
    let rows = sorted_levels(ys);
    let pick = |table: &[Vec<Option<f64>>]| -> Vec<Vec<Option<f64>>> {
        rows.iter()
            .map(|&(yi, _)| {
                columns
                    .iter()
                    .map(|&(xi, _)| {
                        let value = table.get(yi).and_then(|row| row.get(xi)).copied();
                        value.flatten().filter(|v| v.is_finite())
                    })
                    .collect()
            })
            .collect()
    };
    let cells = pick(values);
    let half_widths = pick(half_widths);
    let range = extent(cells.iter().flatten().flatten().copied());
    let (width, height) = heatmap_room();
    let heatmap = Heatmap {
        title,
        x_desc,
        y_desc,
        value_desc,
        x: level_axis(&columns, width, true, super::numbers::is_money_key(x_desc)),
        y: level_axis(&rows, height, false, super::numbers::is_money_key(y_desc)),
        cells,
        half_widths,
        range,
    };
    write_png_and_svg(dir, name, SIZE, &heatmap)
}

/// One parameter's Morris elementary-effects statistics for one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisPoint {
    pub label: String,
    pub mu_star: f64,
    pub sigma: f64,
}

/// The μ*–σ chart of a Morris screening: each parameter a dot at (μ*, σ) labelled with its
/// name (labels placed so they do not run off the plot), axes from 0, and a dashed reference
/// line σ = μ* (above it, a parameter's effect is mostly non-linear or interacting).
/// x axis "μ* (mean absolute elementary effect)", y axis "σ (spread of elementary effects)",
/// each with `metric_desc` units appended if helpful.
///
/// Writes `NAME.png` and `NAME.svg` (1200×700) into `dir`, which must exist, and returns their
/// names. A non-empty `metric_desc` is appended to both axis descriptions after a comma. A
/// point with a NaN or infinite μ* or σ is left out; a negative one (which a Morris statistic
/// never is) is drawn, its axis then starting below 0 to show it. Names are placed one by one, largest μ* first, beside
/// their dots where they overlap no other name or dot if possible, and are joined to their dot
/// by a thin line when they had to be placed further away. Many parameters crowded near the
/// origin (the usual case for unimportant ones) fan out with such lines and may still touch.
pub fn write_morris_chart(
    dir: &Path,
    name: &str,
    title: &str,
    metric_desc: &str,
    points: &[MorrisPoint],
) -> io::Result<[String; 2]> {
    register_fonts();
    let mut points: Vec<MorrisPoint> = points
        .iter()
        .filter(|p| p.mu_star.is_finite() && p.sigma.is_finite())
        .cloned()
        .collect();
    // Names are placed in this order, so the most influential parameters get the clearest
    // places (a stable sort: equal μ* keep the caller's order).
    points.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star));
    let with_units = |desc: &str| {
        if metric_desc.trim().is_empty() {
            desc.to_owned()
        } else {
            format!("{desc}, {metric_desc}")
        }
    };
    let chart = MorrisChart {
        title,
        x_desc: with_units("μ* (mean absolute elementary effect)"),
        y_desc: with_units("σ (spread of elementary effects)"),
        x: zero_based_axis(points.iter().map(|p| p.mu_star)),
        y: zero_based_axis(points.iter().map(|p| p.sigma)),
        points,
    };
    write_png_and_svg(dir, name, SIZE, &chart)
}

/// A parameter chart with its axes chosen; x is in log10 units when the axis is logarithmic.
struct ParamChart<'a> {
    title: &'a str,
    x_desc: &'a str,
    y_desc: &'a str,
    scatter: bool,
    lines: Vec<Line>,
    x: ChartAxis,
    y: ChartAxis,
}

/// A line's finite points, in ascending order of x.
struct Line {
    label: String,
    points: Vec<Point>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    /// The parameter's value, or its log10 on a log axis.
    x: f64,
    mean: f64,
    /// (low, high), if both ends are finite.
    interval: Option<(f64, f64)>,
}

impl Line {
    fn new(line: &ParamLine, log_x: bool) -> Line {
        let mut points: Vec<Point> = line
            .points
            .iter()
            .filter_map(|&(x, mean, low, high)| {
                let x = match log_x {
                    true if x > 0.0 => x.log10(),
                    true => return None,
                    // Adding 0.0 turns -0 into 0, so that the sort below treats them alike.
                    false => x + 0.0,
                };
                if !x.is_finite() || !mean.is_finite() {
                    return None;
                }
                let interval =
                    (low.is_finite() && high.is_finite()).then(|| (low.min(high), low.max(high)));
                Some(Point { x, mean, interval })
            })
            .collect();
        // A stable sort: points with equal x keep the caller's order.
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        Line {
            label: line.label.clone(),
            points,
        }
    }

    fn means(&self) -> Vec<(f64, f64)> {
        self.points.iter().map(|p| (p.x, p.mean)).collect()
    }

    /// (x, low, high) of every point that has an interval.
    fn intervals(&self) -> Vec<(f64, f64, f64)> {
        self.points
            .iter()
            .filter_map(|p| p.interval.map(|(low, high)| (p.x, low, high)))
            .collect()
    }
}

impl Figure for ParamChart<'_> {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(io_error)?;
        let mut ctx = Frame {
            title: self.title,
            x: &self.x,
            y: &self.y,
            x_desc: self.x_desc,
            y_desc: self.y_desc,
            margin_right: 40,
            grid: true,
        }
        .draw(&root)?;

        if self.scatter {
            self.draw_dots(&mut ctx, text_rise)?;
        } else {
            self.draw_lines(&mut ctx, text_rise)?;
        }

        if self.lines.len() > 1 {
            let labels: Vec<&str> = self.lines.iter().map(|l| l.label.as_str()).collect();
            // The legend avoids the means and the ends of the intervals.
            let points: Vec<Vec<(f64, f64)>> = self
                .lines
                .iter()
                .map(|l| {
                    let ends = l
                        .intervals()
                        .into_iter()
                        .flat_map(|(x, lo, hi)| [(x, lo), (x, hi)]);
                    l.means().into_iter().chain(ends).collect()
                })
                .collect();
            draw_legend(&mut ctx, &labels, &points)?;
        }
        root.present().map_err(io_error)?;
        Ok(())
    }
}

impl ParamChart<'_> {
    /// Bands under every line, then each line with a dot at each of its points.
    fn draw_lines<DB: DrawingBackend>(
        &self,
        ctx: &mut ChartContext<DB, Cartesian2d<ChartAxis, ChartAxis>>,
        text_rise: f64,
    ) -> io::Result<()> {
        for (i, line) in self.lines.iter().enumerate() {
            draw_band(ctx, colour(i), &line.intervals())?;
        }
        for (i, line) in self.lines.iter().enumerate() {
            let intervals = line.intervals();
            if intervals.len() == 1 {
                draw_bars(ctx, &intervals, colour(i).stroke_width(BAR_PX))?;
            }
            draw_line(ctx, i, &line.label, &line.means(), text_rise)?;
            let dot = colour(i).filled();
            ctx.draw_series(
                line.points
                    .iter()
                    .map(|p| Circle::new((p.x, p.mean), DOT_PX - 1, dot)),
            )
            .map_err(io_error)?;
        }
        Ok(())
    }

    /// Every line's interval bars, then its dots, each line with a dot as its legend key; past
    /// the palette, colours repeat with hollow dots.
    fn draw_dots<DB: DrawingBackend>(
        &self,
        ctx: &mut ChartContext<DB, Cartesian2d<ChartAxis, ChartAxis>>,
        text_rise: f64,
    ) -> io::Result<()> {
        for (i, line) in self.lines.iter().enumerate() {
            let style = colour(i).mix(BAR_ALPHA).stroke_width(BAR_PX);
            draw_bars(ctx, &line.intervals(), style)?;
        }
        let key_rise = (text_rise * LEGEND_PX * PLOTTERS_FONT_SCALE).round() as i32;
        for (i, line) in self.lines.iter().enumerate() {
            let style = if i < PALETTE.len() {
                colour(i).filled()
            } else {
                colour(i).stroke_width(LINE_PX)
            };
            ctx.draw_series(
                line.points
                    .iter()
                    .map(|p| Circle::new((p.x, p.mean), DOT_PX, style)),
            )
            .map_err(io_error)?
            .label(line.label.as_str())
            .legend(move |(x, y)| Circle::new((x + KEY_PX / 2, y - key_rise), DOT_PX, style));
        }
        Ok(())
    }
}

/// The `i`th colour of the palette, repeating past its end.
fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Vertical interval bars with short caps: `bars` is (x, low, high).
fn draw_bars<DB: DrawingBackend>(
    ctx: &mut ChartContext<DB, Cartesian2d<ChartAxis, ChartAxis>>,
    bars: &[(f64, f64, f64)],
    style: ShapeStyle,
) -> io::Result<()> {
    let cap = move |at: (f64, f64)| {
        EmptyElement::at(at) + PathElement::new(vec![(-CAP_PX, 0), (CAP_PX, 0)], style)
    };
    ctx.draw_series(
        bars.iter()
            .map(|&(x, lo, hi)| PathElement::new(vec![(x, lo), (x, hi)], style)),
    )
    .map_err(io_error)?;
    ctx.draw_series(bars.iter().map(|&(x, lo, _)| cap((x, lo))))
        .map_err(io_error)?;
    ctx.draw_series(bars.iter().map(|&(x, _, hi)| cap((x, hi))))
        .map_err(io_error)?;
    Ok(())
}

/// A linear axis around `values` (finite), `pad` × their span wider on each side; with `snap`,
/// its ends are moved out to the nearest ticks. Data with no span is given one.
fn linear_axis(values: impl Iterator<Item = f64>, pad: f64, snap: bool) -> ChartAxis {
    let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
    let (lo, hi) = with_span(lo.clamp(-LIMIT, LIMIT), hi.clamp(-LIMIT, LIMIT));
    let margin = pad * (hi - lo);
    let (mut lo, mut hi) = (lo - margin, hi + margin);
    if snap {
        let step = nice_step(hi - lo, MAX_TICKS, min_step(hi - lo));
        (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    }
    ChartAxis::new(lo, hi, MAX_TICKS, min_step(hi - lo))
}

/// An axis from 0 (or from the smallest value, if negative) to a tick a little above the
/// largest value, leaving room for labels at the top and right; [0, 1] when all values are 0.
fn zero_based_axis(values: impl Iterator<Item = f64>) -> ChartAxis {
    let (lo, hi) = extent(values).unwrap_or((0.0, 0.0));
    let (lo, hi) = (lo.clamp(-LIMIT, 0.0), hi.clamp(0.0, LIMIT));
    let hi = if hi - lo > span_floor(lo, hi) {
        hi + 0.12 * (hi - lo)
    } else {
        lo + 1.0
    };
    let step = nice_step(hi - lo, MAX_TICKS, min_step(hi - lo));
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    ChartAxis::new(lo, hi, MAX_TICKS, min_step(hi - lo))
}

/// `lo`..`hi` if it has a span worth drawing; otherwise a span around their middle: half the
/// middle's size either side, or ±1 around 0.
fn with_span(lo: f64, hi: f64) -> (f64, f64) {
    if hi - lo > span_floor(lo, hi) {
        return (lo, hi);
    }
    let middle = lo / 2.0 + hi / 2.0;
    let half = if middle.abs() > 1e-200 {
        middle.abs() / 2.0
    } else {
        1.0
    };
    (middle - half, middle + half)
}

/// Below this, a span is rounding noise rather than a range of values.
fn span_floor(lo: f64, hi: f64) -> f64 {
    (1e-9 * lo.abs().max(hi.abs())).max(1e-200)
}

/// A floor for the tick step on a span, fine enough never to bind and coarse enough that the
/// search for a tidy step starts close to its answer.
fn min_step(span: f64) -> f64 {
    10f64.powi(span.log10().floor() as i32 - 3)
}

/// A log10 axis around `exponents` (the log10 of the data): slightly wider than the data, with
/// ticks at 1, 2 and 5 × powers of ten (or only at powers of ten, every one or more decades,
/// on a wide range). A range too narrow to hold two such ticks is widened to the 1-2-5 values
/// either side; data with no span is given one decade. 1 to 10 when there is no data.
fn log_axis(exponents: impl Iterator<Item = f64>) -> ChartAxis {
    let (lo, hi) = extent(exponents).unwrap_or((0.0, 1.0));
    let (lo, hi) = if hi - lo > 1e-9 {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let margin = X_PAD * (hi - lo);
    let (mut lo, mut hi) = (lo - margin, hi + margin);
    let mut ticks = log_ticks(lo, hi);
    if ticks.len() < 2 {
        lo = one_two_five(lo, false);
        hi = one_two_five(hi, true);
        ticks = log_ticks(lo, hi);
    }
    ChartAxis {
        lo,
        hi,
        ticks,
        labels: TickLabels::Log10,
    }
}

/// The exponent of the nearest 1, 2 or 5 × a power of ten at or below `exponent` (`up`: at or
/// above).
fn one_two_five(exponent: f64, up: bool) -> f64 {
    let decade = exponent.floor();
    let candidates =
        (-1..=1).flat_map(|k| [1.0f64, 2.0, 5.0].map(move |m| decade + f64::from(k) + m.log10()));
    let pick = |best: f64, c: f64| match up {
        false if c <= exponent + 1e-9 => best.max(c),
        true if c >= exponent - 1e-9 => best.min(c),
        _ => best,
    };
    let start = if up { f64::INFINITY } else { f64::NEG_INFINITY };
    let found = candidates.fold(start, pick);
    if found.is_finite() { found } else { exponent }
}

/// The ticks of a log10 axis over [lo, hi] (in log10 units): at 1, 2 and 5 × each power of ten
/// if there are no more than [`MAX_TICKS`] of them, otherwise at powers of ten, every one or
/// every 2, 5, 10… decades.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let inside = |t: &f64| *t >= lo - 1e-9 && *t <= hi + 1e-9;
    let decades = || (lo.floor() as i32)..=(hi.ceil() as i32);
    let fine: Vec<f64> = decades()
        .flat_map(|k| [1.0f64, 2.0, 5.0].map(|m| f64::from(k) + m.log10()))
        .filter(inside)
        .collect();
    if fine.len() <= MAX_TICKS {
        return fine;
    }
    for stride in [1, 2, 5, 10, 20, 50, 100, 200, 500] {
        let coarse: Vec<f64> = decades()
            .filter(|k| k.rem_euclid(stride) == 0)
            .map(f64::from)
            .filter(inside)
            .collect();
        if coarse.len() <= MAX_TICKS {
            return coarse;
        }
    }
    Vec::new()
}

/// The finite levels of an axis with their index in the caller's slice, in ascending order
/// (levels that are equal keep the caller's order).
fn sorted_levels(levels: &[f64]) -> Vec<(usize, f64)> {
    let mut sorted: Vec<(usize, f64)> = levels
        .iter()
        .map(|&v| v + 0.0)
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    sorted
}

/// A categorical axis: level `i` at `i`, each half a unit from the ends, labelled tidily or, for
/// `money`, in pounds (£3.0m). When the labels would crowd the `room_px` available, only every
/// second, third… level is labelled.
fn level_axis(levels: &[(usize, f64)], room_px: f64, horizontal: bool, money: bool) -> ChartAxis {
    let names: Vec<String> = levels
        .iter()
        .map(|&(_, v)| {
            if money {
                super::numbers::money_exact(v)
            } else {
                tidy_number(v)
            }
        })
        .collect();
    let tick_font = font(TICK_LABEL_PX).into_font();
    let widest = names
        .iter()
        .map(|n| {
            tick_font
                .box_size(n)
                .map_or(0, |(w, h)| if horizontal { w } else { h })
        })
        .max()
        .unwrap_or(0);
    let per_label = f64::from(widest) + if horizontal { 16.0 } else { 6.0 };
    let fit = (room_px / per_label).floor().max(1.0) as usize;
    let stride = names.len().div_ceil(fit).max(1);
    ChartAxis {
        lo: -0.5,
        hi: (names.len().max(1) as f64) - 0.5,
        ticks: (0..names.len()).step_by(stride).map(|i| i as f64).collect(),
        labels: TickLabels::Levels(names),
    }
}

/// Roughly how many pixels a heatmap's cells have across and down, for thinning tick labels
/// before the frame is drawn: the chart less its margins, title and axis label areas.
fn heatmap_room() -> (f64, f64) {
    let width = f64::from(SIZE.0) - 20.0 - 100.0 - f64::from(HEATMAP_MARGIN_RIGHT);
    let height = f64::from(SIZE.1) - 20.0 - 70.0 - 20.0 - 50.0;
    (width, height)
}

/// A heatmap with its axes chosen: `cells[row][column]`, rows and columns in ascending order of
/// their levels.
struct Heatmap<'a> {
    title: &'a str,
    x_desc: &'a str,
    y_desc: &'a str,
    value_desc: &'a str,
    x: ChartAxis,
    y: ChartAxis,
    cells: Vec<Vec<Option<f64>>>,
    /// The half-width of each cell's 95% interval, where known, shown beside its value.
    half_widths: Vec<Vec<Option<f64>>>,
    /// Smallest and largest present value, or None if no cell has runs.
    range: Option<(f64, f64)>,
}

/// A rectangle of pixels, `x0..x1` across and `y0..y1` down.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Rect {
    fn width(&self) -> i32 {
        self.x1 - self.x0
    }

    fn height(&self) -> i32 {
        self.y1 - self.y0
    }

    /// Pixels shared with `other`.
    fn overlap(&self, other: &Rect) -> i64 {
        let w = (self.x1.min(other.x1) - self.x0.max(other.x0)).max(0);
        let h = (self.y1.min(other.y1) - self.y0.max(other.y0)).max(0);
        i64::from(w) * i64::from(h)
    }

    /// Moved, not resized, to lie inside `area` (against its left or top edge if too big).
    fn moved_inside(self, area: &Rect) -> Rect {
        let mut dx = (area.x1 - self.x1).min(0);
        dx += (area.x0 - (self.x0 + dx)).max(0);
        let mut dy = (area.y1 - self.y1).min(0);
        dy += (area.y0 - (self.y0 + dy)).max(0);
        Rect {
            x0: self.x0 + dx,
            y0: self.y0 + dy,
            x1: self.x1 + dx,
            y1: self.y1 + dy,
        }
    }

    /// Distance from `(x, y)` to the nearest pixel of the rectangle, and that pixel.
    fn nearest(&self, (x, y): (i32, i32)) -> (f64, (i32, i32)) {
        let nx = x.clamp(self.x0, self.x1);
        let ny = y.clamp(self.y0, self.y1);
        (f64::from(nx - x).hypot(f64::from(ny - y)), (nx, ny))
    }

    fn contains(&self, (x, y): (i32, i32)) -> bool {
        (self.x0..self.x1).contains(&x) && (self.y0..self.y1).contains(&y)
    }

    fn corners(&self) -> [(i32, i32); 2] {
        [(self.x0, self.y0), (self.x1, self.y1)]
    }
}

/// The plotting area of `ctx`, in pixels of the whole chart.
fn plot_rect<DB: DrawingBackend>(
    ctx: &ChartContext<DB, Cartesian2d<ChartAxis, ChartAxis>>,
) -> Rect {
    let (xs, ys) = ctx.plotting_area().get_pixel_range();
    Rect {
        x0: xs.start,
        y0: ys.start,
        x1: xs.end,
        y1: ys.end,
    }
}

impl Figure for Heatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(io_error)?;
        let ctx = Frame {
            title: self.title,
            x: &self.x,
            y: &self.y,
            x_desc: self.x_desc,
            y_desc: self.y_desc,
            margin_right: HEATMAP_MARGIN_RIGHT,
            grid: false,
        }
        .draw(&root)?;

        let cell = |column: usize, row: usize| {
            let (c, r) = (column as f64, row as f64);
            let (x0, y0) = ctx.backend_coord(&(c - 0.5, r + 0.5));
            let (x1, y1) = ctx.backend_coord(&(c + 0.5, r - 0.5));
            Rect {
                x0: x0 + CELL_INSET_PX,
                y0: y0 + CELL_INSET_PX,
                x1: x1 - CELL_INSET_PX,
                y1: y1 - CELL_INSET_PX,
            }
        };
        let annotation_px = self.annotation_px(cell(0, 0));
        for (row, values) in self.cells.iter().enumerate() {
            for (column, value) in values.iter().enumerate() {
                let rect = cell(column, row);
                let Some(v) = *value else {
                    draw_no_data(&root, rect)?;
                    continue;
                };
                let fill = viridis(self.fraction(v));
                root.draw(&Rectangle::new(rect.corners(), fill.filled()))
                    .map_err(io_error)?;
                if let Some(px) = annotation_px {
                    let centre = (
                        rect.x0 + rect.width() / 2,
                        rect.y0 + rect.height() / 2 + rise(text_rise, px),
                    );
                    let ink = text_colour_on(fill);
                    let style = TextStyle::from(font(px).into_font())
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    let half = self.half_widths.get(row).and_then(|r| r.get(column));
                    root.draw(&Text::new(
                        cell_text(v, half.copied().flatten()),
                        centre,
                        style,
                    ))
                    .map_err(io_error)?;
                }
            }
        }
        self.draw_colour_bar(&root, plot_rect(&ctx), text_rise)?;
        root.present().map_err(io_error)?;
        Ok(())
    }
}

impl Heatmap<'_> {
    /// Where `v` lies between the smallest and largest value, from 0 to 1; 0.5 when all are equal.
    fn fraction(&self, v: f64) -> f64 {
        match self.range {
            Some((lo, hi)) if hi > lo => ((v - lo) / (hi - lo)).clamp(0.0, 1.0),
            _ => 0.5,
        }
    }

    /// The largest font size, from the tick-label size down to [`MIN_CELL_TEXT_PX`], at which
    /// every annotation fits inside a cell of the size of `cell`; None if none does.
    fn annotation_px(&self, cell: Rect) -> Option<f64> {
        let texts: Vec<String> =
            self.cells
                .iter()
                .zip(&self.half_widths)
                .flat_map(|(values, halves)| {
                    values.iter().enumerate().filter_map(|(i, v)| {
                        v.map(|v| cell_text(v, halves.get(i).copied().flatten()))
                    })
                })
                .collect();
        let mut px = TICK_LABEL_PX;
        while px >= MIN_CELL_TEXT_PX {
            let face = font(px).into_font();
            let fits = texts.iter().all(|t| {
                face.box_size(t).is_ok_and(|(w, h)| {
                    i64::from(w) + 6 <= i64::from(cell.width())
                        && i64::from(h) + 4 <= i64::from(cell.height())
                })
            });
            if fits {
                return Some(px);
            }
            px -= 1.0;
        }
        None
    }

    /// The colour bar right of the cells, as tall as they are: the scale from the smallest
    /// value (bottom) to the largest (top), both labelled, with `value_desc` beside it; hatched
    /// when no cell has runs. A swatch below explains hatched cells, if any.
    fn draw_colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        plot: Rect,
        text_rise: f64,
    ) -> io::Result<()> {
        let bar = Rect {
            x0: plot.x1 + BAR_GAP_PX,
            y0: plot.y0,
            x1: plot.x1 + BAR_GAP_PX + COLOUR_BAR_PX,
            y1: plot.y1,
        };
        let label_style = TextStyle::from(font(TICK_LABEL_PX).into_font());
        let label_rise = rise(text_rise, TICK_LABEL_PX);
        let mut labels_right = bar.x1 + 8;
        // Values are written beside the bar, level with the end (or middle) they belong to; tick
        // marks are left out, as beside a number they read as a minus sign.
        let mut label = |y: i32, level: VPos, v: f64| -> io::Result<()> {
            let text = three_significant(v);
            let width = label_style
                .font
                .box_size(&text)
                .map_or(0, |(w, _)| w as i32);
            labels_right = labels_right.max(bar.x1 + 8 + width);
            let style = label_style.pos(Pos::new(HPos::Left, level));
            root.draw(&Text::new(text, (bar.x1 + 8, y + label_rise), &style))
                .map_err(io_error)
        };
        match self.range {
            Some((lo, hi)) => {
                let rows = (bar.height() - 1).max(1);
                for y in bar.y0..bar.y1 {
                    let t = f64::from(bar.y1 - 1 - y) / f64::from(rows);
                    let colour = if hi > lo { viridis(t) } else { viridis(0.5) };
                    root.draw(&Rectangle::new(
                        [(bar.x0, y), (bar.x1, y + 1)],
                        colour.filled(),
                    ))
                    .map_err(io_error)?;
                }
                if hi > lo {
                    label(bar.y1, VPos::Bottom, lo)?;
                    label(bar.y0, VPos::Top, hi)?;
                } else {
                    label(bar.y0 + bar.height() / 2, VPos::Center, lo)?;
                }
            }
            None => draw_no_data(root, bar)?,
        }
        root.draw(&Rectangle::new(
            bar.corners(),
            BLACK.mix(0.6).stroke_width(1),
        ))
        .map_err(io_error)?;

        // The description reads upwards beside the labels, shrunk to the bar's height if long.
        let mut px = AXIS_LABEL_PX;
        let desc_font = |px: f64| font(px).into_font().transform(FontTransform::Rotate270);
        while px > 12.0
            && desc_font(px)
                .box_size(self.value_desc)
                .is_ok_and(|(_, h)| h as i32 > bar.height())
        {
            px -= 1.0;
        }
        let desc = TextStyle::from(desc_font(px)).pos(Pos::new(HPos::Center, VPos::Top));
        let middle = bar.y0 + bar.height() / 2;
        root.draw(&Text::new(
            self.value_desc,
            (labels_right + 12, middle),
            desc,
        ))
        .map_err(io_error)?;

        if self.cells.iter().flatten().any(Option::is_none) {
            let swatch = Rect {
                x0: bar.x0,
                y0: bar.y1 + 24,
                x1: bar.x1,
                y1: bar.y1 + 24 + 18,
            };
            draw_no_data(root, swatch)?;
            root.draw(&Rectangle::new(
                swatch.corners(),
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(io_error)?;
            let middle = swatch.y0 + swatch.height() / 2 + label_rise;
            let style = label_style.pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new("no runs", (swatch.x1 + 8, middle), &style))
                .map_err(io_error)?;
        }
        Ok(())
    }
}

/// A light grey rectangle hatched with diagonal lines: "no data here".
fn draw_no_data<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rect: Rect) -> io::Result<()> {
    if rect.width() <= 0 || rect.height() <= 0 {
        return Ok(());
    }
    root.draw(&Rectangle::new(rect.corners(), NO_DATA_FILL.filled()))
        .map_err(io_error)?;
    // Lines x + y = c run from bottom left to top right; each is clipped to the rectangle.
    let style = NO_DATA_HATCH.stroke_width(1);
    let mut c = rect.x0 + rect.y0 + HATCH_PX / 2;
    while c < rect.x1 + rect.y1 {
        let start = rect.x0.max(c - rect.y1);
        let end = rect.x1.min(c - rect.y0);
        if start < end {
            root.draw(&PathElement::new(
                vec![(start, c - start), (end, c - end)],
                style,
            ))
            .map_err(io_error)?;
        }
        c += HATCH_PX;
    }
    Ok(())
}

/// The viridis colour at `t` in [0, 1] (clamped; NaN counts as 0).
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let position = t * (VIRIDIS.len() - 1) as f64;
    let i = (position.floor() as usize).min(VIRIDIS.len() - 2);
    let f = position - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever contrasts more with `background` (WCAG relative luminance).
fn text_colour_on(background: RGBColor) -> RGBColor {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * linear(background.0)
        + 0.7152 * linear(background.1)
        + 0.0722 * linear(background.2);
    // Contrast with black, (L + 0.05) / 0.05, beats contrast with white, 1.05 / (L + 0.05).
    if (luminance + 0.05) * (luminance + 0.05) > 0.05 * 1.05 {
        BLACK
    } else {
        WHITE
    }
}

/// A heatmap cell's annotation: its value, and ± the half-width of its 95% interval when known
/// ("0.334 ±0.004").
fn cell_text(v: f64, half_width: Option<f64>) -> String {
    match half_width {
        Some(h) if h.is_finite() => format!("{} ±{}", three_significant(v), three_significant(h)),
        _ => three_significant(v),
    }
}

/// `v` with three significant digits (0.472, 12.3, 0.0512), whole numbers from 100 up (1235),
/// and exponent form for very large or very small magnitudes (1.23e7).
fn three_significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return tidy_number(v);
    }
    let magnitude = v.abs();
    let text = if !(1e-4..1e7).contains(&magnitude) {
        format!("{v:.2e}")
    } else {
        let decimals = (2 - magnitude.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.decimals$}")
    };
    // A tiny negative value rounds to "-0.000": the sign says nothing.
    match text.strip_prefix('-') {
        Some(unsigned) if unsigned.parse::<f64>() == Ok(0.0) => unsigned.to_owned(),
        _ => text,
    }
}

/// How far to lower text of `px` pixels per em so that it sits on the backend as in the SVG.
fn rise(text_rise: f64, px: f64) -> i32 {
    (text_rise * px * PLOTTERS_FONT_SCALE).round() as i32
}

/// A Morris chart with its axes chosen.
struct MorrisChart<'a> {
    title: &'a str,
    x_desc: String,
    y_desc: String,
    x: ChartAxis,
    y: ChartAxis,
    /// Points with finite μ* and σ, largest μ* first.
    points: Vec<MorrisPoint>,
}

impl Figure for MorrisChart<'_> {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(io_error)?;
        let mut ctx = Frame {
            title: self.title,
            x: &self.x,
            y: &self.y,
            x_desc: &self.x_desc,
            y_desc: &self.y_desc,
            margin_right: 40,
            grid: true,
        }
        .draw(&root)?;
        let plot = plot_rect(&ctx);

        // The reference line σ = μ*, from the origin to where it leaves the plot.
        let end = self.x.hi.min(self.y.hi);
        let origin = self.x.lo.max(self.y.lo).max(0.0).min(end);
        ctx.draw_series(std::iter::once(DashedPathElement::new(
            vec![(origin, origin), (end, end)],
            8,
            6,
            MARKER.stroke_width(2),
        )))
        .map_err(io_error)?;

        let dots: Vec<(i32, i32)> = self
            .points
            .iter()
            .map(|p| ctx.backend_coord(&(p.mu_star, p.sigma)))
            .collect();
        let face = font(MORRIS_LABEL_PX).into_font();
        // Each name's box includes a margin, under a pale backing that keeps the grid and the
        // dashed line from running through the text.
        let size_of = |text: &str| {
            face.box_size(text).map_or((0, 0), |(w, h)| {
                (w as i32 + 2 * LABEL_PAD_PX, h as i32 + 2 * LABEL_PAD_PX)
            })
        };
        // The reference line's label comes first, beside the line's end, so names avoid it.
        let reference = "σ = μ*";
        let line_end = ctx.backend_coord(&(end, end));
        let line = points_along(ctx.backend_coord(&(origin, origin)), line_end);
        let mut anchors = vec![line_end];
        anchors.extend(&dots);
        let mut sizes = vec![size_of(reference)];
        sizes.extend(self.points.iter().map(|p| size_of(&p.label)));
        let places = place_labels(&anchors, &sizes, &dots, DOT_PX, &line, plot);

        // Backings, leader lines, dots, then text: a crowded name may sit on a dot, but never
        // hides it, and a leader line is never hidden by another name's backing.
        let backing = WHITE.mix(0.8).filled();
        for place in &places {
            root.draw(&Rectangle::new(place.corners(), backing))
                .map_err(io_error)?;
        }
        for (place, &dot) in places.iter().zip(&anchors).skip(1) {
            let (distance, near) = place.nearest(dot);
            if distance > leader_px(DOT_PX) {
                root.draw(&PathElement::new(
                    vec![dot, near],
                    BLACK.mix(0.6).stroke_width(1),
                ))
                .map_err(io_error)?;
            }
        }
        let dot = PALETTE[0].filled();
        for &(x, y) in &dots {
            root.draw(&Circle::new((x, y), DOT_PX, dot))
                .map_err(io_error)?;
        }
        let text_lift = rise(text_rise, MORRIS_LABEL_PX);
        let reference_style = TextStyle::from(face.clone()).color(&MARKER);
        let label_style = TextStyle::from(face.clone()).color(&BLACK);
        for (i, place) in places.iter().enumerate() {
            let (text, style) = match i {
                0 => (reference, &reference_style),
                _ => (self.points[i - 1].label.as_str(), &label_style),
            };
            let at = (place.x0 + LABEL_PAD_PX, place.y0 + LABEL_PAD_PX + text_lift);
            root.draw(&Text::new(text, at, style)).map_err(io_error)?;
        }
        root.present().map_err(io_error)?;
        Ok(())
    }
}

/// Where to put each label: `anchors[i]` is the pixel it belongs beside and `sizes[i]` its
/// (width, height). Labels are placed in order, each at the best of rings of positions around
/// its anchor (right, left, above, below and the diagonals, then the same further out), moved if
/// need be to lie inside `area`. A label further than [`leader_px`] from its anchor will be
/// joined to it by a leader line. Best is cheapest. Costs, from the highest: covering a dot
/// (`dots`, centres of dots of `radius` pixels); covering a label already placed; a leader line
/// crossing another dot, or a label; sitting beside another dot (without a leader line: not
/// clearly nearer its own dot than any other); covering points of `line` or of leader lines already drawn; and each
/// pixel of distance from the anchor. Ties go to the earlier position.
fn place_labels(
    anchors: &[(i32, i32)],
    sizes: &[(i32, i32)],
    dots: &[(i32, i32)],
    radius: i32,
    line: &[(i32, i32)],
    area: Rect,
) -> Vec<Rect> {
    const DOT_COST: i64 = 200;
    const LABEL_COST: i64 = 50;
    const LEADER_ON_DOT_COST: i64 = 1500;
    const LEADER_ON_LABEL_COST: i64 = 100;
    const AMBIGUITY_COST: i64 = 1500;
    const LINE_COST: i64 = 40;
    // A label without a leader line must be this much nearer its own dot than any other.
    const CLEARANCE_PX: f64 = 8.0;
    let dot_boxes: Vec<Rect> = dots
        .iter()
        .map(|&(x, y)| Rect {
            x0: x - radius,
            y0: y - radius,
            x1: x + radius + 1,
            y1: y + radius + 1,
        })
        .collect();
    // Points of the reference line and of the leader lines placed so far.
    let mut lines: Vec<(i32, i32)> = line.to_vec();
    let mut placed: Vec<Rect> = Vec::with_capacity(anchors.len());
    for (&anchor, &size) in anchors.iter().zip(sizes) {
        let cost = |rect: &Rect| -> i64 {
            let on_dots: i64 = dot_boxes.iter().map(|dot| rect.overlap(dot)).sum();
            let on_labels: i64 = placed.iter().map(|label| rect.overlap(label)).sum();
            let on_lines = lines.iter().filter(|&&p| rect.contains(p)).count() as i64;
            let (own, near) = rect.nearest(anchor);
            // Dots at the anchor itself are the label's own (or indistinguishable from it).
            let nearest_other = dots
                .iter()
                .filter(|&&dot| dot != anchor)
                .map(|&dot| rect.nearest(dot).0)
                .fold(f64::INFINITY, f64::min);
            let (ambiguous, leader) = if own > leader_px(radius) {
                // A leader through another dot would seem to start there; through a label, it
                // is merely untidy. It starts at the edge of its own dot.
                let crossing = points_along(anchor, near)
                    .into_iter()
                    .filter(|&(x, y)| {
                        f64::from(x - anchor.0).hypot(f64::from(y - anchor.1))
                            > f64::from(radius + 1)
                    })
                    .map(|p| {
                        if dot_boxes.iter().any(|r| r.contains(p)) {
                            LEADER_ON_DOT_COST
                        } else if placed.iter().any(|r| r.contains(p)) {
                            LEADER_ON_LABEL_COST
                        } else {
                            0
                        }
                    })
                    .sum();
                // Even with a leader, a label right beside another dot is read as its name.
                (nearest_other < leader_px(radius), crossing)
            } else {
                (nearest_other < own + CLEARANCE_PX, 0)
            };
            DOT_COST * on_dots
                + LABEL_COST * on_labels
                + leader
                + AMBIGUITY_COST * i64::from(ambiguous)
                + LINE_COST * on_lines
                + own.round() as i64
        };
        let mut best: Option<(i64, Rect)> = None;
        for ring in 0..LABEL_RINGS {
            for (x0, y0) in label_positions(anchor, size, radius, ring) {
                let rect = Rect {
                    x0,
                    y0,
                    x1: x0 + size.0,
                    y1: y0 + size.1,
                }
                .moved_inside(&area);
                let c = cost(&rect);
                if best.is_none_or(|(least, _)| c < least) {
                    best = Some((c, rect));
                }
            }
        }
        let fallback = Rect {
            x0: anchor.0,
            y0: anchor.1,
            x1: anchor.0 + size.0,
            y1: anchor.1 + size.1,
        };
        let rect = best.map_or(fallback.moved_inside(&area), |(_, rect)| rect);
        let (distance, near) = rect.nearest(anchor);
        if distance > leader_px(radius) {
            lines.extend(points_along(anchor, near));
        }
        placed.push(rect);
    }
    placed
}

/// Beyond this distance from its dot, a label is joined to it by a leader line.
fn leader_px(radius: i32) -> f64 {
    f64::from(radius + 8)
}

/// Top-left corners of a label of `(w, h)` pixels in the `ring`th ring around `(ax, ay)`:
/// right and left of it (level with it, or just above or below), above and below it (centred
/// on it, or starting or ending at it), then on the diagonals.
fn label_positions(
    (ax, ay): (i32, i32),
    (w, h): (i32, i32),
    radius: i32,
    ring: i32,
) -> Vec<(i32, i32)> {
    let gap = radius + 4 + ring * (h + 4);
    let diagonal = gap * 7 / 10;
    let mut positions = Vec::with_capacity(16);
    for x0 in [ax + gap, ax - gap - w] {
        positions.extend([(x0, ay - h / 2), (x0, ay - h), (x0, ay)]);
    }
    for y0 in [ay - gap - h, ay + gap] {
        positions.extend([(ax - w / 2, y0), (ax - 4, y0), (ax + 4 - w, y0)]);
    }
    positions.extend([
        (ax + diagonal, ay - diagonal - h),
        (ax + diagonal, ay + diagonal),
        (ax - diagonal - w, ay - diagonal - h),
        (ax - diagonal - w, ay + diagonal),
    ]);
    positions
}

/// Points every few pixels along the segment from `a` to `b`.
fn points_along(a: (i32, i32), b: (i32, i32)) -> Vec<(i32, i32)> {
    let steps = (b.0 - a.0).abs().max((b.1 - a.1).abs()) / 4;
    (0..=steps)
        .map(|k| {
            let f = f64::from(k) / f64::from(steps.max(1));
            let at = |p: i32, q: i32| p + (f * f64::from(q - p)).round() as i32;
            (at(a.0, b.0), at(a.1, b.1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// The PNG's (width, height) and its pixels as RGB triples.
    fn decode(path: &Path) -> ((u32, u32), Vec<[u8; 3]>) {
        let decoder = png::Decoder::new(fs::File::open(path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
        let pixels = buf[..info.buffer_size()]
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        ((info.width, info.height), pixels)
    }

    /// Checks both files of a chart: the PNG is 1200×700 with some ink on it, the SVG is an SVG;
    /// returns the PNG's pixels and the SVG's text.
    fn check_files(dir: &Path, files: &[String; 2], name: &str) -> (Vec<[u8; 3]>, String) {
        assert_eq!(files, &[format!("{name}.png"), format!("{name}.svg")]);
        let (size, pixels) = decode(&dir.join(&files[0]));
        assert_eq!(size, SIZE);
        let ink = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
        assert!(ink > 2000, "{name}.png is almost blank ({ink} pixels)");
        let svg = fs::read_to_string(dir.join(&files[1])).unwrap();
        assert!(svg.starts_with("<svg"), "{name}.svg is not an SVG");
        (pixels, svg)
    }

    /// Whether the SVG draws exactly `text` somewhere (plotters writes each text on its own line).
    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!(">\n{text}\n</text>"))
    }

    /// The bytes of both files, to compare two writings.
    fn bytes(dir: &Path, files: &[String; 2]) -> [Vec<u8>; 2] {
        files
            .clone()
            .map(|f| fs::read(dir.join(f)).expect("chart file"))
    }

    fn grid_lines() -> Vec<ParamLine> {
        let line = |label: &str, shift: f64| ParamLine {
            label: label.to_owned(),
            points: [0.0, 0.25, 0.5, 0.75, 1.0]
                .iter()
                .map(|&x| {
                    let mean = 0.4 + shift + 0.2 * x;
                    (x, mean, mean - 0.05, mean + 0.05)
                })
                .collect(),
        };
        vec![line("Belonging", 0.0), line("Generalised trust", -0.15)]
    }

    fn param_chart(
        dir: &Path,
        name: &str,
        log_x: bool,
        scatter: bool,
        lines: &[ParamLine],
    ) -> [String; 2] {
        write_param_chart(
            dir,
            name,
            "Belonging against pub closure rate",
            "pub closure rate (per year)",
            "mean in the final year (0–1)",
            log_x,
            scatter,
            lines,
        )
        .unwrap()
    }

    #[test]
    fn param_chart_writes_reproducible_files_with_legend_only_for_several_lines() {
        let dir = tempfile::tempdir().unwrap();
        let lines = grid_lines();
        let files = param_chart(dir.path(), "two", false, false, &lines);
        let (_, svg) = check_files(dir.path(), &files, "two");
        assert!(has_text(&svg, "Belonging") && has_text(&svg, "Generalised trust"));
        let first = bytes(dir.path(), &files);
        param_chart(dir.path(), "two", false, false, &lines);
        assert!(
            first == bytes(dir.path(), &files),
            "differs between writings"
        );

        let one = param_chart(dir.path(), "one", false, false, &lines[..1]);
        let (_, svg) = check_files(dir.path(), &one, "one");
        assert!(!has_text(&svg, "Belonging"), "a single line got a legend");
    }

    #[test]
    fn param_chart_sorts_x_itself() {
        let dir = tempfile::tempdir().unwrap();
        let lines = grid_lines();
        let mut shuffled = lines.clone();
        for line in &mut shuffled {
            line.points.reverse();
            line.points.swap(1, 3);
        }
        let sorted = param_chart(dir.path(), "sorted", false, false, &lines);
        let unsorted = param_chart(dir.path(), "unsorted", false, false, &shuffled);
        assert!(bytes(dir.path(), &sorted) == bytes(dir.path(), &unsorted));
    }

    #[test]
    fn param_chart_skips_nan_and_nonpositive_log_x() {
        let dir = tempfile::tempdir().unwrap();
        let clean = vec![ParamLine {
            label: "Trust".into(),
            points: vec![
                (0.01, 0.3, 0.25, 0.35),
                (0.1, 0.4, 0.3, 0.5),
                (10.0, 0.6, 0.5, 0.7),
            ],
        }];
        let mut odd = clean.clone();
        odd[0].points.extend([
            (0.0, 0.5, 0.4, 0.6),
            (-3.0, 0.5, 0.4, 0.6),
            (f64::NAN, 0.5, 0.4, 0.6),
            (1.0, f64::NAN, 0.4, 0.6),
            (f64::INFINITY, 0.5, 0.4, 0.6),
        ]);
        for scatter in [false, true] {
            let a = param_chart(dir.path(), "clean", true, scatter, &clean);
            let b = param_chart(dir.path(), "odd", true, scatter, &odd);
            check_files(dir.path(), &a, "clean");
            assert!(
                bytes(dir.path(), &a) == bytes(dir.path(), &b),
                "scatter {scatter}"
            );
        }
        // Ticks at 1-2-5 × powers of ten, labelled without float noise.
        let (_, svg) = check_files(
            dir.path(),
            &param_chart(dir.path(), "clean", true, false, &clean),
            "clean",
        );
        for label in ["0.01", "0.02", "0.1", "1", "10"] {
            assert!(has_text(&svg, label), "no tick {label}");
        }
    }

    #[test]
    fn scatter_differs_from_lines() {
        let dir = tempfile::tempdir().unwrap();
        let lines = grid_lines();
        let a = param_chart(dir.path(), "lines", false, false, &lines);
        let b = param_chart(dir.path(), "dots", false, true, &lines);
        check_files(dir.path(), &b, "dots");
        assert!(bytes(dir.path(), &a)[0] != bytes(dir.path(), &b)[0]);
    }

    #[test]
    fn param_chart_survives_degenerate_input() {
        let dir = tempfile::tempdir().unwrap();
        let nan = f64::NAN;
        let cases: Vec<Vec<ParamLine>> = vec![
            vec![],
            vec![ParamLine {
                label: "empty".into(),
                points: vec![],
            }],
            vec![ParamLine {
                label: "nan".into(),
                points: vec![(nan, nan, nan, nan); 3],
            }],
            vec![ParamLine {
                label: "one level".into(),
                points: vec![(5.0, 0.4, 0.3, 0.5)],
            }],
            vec![ParamLine {
                label: "flat".into(),
                points: vec![(1.0, 0.5, 0.5, 0.5), (2.0, 0.5, 0.5, 0.5)],
            }],
            vec![ParamLine {
                label: "zeros".into(),
                points: vec![(0.0, 0.0, nan, 0.0); 2],
            }],
            vec![ParamLine {
                label: "huge".into(),
                points: vec![
                    (-1e308, -1e308, -f64::MAX, 1e308),
                    (1e308, 1e308, 1e308, f64::MAX),
                ],
            }],
            vec![ParamLine {
                label: "tiny".into(),
                points: vec![(1e-310, 1e-310, 0.0, 2e-310), (2e-310, 1e-310, 0.0, 2e-310)],
            }],
        ];
        for (i, lines) in cases.iter().enumerate() {
            for (log_x, scatter) in [(false, false), (false, true), (true, false), (true, true)] {
                let name = format!("case{i}");
                let files = param_chart(dir.path(), &name, log_x, scatter, lines);
                let (size, _) = decode(&dir.path().join(&files[0]));
                assert_eq!(size, SIZE);
                assert!(fs::metadata(dir.path().join(&files[1])).unwrap().len() > 0);
            }
        }
    }

    #[test]
    fn axes_get_a_span_and_tidy_ticks() {
        let flat = linear_axis([0.5, 0.5].into_iter(), Y_PAD, true);
        assert!(flat.hi > flat.lo && flat.lo <= 0.5 && flat.hi >= 0.5);
        assert!(flat.ticks.len() >= 2);
        let zero = linear_axis([0.0].into_iter(), Y_PAD, true);
        assert!(zero.hi > zero.lo && zero.ticks.len() >= 2);
        let y = linear_axis([0.42, 0.58].into_iter(), Y_PAD, true);
        assert!(
            y.lo <= 0.42 && y.hi >= 0.58 && y.hi - y.lo < 0.5,
            "{}..{}",
            y.lo,
            y.hi
        );

        let labels = |axis: &ChartAxis| -> Vec<String> {
            axis.ticks.iter().map(|&t| axis.label(t)).collect()
        };
        let narrow = log_axis([3f64.log10(), 4f64.log10()].into_iter());
        assert_eq!(labels(&narrow), ["2", "5"]);
        let decades = log_axis([0.001f64.log10(), 1000f64.log10()].into_iter());
        assert_eq!(
            labels(&decades),
            ["0.001", "0.01", "0.1", "1", "10", "100", "1000"]
        );
        let single = log_axis([2f64.log10()].into_iter());
        assert!(single.ticks.len() >= 2);
        assert!(log_ticks(-300.0, 300.0).len() <= MAX_TICKS);
    }

    fn heatmap(
        dir: &Path,
        name: &str,
        xs: &[f64],
        ys: &[f64],
        values: &[Vec<Option<f64>>],
    ) -> [String; 2] {
        write_heatmap(
            dir,
            name,
            "Belonging by closure rate and grant size",
            "pub closure rate (per year)",
            "community grant (£k)",
            "mean belonging, final year (0–1)",
            xs,
            ys,
            values,
            &[],
        )
        .unwrap()
    }

    #[test]
    fn heatmap_colours_cells_and_marks_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let xs = [0.1, 0.1 + 0.2, 0.5];
        let ys = [0.0, 50.0];
        let values = vec![
            vec![Some(0.412), Some(0.47234), None],
            vec![Some(0.5), Some(0.61), Some(0.7)],
        ];
        let files = heatmap(dir.path(), "grid", &xs, &ys, &values);
        let (pixels, svg) = check_files(dir.path(), &files, "grid");
        let count = |c: RGBColor| pixels.iter().filter(|p| **p == [c.0, c.1, c.2]).count();
        // The smallest value's cell is dark purple, the largest yellow; each fills a big cell.
        assert!(count(VIRIDIS[0]) > 5000, "min cell not dark purple");
        assert!(count(VIRIDIS[16]) > 5000, "max cell not yellow");
        assert!(count(NO_DATA_FILL) > 1000, "missing cell not grey");
        for text in [
            "0.3", "0.1", "50", "0", "0.472", "0.412", "0.700", "no runs",
        ] {
            assert!(has_text(&svg, text), "no {text} in the SVG");
        }
        assert!(!svg.contains("0.30000000000000004"));
        let first = bytes(dir.path(), &files);
        heatmap(dir.path(), "grid", &xs, &ys, &values);
        assert!(
            first == bytes(dir.path(), &files),
            "differs between writings"
        );

        // Levels in any order give the same chart.
        let reversed: Vec<Vec<Option<f64>>> = values
            .iter()
            .rev()
            .map(|row| row.iter().rev().copied().collect())
            .collect();
        let rx: Vec<f64> = xs.iter().rev().copied().collect();
        let ry: Vec<f64> = ys.iter().rev().copied().collect();
        let other = heatmap(dir.path(), "reversed", &rx, &ry, &reversed);
        assert!(first == bytes(dir.path(), &other));
    }

    #[test]
    fn heatmap_survives_degenerate_input() {
        let dir = tempfile::tempdir().unwrap();
        let nan = f64::NAN;
        type Grid = (Vec<f64>, Vec<f64>, Vec<Vec<Option<f64>>>);
        let cases: Vec<Grid> = vec![
            (vec![], vec![], vec![]),
            (vec![1.0], vec![2.0], vec![vec![Some(0.5)]]),
            (vec![1.0], vec![2.0], vec![vec![None]]),
            (vec![1.0, 2.0], vec![1.0, 2.0], vec![vec![Some(0.5); 2]; 2]),
            (
                vec![1.0, nan],
                vec![f64::INFINITY, 2.0],
                vec![vec![Some(nan), Some(1.0)]],
            ),
            (vec![1.0, 2.0, 3.0], vec![1.0, 2.0], vec![vec![Some(1.0)]]),
            (
                (0..60).map(f64::from).collect(),
                (0..40).map(f64::from).collect(),
                (0..40)
                    .map(|y| (0..60).map(|x| Some(f64::from(x * y))).collect())
                    .collect(),
            ),
            (
                vec![1.0, 2.0],
                vec![1.0],
                vec![vec![Some(-1e300), Some(1e300)]],
            ),
        ];
        for (i, (xs, ys, values)) in cases.iter().enumerate() {
            let files = heatmap(dir.path(), &format!("case{i}"), xs, ys, values);
            let (size, _) = decode(&dir.path().join(&files[0]));
            assert_eq!(size, SIZE);
        }
        // Equal values take the middle colour, with one tick on the bar.
        let files = heatmap(
            dir.path(),
            "flat",
            &[1.0, 2.0],
            &[1.0],
            &[vec![Some(0.5), Some(0.5)]],
        );
        let (pixels, _) = check_files(dir.path(), &files, "flat");
        let middle = viridis(0.5);
        assert!(
            pixels
                .iter()
                .filter(|p| **p == [middle.0, middle.1, middle.2])
                .count()
                > 5000
        );
    }

    #[test]
    fn numbers_read_tidily() {
        assert_eq!(three_significant(0.47234), "0.472");
        assert_eq!(three_significant(0.0512), "0.0512");
        assert_eq!(three_significant(12.34), "12.3");
        assert_eq!(three_significant(1234.5), "1234");
        assert_eq!(three_significant(0.0), "0");
        assert_eq!(three_significant(-0.0001), "-0.000100");
        assert_eq!(three_significant(-0.0000001), "-1.00e-7");
        assert_eq!(three_significant(2.5e9), "2.50e9");
        assert_eq!(tidy_number(0.1 + 0.2), "0.3");
        assert_eq!(tidy_number(100.0), "100");
        assert_eq!(tidy_number(-0.0), "0");
        assert_eq!(tidy_number(2e-7), "2e-7");
    }

    #[test]
    fn text_contrasts_with_its_cell() {
        assert_eq!(text_colour_on(VIRIDIS[0]), WHITE);
        assert_eq!(text_colour_on(VIRIDIS[16]), BLACK);
        assert_eq!(viridis(0.0), VIRIDIS[0]);
        assert_eq!(viridis(1.0), VIRIDIS[16]);
        assert_eq!(viridis(f64::NAN), VIRIDIS[0]);
    }

    fn morris_points() -> Vec<MorrisPoint> {
        let p = |label: &str, mu_star: f64, sigma: f64| MorrisPoint {
            label: label.to_owned(),
            mu_star,
            sigma,
        };
        vec![
            p("pub_loss_weeks", 0.081, 0.034),
            p("council_trust_decay", 0.052, 0.071),
            p("tie_formation_rate", 0.013, 0.009),
            p("tie_decay_rate", 0.012, 0.011),
            p("grant_size_gbp", 0.002, 0.001),
        ]
    }

    #[test]
    fn morris_chart_labels_every_parameter_reproducibly() {
        let dir = tempfile::tempdir().unwrap();
        let points = morris_points();
        let files = write_morris_chart(
            dir.path(),
            "morris",
            "Screening: belonging",
            "belonging (0–1)",
            &points,
        )
        .unwrap();
        let (_, svg) = check_files(dir.path(), &files, "morris");
        for p in &points {
            assert!(has_text(&svg, &p.label), "{} unlabelled", p.label);
        }
        assert!(has_text(&svg, "σ = μ*"));
        assert!(has_text(
            &svg,
            "μ* (mean absolute elementary effect), belonging (0–1)"
        ));
        let first = bytes(dir.path(), &files);
        write_morris_chart(
            dir.path(),
            "morris",
            "Screening: belonging",
            "belonging (0–1)",
            &points,
        )
        .unwrap();
        assert!(
            first == bytes(dir.path(), &files),
            "differs between writings"
        );
    }

    #[test]
    fn morris_chart_survives_degenerate_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = |mu_star: f64, sigma: f64| MorrisPoint {
            label: "a parameter".into(),
            mu_star,
            sigma,
        };
        let cases = [
            vec![],
            vec![p(0.0, 0.0)],
            vec![p(0.0, 0.0), p(0.0, 0.0), p(0.0, 0.0)],
            vec![p(f64::NAN, 1.0), p(1.0, f64::INFINITY)],
            vec![p(-1.0, 0.5), p(2.0, 0.0)],
            vec![p(1e300, 1e300)],
        ];
        for (i, points) in cases.iter().enumerate() {
            let files =
                write_morris_chart(dir.path(), &format!("case{i}"), "odd", "", points).unwrap();
            let (size, _) = decode(&dir.path().join(&files[0]));
            assert_eq!(size, SIZE);
        }
    }

    #[test]
    fn labels_stay_inside_and_apart() {
        let area = Rect {
            x0: 100,
            y0: 50,
            x1: 500,
            y1: 400,
        };
        // A dot at the right edge: its label goes left rather than off the plot.
        let places = place_labels(&[(498, 200)], &[(120, 18)], &[(498, 200)], 5, &[], area);
        assert!(places[0].x1 <= area.x1 && places[0].x0 >= area.x0);
        assert_eq!(
            places[0].overlap(&Rect {
                x0: 493,
                y0: 195,
                x1: 504,
                y1: 206
            }),
            0
        );
        // Five dots on top of one another: five labels, none covering another or the dots.
        let dots = vec![(300, 200); 5];
        let places = place_labels(&dots, &[(80, 18); 5], &dots, 5, &[], area);
        for (i, a) in places.iter().enumerate() {
            assert!(a.x0 >= area.x0 && a.x1 <= area.x1 && a.y0 >= area.y0 && a.y1 <= area.y1);
            for b in &places[i + 1..] {
                assert_eq!(a.overlap(b), 0, "{a:?} overlaps {b:?}");
            }
        }
        // A label wider than the plot still starts inside it.
        let places = place_labels(&[(300, 200)], &[(1000, 18)], &[], 5, &[], area);
        assert_eq!(places[0].x0, area.x0);
    }

    #[test]
    fn labels_avoid_lines_and_other_dots() {
        let area = Rect {
            x0: 0,
            y0: 0,
            x1: 600,
            y1: 400,
        };
        // A line just right of the dot: the label goes beside it without touching the line.
        let line = points_along((312, 100), (312, 300));
        let places = place_labels(&[(300, 200)], &[(80, 18)], &[(300, 200)], 5, &line, area);
        assert!(
            line.iter().all(|&p| !places[0].contains(p)),
            "{:?}",
            places[0]
        );
        assert!(places[0].nearest((300, 200)).0 <= leader_px(5));

        // Another dot just right: the label is clearly nearer its own dot, or has a leader.
        let dots = [(300, 200), (326, 200)];
        let places = place_labels(&dots[..1], &[(80, 18)], &dots, 5, &[], area);
        let own = places[0].nearest(dots[0]).0;
        let other = places[0].nearest(dots[1]).0;
        assert!(own + 8.0 <= other || own > leader_px(5), "{:?}", places[0]);
        assert_eq!(
            places[0].overlap(&Rect {
                x0: 321,
                y0: 195,
                x1: 332,
                y1: 206
            }),
            0
        );
    }
}
