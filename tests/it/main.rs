//! The end-to-end tests, in one binary so that a newcomer's `cargo test --release` links one
//! test executable rather than fifteen. Each module drives the real `cohesion` binary or the
//! library as a user would; `common` holds the helpers they share.

#[allow(dead_code)]
mod common;

mod architecture;
mod bad_input;
mod branch;
mod calibrate;
mod calibration;
mod checkpoint;
mod classic;
mod commands;
mod compare;
mod docs;
mod drive;
mod finite_numbers;
mod force_safety;
mod fragile_io;
mod fuzz_regressions;
mod interventions;
mod messages;
mod model_properties;
mod names_are_data;
mod oat;
mod output_dirs;
mod posterior;
mod reproducible;
mod serve;
mod serve_hardening;
mod sized_work;
mod sobol;
mod sweep;
