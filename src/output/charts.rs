//! Charts of a run, so that a reader sees at a glance what happened to the town.
//!
//! Three line charts over calendar years, each written as PNG and SVG (1200×700):
//!
//! - `cohesion`: the town's generalised trust, belonging, agency and trust in the council;
//! - `venues`: how many venues of each kind are still open;
//! - `belonging_by_ward`: belonging in each ward, to show which neighbourhoods pulled apart.
//!
//! Every line is drawn at its true value. So that lines lying on one another stay visible, the
//! first is solid and each later one has its own dash pattern, drawn over it; the chart's caption
//! names the lines that coincide and when. Shares are drawn on an axis from 0, so that a line's
//! height shows its size; a comparison states each effect in percentage points in its legend.
//! The legend and the labels of interventions sit outside the plotting area, so neither covers
//! data; an intervention belongs to its scenario: drawn in its colour, on its line.
//!
//! Text is drawn with the embedded DejaVu Sans (no system fonts are needed), and the files are
//! byte-identical from run to run: nothing depends on the clock or on hash order.
//!
//! The look of every chart lives here and is shared with [`super::sweep_charts`]: the font and
//! its sizes, the palette, tidy axes ([`ChartAxis`]), the frame of title, axes and grid ([`Frame`]),
//! bands, lines and legends, and [`write_png_and_svg`], the one writer of chart files.

use crate::metrics;
use crate::observe::{Observations, open_metric};
use crate::scenario::VenueKind;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor, register_font};
use std::io;
use std::path::Path;
use std::sync::Once;

/// Size of every chart, in pixels.
pub(crate) const SIZE: (u32, u32) = (1200, 700);
/// The only font family used; registered from the embedded DejaVu Sans.
pub(crate) const FONT: &str = "sans-serif";
/// Font sizes in pixels per em, as an SVG viewer renders them.
pub(crate) const TITLE_PX: f64 = 28.0;
pub(crate) const AXIS_LABEL_PX: f64 = 20.0;
pub(crate) const TICK_LABEL_PX: f64 = 16.0;
pub(crate) const LEGEND_PX: f64 = 18.0;
/// Plotters divides every font size by this before writing it into an SVG (and sizes bitmap
/// glyphs to match), so sizes are multiplied by it to come out at the pixels above.
pub(super) const PLOTTERS_FONT_SCALE: f64 = 1.24;
/// Plotters draws bitmap text higher than an SVG viewer does, by about this fraction of the
/// (scaled) font size; legend keys in the PNG are raised as much to stay level with their labels.
pub(super) const BITMAP_TEXT_RISE: f64 = 0.12;
/// Width of every data line, in pixels.
pub(crate) const LINE_PX: u32 = 3;
/// Dash patterns (dash, gap) in pixels of the lines after the first, which is solid: each has its
/// own period, so that lines drawn over one another show every colour along their length.
const DASHES: [(u32, u32); 7] = [
    (16, 10),
    (6, 8),
    (26, 8),
    (3, 9),
    (11, 5),
    (20, 14),
    (8, 12),
];
/// Length of a legend key's line, in pixels, the width set aside for it, and the legend's
/// inner margin.
pub(super) const KEY_PX: i32 = 28;
const LEGEND_KEY_AREA: i32 = KEY_PX + 8;
const LEGEND_MARGIN: i32 = 12;
const WEEKS_PER_YEAR: f64 = crate::scenario::WEEKS_PER_YEAR as f64;

/// Okabe–Ito, ordered so that the weakest colour on white (yellow) comes last.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];
pub(crate) const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Colour of intervention markers and their labels.
pub(crate) const MARKER: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Font size of marker labels, of the legend's second lines and of the caption, in pixels per em.
const MARKER_PX: f64 = 15.0;
/// Radius of the dot where a marker meets its scenario's line, in pixels.
const MARKER_DOT_PX: i32 = 6;
/// Space kept between two marker labels in one row, in pixels.
const MARKER_LABEL_GAP_PX: i32 = 12;
/// The frame's outer margin, and the width of the y axis' label area, in pixels (as
/// [`Frame::draw`] lays them out).
const OUTER_MARGIN: u32 = 20;
const Y_LABEL_AREA: u32 = 100;
/// Space between the plotting area and the legend to its right, in pixels.
const LEGEND_GAP: i32 = 24;
/// Opacity of the interval band drawn around each line.
pub(super) const BAND_ALPHA: f64 = 0.2;

/// The town-level cohesion metrics of the first chart, in legend order; their legend labels
/// are the metrics' own ([`crate::metrics::METRICS`]).
const COHESION: [&str; 4] = ["trust", "belonging", "agency", "council_trust"];

/// Writes every chart of a run as PNG and SVG into `dir` (which exists), returning the file
/// names written (relative to `dir`), in a fixed order: `cohesion.png`, `cohesion.svg`,
/// `venues.png`, `venues.svg`, `belonging_by_ward.png`, `belonging_by_ward.svg`.
///
/// `ward_names[i]` names ward `i`; `start_year` is the calendar year of tick 0; `title` is the
/// scenario name, used as the prefix of every chart title.
pub fn write_charts(
    dir: &Path,
    obs: &Observations,
    ward_names: &[String],
    start_year: i32,
    title: &str,
) -> io::Result<Vec<String>> {
    register_fonts();
    let year = |tick: u32| f64::from(start_year) + f64::from(tick) / WEEKS_PER_YEAR;
    let series = |label: &str, ward: Option<u16>, metric: &str| Series {
        label: label.to_owned(),
        points: obs
            .series(ward, metric)
            .into_iter()
            .map(|(t, v)| (year(t), v))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect(),
        band: Vec::new(),
        note: None,
    };

    let years = (f64::from(start_year), f64::from(start_year) + 1.0);
    let charts = [
        Chart::new(
            ChartSpec {
                name: "cohesion",
                title: format!("{title}: trust, belonging and agency"),
                y_desc: "mean score (0–1)",
                scale: Scale::Share,
                series: COHESION
                    .iter()
                    .map(|&metric| series(metrics::named(metric).label, None, metric))
                    .collect(),
                markers: Vec::new(),
            },
            years,
        ),
        Chart::new(
            ChartSpec {
                name: "venues",
                title: format!("{title}: open venues by kind"),
                y_desc: "open venues",
                scale: Scale::Count,
                series: VenueKind::ALL
                    .iter()
                    .map(|&kind| {
                        let metric = open_metric(kind);
                        series(metrics::named(metric).label, None, metric)
                    })
                    .collect(),
                markers: Vec::new(),
            },
            years,
        ),
        Chart::new(
            ChartSpec {
                name: "belonging_by_ward",
                title: format!("{title}: belonging by ward"),
                y_desc: "mean belonging (0–1)",
                scale: Scale::Share,
                series: ward_names
                    .iter()
                    .enumerate()
                    .filter_map(|(i, name)| {
                        let ward = u16::try_from(i).ok()?;
                        Some(series(name, Some(ward), "belonging"))
                    })
                    .collect(),
                markers: Vec::new(),
            },
            years,
        ),
    ];

    let mut written = Vec::with_capacity(2 * charts.len());
    for chart in &charts {
        written.extend(write_png_and_svg(dir, chart.spec.name, SIZE, chart)?);
    }
    Ok(written)
}

/// A chart that can be drawn on any plotters backend, so that the PNG and the SVG come from the
/// same drawing code.
pub(super) trait Figure {
    /// Draws the figure on `backend` and writes it out. `text_rise` is how far above its anchor
    /// the backend draws text, as a fraction of the font size (see [`BITMAP_TEXT_RISE`]).
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()>;
}

impl Figure for Chart {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        draw(backend, self, text_rise)
    }
}

/// Draws `figure` as `NAME.png` and `NAME.svg` in `dir`, `size` pixels each; returns the two
/// file names.
pub(super) fn write_png_and_svg(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    figure: &impl Figure,
) -> io::Result<[String; 2]> {
    let png = format!("{name}.png");
    let svg = format!("{name}.svg");
    figure.draw(BitMapBackend::new(&dir.join(&png), size), BITMAP_TEXT_RISE)?;
    figure.draw(SVGBackend::new(&dir.join(&svg), size), 0.0)?;
    Ok([png, svg])
}

/// Writes one chart of several scenarios' means over time, each with its interval drawn as a
/// translucent band of the line's colour, and `markers` as dashed vertical lines. Writes
/// `NAME.png` and `NAME.svg` into `dir` and returns their names. `count` chooses a y axis from
/// zero with whole-number ticks instead of a padded share axis.
pub fn write_band_chart(
    dir: &Path,
    name: &'static str,
    title: String,
    y_desc: &'static str,
    count: bool,
    lines: Vec<BandSeries>,
    markers: Vec<Marker>,
) -> io::Result<[String; 2]> {
    register_fonts();
    let finite = |p: &&(f64, f64, f64, f64)| p.0.is_finite() && p.1.is_finite();
    let series = lines
        .into_iter()
        .map(|line| Series {
            label: line.label,
            points: line
                .points
                .iter()
                .filter(finite)
                .map(|p| (p.0, p.1))
                .collect(),
            band: line
                .points
                .iter()
                .filter(|p| p.0.is_finite() && p.2.is_finite() && p.3.is_finite())
                .map(|p| (p.0, p.2, p.3))
                .collect(),
            note: line.note,
        })
        .collect();
    let spec = ChartSpec {
        name,
        title,
        y_desc,
        scale: if count { Scale::Count } else { Scale::Share },
        series,
        markers,
    };
    write_png_and_svg(dir, name, SIZE, &Chart::new(spec, (2000.0, 2001.0)))
}

/// Registers the embedded DejaVu Sans as "sans-serif", once per process.
pub(crate) fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded fonts are valid TrueType; were registration ever to fail, drawing text
        // would report the missing font as an error rather than panic.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// How to choose the y axis.
#[derive(Clone, Copy)]
enum Scale {
    /// A share in [0,1]: from 0 to a little above the largest value, at most 1.
    Share,
    /// A count: from 0 to a little above the largest value, ticks at whole numbers.
    Count,
}

struct Series {
    label: String,
    /// (calendar year, value), all finite.
    points: Vec<(f64, f64)>,
    /// An interval around the line: (calendar year, low, high), all finite; empty for none.
    band: Vec<(f64, f64, f64)>,
    /// A second line for the legend, such as the line's effect against a reference.
    note: Option<String>,
}

/// What a chart shows.
struct ChartSpec {
    name: &'static str,
    title: String,
    y_desc: &'static str,
    scale: Scale,
    series: Vec<Series>,
    /// Moments marked with a dashed vertical line and a label above the plotting area.
    markers: Vec<Marker>,
}

/// A moment to mark on a chart, such as an intervention.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Calendar year, fractional (2016.25 is week 14 of 2016).
    pub year: f64,
    pub label: String,
    /// The line (by index) the moment belongs to: the marker is drawn in its colour and meets
    /// it with a dot. `None` marks the moment for every line, in grey, across the chart.
    pub series: Option<usize>,
}

/// One scenario's line in a band chart: (calendar year, mean, interval low, interval high).
#[derive(Clone, Debug)]
pub struct BandSeries {
    pub label: String,
    pub points: Vec<(f64, f64, f64, f64)>,
    /// A second line for the legend, such as the effect against the reference.
    pub note: Option<String>,
}

/// A chart with its axes chosen.
struct Chart {
    spec: ChartSpec,
    x: ChartAxis,
    y: ChartAxis,
}

impl Chart {
    /// Chooses the axes of `spec`; `years` is the x range used when there is no data.
    fn new(spec: ChartSpec, years: (f64, f64)) -> Chart {
        let x = x_axis(&spec, years);
        let y = y_axis(&spec);
        Chart { spec, x, y }
    }
}

/// One linear axis over [lo, hi] with its own labelled ticks. [`ChartAxis::new`] makes tidy multiples
/// of a 1-2-5 step, printed with just the decimals that step needs (whole years on the x axis);
/// sweep charts also build log and categorical axes, whose ticks are labelled otherwise.
#[derive(Clone)]
pub(super) struct ChartAxis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) labels: TickLabels,
}

/// How an axis prints the values of its ticks.
#[derive(Clone)]
pub(super) enum TickLabels {
    /// The value itself, with this many decimals.
    Decimals(usize),
    /// The axis runs in log10 units: a tick at `v` is labelled with the value 10^v, tidily
    /// (see [`tidy_number`]).
    Log10,
    /// A categorical axis: the tick at `i` is level `i`, labelled with `names[i]`.
    Levels(Vec<String>),
    /// Pounds, as a reader says them: £3.0m, £250k, £2,800 (see `numbers::money_exact`).
    Money,
}

impl ChartAxis {
    pub(super) fn new(lo: f64, hi: f64, max_ticks: usize, min_step: f64) -> ChartAxis {
        let step = nice_step(hi - lo, max_ticks, min_step);
        ChartAxis {
            lo,
            hi,
            ticks: ticks(lo, hi, step),
            labels: TickLabels::Decimals(decimals(step)),
        }
    }

    pub(super) fn label(&self, v: f64) -> String {
        match &self.labels {
            TickLabels::Decimals(decimals) => format!("{:.*}", decimals, v),
            TickLabels::Log10 => tidy_number(10f64.powf(v)),
            TickLabels::Money => super::numbers::money_exact(v),
            TickLabels::Levels(names) => {
                let level = v.round();
                if level >= 0.0 && level < names.len() as f64 {
                    names[level as usize].clone()
                } else {
                    String::new()
                }
            }
        }
    }
}

/// `v` printed as a reader would write it: without float noise (0.1 + 0.2 prints as 0.3), whole
/// numbers without decimals, and very large or very small magnitudes in exponent form (2e-7).
pub(super) fn tidy_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    // Twelve significant digits hide the noise of binary fractions; adding 0.0 turns -0 into 0.
    let rounded: f64 = format!("{v:.11e}").parse().unwrap_or(v) + 0.0;
    let magnitude = rounded.abs();
    if magnitude >= 1e7 || (magnitude > 0.0 && magnitude < 1e-4) {
        format!("{rounded:e}")
    } else {
        rounded.to_string()
    }
}

impl Ranged for ChartAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, (from, to): (i32, i32)) -> i32 {
        let fraction = (value - self.lo) / (self.hi - self.lo);
        if !fraction.is_finite() {
            return (from + to) / 2;
        }
        let pixels = f64::from(to - from) * fraction;
        // Clamped far outside the drawing area, so that the cast cannot saturate oddly.
        from + pixels.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for ChartAxis {
    fn format(value: &f64) -> String {
        value.to_string()
    }

    fn format_ext(&self, value: &f64) -> String {
        self.label(*value)
    }
}

/// Whole calendar years covering the data (`fallback` when there is none).
fn x_axis(chart: &ChartSpec, fallback: (f64, f64)) -> ChartAxis {
    let (lo, hi) = extent(
        chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0)),
    )
    .map_or(fallback, |(lo, hi)| (lo.floor(), hi.ceil()));
    let hi = if hi > lo { hi } else { lo + 1.0 };
    ChartAxis::new(lo, hi, 12, 1.0)
}

/// The y axis: for shares, 0 to a little above the largest value, snapped to 0.05 and at most 1;
/// for counts, 0 to a whole step above the largest count. Both start at 0, so that a line's
/// height shows its size and a small difference looks small.
fn y_axis(chart: &ChartSpec) -> ChartAxis {
    let values = chart.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
    });
    match chart.scale {
        Scale::Share => {
            let hi = extent(values).map_or(1.0, |(_, hi)| hi.clamp(0.0, 1.0));
            let snap = 0.05;
            let hi = ((hi + 0.05) / snap).ceil() * snap;
            ChartAxis::new(0.0, hi.min(1.0), 10, 0.01)
        }
        Scale::Count => {
            let max = extent(values).map_or(0.0, |(_, hi)| hi).max(1.0);
            let step = nice_step(max, 8, 1.0);
            let hi = (max * 1.05 / step).ceil() * step;
            ChartAxis::new(0.0, hi, 10, 1.0)
        }
    }
}

/// Smallest and largest of `values`, or `None` if there are none.
pub(super) fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The smallest step of the form {1, 2, 5}×10^k, at least `min_step`, that puts at most
/// `max_ticks` ticks on a span of `span`.
pub(super) fn nice_step(span: f64, max_ticks: usize, min_step: f64) -> f64 {
    let intervals = max_ticks.saturating_sub(1).max(1) as f64;
    let mut exponent = min_step.log10().floor() as i32;
    loop {
        for mantissa in [1.0, 2.0, 5.0] {
            let step = mantissa * 10f64.powi(exponent);
            if step >= min_step * (1.0 - 1e-9) && span / step <= intervals + 1e-9 {
                return step;
            }
        }
        if exponent > 300 {
            return min_step;
        }
        exponent += 1;
    }
}

/// The multiples of `step` in [lo, hi], each computed afresh so that errors do not accumulate
/// (at most 100 of them, should absurd data defeat [`nice_step`]).
pub(super) fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).take(100).map(|k| k as f64 * step).collect()
}

/// Decimal places needed to print multiples of `step`.
fn decimals(step: f64) -> usize {
    (-(step.log10() + 1e-9).floor()).max(0.0) as usize
}

/// Where the legend hides the fewest points of `lines`: the legend is measured as plotters
/// will lay it out and tried in each corner of the plotting area, then midway along each side.
fn legend_position<DB: DrawingBackend>(
    area: &DrawingArea<DB, Cartesian2d<ChartAxis, ChartAxis>>,
    labels: &[&str],
    lines: &[Vec<(f64, f64)>],
) -> io::Result<SeriesLabelPosition> {
    use SeriesLabelPosition::*;
    let style = TextStyle::from(font(LEGEND_PX).into_font());
    let mut text = MultiLineText::<(i32, i32), &str>::new((0, 0), &style);
    for label in labels {
        text.push_line(*label);
    }
    let (text_w, text_h) = text.estimate_dimension().map_err(io_error)?;
    let (w, h) = (
        text_w + LEGEND_KEY_AREA + 2 * LEGEND_MARGIN,
        text_h + 2 * LEGEND_MARGIN,
    );
    let (area_w, area_h) = area.dim_in_pixel();
    let (area_w, area_h) = (area_w as i32, area_h as i32);
    // Plotters keeps the legend 5 px from the edges of the plotting area.
    let (left, centre, right) = (5, (area_w - w) / 2, area_w - w - 5);
    let (top, middle, bottom) = (5, (area_h - h) / 2, area_h - h - 5);
    let candidates = [
        (UpperRight, right, top),
        (UpperLeft, left, top),
        (LowerRight, right, bottom),
        (LowerLeft, left, bottom),
        (UpperMiddle, centre, top),
        (LowerMiddle, centre, bottom),
        (MiddleRight, right, middle),
        (MiddleLeft, left, middle),
    ];
    let (x0, y0) = area.get_base_pixel();
    let pad = LINE_PX as i32;
    let hidden = |x: i32, y: i32| {
        let points = lines.iter().flatten().map(|p| area.map_coordinate(p));
        points
            .filter(|&(px, py)| {
                let (px, py) = (px - x0, py - y0);
                (x - pad..=x + w + pad).contains(&px) && (y - pad..=y + h + pad).contains(&py)
            })
            .count()
    };
    let mut best = (UpperRight, usize::MAX);
    for (position, x, y) in candidates {
        let n = hidden(x, y);
        if n < best.1 {
            best = (position, n);
        }
    }
    Ok(best.0)
}

/// Where each marker's label goes: its row above the plotting area (0 nearest the plot) and its
/// left edge in pixels, for a plotting area from `left` to `right` pixels wide over the x axis
/// `x`. Labels are centred on their marker where the area allows and never overlap: a label
/// that would touch one already placed in a row goes to the next row. Markers outside the x axis
/// get no place.
fn place_marker_labels(
    markers: &[Marker],
    x: &ChartAxis,
    (left, right): (i32, i32),
) -> io::Result<Vec<Option<(usize, i32)>>> {
    let span = (x.hi - x.lo).max(f64::MIN_POSITIVE);
    let mut order: Vec<usize> = (0..markers.len()).collect();
    order.sort_by(|&a, &b| markers[a].year.total_cmp(&markers[b].year));
    let mut row_ends: Vec<i32> = Vec::new();
    let mut placed = vec![None; markers.len()];
    for i in order {
        let m = &markers[i];
        if !(x.lo..=x.hi).contains(&m.year) {
            continue;
        }
        let (w, _) = font(MARKER_PX)
            .into_font()
            .box_size(&m.label)
            .map_err(io_error)?;
        let centre = left + ((m.year - x.lo) / span * f64::from(right - left)).round() as i32;
        let start = (centre - w as i32 / 2).clamp(left, (right - w as i32).max(left));
        let row = match row_ends
            .iter()
            .position(|&end| end + MARKER_LABEL_GAP_PX <= start)
        {
            Some(row) => row,
            None => {
                row_ends.push(i32::MIN);
                row_ends.len() - 1
            }
        };
        row_ends[row] = start + w as i32;
        placed[i] = Some((row, start));
    }
    Ok(placed)
}

/// Height of one row of marker labels or of caption text, in pixels.
fn small_row_px() -> i32 {
    (MARKER_PX * PLOTTERS_FONT_SCALE * 1.35).round() as i32
}

/// Height of one line of legend text, in pixels.
fn legend_row_px() -> i32 {
    (LEGEND_PX * PLOTTERS_FONT_SCALE * 1.3).round() as i32
}

/// The value of the line `points` (in x order) at `x`, interpolated; `None` outside it.
fn value_at(points: &[(f64, f64)], x: f64) -> Option<f64> {
    let after = points.iter().position(|p| p.0 >= x)?;
    let (x1, y1) = points[after];
    if after == 0 || x1 == x {
        return (x1 == x).then_some(y1);
    }
    let (x0, y0) = points[after - 1];
    Some(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
}

/// The pairs of lines that lie on one another (within `tolerance`) for at least two points in a
/// row, as sentences for the caption: the longest such stretch of each pair, or "throughout".
fn coinciding(series: &[Series], tolerance: f64) -> Vec<String> {
    let mut found = Vec::new();
    for i in 0..series.len() {
        for j in i + 1..series.len() {
            let (a, b) = (&series[i].points, &series[j].points);
            if a.len() != b.len() || a.len() < 2 {
                continue;
            }
            let together = |k: usize| a[k].0 == b[k].0 && (a[k].1 - b[k].1).abs() <= tolerance;
            let (mut best, mut run_start) = (None::<(usize, usize)>, None);
            for k in 0..=a.len() {
                match (k < a.len() && together(k), run_start) {
                    (true, None) => run_start = Some(k),
                    (false, Some(first)) => {
                        let longer = best.is_none_or(|(f, l)| k - 1 - first > l - f);
                        if k - 1 > first && longer {
                            best = Some((first, k - 1));
                        }
                        run_start = None;
                    }
                    _ => {}
                }
            }
            let Some((first, last)) = best else { continue };
            let when = if first == 0 && last == a.len() - 1 {
                "throughout".to_owned()
            } else {
                let (from, to) = (a[first].0.floor(), a[last].0.floor());
                if from == to {
                    format!("in {from}")
                } else {
                    format!("{from}–{to}")
                }
            };
            found.push(format!(
                "{} and {} {when}",
                series[i].label, series[j].label
            ));
        }
    }
    found
}

/// `text` broken at spaces into lines at most `width` pixels wide in the caption's font.
fn wrap(text: &str, width: i32) -> io::Result<Vec<String>> {
    let font = font(MARKER_PX).into_font();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        let (w, _) = font.box_size(&candidate).map_err(io_error)?;
        if w as i32 > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// The caption under a chart: which lines coincide and how they are told apart.
fn caption(series: &[Series], y: &ChartAxis, plot_height_px: f64) -> Option<String> {
    let tolerance = f64::from(LINE_PX) * (y.hi - y.lo) / plot_height_px.max(1.0);
    let pairs = coinciding(series, tolerance);
    if pairs.is_empty() {
        return None;
    }
    const SHOWN: usize = 4;
    let mut text = format!(
        "Lines drawn on one another (dashes over solid): {}",
        pairs[..pairs.len().min(SHOWN)].join("; ")
    );
    if pairs.len() > SHOWN {
        text.push_str(&format!("; and {} more pairs", pairs.len() - SHOWN));
    }
    text.push('.');
    Some(text)
}

/// The regular font at `px` pixels per em.
pub(crate) fn font(px: f64) -> (&'static str, f64) {
    (FONT, px * PLOTTERS_FONT_SCALE)
}

pub(crate) fn io_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Draws `chart` on `backend` and writes it out. The same code serves the PNG and the SVG;
/// `text_rise` is how far above its anchor the backend draws text, as a fraction of the font size.
///
/// The layout, from the top: the title; rows of marker labels; the plotting area, with the
/// legend to its right; the x axis; the caption.
fn draw<DB: DrawingBackend>(backend: DB, chart: &Chart, text_rise: f64) -> io::Result<()> {
    let spec = &chart.spec;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(io_error)?;
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);

    let legend = LegendBox::measure(&spec.series)?;
    let margin_right = OUTER_MARGIN as i32 + legend.width + LEGEND_GAP;
    let plot_x = ((OUTER_MARGIN + Y_LABEL_AREA) as i32, width - margin_right);
    let places = place_marker_labels(&spec.markers, &chart.x, plot_x)?;
    let marker_rows = places.iter().flatten().map(|p| p.0 + 1).max().unwrap_or(0) as i32;
    let plot_height = f64::from(height - 260 - marker_rows * small_row_px());
    let caption = match caption(&spec.series, &chart.y, plot_height) {
        Some(text) => wrap(&text, width - 2 * OUTER_MARGIN as i32)?,
        None => Vec::new(),
    };
    let caption_rows = caption.len() as i32;

    // The title spans the whole width; the legend's column is taken from the area below it.
    let area = root.margin(
        OUTER_MARGIN as i32,
        OUTER_MARGIN as i32 + caption_rows * small_row_px(),
        OUTER_MARGIN as i32,
        OUTER_MARGIN as i32,
    );
    let area = area
        .titled(
            &spec.title,
            (FONT, TITLE_PX * PLOTTERS_FONT_SCALE, FontStyle::Bold),
        )
        .map_err(io_error)?;
    let area = area.margin(
        marker_rows * small_row_px() + 8,
        0,
        0,
        margin_right - OUTER_MARGIN as i32,
    );
    let mut ctx = Frame {
        title: "",
        x: &chart.x,
        y: &chart.y,
        x_desc: "year",
        y_desc: spec.y_desc,
        margin_right: 0,
        grid: true,
    }
    .draw_untitled(&area)?;

    // Bands first, so that every line is drawn over every band.
    for (i, series) in spec.series.iter().enumerate() {
        draw_band(&mut ctx, PALETTE[i % PALETTE.len()], &series.band)?;
    }
    let points: Vec<Vec<(f64, f64)>> = spec.series.iter().map(|s| s.points.clone()).collect();
    for (i, (series, line)) in spec.series.iter().zip(&points).enumerate() {
        draw_line(&mut ctx, i, &series.label, line, text_rise)?;
    }
    draw_markers(&mut ctx, &root, chart, &places, text_rise)?;
    let (plot_xs, plot_ys) = ctx.plotting_area().get_pixel_range();
    legend.draw(
        &root,
        &spec.series,
        (plot_xs.end + LEGEND_GAP, plot_ys.start),
        text_rise,
    )?;
    let style = TextStyle::from(font(MARKER_PX).into_font()).color(&MARKER);
    for (row, text) in caption.into_iter().enumerate() {
        let y = height - OUTER_MARGIN as i32 - (caption_rows - row as i32) * small_row_px()
            + (text_rise * MARKER_PX * PLOTTERS_FONT_SCALE).round() as i32;
        root.draw(&Text::new(text, (OUTER_MARGIN as i32, y), style.clone()))
            .map_err(io_error)?;
    }

    root.present().map_err(io_error)?;
    drop(ctx);
    drop(root);
    Ok(())
}

/// Each marker: a dashed vertical line from the top of the plotting area down to its line (in
/// its scenario's colour, with a dot where it meets the line), or across the whole chart in grey
/// for a marker of every line; and its label in its row above the plotting area.
fn draw_markers<DB: DrawingBackend>(
    ctx: &mut ChartContext<DB, Cartesian2d<ChartAxis, ChartAxis>>,
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    places: &[Option<(usize, i32)>],
    text_rise: f64,
) -> io::Result<()> {
    let (lo, hi) = (chart.y.lo, chart.y.hi);
    let (_, plot_ys) = ctx.plotting_area().get_pixel_range();
    for (m, place) in chart.spec.markers.iter().zip(places) {
        let Some((row, left)) = *place else { continue };
        let (colour, bottom) = match m.series {
            Some(i) => {
                let line = chart.spec.series.get(i).map(|s| s.points.as_slice());
                let at = line.and_then(|points| value_at(points, m.year));
                (PALETTE[i % PALETTE.len()], at)
            }
            None => (MARKER, None),
        };
        let style = colour.stroke_width(2);
        ctx.draw_series(std::iter::once(DashedPathElement::new(
            vec![(m.year, bottom.unwrap_or(lo)), (m.year, hi)],
            6,
            5,
            style,
        )))
        .map_err(io_error)?;
        if let Some(y) = bottom {
            ctx.draw_series(std::iter::once(Circle::new(
                (m.year, y),
                MARKER_DOT_PX,
                colour.filled(),
            )))
            .map_err(io_error)?;
        }
        let row = i32::try_from(row).unwrap_or(i32::MAX);
        let top = plot_ys.start - 6 - (row + 1) * small_row_px()
            + (text_rise * MARKER_PX * PLOTTERS_FONT_SCALE).round() as i32;
        let text = TextStyle::from(font(MARKER_PX).into_font()).color(&colour);
        root.draw(&Text::new(m.label.clone(), (left, top), text))
            .map_err(io_error)?;
    }
    Ok(())
}

/// The legend to the right of the plotting area: one entry per line, its key drawn as the line
/// is (colour and dash pattern), its label, and the label's note on a second line.
struct LegendBox {
    /// Width in pixels, key included.
    width: i32,
}

impl LegendBox {
    fn measure(series: &[Series]) -> io::Result<LegendBox> {
        let mut text = 0u32;
        for s in series {
            let (w, _) = font(LEGEND_PX)
                .into_font()
                .box_size(&s.label)
                .map_err(io_error)?;
            text = text.max(w);
            if let Some(note) = &s.note {
                let (w, _) = font(MARKER_PX)
                    .into_font()
                    .box_size(note)
                    .map_err(io_error)?;
                text = text.max(w);
            }
        }
        let width = if series.is_empty() {
            0
        } else {
            LEGEND_KEY_AREA + text as i32
        };
        Ok(LegendBox { width })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        series: &[Series],
        (x, mut y): (i32, i32),
        text_rise: f64,
    ) -> io::Result<()> {
        let label = TextStyle::from(font(LEGEND_PX).into_font());
        let note = TextStyle::from(font(MARKER_PX).into_font()).color(&MARKER);
        let rise = |px: f64| (text_rise * px * PLOTTERS_FONT_SCALE).round() as i32;
        for (i, s) in series.iter().enumerate() {
            let mid = y + legend_row_px() / 2;
            let key = vec![(x, mid), (x + KEY_PX, mid)];
            let style = PALETTE[i % PALETTE.len()].stroke_width(LINE_PX);
            match dash(i) {
                None => root.draw(&PathElement::new(key, style)),
                Some((size, gap)) => root.draw(&DashedPathElement::new(key, size, gap, style)),
            }
            .map_err(io_error)?;
            let text_y = y + (legend_row_px() - (LEGEND_PX * PLOTTERS_FONT_SCALE) as i32) / 2;
            root.draw(&Text::new(
                s.label.clone(),
                (x + LEGEND_KEY_AREA, text_y + rise(LEGEND_PX)),
                label.clone(),
            ))
            .map_err(io_error)?;
            y += legend_row_px();
            if let Some(text) = &s.note {
                root.draw(&Text::new(
                    text.clone(),
                    (x + LEGEND_KEY_AREA, y + rise(MARKER_PX)),
                    note.clone(),
                ))
                .map_err(io_error)?;
                y += small_row_px();
            }
            y += 6;
        }
        Ok(())
    }
}

/// The dash pattern of the `i`th line, or `None` for the first, which is solid.
fn dash(i: usize) -> Option<(u32, u32)> {
    (i > 0).then(|| DASHES[(i - 1) % DASHES.len()])
}

/// The frame every chart shares: a bold title, the axes with their descriptions and tick labels
/// and, if asked, grid lines at the ticks.
pub(super) struct Frame<'a> {
    pub(super) title: &'a str,
    pub(super) x: &'a ChartAxis,
    pub(super) y: &'a ChartAxis,
    pub(super) x_desc: &'a str,
    pub(super) y_desc: &'a str,
    /// Space between the plotting area and the right edge, in pixels (room for a colour bar).
    pub(super) margin_right: u32,
    pub(super) grid: bool,
}

impl Frame<'_> {
    /// Draws the frame on `root` and returns the chart to draw data into.
    pub(super) fn draw<'r, DB: DrawingBackend>(
        &self,
        root: &'r DrawingArea<DB, Shift>,
    ) -> io::Result<ChartContext<'r, DB, Cartesian2d<ChartAxis, ChartAxis>>> {
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(
                self.title,
                (FONT, TITLE_PX * PLOTTERS_FONT_SCALE, FontStyle::Bold),
            )
            .margin(OUTER_MARGIN)
            .margin_right(self.margin_right);
        self.build(builder)
    }

    /// Draws the frame's axes on `area`, which already has its title and margins, and returns
    /// the chart to draw data into.
    fn draw_untitled<'r, DB: DrawingBackend>(
        &self,
        area: &'r DrawingArea<DB, Shift>,
    ) -> io::Result<ChartContext<'r, DB, Cartesian2d<ChartAxis, ChartAxis>>> {
        self.build(ChartBuilder::on(area))
    }

    fn build<'r, DB: DrawingBackend>(
        &self,
        mut builder: ChartBuilder<'_, 'r, DB>,
    ) -> io::Result<ChartContext<'r, DB, Cartesian2d<ChartAxis, ChartAxis>>> {
        let mut ctx = builder
            .x_label_area_size(70)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(self.x.clone(), self.y.clone())
            .map_err(io_error)?;

        let mut mesh = ctx.configure_mesh();
        mesh.bold_line_style(GRID)
            .axis_style(BLACK)
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .axis_desc_style(font(AXIS_LABEL_PX))
            .label_style(font(TICK_LABEL_PX));
        if !self.grid {
            mesh.disable_mesh();
        }
        mesh.draw().map_err(io_error)?;
        Ok(ctx)
    }
}

/// An interval drawn as a translucent band of `colour`: `band` is (x, low, high) in x order.
/// Fewer than two points make no band.
pub(super) fn draw_band<DB: DrawingBackend>(
    ctx: &mut ChartContext<DB, Cartesian2d<ChartAxis, ChartAxis>>,
    colour: RGBColor,
    band: &[(f64, f64, f64)],
) -> io::Result<()> {
    if band.len() < 2 {
        return Ok(());
    }
    let outline: Vec<(f64, f64)> = band
        .iter()
        .map(|b| (b.0, b.2))
        .chain(band.iter().rev().map(|b| (b.0, b.1)))
        .collect();
    ctx.draw_series(std::iter::once(Polygon::new(
        outline,
        colour.mix(BAND_ALPHA),
    )))
    .map_err(io_error)?;
    Ok(())
}

/// The `i`th line of a chart, in the `i`th palette colour, with its legend key: the first line
/// solid, each later one in its own dash pattern (see [`DASHES`]), so that lines drawn over one
/// another all stay visible.
pub(super) fn draw_line<DB: DrawingBackend>(
    ctx: &mut ChartContext<DB, Cartesian2d<ChartAxis, ChartAxis>>,
    i: usize,
    label: &str,
    points: &[(f64, f64)],
    text_rise: f64,
) -> io::Result<()> {
    let colour = PALETTE[i % PALETTE.len()];
    let style = colour.stroke_width(LINE_PX);
    // Legend keys are raised as much as the backend raises the text beside them.
    let key_rise = (text_rise * LEGEND_PX * PLOTTERS_FONT_SCALE).round() as i32;
    let key = move |(x, y): (i32, i32)| [(x, y - key_rise), (x + KEY_PX, y - key_rise)];
    match dash(i) {
        None => {
            ctx.draw_series(LineSeries::new(points.iter().copied(), style))
                .map_err(io_error)?
                .label(label)
                .legend(move |at| PathElement::new(key(at), style));
        }
        Some((size, gap)) => {
            ctx.draw_series(DashedLineSeries::new(
                points.iter().copied(),
                size,
                gap,
                style,
            ))
            .map_err(io_error)?
            .label(label)
            .legend(move |at| DashedPathElement::new(key(at), size, gap, style));
        }
    }
    Ok(())
}

/// The legend of every labelled series drawn so far, placed where it hides the fewest of
/// `points` (given per series, in data coordinates).
pub(super) fn draw_legend<'a, DB: DrawingBackend + 'a>(
    ctx: &mut ChartContext<'a, DB, Cartesian2d<ChartAxis, ChartAxis>>,
    labels: &[&str],
    points: &[Vec<(f64, f64)>],
) -> io::Result<()> {
    let position = legend_position(ctx.plotting_area(), labels, points)?;
    ctx.configure_series_labels()
        .position(position)
        .legend_area_size(LEGEND_KEY_AREA)
        .margin(LEGEND_MARGIN)
        .label_font(font(LEGEND_PX))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.6))
        .draw()
        .map_err(io_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Observation;

    #[test]
    fn the_charts_draw_metrics_of_the_table() {
        for name in COHESION.into_iter().chain(VenueKind::ALL.map(open_metric)) {
            assert!(metrics::metric(name).is_some(), "`{name}` is not a metric");
        }
    }

    fn synthetic() -> Observations {
        let mut rows = Vec::new();
        for tick in 0..104u32 {
            let t = f64::from(tick) / 104.0;
            let mut push = |ward, metric, value| {
                rows.push(Observation {
                    tick,
                    ward,
                    metric,
                    value,
                })
            };
            push(None, "trust", 0.55 - 0.1 * t);
            push(None, "belonging", 0.62 - 0.05 * t);
            push(None, "agency", 0.40 + 0.02 * t);
            push(None, "council_trust", 0.35 - 0.08 * t);
            for (k, kind) in VenueKind::ALL.iter().enumerate() {
                let open = (12 - k) as f64 - (4.0 * t).floor();
                push(None, open_metric(*kind), open.max(0.0));
            }
            for ward in 0..2u16 {
                push(Some(ward), "belonging", 0.6 - 0.1 * t * f64::from(ward + 1));
            }
        }
        Observations(rows)
    }

    fn names() -> Vec<String> {
        vec!["Market Place".to_owned(), "Pithead".to_owned()]
    }

    #[test]
    fn writes_every_chart_reproducibly() {
        let obs = synthetic();
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let files = write_charts(a.path(), &obs, &names(), 2010, "test").unwrap();
        let again = write_charts(b.path(), &obs, &names(), 2010, "test").unwrap();
        assert_eq!(files, again);
        assert_eq!(
            files,
            [
                "cohesion.png",
                "cohesion.svg",
                "venues.png",
                "venues.svg",
                "belonging_by_ward.png",
                "belonging_by_ward.svg",
            ]
        );
        for file in &files {
            let bytes = std::fs::read(a.path().join(file)).unwrap();
            assert!(!bytes.is_empty(), "{file} is empty");
            if file.ends_with(".png") {
                assert!(
                    bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                    "{file} is not a PNG"
                );
            } else {
                assert!(bytes.starts_with(b"<svg"), "{file} is not an SVG");
            }
            let other = std::fs::read(b.path().join(file)).unwrap();
            assert!(bytes == other, "{file} differs between runs");
        }
    }

    #[test]
    fn empty_observations_still_draw_frames() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_charts(dir.path(), &Observations::default(), &[], 2010, "empty").unwrap();
        assert_eq!(files.len(), 6);
        for file in &files {
            let len = std::fs::metadata(dir.path().join(file)).unwrap().len();
            assert!(len > 0, "{file} is empty");
        }
    }

    #[test]
    fn many_wards_cycle_colours_without_panicking() {
        let mut obs = synthetic();
        for tick in 0..10u32 {
            for ward in 2..11u16 {
                obs.0.push(Observation {
                    tick,
                    ward: Some(ward),
                    metric: "belonging",
                    value: 0.5 + 0.01 * f64::from(ward),
                });
            }
        }
        let wards: Vec<String> = (0..11).map(|i| format!("Ward {i}")).collect();
        let dir = tempfile::tempdir().unwrap();
        write_charts(dir.path(), &obs, &wards, 1990, "many").unwrap();
    }

    fn line(label: &str, ys: &[f64]) -> Series {
        Series {
            label: label.to_owned(),
            points: ys
                .iter()
                .enumerate()
                .map(|(i, &y)| (2010.0 + i as f64, y))
                .collect(),
            band: Vec::new(),
            note: None,
        }
    }

    #[test]
    fn coinciding_lines_are_named_with_their_years() {
        let lines = [
            line("a", &[0.5, 0.5, 0.5, 0.6]),
            line("b", &[0.5, 0.5, 0.5, 0.4]),
            line("c", &[0.1, 0.2, 0.3, 0.4]),
            line("d", &[0.1, 0.2, 0.3, 0.4]),
        ];
        assert_eq!(
            coinciding(&lines, 1e-9),
            ["a and b 2010–2012", "c and d throughout"]
        );
        // One shared point is a crossing, not lines lying on one another.
        assert!(coinciding(&lines[1..3], 1e-9).is_empty());
    }

    #[test]
    fn marker_labels_never_share_a_row_where_they_would_touch() {
        let x = ChartAxis::new(2010.0, 2025.0, 12, 1.0);
        let marker = |year: f64, series| Marker {
            year,
            label: "austerity + devolution".to_owned(),
            series,
        };
        let markers = [
            marker(2016.0, Some(1)),
            marker(2016.0, Some(2)),
            marker(2024.0, Some(1)),
            marker(1990.0, None),
        ];
        let places = place_marker_labels(&markers, &x, (120, 900)).unwrap();
        let (a, b, c) = (places[0].unwrap(), places[1].unwrap(), places[2].unwrap());
        assert_ne!(a.0, b.0, "labels at the same year share a row");
        assert_eq!(c.0, 0, "a label far away goes in the first row");
        assert!(
            places[3].is_none(),
            "a marker outside the axis is not drawn"
        );
        assert!(
            c.1 + 100 <= 900,
            "labels stay inside the plotting area's width"
        );
    }

    #[test]
    fn values_between_points_are_interpolated() {
        let points = [(2010.0, 0.2), (2011.0, 0.4)];
        assert_eq!(value_at(&points, 2010.5), Some(0.30000000000000004));
        assert_eq!(value_at(&points, 2010.0), Some(0.2));
        assert_eq!(value_at(&points, 2012.0), None);
        assert_eq!(value_at(&points, 2009.0), None);
    }

    /// Pixels of `colour` in a PNG drawn in memory.
    fn count_colour(rgb: &[u8], colour: RGBColor) -> usize {
        rgb.chunks_exact(3)
            .filter(|p| p[0] == colour.0 && p[1] == colour.1 && p[2] == colour.2)
            .count()
    }

    #[test]
    fn lines_on_one_another_both_show_and_keep_their_values() {
        register_fonts();
        let same = [0.4, 0.45, 0.5, 0.5, 0.45, 0.4];
        let spec = ChartSpec {
            name: "test",
            title: "two lines, one place".to_owned(),
            y_desc: "share",
            scale: Scale::Share,
            series: vec![line("first", &same), line("second", &same)],
            markers: Vec::new(),
        };
        let chart = Chart::new(spec, (2010.0, 2011.0));
        assert_eq!(chart.y.lo, 0.0, "shares are drawn from 0");
        let (w, h) = SIZE;
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        draw(
            BitMapBackend::with_buffer(&mut rgb, SIZE),
            &chart,
            BITMAP_TEXT_RISE,
        )
        .unwrap();
        let (first, second) = (
            count_colour(&rgb, PALETTE[0]),
            count_colour(&rgb, PALETTE[1]),
        );
        // A 3-pixel line across ~800 pixels of plot is a few thousand pixels; the dashes of the
        // second line leave a good share of the first's visible under it.
        assert!(first > 600, "the first line is hidden: {first} pixels");
        assert!(second > 600, "the second line is missing: {second} pixels");
        let caption = caption(&chart.spec.series, &chart.y, 500.0).unwrap();
        assert!(caption.contains("first and second throughout"), "{caption}");
    }

    #[test]
    fn axes_are_tidy() {
        let x = ChartAxis::new(2010.0, 2030.0, 12, 1.0);
        assert_eq!(x.ticks.first(), Some(&2010.0));
        assert_eq!(x.ticks.last(), Some(&2030.0));
        assert!(x.ticks.iter().all(|t| t.fract() == 0.0));
        assert_eq!(x.label(2010.0), "2010");

        let y = ChartAxis::new(0.3, 0.7, 10, 0.01);
        assert!(y.ticks.len() <= 10 && y.ticks.len() >= 3);
        assert_eq!(y.label(0.5), "0.50");
        assert_eq!(nice_step(3.0, 8, 1.0), 1.0);
        assert_eq!(nice_step(40.0, 8, 1.0), 10.0);
    }
}
