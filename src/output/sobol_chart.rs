//! The chart of a Sobol analysis: for one metric, each parameter's first-order index S1 and
//! total index ST as horizontal bars with their 95% bootstrap intervals, parameters listed
//! down the side in the sweep's order. Drawn in the look of [`super::charts`] (font, sizes,
//! palette, grid, legend, file writer); the parameter names get a label area as wide as the
//! longest of them, and a design of more than about 24 parameters a chart tall enough to give
//! each its row.

use super::charts::{
    AXIS_LABEL_PX, ChartAxis, FONT, Figure, GRID, KEY_PX, LEGEND_PX, PALETTE, PLOTTERS_FONT_SCALE,
    SIZE, TICK_LABEL_PX, TITLE_PX, TickLabels, draw_legend, extent, font, io_error, nice_step,
    register_fonts, write_png_and_svg,
};
use crate::sensitivity::Interval;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::io;
use std::path::Path;

/// Half the height of a bar, in parameter rows.
const BAR_HALF: f64 = 0.17;
/// Half the height of an interval's caps, in parameter rows.
const CAP_HALF: f64 = 0.1;

/// S1 and ST per parameter for one metric. Writes `NAME.png` and `NAME.svg` into `dir` (which
/// exists) and returns their names. Estimates or interval ends that are not finite are left
/// out.
pub fn write_sobol_chart(
    dir: &Path,
    name: &str,
    title: &str,
    names: &[String],
    first: &[Interval],
    total: &[Interval],
) -> io::Result<[String; 2]> {
    register_fonts();
    let values = first
        .iter()
        .chain(total)
        .flat_map(|i| [i.estimate, i.low, i.high])
        .filter(|v| v.is_finite());
    let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
    let (lo, hi) = (lo.min(0.0), hi.max(0.1));
    let step = nice_step(hi - lo, 10, 0.001);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let x = ChartAxis::new(lo, hi, 10, 0.001);
    let rows = names.len().max(1) as f64;
    let y = ChartAxis {
        lo: -0.6,
        hi: rows - 0.4,
        ticks: (0..names.len()).map(|i| i as f64).collect(),
        // Listed top to bottom: row i from the top is the i-th parameter.
        labels: TickLabels::Levels(names.iter().rev().cloned().collect()),
    };
    let chart = SobolChart {
        title,
        first: first.to_vec(),
        total: total.to_vec(),
        names: names.to_vec(),
        x,
        y,
    };
    // The usual size, made taller for a design with many parameters so that every name keeps
    // a row of its own (about 20 pixels, a little more than a tick label).
    let tall = (ROW_PX * names.len() as f64 + MARGINS_PX).ceil() as u32;
    write_png_and_svg(dir, name, (SIZE.0, SIZE.1.max(tall)), &chart)
}

/// Height of a parameter's row on a chart taller than usual, in pixels.
const ROW_PX: f64 = 20.0;
/// Title, axis, axis label and padding above and below the rows, in pixels.
const MARGINS_PX: f64 = 220.0;

struct SobolChart<'a> {
    title: &'a str,
    names: Vec<String>,
    first: Vec<Interval>,
    total: Vec<Interval>,
    x: ChartAxis,
    y: ChartAxis,
}

impl Figure for SobolChart<'_> {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(io_error)?;
        let label_font = font(TICK_LABEL_PX).into_font();
        let widest = self
            .names
            .iter()
            .filter_map(|n| label_font.box_size(n).ok())
            .map(|(w, _)| w)
            .max()
            .unwrap_or(60);
        let mut ctx = ChartBuilder::on(&root)
            .caption(
                self.title,
                (FONT, TITLE_PX * PLOTTERS_FONT_SCALE, FontStyle::Bold),
            )
            .margin(20)
            .margin_right(40)
            .x_label_area_size(70)
            .y_label_area_size((widest + 24).min(560))
            .build_cartesian_2d(self.x.clone(), self.y.clone())
            .map_err(io_error)?;
        ctx.configure_mesh()
            .bold_line_style(GRID)
            .axis_style(BLACK)
            .x_desc("share of the metric's variance (Sobol index)")
            .axis_desc_style(font(AXIS_LABEL_PX))
            .label_style(font(TICK_LABEL_PX))
            .draw()
            .map_err(io_error)?;
        let rows = self.names.len();
        let key_rise = (text_rise * LEGEND_PX * PLOTTERS_FONT_SCALE).round() as i32;
        for (k, (label, indices, offset)) in [
            ("S1, first order (95% interval)", &self.first, 0.2),
            ("ST, total (95% interval)", &self.total, -0.2),
        ]
        .into_iter()
        .enumerate()
        {
            let colour = PALETTE[k];
            let fill = colour.mix(0.6).filled();
            let row = |i: usize| (rows - 1 - i) as f64 + offset;
            let bars: Vec<(f64, f64)> = indices
                .iter()
                .enumerate()
                .filter(|(_, v)| v.estimate.is_finite())
                .map(|(i, v)| (row(i), v.estimate))
                .collect();
            ctx.draw_series(
                bars.iter()
                    .map(|&(y, e)| Rectangle::new([(0.0, y - BAR_HALF), (e, y + BAR_HALF)], fill)),
            )
            .map_err(io_error)?
            .label(label)
            .legend(move |(x, y)| {
                Rectangle::new(
                    [(x, y - key_rise - 7), (x + KEY_PX, y - key_rise + 7)],
                    fill,
                )
            });
            let line = colour.stroke_width(2);
            let whiskers: Vec<(f64, f64, f64)> = indices
                .iter()
                .enumerate()
                .filter(|(_, v)| v.low.is_finite() && v.high.is_finite())
                .map(|(i, v)| (row(i), v.low, v.high))
                .collect();
            ctx.draw_series(whiskers.iter().flat_map(|&(y, a, b)| {
                [
                    PathElement::new(vec![(a, y), (b, y)], line),
                    PathElement::new(vec![(a, y - CAP_HALF), (a, y + CAP_HALF)], line),
                    PathElement::new(vec![(b, y - CAP_HALF), (b, y + CAP_HALF)], line),
                ]
            }))
            .map_err(io_error)?;
        }
        let points: Vec<(f64, f64)> = self
            .first
            .iter()
            .chain(&self.total)
            .enumerate()
            .map(|(i, v)| ((rows - 1 - i % rows.max(1)) as f64, v.high))
            .collect();
        draw_legend(
            &mut ctx,
            &["S1, first order (95% interval)", "ST, total (95% interval)"],
            &[points],
        )?;
        root.present().map_err(io_error)?;
        Ok(())
    }
}
