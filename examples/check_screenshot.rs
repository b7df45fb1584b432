//! Checks that a screenshot (PNG) shows something: used by `.ci/run` on the headless-browser
//! renderings of `report.html` and of the seminar page. Prints what it measured and exits 1 if the image is blank — all
//! one colour, or almost all white — so a report that fails to render fails CI.
//!
//! `cargo run --release --example check_screenshot -- screenshot.png`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: check_screenshot FILE.png");
        return ExitCode::from(2);
    };
    match measure(&path) {
        Ok((w, h, inked, colours)) => {
            let share = inked as f64 / (w as f64 * h as f64);
            println!(
                "{path}: {w}x{h}, {:.1}% of pixels not white, {colours} distinct colours",
                100.0 * share
            );
            if share < 0.02 || colours < 16 {
                eprintln!("{path} looks blank");
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            ExitCode::from(1)
        }
    }
}

/// Width, height, pixels that are not (near) white, and distinct colours (up to 4,096).
fn measure(path: &str) -> Result<(u32, u32, u64, usize), Box<dyn std::error::Error>> {
    let mut decoder = png::Decoder::new(std::fs::File::open(path)?);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    let channels = info.color_type.samples();
    let mut inked = 0u64;
    let mut colours = std::collections::BTreeSet::new();
    for px in buf[..info.buffer_size()].chunks_exact(channels) {
        let rgb = match channels {
            1 | 2 => [px[0]; 3],
            _ => [px[0], px[1], px[2]],
        };
        if rgb.iter().any(|&c| c < 240) {
            inked += 1;
        }
        if colours.len() < 4096 {
            colours.insert(rgb);
        }
    }
    Ok((info.width, info.height, inked, colours.len()))
}
