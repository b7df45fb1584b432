//! The town map (`charts/map.png` and `charts/map.svg`): the wards as the model has them —
//! discs of homes around their centres — shaded by a metric, with every meeting place drawn by
//! kind, filled while open and hollow with a cross once closed. A start panel shows the town
//! at the start of the first simulated year (venues as they stood, wards shaded by the first
//! week's mean); an end panel shows it at the end of the last (venues as they stood, wards
//! shaded by the last year's mean).
//!
//! A run draws its start and its end. A comparison draws each scenario's first replicate (all
//! replicates of a scenario share its interventions, but their towns differ in the draw): when
//! every scenario starts from the same town in the same state — as they do with common seeds —
//! one start panel, titled for every scenario, then one end panel per scenario; otherwise a
//! start and an end panel per scenario. Panels run two to a row.
//!
//! Inside a panel ([`super::map_layout`]) discs never overlap, ward names never cover a marker
//! or each other, and each venue has a slot of its own, the same in every panel. The look —
//! font, sizes, palette — is `charts.rs`'s, and the files are byte-identical from run to run.

use super::charts::{
    AXIS_LABEL_PX, FONT, Figure, LEGEND_PX, PALETTE, PLOTTERS_FONT_SCALE, TICK_LABEL_PX, TITLE_PX,
    font, io_error, register_fonts, write_png_and_svg,
};
use super::map_layout::{self, Layout, Rect};
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
const HEADER_PX: u32 = 116;
const ROW_PX: u32 = 500;
const LEGEND_BAND_PX: u32 = 130;
/// Panels per row.
const COLUMNS: usize = 2;
/// Height of a panel's title strip, in pixels.
const PANEL_TITLE_PX: f64 = 44.0;
/// Height of the line under a panel saying what had no room, in pixels.
const NOTE_PX: f64 = 24.0;
/// The largest radius of a venue's marker, in pixels.
const MARKER_PX: f64 = 10.0;
/// The size of a ward's name, in pixels.
const WARD_LABEL_PX: f64 = TICK_LABEL_PX;
/// Light to dark: the sequential scale wards are shaded with (higher is darker).
const SCALE: [RGBColor; 3] = [
    RGBColor(0xFF, 0xF7, 0xD6),
    RGBColor(0x9F, 0xD8, 0xC0),
    RGBColor(0x3A, 0x8F, 0xC4),
];
const OUTLINE: RGBColor = RGBColor(0x44, 0x44, 0x44);

/// Writes `map.png` and `map.svg` into `dir` for the (scenario name, map) pairs, wards shaded
/// by `metric`: a shared start panel when every map starts alike, else one per map, and an end
/// panel per map. Returns the two file names.
pub fn write_map(
    dir: &Path,
    maps: &[(&str, &TownMap)],
    metric: &'static str,
) -> io::Result<[String; 2]> {
    register_fonts();
    let figure = MapFigure::new(maps, metric);
    let rows = figure.panels.len().div_ceil(COLUMNS).max(1) as u32;
    let height = HEADER_PX + ROW_PX * rows + LEGEND_BAND_PX;
    write_png_and_svg(dir, "map", (WIDTH, height), &figure)
}

/// The seminar page's map panel, in its SVG's pixels: the page draws every map in a
/// `width` × `height` view box, keeps `pad` clear at the edges, writes ward names in bold
/// DejaVu Sans (the page's first font) at `label_px`, and draws markers up to `marker_px`.
#[derive(Clone, Copy, Debug)]
pub struct PagePanel {
    pub width: f64,
    pub height: f64,
    pub pad: f64,
    pub label_px: f64,
    pub marker_px: f64,
}

/// The panel the seminar page draws (`src/serve/page/app.js`, `renderMaps`).
pub const PAGE_PANEL: PagePanel = PagePanel {
    width: 560.0,
    height: 440.0,
    pad: 14.0,
    label_px: 18.0,
    marker_px: MARKER_PX,
};

/// The layout of `map` in the seminar page's panel, by the same rules as the files' panels:
/// the page draws discs, names and markers where this puts them. Name boxes are measured, as
/// in the files, with a value of `0.00`.
pub fn page_layout(map: &TownMap, panel: &PagePanel) -> Layout {
    register_fonts();
    let style = TextStyle::from((FONT, panel.label_px * PLOTTERS_FONT_SCALE, FontStyle::Bold));
    let sizes: Vec<(f64, f64)> = map
        .wards
        .iter()
        .map(|ward| {
            let text = format!("{} 0.00", drawable(&ward.name));
            // A font the embedded DejaVu cannot lay out would leave a rough estimate.
            let (tw, th) = style.font.box_size(&text).unwrap_or((
                (text.chars().count() as f64 * 0.7 * panel.label_px) as u32,
                (1.2 * panel.label_px) as u32,
            ));
            (f64::from(tw) + 10.0, f64::from(th) + 6.0)
        })
        .collect();
    let area = Rect {
        x0: panel.pad,
        y0: panel.pad,
        x1: panel.width - panel.pad,
        y1: panel.height - panel.pad,
    };
    map_layout::layout(
        area,
        &separated_discs(map),
        &sizes,
        &shown_venues(map),
        panel.marker_px,
    )
}

/// The wards' discs in kilometres, apart.
fn separated_discs(map: &TownMap) -> Vec<([f64; 2], f64)> {
    map_layout::separate(
        &map.wards.iter().map(|w| w.centre_km).collect::<Vec<_>>(),
        &map.wards.iter().map(|w| w.radius_km).collect::<Vec<_>>(),
    )
}

/// Each venue's ward, if the map ever shows it: a venue present in any snapshot keeps its slot
/// throughout.
fn shown_venues(map: &TownMap) -> Vec<Option<usize>> {
    map.venues
        .iter()
        .enumerate()
        .map(|(v, venue)| {
            let ever = map
                .states
                .iter()
                .any(|row| row.get(v).is_some_and(|s| *s != VenueState::Absent));
            (ever && usize::from(venue.ward) < map.wards.len()).then_some(usize::from(venue.ward))
        })
        .collect()
}

/// What shades a panel's wards.
#[derive(Clone, Copy)]
enum Shading {
    /// The first recorded week.
    Start,
    /// The mean over a year index.
    Year(usize),
}

/// One panel: a map at one moment.
struct Panel {
    title: String,
    map: TownMap,
    /// Which snapshot: `None` for the start, else the year index whose end is shown.
    venues_at: Option<usize>,
    shading: Shading,
}

impl Panel {
    fn value(&self, ward: u16, metric: &str) -> Option<f64> {
        match self.shading {
            Shading::Start => self.map.ward_start_value(ward, metric),
            Shading::Year(y) => self.map.ward_value(ward, metric, y),
        }
    }
}

struct MapFigure {
    title: String,
    subtitle: [String; 2],
    metric: &'static str,
    panels: Vec<Panel>,
    /// The shading's range, shared by every panel.
    lo: f64,
    hi: f64,
}

/// Whether two maps show the same start panel: the same town, the same venues in the same
/// states at the start, and the same first-week ward values of `metric`.
fn same_start(a: &TownMap, b: &TownMap, metric: &str) -> bool {
    let shown = |m: &TownMap| -> Vec<_> {
        let states = m.states_at(None);
        m.venues
            .iter()
            .zip(states)
            .filter(|(_, s)| **s != VenueState::Absent)
            .map(|(v, s)| (v.kind, v.ward, v.pos_km.map(f32::to_bits), *s))
            .collect()
    };
    a.start_year == b.start_year
        && a.wards == b.wards
        && shown(a) == shown(b)
        && (0..a.wards.len() as u16).all(|w| {
            a.ward_start_value(w, metric).map(f64::to_bits)
                == b.ward_start_value(w, metric).map(f64::to_bits)
        })
}

impl MapFigure {
    fn new(maps: &[(&str, &TownMap)], metric: &'static str) -> MapFigure {
        let first = maps.first().map(|(_, m)| *m);
        let start = first.map_or(0, |m| m.start_year);
        let years = first.map_or(1, |m| m.years().max(1));
        let end = start + years as i32 - 1;
        let shared = maps.len() > 1 && maps.iter().all(|(_, m)| same_start(m, maps[0].1, metric));
        let title = match maps {
            [(name, _)] => format!("{}: the town in {start} and {end}", drawable(name)),
            _ => format!("The town in {start} and {end}: each scenario's first replicate"),
        };
        let metric_words = metric.replace('_', " ");
        let subtitle = [
            format!(
                "Wards shaded by mean {metric_words}: in the first week at the start, over the \
                 year at the end"
            ),
            format!(
                "Meeting places as they stood at the start of {start} and the end of {end}{}",
                if shared { "; one start for all" } else { "" }
            ),
        ];
        let start_panel = |prefix: String, map: &TownMap| Panel {
            title: format!("{prefix}{}: at the start", map.start_year),
            map: map.clone(),
            venues_at: None,
            shading: Shading::Start,
        };
        let end_panel = |prefix: String, map: &TownMap| {
            let last = map.years().saturating_sub(1);
            Panel {
                title: format!("{prefix}{}: at the end", map.start_year + last as i32),
                map: map.clone(),
                venues_at: Some(last),
                shading: Shading::Year(last),
            }
        };
        let prefix = |name: &str| {
            if maps.len() > 1 {
                format!("{}, ", drawable(name))
            } else {
                String::new()
            }
        };
        let mut panels = Vec::new();
        if shared {
            panels.push(start_panel("Every scenario, ".into(), maps[0].1));
            for (name, map) in maps {
                panels.push(end_panel(prefix(name), map));
            }
        } else {
            for (name, map) in maps {
                panels.push(start_panel(prefix(name), map));
                panels.push(end_panel(prefix(name), map));
            }
        }
        let values = panels
            .iter()
            .flat_map(|p| (0..p.map.wards.len() as u16).filter_map(|w| p.value(w, metric)));
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
            panels,
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
        for (i, line) in self.subtitle.iter().enumerate() {
            root.draw(&Text::new(
                line.clone(),
                (width as i32 / 2, 70 + 26 * i as i32 + rise(LEGEND_PX)),
                TextStyle::from(font(LEGEND_PX).into_font())
                    .color(&OUTLINE)
                    .pos(centre),
            ))
            .map_err(io_error)?;
        }
        let panel_w = width / COLUMNS as u32;
        for (i, panel) in self.panels.iter().enumerate() {
            let (r, c) = (i / COLUMNS, i % COLUMNS);
            let x0 = (c as u32 * panel_w) as i32;
            let y0 = (HEADER_PX + r as u32 * ROW_PX) as i32;
            let area = root.clone().shrink(
                (x0 + 10, y0),
                (panel_w.saturating_sub(20), ROW_PX.saturating_sub(10)),
            );
            self.draw_panel(&area, panel, text_rise)?;
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
    /// The style of a ward's name.
    fn ward_style() -> TextStyle<'static> {
        TextStyle::from((FONT, WARD_LABEL_PX * PLOTTERS_FONT_SCALE, FontStyle::Bold))
            .pos(Pos::new(HPos::Center, VPos::Center))
    }

    /// Where everything goes in a panel of `(w, h)` pixels showing `map`. The name boxes are
    /// measured with a value of `0.00`, so every panel of a town gets the same layout.
    fn layout<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        map: &TownMap,
    ) -> io::Result<Layout> {
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (f64::from(w), f64::from(h));
        let style = Self::ward_style();
        let mut sizes = Vec::with_capacity(map.wards.len());
        for ward in &map.wards {
            let text = format!("{} 0.00", drawable(&ward.name));
            let (tw, th) = area.estimate_text_size(&text, &style).map_err(io_error)?;
            sizes.push((f64::from(tw) + 10.0, f64::from(th) + 6.0));
        }
        let discs = separated_discs(map);
        let venues = shown_venues(map);
        let mut bounds = Rect {
            x0: 4.0,
            y0: PANEL_TITLE_PX,
            x1: w - 4.0,
            y1: h - 4.0,
        };
        let first = map_layout::layout(bounds, &discs, &sizes, &venues, MARKER_PX);
        if first.labels.iter().all(Option::is_some) && first.venues_left_out == 0 {
            return Ok(first);
        }
        // Something has no room: lay out again above a line saying what.
        bounds.y1 -= NOTE_PX;
        Ok(map_layout::layout(
            bounds, &discs, &sizes, &venues, MARKER_PX,
        ))
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        text_rise: f64,
    ) -> io::Result<()> {
        let (w, h) = area.dim_in_pixel();
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

        let map = &panel.map;
        let layout = Self::layout(area, map)?;
        let px = |v: f64| v.round() as i32;
        for (i, disc) in layout.discs.iter().enumerate() {
            let value = panel.value(i as u16, self.metric);
            let fill = value.map_or(RGBColor(0xFF, 0xFF, 0xFF), |v| self.shade(v));
            let c = (px(disc.x), px(disc.y));
            // Rounded down, so rounding never closes the gap between two discs.
            let r = (disc.r.floor() as i32).max(2);
            area.draw(&Circle::new(c, r, fill.filled()))
                .map_err(io_error)?;
            area.draw(&Circle::new(c, r, OUTLINE.stroke_width(2)))
                .map_err(io_error)?;
        }
        let states = map.states_at(panel.venues_at);
        for (v, venue) in map.venues.iter().enumerate() {
            let state = states.get(v).copied().unwrap_or(VenueState::Absent);
            let Some(Some((x, y))) = layout.slots.get(v) else {
                continue;
            };
            if state == VenueState::Absent {
                continue;
            }
            draw_marker(area, (px(*x), px(*y)), venue.kind, state, layout.marker_px)?;
        }
        let style = Self::ward_style();
        for (i, ward) in map.wards.iter().enumerate() {
            let Some(Some(rect)) = layout.labels.get(i) else {
                continue;
            };
            let label = match panel.value(i as u16, self.metric) {
                Some(v) => format!("{} {v:.2}", drawable(&ward.name)),
                None => drawable(&ward.name),
            };
            area.draw(&Rectangle::new(
                [(px(rect.x0), px(rect.y0)), (px(rect.x1), px(rect.y1))],
                WHITE.mix(0.85).filled(),
            ))
            .map_err(io_error)?;
            let (cx, cy) = rect.centre();
            area.draw(&Text::new(
                label,
                (px(cx), px(cy) + rise(WARD_LABEL_PX)),
                style.clone(),
            ))
            .map_err(io_error)?;
        }
        let names_left_out = layout.labels.iter().filter(|l| l.is_none()).count();
        let mut notes = Vec::new();
        if names_left_out > 0 {
            notes.push(format!("{names_left_out} ward names"));
        }
        if layout.venues_left_out > 0 {
            notes.push(format!("{} meeting places", layout.venues_left_out));
        }
        if !notes.is_empty() {
            area.draw(&Text::new(
                format!("Not drawn for lack of room: {}", notes.join(", ")),
                (
                    12,
                    h as i32 - (NOTE_PX / 2.0) as i32 - 2 + rise(TICK_LABEL_PX),
                ),
                TextStyle::from(font(TICK_LABEL_PX).into_font())
                    .color(&OUTLINE)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
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
            draw_marker(
                area,
                (x, y),
                kind.unwrap_or(VenueKind::Pub),
                *state,
                MARKER_PX,
            )?;
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
        let ticks = super::charts::ChartAxis::new(self.lo, self.hi, 6, 0.01);
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

/// The corners of a venue kind's marker around `(x, y)`: a circle for pubs, a polygon for the
/// rest, each kind its own shape as well as its own colour.
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
    radius: f64,
) -> io::Result<()> {
    let colour = PALETTE[kind.index() % PALETTE.len()];
    let corners = marker_shape(kind, at, radius);
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
        let d = (radius * 0.8).round() as i32;
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
        map.ward_start.insert((0, "belonging"), 0.61);
        map.ward_start.insert((1, "belonging"), 0.57);
        map
    }

    /// The default town's six wards (two pairs of which overlap or touch as given) with five
    /// venues each, all at their ward's centre or on its name's old spot; in every ward one
    /// closes in the first year and one opens in the second.
    fn crowded() -> TownMap {
        let wards: Vec<MapWard> = [
            ("Market Place", [0.0, 0.0], 0.8),
            ("Pithead", [1.6, 0.9], 0.9),
            ("Welfare Estate", [-1.5, 1.0], 0.9),
            ("Station Road", [0.2, -1.7], 0.8),
            ("Chapel Hill", [-1.6, -1.0], 0.8),
            ("New Houses", [1.7, -1.0], 1.0),
        ]
        .into_iter()
        .map(|(name, centre_km, radius_km)| MapWard {
            name: name.into(),
            centre_km,
            radius_km,
            deprivation: 0.5,
        })
        .collect();
        let mut venues = Vec::new();
        for (w, ward) in wards.iter().enumerate() {
            for i in 0..5 {
                let up = if i % 2 == 0 {
                    0.86 * ward.radius_km
                } else {
                    0.0
                };
                venues.push(MapVenue {
                    label: format!("v{w}.{i}"),
                    kind: VenueKind::ALL[i % VenueKind::ALL.len()],
                    ward: w as u16,
                    pos_km: [ward.centre_km[0] as f32, (ward.centre_km[1] + up) as f32],
                });
            }
        }
        let n = venues.len();
        let row = |f: &dyn Fn(usize) -> VenueState| (0..n).map(f).collect::<Vec<_>>();
        let states = vec![
            row(&|v| {
                if v % 5 == 4 {
                    VenueState::Absent
                } else {
                    VenueState::Open
                }
            }),
            row(&|v| match v % 5 {
                0 => VenueState::Closed,
                4 => VenueState::Absent,
                _ => VenueState::Open,
            }),
            row(&|v| {
                if v % 5 == 0 {
                    VenueState::Closed
                } else {
                    VenueState::Open
                }
            }),
        ];
        let mut map = TownMap {
            start_year: 2010,
            wards,
            venues,
            states,
            ..TownMap::default()
        };
        for w in 0..6u16 {
            let v = 0.4 + 0.03 * f64::from(w);
            map.ward_years.insert((w, "belonging"), vec![v, v - 0.02]);
            map.ward_start.insert((w, "belonging"), v + 0.01);
        }
        map
    }

    /// The value of attribute `name` in tag text `tag`.
    fn attr(tag: &str, name: &str) -> Option<String> {
        let key = format!(" {name}=\"");
        let from = tag.find(&key)? + key.len();
        Some(tag[from..from + tag[from..].find('"')?].to_string())
    }

    fn num(tag: &str, name: &str) -> f64 {
        attr(tag, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// Every `<kind .../>` tag of `svg`.
    fn tags<'a>(svg: &'a str, kind: &str) -> Vec<&'a str> {
        let open = format!("<{kind} ");
        svg.match_indices(&open)
            .map(|(i, _)| &svg[i..i + svg[i..].find('>').unwrap()])
            .collect()
    }

    /// What a drawn map holds, panel by panel (panels are the light grey rectangles): ward
    /// outlines as (x, y, r), name boxes and markers' bounding boxes.
    struct Drawn {
        panels: Vec<DrawnPanel>,
    }

    #[derive(Default)]
    struct DrawnPanel {
        area: Option<Rect>,
        discs: Vec<(f64, f64, f64)>,
        labels: Vec<Rect>,
        markers: Vec<Rect>,
    }

    fn drawn(svg: &str) -> Drawn {
        let rect = |t: &str| Rect {
            x0: num(t, "x"),
            y0: num(t, "y"),
            x1: num(t, "x") + num(t, "width"),
            y1: num(t, "y") + num(t, "height"),
        };
        let mut panels: Vec<_> = tags(svg, "rect")
            .into_iter()
            .filter(|t| attr(t, "fill").as_deref() == Some("#F4F4F4"))
            .map(|t| DrawnPanel {
                area: Some(rect(t)),
                ..DrawnPanel::default()
            })
            .collect();
        let holder = |panels: &[DrawnPanel], (x, y): (f64, f64)| {
            panels.iter().position(|p| {
                p.area
                    .is_some_and(|r| x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1)
            })
        };
        for t in tags(svg, "circle") {
            if attr(t, "fill").as_deref() == Some("none") {
                let c = (num(t, "cx"), num(t, "cy"), num(t, "r"));
                if let Some(p) = holder(&panels, (c.0, c.1)) {
                    panels[p].discs.push(c);
                }
            }
        }
        for t in tags(svg, "rect") {
            if attr(t, "fill").as_deref() == Some("#FFFFFF")
                && attr(t, "opacity").is_some_and(|o| o != "1")
            {
                let r = rect(t);
                if let Some(p) = holder(&panels, r.centre()) {
                    panels[p].labels.push(r);
                }
            }
        }
        for t in tags(svg, "polygon") {
            let points: Vec<(f64, f64)> = attr(t, "points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            let b = Rect {
                x0: points.iter().map(|p| p.0).fold(f64::MAX, f64::min) - 1.0,
                y0: points.iter().map(|p| p.1).fold(f64::MAX, f64::min) - 1.0,
                x1: points.iter().map(|p| p.0).fold(f64::MIN, f64::max) + 1.0,
                y1: points.iter().map(|p| p.1).fold(f64::MIN, f64::max) + 1.0,
            };
            if let Some(p) = holder(&panels, b.centre()) {
                panels[p].markers.push(b);
            }
        }
        Drawn { panels }
    }

    fn crowded_svg(maps: &[(&str, &TownMap)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        write_map(dir.path(), maps, DEFAULT_METRIC).unwrap();
        std::fs::read_to_string(dir.path().join("map.svg")).unwrap()
    }

    #[test]
    fn ward_discs_never_overlap() {
        let map = crowded();
        let d = drawn(&crowded_svg(&[("crowded", &map)]));
        assert_eq!(d.panels.len(), 2);
        for DrawnPanel { discs, .. } in &d.panels {
            assert_eq!(discs.len(), 6);
            for (i, a) in discs.iter().enumerate() {
                for b in &discs[i + 1..] {
                    // Outlines are 2 pixels wide: 1 pixel either side of the radius.
                    let apart = (a.0 - b.0).hypot(a.1 - b.1) - (a.2 + b.2 + 2.0);
                    assert!(apart >= 2.0, "discs {a:?} and {b:?} are {apart} px apart");
                }
            }
        }
    }

    #[test]
    fn names_cover_no_marker_and_no_other_name() {
        let map = crowded();
        let d = drawn(&crowded_svg(&[("crowded", &map)]));
        for DrawnPanel {
            labels, markers, ..
        } in &d.panels
        {
            assert_eq!(labels.len(), 6, "every ward named");
            assert!(markers.len() >= 24, "{} markers", markers.len());
            for (i, l) in labels.iter().enumerate() {
                for m in markers {
                    assert!(!l.intersects(m), "name box {l:?} covers marker {m:?}");
                }
                for o in &labels[i + 1..] {
                    assert!(!l.intersects(o), "name boxes {l:?} and {o:?} overlap");
                }
            }
        }
    }

    #[test]
    fn no_marker_sits_on_another() {
        let map = crowded();
        let d = drawn(&crowded_svg(&[("crowded", &map)]));
        let counts: Vec<usize> = d.panels.iter().map(|p| p.markers.len()).collect();
        // Start: 24 open; end: 24 open and 6 closed (a closed marker is one polygon, its
        // cross lines).
        assert_eq!(counts, [24, 30]);
        for DrawnPanel { markers, .. } in &d.panels {
            for (i, a) in markers.iter().enumerate() {
                for b in &markers[i + 1..] {
                    assert!(!a.intersects(b), "markers {a:?} and {b:?} overlap");
                }
            }
        }
    }

    #[test]
    fn a_comparison_with_a_common_start_draws_it_once() {
        let map = crowded();
        let mut other = crowded();
        other.ward_years.insert((0, "belonging"), vec![0.3, 0.2]);
        let svg = crowded_svg(&[("a", &map), ("b", &other), ("c", &map)]);
        assert_eq!(
            svg.matches(": at the start\n").count(),
            1,
            "one start panel"
        );
        assert!(svg.contains("Every scenario, 2010: at the start"));
        assert_eq!(svg.matches(": at the end\n").count(), 3);
        assert_eq!(drawn(&svg).panels.len(), 4);
        // Towns that start apart keep a start panel each.
        other.ward_start.insert((0, "belonging"), 0.1);
        let svg = crowded_svg(&[("a", &map), ("b", &other)]);
        assert_eq!(svg.matches(": at the start\n").count(), 2);
        assert!(svg.contains("b, 2010: at the start"));
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
        assert!(svg.contains("Pithead 0.57") && svg.contains("Pithead 0.40"));
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
