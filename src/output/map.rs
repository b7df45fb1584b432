//! The town map (`charts/map.png` and `charts/map.svg`): the wards as the model has them —
//! discs of homes around their centres — shaded by a metric, with every meeting place drawn by
//! kind, filled while open and hollow with a cross once closed. Two panels per scenario set the
//! first simulated year beside the last: venues as they stood at the start and at the end, and
//! each ward's mean of the metric over that year.
//!
//! A run draws its own map; a comparison draws one row per scenario, from each scenario's first
//! replicate (all replicates of a scenario share its interventions, but their towns differ in
//! the draw). The look — font, sizes, palette — is `charts.rs`'s, and the files are
//! byte-identical from run to run.

use super::charts::{
    AXIS_LABEL_PX, FONT, Figure, LEGEND_PX, PALETTE, PLOTTERS_FONT_SCALE, TICK_LABEL_PX, TITLE_PX,
    font, io_error, register_fonts, write_png_and_svg,
};
use crate::scenario::VenueKind;
use crate::townmap::{TownMap, VenueState};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, RGBColor};
use std::io;
use std::path::Path;

/// The metric wards are shaded by in the files.
pub const DEFAULT_METRIC: &str = "belonging";
/// Width of the image, and the height of its parts, in pixels.
const WIDTH: u32 = 1200;
const HEADER_PX: u32 = 96;
const ROW_PX: u32 = 500;
const LEGEND_BAND_PX: u32 = 130;
/// Radius of a venue's marker, in pixels.
const MARKER_PX: f64 = 10.0;
/// Light to dark: the sequential scale wards are shaded with (higher is darker).
const SCALE: [RGBColor; 3] = [
    RGBColor(0xFF, 0xF7, 0xD6),
    RGBColor(0x9F, 0xD8, 0xC0),
    RGBColor(0x3A, 0x8F, 0xC4),
];
const OUTLINE: RGBColor = RGBColor(0x44, 0x44, 0x44);

/// Writes `map.png` and `map.svg` into `dir`: one row of two panels (first and last year) per
/// (scenario name, map), wards shaded by `metric`. Returns the two file names.
pub fn write_map(
    dir: &Path,
    maps: &[(&str, &TownMap)],
    metric: &'static str,
) -> io::Result<[String; 2]> {
    register_fonts();
    let figure = MapFigure::new(maps, metric);
    let height = HEADER_PX + ROW_PX * maps.len().max(1) as u32 + LEGEND_BAND_PX;
    write_png_and_svg(dir, "map", (WIDTH, height), &figure)
}

/// One panel: a map at one moment.
struct Panel {
    title: String,
    map: TownMap,
    /// Which snapshot: `None` for the start, else the year index whose end is shown.
    venues_at: Option<usize>,
    /// The year index whose ward means shade the wards.
    year: usize,
}

struct MapFigure {
    title: String,
    subtitle: String,
    metric: &'static str,
    rows: Vec<[Panel; 2]>,
    /// The shading's range, shared by every panel.
    lo: f64,
    hi: f64,
}

impl MapFigure {
    fn new(maps: &[(&str, &TownMap)], metric: &'static str) -> MapFigure {
        let first = maps.first().map(|(_, m)| *m);
        let start = first.map_or(0, |m| m.start_year);
        let years = first.map_or(1, |m| m.years().max(1));
        let end = start + years as i32 - 1;
        let title = match maps {
            [(name, _)] => format!("{}: the town in {start} and {end}", drawable(name)),
            _ => format!("The town in {start} and {end}: each scenario's first replicate"),
        };
        let subtitle = format!(
            "Wards shaded by mean {} over the year; meeting places as they stood at the start \
             of {start} and the end of {end}",
            metric.replace('_', " "),
        );
        let rows: Vec<[Panel; 2]> = maps
            .iter()
            .map(|(name, map)| {
                let last = map.years().saturating_sub(1);
                let prefix = if maps.len() > 1 {
                    format!("{}, ", drawable(name))
                } else {
                    String::new()
                };
                [
                    Panel {
                        title: format!("{prefix}{start}: at the start"),
                        map: (*map).clone(),
                        venues_at: None,
                        year: 0,
                    },
                    Panel {
                        title: format!("{prefix}{}: at the end", map.start_year + last as i32),
                        map: (*map).clone(),
                        venues_at: Some(last),
                        year: last,
                    },
                ]
            })
            .collect();
        let values = rows.iter().flatten().flat_map(|p| {
            (0..p.map.wards.len() as u16).filter_map(|w| p.map.ward_value(w, metric, p.year))
        });
        let (lo, hi) = super::charts::extent(values).unwrap_or((0.0, 1.0));
        let snap = 0.05;
        let (mut lo, mut hi) = ((lo / snap).floor() * snap, (hi / snap).ceil() * snap);
        if hi - lo < snap {
            lo -= snap / 2.0;
            hi += snap / 2.0;
        }
        MapFigure {
            title,
            subtitle,
            metric,
            rows,
            lo,
            hi,
        }
    }

    /// The shade of a value on the figure's scale.
    fn shade(&self, v: f64) -> RGBColor {
        shade((v - self.lo) / (self.hi - self.lo))
    }
}

/// The colour at `t` in [0,1] along [`SCALE`].
fn shade(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (SCALE.len() - 1) as f64;
    let i = (x.floor() as usize).min(SCALE.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (SCALE[i], SCALE[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Figure for MapFigure {
    fn draw<DB: DrawingBackend>(&self, backend: DB, text_rise: f64) -> io::Result<()> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(io_error)?;
        let (width, height) = root.dim_in_pixel();
        let rise = |px: f64| (text_rise * px * PLOTTERS_FONT_SCALE).round() as i32;
        let centre = Pos::new(HPos::Center, VPos::Center);
        let bold = |px: f64| TextStyle::from((FONT, px * PLOTTERS_FONT_SCALE, FontStyle::Bold));
        root.draw(&Text::new(
            self.title.clone(),
            (width as i32 / 2, 30 + rise(TITLE_PX)),
            bold(TITLE_PX).pos(centre),
        ))
        .map_err(io_error)?;
        root.draw(&Text::new(
            self.subtitle.clone(),
            (width as i32 / 2, 72 + rise(LEGEND_PX)),
            TextStyle::from(font(LEGEND_PX).into_font())
                .color(&OUTLINE)
                .pos(centre),
        ))
        .map_err(io_error)?;
        for (r, row) in self.rows.iter().enumerate() {
            for (c, panel) in row.iter().enumerate() {
                let x0 = (c as u32 * width / 2) as i32;
                let y0 = (HEADER_PX + r as u32 * ROW_PX) as i32;
                let area = root.clone().shrink(
                    (x0 + 10, y0),
                    ((width / 2).saturating_sub(20), ROW_PX.saturating_sub(10)),
                );
                self.draw_panel(&area, panel, text_rise)?;
            }
        }
        let legend = root.clone().shrink(
            (0, height.saturating_sub(LEGEND_BAND_PX) as i32),
            (width, LEGEND_BAND_PX),
        );
        self.draw_legend(&legend, text_rise)?;
        root.present().map_err(io_error)?;
        Ok(())
    }
}

impl MapFigure {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        text_rise: f64,
    ) -> io::Result<()> {
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (f64::from(w), f64::from(h));
        let rise = |px: f64| (text_rise * px * PLOTTERS_FONT_SCALE).round() as i32;
        area.draw(&Rectangle::new(
            [(0, 0), (w as i32 - 1, h as i32 - 1)],
            RGBColor(0xF4, 0xF4, 0xF4).filled(),
        ))
        .map_err(io_error)?;
        area.draw(&Text::new(
            panel.title.clone(),
            (12, 22 + rise(AXIS_LABEL_PX)),
            TextStyle::from((FONT, AXIS_LABEL_PX * PLOTTERS_FONT_SCALE, FontStyle::Bold))
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(io_error)?;

        // Fit the town's extent into the panel below its title, north up, kilometres square.
        let map = &panel.map;
        let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for ward in &map.wards {
            x_lo = x_lo.min(ward.centre_km[0] - ward.radius_km);
            x_hi = x_hi.max(ward.centre_km[0] + ward.radius_km);
            y_lo = y_lo.min(ward.centre_km[1] - ward.radius_km);
            y_hi = y_hi.max(ward.centre_km[1] + ward.radius_km);
        }
        if !(x_lo < x_hi && y_lo < y_hi) {
            (x_lo, x_hi, y_lo, y_hi) = (-1.0, 1.0, -1.0, 1.0);
        }
        let (top, pad) = (48.0, 16.0);
        let scale = ((w - 2.0 * pad) / (x_hi - x_lo)).min((h - top - pad) / (y_hi - y_lo));
        let (mid_x, mid_y) = ((x_lo + x_hi) / 2.0, (y_lo + y_hi) / 2.0);
        let at = |x: f64, y: f64| -> (i32, i32) {
            (
                (w / 2.0 + (x - mid_x) * scale).round() as i32,
                (top + (h - top - pad) / 2.0 - (y - mid_y) * scale).round() as i32,
            )
        };

        for (i, ward) in map.wards.iter().enumerate() {
            let value = map.ward_value(i as u16, self.metric, panel.year);
            let fill = value.map_or(RGBColor(0xFF, 0xFF, 0xFF), |v| self.shade(v));
            let c = at(ward.centre_km[0], ward.centre_km[1]);
            let r = (ward.radius_km * scale).round().max(2.0) as i32;
            area.draw(&Circle::new(c, r, fill.filled()))
                .map_err(io_error)?;
            area.draw(&Circle::new(c, r, OUTLINE.stroke_width(2)))
                .map_err(io_error)?;
        }
        let states = map.states_at(panel.venues_at);
        for (v, venue) in map.venues.iter().enumerate() {
            let state = states.get(v).copied().unwrap_or(VenueState::Absent);
            if state == VenueState::Absent {
                continue;
            }
            let p = at(f64::from(venue.pos_km[0]), f64::from(venue.pos_km[1]));
            draw_marker(area, p, venue.kind, state)?;
        }
        // Ward names last, on a light box near the top of each disc, so markers never hide them.
        for (i, ward) in map.wards.iter().enumerate() {
            let value = map.ward_value(i as u16, self.metric, panel.year);
            let label = match value {
                Some(v) => format!("{} {v:.2}", drawable(&ward.name)),
                None => drawable(&ward.name),
            };
            let (cx, cy) = at(ward.centre_km[0], ward.centre_km[1] + 0.86 * ward.radius_km);
            let style = TextStyle::from((FONT, LEGEND_PX * PLOTTERS_FONT_SCALE, FontStyle::Bold))
                .pos(Pos::new(HPos::Center, VPos::Center));
            let (tw, th) = area.estimate_text_size(&label, &style).map_err(io_error)?;
            let (tw, th) = (tw as i32, th as i32);
            area.draw(&Rectangle::new(
                [
                    (cx - tw / 2 - 4, cy - th / 2 - 3),
                    (cx + tw / 2 + 4, cy + th / 2 + 3),
                ],
                WHITE.mix(0.8).filled(),
            ))
            .map_err(io_error)?;
            area.draw(&Text::new(label, (cx, cy + rise(LEGEND_PX)), style))
                .map_err(io_error)?;
        }
        Ok(())
    }

    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        text_rise: f64,
    ) -> io::Result<()> {
        let rise = |px: f64| (text_rise * px * PLOTTERS_FONT_SCALE).round() as i32;
        let left = Pos::new(HPos::Left, VPos::Center);
        let label_style = TextStyle::from(font(LEGEND_PX).into_font()).pos(left);
        let mut keys: Vec<(String, Option<VenueKind>, VenueState)> = VenueKind::ALL
            .iter()
            .map(|k| (k.label().to_string(), Some(*k), VenueState::Open))
            .collect();
        keys.push(("closed".into(), None, VenueState::Closed));
        for (i, (label, kind, state)) in keys.iter().enumerate() {
            // Columns as wide as their longest label ("Community centres" is the widest).
            const COLUMNS: [i32; 4] = [30, 230, 430, 680];
            let (col, row) = (i % 4, i / 4);
            let x = COLUMNS[col];
            let y = 30 + row as i32 * 44;
            draw_marker(area, (x, y), kind.unwrap_or(VenueKind::Pub), *state)?;
            area.draw(&Text::new(
                label.clone(),
                (x + 20, y + rise(LEGEND_PX)),
                label_style.clone(),
            ))
            .map_err(io_error)?;
        }
        // The colour bar for the wards' shading.
        let (bar_x, bar_y, bar_w, bar_h) = (880, 14, 280, 26);
        let steps = 56;
        for s in 0..steps {
            let x = bar_x + s * bar_w / steps;
            let t = (f64::from(s) + 0.5) / f64::from(steps);
            area.draw(&Rectangle::new(
                [(x, bar_y), (bar_x + (s + 1) * bar_w / steps, bar_y + bar_h)],
                shade(t).filled(),
            ))
            .map_err(io_error)?;
        }
        area.draw(&Rectangle::new(
            [(bar_x, bar_y), (bar_x + bar_w, bar_y + bar_h)],
            OUTLINE.stroke_width(1),
        ))
        .map_err(io_error)?;
        let tick_style =
            TextStyle::from(font(TICK_LABEL_PX).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let ticks = super::charts::Axis::new(self.lo, self.hi, 6, 0.01);
        for &t in &ticks.ticks {
            let x = bar_x + ((t - self.lo) / (self.hi - self.lo) * f64::from(bar_w)).round() as i32;
            area.draw(&PathElement::new(
                vec![(x, bar_y + bar_h), (x, bar_y + bar_h + 6)],
                OUTLINE.stroke_width(1),
            ))
            .map_err(io_error)?;
            area.draw(&Text::new(
                ticks.label(t),
                (x, bar_y + bar_h + 8 + rise(TICK_LABEL_PX)),
                tick_style.clone(),
            ))
            .map_err(io_error)?;
        }
        area.draw(&Text::new(
            format!("ward: mean {} (0–1)", self.metric.replace('_', " ")),
            (bar_x + bar_w / 2, bar_y + bar_h + 52 + rise(LEGEND_PX)),
            TextStyle::from(font(LEGEND_PX).into_font()).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(io_error)?;
        Ok(())
    }
}

/// The corners of a venue kind's marker around `(x, y)`: a circle for pubs, a polygon for the
/// rest, each kind its own shape as well as its own colour.
/// A name as drawn: control and invisible formatting characters (which no XML file may hold,
/// escaped or not) become U+FFFD. Scenario checks refuse such names; this keeps `map.svg`
/// well-formed whatever reaches it. `<`, `&` and quotes are escaped by the SVG backend.
fn drawable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if crate::scenario::names::unprintable(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

fn marker_shape(kind: VenueKind, (x, y): (i32, i32), r: f64) -> Vec<(i32, i32)> {
    use std::f64::consts::PI;
    let (sides, turn, scale) = match kind {
        VenueKind::Pub => (24, 0.0, 1.0),
        VenueKind::Library => (4, PI / 4.0, 1.2),
        VenueKind::CommunityCentre => (3, -PI / 2.0, 1.25),
        VenueKind::WelfareHall => (4, 0.0, 1.25),
        VenueKind::Park => (5, -PI / 2.0, 1.1),
        VenueKind::SportsClub => (3, PI / 2.0, 1.25),
        VenueKind::PlaceOfWorship => (6, 0.0, 1.1),
    };
    (0..sides)
        .map(|i| {
            let a = turn + 2.0 * PI * f64::from(i) / f64::from(sides);
            (
                x + (r * scale * libm::cos(a)).round() as i32,
                y + (r * scale * libm::sin(a)).round() as i32,
            )
        })
        .collect()
}

/// A venue's marker: filled in its kind's colour while open; hollow while shut by a lockdown;
/// hollow with a cross once closed.
fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    kind: VenueKind,
    state: VenueState,
) -> io::Result<()> {
    let colour = PALETTE[kind.index() % PALETTE.len()];
    let corners = marker_shape(kind, at, MARKER_PX);
    let mut ring = corners.clone();
    ring.push(corners[0]);
    let (fill, edge) = match state {
        VenueState::Open => (colour, BLACK),
        _ => (WHITE, colour),
    };
    area.draw(&Polygon::new(corners, fill.filled()))
        .map_err(io_error)?;
    area.draw(&PathElement::new(ring, edge.stroke_width(2)))
        .map_err(io_error)?;
    if state == VenueState::Closed {
        let d = (MARKER_PX * 0.8).round() as i32;
        let (x, y) = at;
        for line in [
            vec![(x - d, y - d), (x + d, y + d)],
            vec![(x - d, y + d), (x + d, y - d)],
        ] {
            area.draw(&PathElement::new(line, BLACK.stroke_width(3)))
                .map_err(io_error)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::townmap::{MapVenue, MapWard};

    fn toy() -> TownMap {
        let mut map = TownMap {
            start_year: 2010,
            wards: vec![
                MapWard {
                    name: "Market Place".into(),
                    centre_km: [0.0, 0.0],
                    radius_km: 0.8,
                    deprivation: 0.4,
                },
                MapWard {
                    name: "Pithead".into(),
                    centre_km: [1.6, 0.9],
                    radius_km: 0.9,
                    deprivation: 0.8,
                },
            ],
            venues: VenueKind::ALL
                .iter()
                .enumerate()
                .map(|(i, k)| MapVenue {
                    label: format!("v{i}"),
                    kind: *k,
                    ward: (i % 2) as u16,
                    pos_km: [0.2 * i as f32, 0.1],
                })
                .collect(),
            states: vec![
                vec![VenueState::Open; 7],
                vec![VenueState::Open; 7],
                vec![VenueState::Closed; 7],
            ],
            ..TownMap::default()
        };
        map.ward_years.insert((0, "belonging"), vec![0.6, 0.5]);
        map.ward_years.insert((1, "belonging"), vec![0.55, 0.4]);
        map
    }

    #[test]
    fn draws_the_same_bytes_twice_and_shows_the_change() {
        let map = toy();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let files = write_map(a.path(), &[("toy", &map)], DEFAULT_METRIC).unwrap();
        write_map(b.path(), &[("toy", &map)], DEFAULT_METRIC).unwrap();
        assert_eq!(files, ["map.png", "map.svg"]);
        for f in &files {
            let x = std::fs::read(a.path().join(f)).unwrap();
            assert_eq!(x, std::fs::read(b.path().join(f)).unwrap(), "{f} differs");
        }
        let svg = std::fs::read_to_string(a.path().join("map.svg")).unwrap();
        assert!(svg.contains("toy: the town in 2010 and 2011"), "title");
        assert!(svg.contains("Pithead 0.55") && svg.contains("Pithead 0.40"));
        assert!(svg.contains("Places of worship"), "legend");
    }

    #[test]
    fn a_comparison_gets_a_row_per_scenario_and_empty_maps_draw() {
        let map = toy();
        let dir = tempfile::tempdir().unwrap();
        write_map(dir.path(), &[("a", &map), ("b", &map)], "trust").unwrap();
        let svg = std::fs::read_to_string(dir.path().join("map.svg")).unwrap();
        assert!(svg.contains("b, 2011: at the end"));
        let empty = TownMap::default();
        write_map(dir.path(), &[("empty", &empty)], DEFAULT_METRIC).unwrap();
        write_map(dir.path(), &[], DEFAULT_METRIC).unwrap();
    }

    #[test]
    fn names_with_markup_or_control_characters_keep_the_svg_well_formed() {
        let mut map = toy();
        map.wards[0].name = "<A & \"B\">\u{1}".into();
        let dir = tempfile::tempdir().unwrap();
        write_map(dir.path(), &[("x\u{1b}y", &map)], DEFAULT_METRIC).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("map.svg")).unwrap();
        assert!(
            svg.contains("&lt;A &amp; &quot;B&quot;&gt;\u{FFFD}"),
            "escaped"
        );
        assert!(svg.contains("x\u{FFFD}y: the town"));
        assert!(!svg.chars().any(|c| c.is_control() && !"\n\r\t".contains(c)));
    }

    #[test]
    fn the_scale_runs_light_to_dark() {
        let lum = |c: RGBColor| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
        assert!(lum(shade(0.0)) > lum(shade(0.5)));
        assert!(lum(shade(0.5)) > lum(shade(1.0)));
        assert_eq!(shade(f64::NAN), SCALE[0]);
    }
}
