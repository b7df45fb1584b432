//! The validation figures, drawn like the classic ones so that a reader can lay them side by
//! side: each as PNG and SVG in the look of every other chart the engine draws (`output::charts`: size, embedded DejaVu Sans,
//! palette, grid), byte-identical from run
//! to run.
//!
//! - `deffuant_opinions`: final opinion clusters against the confidence bound ε (Deffuant et al.
//!   2000, Fig. 3 style; dot area ∝ cluster size);
//! - `hk_consensus`: share of Hegselmann–Krause runs reaching consensus against ε;
//! - `schelling_similar`: final share of similar neighbours against the wanted share, NetLogo's
//!   and Mesa's rules, with the line where the two are equal;
//! - `axelrod_regions`: stable regions against q for F = 5, 10, 15 (ours with 95% intervals,
//!   Axelrod 1997 Table 2 as open markers);
//! - `granovetter_cascade`: final share joining against the standard deviation of thresholds
//!   (mean 25): a quantile population and sampled populations of 100, with Granovetter's 12.2.

use crate::output::charts::{
    AXIS_LABEL_PX, GRID, LEGEND_PX, LINE_PX, MARKER, PALETTE, SIZE, TICK_LABEL_PX, TITLE_PX, font,
    io_error as err, register_fonts,
};
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::io;
use std::path::Path;

/// One Axelrod cell: (F, q, our mean, our 95% interval, Axelrod's value).
pub type AxelrodCell = (usize, u8, f64, (f64, f64), f64);

/// What the figures show; filled in by [`super::validate`].
#[derive(Clone, Debug, Default)]
pub struct FigureData {
    /// (ε, cluster opinion, cluster share of agents).
    pub deffuant: Vec<(f64, f64, f64)>,
    /// (ε, share of runs reaching consensus).
    pub hk: Vec<(f64, f64)>,
    /// (wanted share, final similar share).
    pub schelling_netlogo: Vec<(f64, f64)>,
    pub schelling_mesa: Vec<(f64, f64)>,
    /// (F, q, our mean, our 95% interval, Axelrod's value).
    pub axelrod: Vec<AxelrodCell>,
    /// (sd, final share joined).
    pub granovetter_quantiles: Vec<(f64, f64)>,
    pub granovetter_sampled: Vec<(f64, f64)>,
}

/// How a series is drawn.
enum Look {
    Line(usize),
    Dashed(usize),
    /// Filled dots with area ∝ the third value.
    Bubbles(usize),
    /// Open circles.
    Open(usize),
    /// Vertical 95% interval bars: (x, low, high).
    Bars(usize),
}

struct Layer {
    label: Option<String>,
    look: Look,
    points: Vec<(f64, f64, f64)>,
}

struct Figure {
    name: &'static str,
    title: &'static str,
    x_desc: &'static str,
    y_desc: &'static str,
    x: (f64, f64),
    y: (f64, f64),
    layers: Vec<Layer>,
}

fn line(label: &str, look: Look, points: &[(f64, f64)]) -> Layer {
    Layer {
        label: (!label.is_empty()).then(|| label.to_owned()),
        look,
        points: points.iter().map(|&(x, y)| (x, y, 0.0)).collect(),
    }
}

fn draw<DB: DrawingBackend>(backend: DB, fig: &Figure) -> io::Result<()> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut ctx = ChartBuilder::on(&root)
        .caption(
            fig.title,
            (font(TITLE_PX).0, font(TITLE_PX).1, FontStyle::Bold),
        )
        .margin(20)
        .margin_right(30)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(fig.x.0..fig.x.1, fig.y.0..fig.y.1)
        .map_err(err)?;
    ctx.configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(BLACK)
        .x_desc(fig.x_desc)
        .y_desc(fig.y_desc)
        .axis_desc_style(font(AXIS_LABEL_PX))
        .label_style(font(TICK_LABEL_PX))
        .draw()
        .map_err(err)?;
    for layer in &fig.layers {
        let pts = layer.points.clone();
        let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
        let drawn = match layer.look {
            Look::Line(c) => {
                let style = PALETTE[c].stroke_width(LINE_PX);
                ctx.draw_series(LineSeries::new(xy, style))
                    .map_err(err)?
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style))
            }
            Look::Dashed(c) => {
                let colour = if c == usize::MAX { MARKER } else { PALETTE[c] };
                let style = colour.stroke_width(2);
                ctx.draw_series(DashedLineSeries::new(xy, 8, 6, style))
                    .map_err(err)?
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style))
            }
            Look::Bubbles(c) => {
                let colour = PALETTE[c].mix(0.6);
                ctx.draw_series(pts.iter().map(|&(x, y, share)| {
                    let r = (2.0 + 14.0 * share.sqrt()).round() as i32;
                    Circle::new((x, y), r, colour.filled())
                }))
                .map_err(err)?
                .legend(move |(x, y)| Circle::new((x + 12, y), 6, colour.filled()))
            }
            Look::Open(c) => {
                let style = PALETTE[c].stroke_width(2);
                ctx.draw_series(xy.iter().map(|&p| Circle::new(p, 7, style)))
                    .map_err(err)?
                    .legend(move |(x, y)| Circle::new((x + 12, y), 6, style))
            }
            Look::Bars(c) => {
                let style = PALETTE[c].stroke_width(2);
                ctx.draw_series(
                    pts.iter()
                        .map(|&(x, lo, hi)| PathElement::new([(x, lo), (x, hi)], style)),
                )
                .map_err(err)?
            }
        };
        if let Some(label) = &layer.label {
            drawn.label(label.as_str());
        }
    }
    if fig.layers.iter().any(|l| l.label.is_some()) {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .margin(10)
            .label_font(font(LEGEND_PX))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.6))
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

fn figures(d: &FigureData) -> Vec<Figure> {
    let mut figs = Vec::new();
    figs.push(Figure {
        name: "deffuant_opinions",
        title: "Deffuant–Weisbuch: final opinions against the confidence bound",
        x_desc: "confidence bound ε",
        y_desc: "final opinion",
        x: (0.0, 0.52),
        y: (0.0, 1.0),
        layers: vec![Layer {
            label: Some("cluster (area ∝ its share of agents)".into()),
            look: Look::Bubbles(0),
            points: d.deffuant.clone(),
        }],
    });
    figs.push(Figure {
        name: "hk_consensus",
        title: "Hegselmann–Krause: share of runs reaching consensus",
        x_desc: "confidence bound ε",
        y_desc: "share of runs with one cluster",
        x: (0.15, 0.27),
        y: (0.0, 1.05),
        layers: vec![
            line("ours", Look::Line(0), &d.hk),
            line(
                "threshold ≈ 0.2 (Fortunato 2005)",
                Look::Dashed(usize::MAX),
                &[(0.2, 0.0), (0.2, 1.05)],
            ),
        ],
    });
    figs.push(Figure {
        name: "schelling_similar",
        title: "Schelling: similar neighbours against the share wanted",
        x_desc: "wanted share of similar neighbours",
        y_desc: "final share of similar neighbours",
        x: (0.0, 0.82),
        y: (0.4, 1.0),
        layers: vec![
            line(
                "NetLogo rules, 51×51 torus, density 0.95",
                Look::Line(0),
                &d.schelling_netlogo,
            ),
            line(
                "Mesa rules, 20×20, density 0.8",
                Look::Line(1),
                &d.schelling_mesa,
            ),
            line(
                "NetLogo's reported 70% at 30% wanted",
                Look::Open(2),
                &[(0.3, 0.7)],
            ),
            line(
                "wanted = found",
                Look::Dashed(usize::MAX),
                &[(0.4, 0.4), (0.82, 0.82)],
            ),
        ],
    });
    let mut axelrod = Vec::new();
    for (c, f) in [5usize, 10, 15].into_iter().enumerate() {
        let ours: Vec<&AxelrodCell> = d.axelrod.iter().filter(|r| r.0 == f).collect();
        axelrod.push(line(
            &format!("F = {f}, ours"),
            Look::Line(c),
            &ours
                .iter()
                .map(|r| (f64::from(r.1), r.2))
                .collect::<Vec<_>>(),
        ));
        axelrod.push(Layer {
            label: None,
            look: Look::Bars(c),
            points: ours
                .iter()
                .map(|r| (f64::from(r.1), r.3.0, r.3.1))
                .collect(),
        });
        axelrod.push(line(
            &format!("F = {f}, Axelrod 1997"),
            Look::Open(c),
            &ours
                .iter()
                .map(|r| (f64::from(r.1), r.4))
                .collect::<Vec<_>>(),
        ));
    }
    let top = d
        .axelrod
        .iter()
        .map(|r| r.3.1.max(r.4))
        .fold(1.0f64, f64::max);
    figs.push(Figure {
        name: "axelrod_regions",
        title: "Axelrod: stable regions on a 10×10 grid",
        x_desc: "traits per feature q",
        y_desc: "stable regions",
        x: (4.0, 16.0),
        y: (0.0, (top * 1.1).ceil()),
        layers: axelrod,
    });
    figs.push(Figure {
        name: "granovetter_cascade",
        title: "Granovetter: how many join, thresholds normal with mean 25",
        x_desc: "standard deviation of thresholds (people per 100)",
        y_desc: "final share joining",
        x: (0.0, 25.0),
        y: (0.0, 1.05),
        layers: vec![
            line(
                "quantile population (no sampling noise)",
                Look::Line(0),
                &d.granovetter_quantiles,
            ),
            line(
                "sampled populations of 100 (mean)",
                Look::Line(1),
                &d.granovetter_sampled,
            ),
            line(
                "Granovetter's critical sd 12.2",
                Look::Dashed(usize::MAX),
                &[(12.2, 0.0), (12.2, 1.05)],
            ),
        ],
    });
    figs
}

/// Draws every figure into `dir` as PNG and SVG; returns the file names.
pub fn write_figures(dir: &Path, data: &FigureData) -> io::Result<Vec<String>> {
    register_fonts();
    let mut written = Vec::new();
    for fig in figures(data) {
        let png = format!("{}.png", fig.name);
        let svg = format!("{}.svg", fig.name);
        draw(BitMapBackend::new(&dir.join(&png), SIZE), &fig)?;
        draw(SVGBackend::new(&dir.join(&svg), SIZE), &fig)?;
        written.push(png);
        written.push(svg);
    }
    Ok(written)
}
