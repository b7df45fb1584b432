//! Clean stops: SIGTERM (a batch system's time limit or pre-emption, `kill`) and SIGINT
//! (Ctrl-C) ask a run to stop; it finishes the week it is simulating, writes a checkpoint and
//! exits with status 75 (see `checkpoint::EXIT_STOPPED`). A second signal while stopping ends
//! the process at once (status 130 for SIGINT, 143 for SIGTERM).
//!
//! Architecture invariant: the handlers only set a flag; everything else happens in the run's
//! own thread, between weeks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set when a stop has been asked for.
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// A flag that nothing sets but [`StopFlag::request`] (for tests and library use).
    pub fn new() -> StopFlag {
        StopFlag::default()
    }

    /// A flag set by SIGTERM or SIGINT. Returns an error if the handlers cannot be installed.
    pub fn on_signals() -> std::io::Result<StopFlag> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let flag = StopFlag::new();
        for signal in [SIGTERM, SIGINT] {
            // Registered first, so it sees the flag as it was before this signal: a second
            // signal ends the process at once.
            signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, flag.0.clone())?;
            signal_hook::flag::register(signal, flag.0.clone())?;
        }
        Ok(flag)
    }

    /// Whether a stop has been asked for.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Asks for a stop.
    pub fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
