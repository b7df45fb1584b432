//! Where the town map puts things inside one panel, in pixels: the ward discs, each ward's
//! name box, and one slot per meeting place.
//!
//! The rules, in order:
//! 1. **Discs never overlap.** The wards keep the centres and radii the town gives them, in
//!    kilometres. Where two discs would touch or overlap, every radius is scaled down by one
//!    common factor until each pair is apart by a gap of [`GAP`] of their radii's sum; only if
//!    that factor would fall below [`MIN_SHRINK`] are overlapping centres first pushed apart
//!    along the line joining them (a fixed number of passes in ward order, so the result is
//!    the same on every machine).
//! 2. **Names never cover markers or each other.** Each ward's name box is placed, in ward
//!    order, at the first-best of a fixed list of candidate spots around and inside its disc:
//!    it must stay inside the panel and off every box placed before it; among those spots it
//!    prefers the one covering least of the other wards' discs (or lying close against them,
//!    where it would read as their name), then least of its own. A name with no such spot is
//!    left out and counted.
//! 3. **Markers never overlap.** Every venue the map ever shows gets its own slot on a square
//!    grid inside its ward's disc, off every name box, and keeps that slot in every panel, so
//!    a closed place is drawn crossed where it stood and a new one in a slot of its own. The
//!    marker size is the largest (up to the chart's size) at which every ward's venues fit.
//!
//! Everything is computed from the town's geometry and the text's measured size alone, so
//! the same map gives the same layout in every panel and on every run.

/// A rectangle in pixels: left, top, right, bottom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn around((x, y): (f64, f64), (w, h): (f64, f64)) -> Rect {
        Rect {
            x0: x - w / 2.0,
            y0: y - h / 2.0,
            x1: x + w / 2.0,
            y1: y + h / 2.0,
        }
    }

    pub fn intersects(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }

    fn grow(&self, by: f64) -> Rect {
        Rect {
            x0: self.x0 - by,
            y0: self.y0 - by,
            x1: self.x1 + by,
            y1: self.y1 + by,
        }
    }

    pub fn centre(&self) -> (f64, f64) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
}

/// A disc in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Disc {
    pub x: f64,
    pub y: f64,
    pub r: f64,
}

/// The gap between two discs, as a share of their radii's sum.
pub const GAP: f64 = 0.06;
/// The least common factor radii are scaled down by before centres are pushed apart instead.
const MIN_SHRINK: f64 = 0.7;
/// Passes of pushing overlapping centres apart.
const PUSH_PASSES: usize = 60;
/// Half a marker's bounding box per pixel of its nominal radius (the widest kind's shape is
/// 1.25 times the radius), and the pixels added for its outline.
pub const MARKER_EXTENT: f64 = 1.25;
const MARKER_STROKE: f64 = 1.5;
/// The smallest marker radius tried, in pixels.
const MIN_MARKER_PX: f64 = 3.0;
/// A name box this close to another ward's disc counts as partly on it, in pixels.
const NEAR_PX: f64 = 14.0;
/// Pixels between a name box and anything else.
const LABEL_GAP: f64 = 4.0;

/// One panel's layout.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// By ward.
    pub discs: Vec<Disc>,
    /// By ward: the name box, or `None` when no spot was free.
    pub labels: Vec<Option<Rect>>,
    /// By venue: the marker's centre, or `None` when the venue is never shown or found no slot.
    pub slots: Vec<Option<(f64, f64)>>,
    /// The markers' nominal radius.
    pub marker_px: f64,
    /// Venues that are shown but found no slot.
    pub venues_left_out: usize,
}

/// The half-width of a marker's bounding box at nominal radius `m`.
pub fn marker_half(m: f64) -> f64 {
    MARKER_EXTENT * m + MARKER_STROKE
}

/// The wards' discs in kilometres with no two overlapping: centres `centres`, radii `radii`.
pub fn separate(centres: &[[f64; 2]], radii: &[f64]) -> Vec<([f64; 2], f64)> {
    let n = centres.len().min(radii.len());
    let mut c: Vec<[f64; 2]> = centres[..n].to_vec();
    let mut r: Vec<f64> = radii[..n].iter().map(|r| r.max(1e-6)).collect();
    let factor = |c: &[[f64; 2]], r: &[f64]| {
        let mut f: f64 = 1.0;
        for i in 0..n {
            for j in i + 1..n {
                let d = (c[i][0] - c[j][0]).hypot(c[i][1] - c[j][1]);
                f = f.min(d / ((r[i] + r[j]) * (1.0 + GAP)));
            }
        }
        f
    };
    let f = factor(&c, &r);
    if f < MIN_SHRINK {
        for r in &mut r {
            *r *= MIN_SHRINK;
        }
        for pass in 0..PUSH_PASSES {
            let mut moved = false;
            for i in 0..n {
                for j in i + 1..n {
                    let (dx, dy) = (c[j][0] - c[i][0], c[j][1] - c[i][1]);
                    let d = dx.hypot(dy);
                    let need = (r[i] + r[j]) * (1.0 + GAP) * 1.001;
                    if d >= need {
                        continue;
                    }
                    // Coincident centres part along a direction fixed by the pair.
                    let (ux, uy) = if d > 1e-9 {
                        (dx / d, dy / d)
                    } else {
                        let a = 2.399_963 * (i * 31 + j + pass) as f64;
                        (libm::cos(a), libm::sin(a))
                    };
                    let half = (need - d) / 2.0;
                    c[i] = [c[i][0] - ux * half, c[i][1] - uy * half];
                    c[j] = [c[j][0] + ux * half, c[j][1] + uy * half];
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
    }
    // Whatever pushing left, one last common factor guarantees the gap.
    let f = factor(&c, &r).min(1.0);
    c.into_iter()
        .zip(r)
        .map(|(c, r)| (c, r * f.max(0.0)))
        .collect()
}

/// The layout of one panel. `area` is where the discs and names may go; `discs_km` the
/// separated discs (from [`separate`]); `label_size` each ward's name box size in pixels;
/// `venues` each venue's ward, or `None` for a venue the map never shows; `max_marker_px` the
/// largest marker radius.
pub fn layout(
    area: Rect,
    discs_km: &[([f64; 2], f64)],
    label_size: &[(f64, f64)],
    venues: &[Option<usize>],
    max_marker_px: f64,
) -> Layout {
    let discs = fit(area, discs_km, label_size);
    let labels = place_labels(area, &discs, label_size);
    let boxes: Vec<Rect> = labels.iter().flatten().map(|r| r.grow(2.0)).collect();
    let mut per_ward = vec![0usize; discs.len()];
    for w in venues.iter().flatten() {
        if let Some(n) = per_ward.get_mut(*w) {
            *n += 1;
        }
    }
    // The largest marker at which every ward's venues fit, in half-pixel steps.
    let mut m = max_marker_px.max(MIN_MARKER_PX);
    let mut grids: Vec<Vec<(f64, f64)>>;
    loop {
        grids = discs
            .iter()
            .zip(&per_ward)
            .map(|(d, &n)| {
                if n == 0 {
                    Vec::new()
                } else {
                    grid(d, m, &boxes)
                }
            })
            .collect();
        let fits = grids.iter().zip(&per_ward).all(|(g, &n)| g.len() >= n);
        if fits || m <= MIN_MARKER_PX {
            break;
        }
        m = (m - 0.5).max(MIN_MARKER_PX);
    }
    // Each ward's slots: the ones nearest its centre, read row by row, handed out in venue
    // order.
    let mut taken: Vec<Vec<(f64, f64)>> = grids
        .into_iter()
        .zip(&discs)
        .zip(&per_ward)
        .map(|((mut g, d), &n)| {
            g.sort_by(|a, b| {
                let da = (a.0 - d.x).hypot(a.1 - d.y);
                let db = (b.0 - d.x).hypot(b.1 - d.y);
                da.total_cmp(&db)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.0.total_cmp(&b.0))
            });
            g.truncate(n);
            g.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.total_cmp(&b.0)));
            g.reverse(); // popped from the end: first row first
            g
        })
        .collect();
    let mut left_out = 0;
    let slots = venues
        .iter()
        .map(|w| {
            let w = (*w)?;
            let slot = taken.get_mut(w).and_then(Vec::pop);
            if slot.is_none() {
                left_out += 1;
            }
            slot
        })
        .collect();
    Layout {
        discs,
        labels,
        slots,
        marker_px: m,
        venues_left_out: left_out,
    }
}

/// Scales and centres the discs into `area`, leaving a name's height above and below.
fn fit(area: Rect, discs_km: &[([f64; 2], f64)], label_size: &[(f64, f64)]) -> Vec<Disc> {
    let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (c, r) in discs_km {
        x_lo = x_lo.min(c[0] - r);
        x_hi = x_hi.max(c[0] + r);
        y_lo = y_lo.min(c[1] - r);
        y_hi = y_hi.max(c[1] + r);
    }
    if !(x_lo < x_hi && y_lo < y_hi) {
        (x_lo, x_hi, y_lo, y_hi) = (-1.0, 1.0, -1.0, 1.0);
    }
    let label_h = label_size.iter().map(|s| s.1).fold(0.0, f64::max);
    let my = label_h + 2.0 * LABEL_GAP;
    let mx = 2.0 * LABEL_GAP;
    let (w, h) = (
        (area.x1 - area.x0 - 2.0 * mx).max(1.0),
        (area.y1 - area.y0 - 2.0 * my).max(1.0),
    );
    let scale = (w / (x_hi - x_lo)).min(h / (y_hi - y_lo));
    let (mid_x, mid_y) = ((x_lo + x_hi) / 2.0, (y_lo + y_hi) / 2.0);
    let (cx, cy) = area.centre();
    discs_km
        .iter()
        .map(|(c, r)| Disc {
            x: cx + (c[0] - mid_x) * scale,
            // North up.
            y: cy - (c[1] - mid_y) * scale,
            r: r * scale,
        })
        .collect()
}

/// The share of `rect` lying inside `disc`, sampled on a fixed 8 × 4 grid.
fn covered(rect: &Rect, disc: &Disc) -> f64 {
    let (dx, dy) = (
        (disc.x - disc.x.clamp(rect.x0, rect.x1)),
        (disc.y - disc.y.clamp(rect.y0, rect.y1)),
    );
    if dx.hypot(dy) >= disc.r {
        return 0.0;
    }
    let (nx, ny) = (8, 4);
    let mut inside = 0;
    for i in 0..nx {
        for j in 0..ny {
            let x = rect.x0 + (rect.x1 - rect.x0) * (f64::from(i) + 0.5) / f64::from(nx);
            let y = rect.y0 + (rect.y1 - rect.y0) * (f64::from(j) + 0.5) / f64::from(ny);
            if (x - disc.x).hypot(y - disc.y) < disc.r {
                inside += 1;
            }
        }
    }
    f64::from(inside) / f64::from(nx * ny)
}

fn place_labels(area: Rect, discs: &[Disc], sizes: &[(f64, f64)]) -> Vec<Option<Rect>> {
    let mut placed: Vec<Option<Rect>> = Vec::with_capacity(discs.len());
    for (i, d) in discs.iter().enumerate() {
        let Some(&(w, h)) = sizes.get(i) else {
            placed.push(None);
            continue;
        };
        let g = LABEL_GAP;
        let diag = d.r * std::f64::consts::FRAC_1_SQRT_2;
        let candidates = [
            (d.x, d.y + d.r + g + h / 2.0),
            (d.x, d.y - d.r - g - h / 2.0),
            (d.x, d.y - 0.55 * d.r),
            (d.x, d.y + 0.55 * d.r),
            (d.x + d.r + g + w / 2.0, d.y),
            (d.x - d.r - g - w / 2.0, d.y),
            (d.x + diag + g + w / 2.0, d.y + diag + g + h / 2.0),
            (d.x - diag - g - w / 2.0, d.y + diag + g + h / 2.0),
            (d.x + diag + g + w / 2.0, d.y - diag - g - h / 2.0),
            (d.x - diag - g - w / 2.0, d.y - diag - g - h / 2.0),
            (d.x, d.y),
        ];
        let mut best: Option<(f64, Rect)> = None;
        for (k, &c) in candidates.iter().enumerate() {
            let rect = Rect::around(c, (w, h));
            if !rect.inside(&area)
                || placed
                    .iter()
                    .flatten()
                    .any(|p| p.grow(LABEL_GAP).intersects(&rect))
            {
                continue;
            }
            // Covering another ward, or sitting close against it, would read as its name.
            let others: f64 = discs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| {
                    let near = Disc {
                        r: o.r + NEAR_PX,
                        ..*o
                    };
                    covered(&rect, o) + covered(&rect, &near)
                })
                .sum();
            let cost = 10.0 * others + covered(&rect, d) + 0.001 * k as f64;
            if best.is_none_or(|(b, _)| cost < b) {
                best = Some((cost, rect));
            }
        }
        placed.push(best.map(|(_, r)| r));
    }
    placed
}

/// The marker centres of a square grid inside `disc` at marker radius `m`, off `boxes`.
fn grid(disc: &Disc, m: f64, boxes: &[Rect]) -> Vec<(f64, f64)> {
    let half = marker_half(m);
    let pitch = 2.0 * half + 2.0;
    let reach = disc.r - half - 1.0;
    if reach < 0.0 {
        return Vec::new();
    }
    let k = (reach / pitch).floor() as i64;
    let mut out = Vec::new();
    for iy in -k..=k {
        for ix in -k..=k {
            let (x, y) = (disc.x + ix as f64 * pitch, disc.y + iy as f64 * pitch);
            if (x - disc.x).hypot(y - disc.y) > reach {
                continue;
            }
            let b = Rect::around((x, y), (2.0 * half, 2.0 * half));
            if boxes.iter().any(|l| l.intersects(&b)) {
                continue;
            }
            out.push((x, y));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_discs_are_shrunk_and_coincident_ones_pushed_apart() {
        let out = separate(&[[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]], &[0.8, 0.8, 0.5]);
        let gap = |a: &([f64; 2], f64), b: &([f64; 2], f64)| {
            (a.0[0] - b.0[0]).hypot(a.0[1] - b.0[1]) - (a.1 + b.1) * (1.0 + GAP) * 0.999
        };
        for i in 0..3 {
            for j in i + 1..3 {
                assert!(gap(&out[i], &out[j]) >= 0.0, "{i} {j}: {out:?}");
            }
        }
        let same = separate(&[[0.0, 0.0]; 3], &[1.0; 3]);
        for i in 0..3 {
            assert!(same[i].1 > 0.1, "kept a size: {same:?}");
            for j in i + 1..3 {
                assert!(gap(&same[i], &same[j]) >= 0.0, "{i} {j}: {same:?}");
            }
        }
        assert_eq!(same, separate(&[[0.0, 0.0]; 3], &[1.0; 3]), "deterministic");
        // Discs already apart are left as the town gives them.
        let apart = separate(&[[0.0, 0.0], [5.0, 0.0]], &[1.0, 2.0]);
        assert_eq!(apart, vec![([0.0, 0.0], 1.0), ([5.0, 0.0], 2.0)]);
    }

    #[test]
    fn every_venue_gets_its_own_slot_off_the_names() {
        let discs = separate(&[[0.0, 0.0], [2.0, 0.0]], &[1.0, 1.0]);
        let area = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 600.0,
            y1: 400.0,
        };
        let venues: Vec<Option<usize>> = (0..20).map(|i| Some(i % 2)).chain([None]).collect();
        let l = layout(area, &discs, &[(150.0, 24.0); 2], &venues, 10.0);
        assert_eq!(l.venues_left_out, 0);
        assert!(l.slots[20].is_none(), "a venue never shown has no slot");
        let half = marker_half(l.marker_px);
        let boxes: Vec<Rect> = l
            .slots
            .iter()
            .flatten()
            .map(|p| Rect::around(*p, (2.0 * half, 2.0 * half)))
            .collect();
        assert_eq!(boxes.len(), 20);
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!a.intersects(b), "{a:?} {b:?}");
            }
            for label in l.labels.iter().flatten() {
                assert!(!a.intersects(label), "{a:?} under {label:?}");
            }
        }
        let [a, b] = [l.labels[0].unwrap(), l.labels[1].unwrap()];
        assert!(!a.intersects(&b));
    }
}
