//! Progress bars for long work, and the summary line every such command ends with.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A byte-counting bar on stderr, or a hidden one with `--quiet` (or without a terminal).
pub fn bytes_bar(quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        None,
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:40} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar
}

/// `12 objects, 1.2 GiB in 4.1 s (300.0 MiB/s)`.
pub fn summary(objects: usize, bytes: u64, started: Instant) -> String {
    let seconds = started.elapsed().as_secs_f64();
    let mib = bytes as f64 / (1024.0 * 1024.0);
    format!(
        "{objects} object(s), {} in {seconds:.1} s ({:.1} MiB/s)",
        indicatif::BinaryBytes(bytes),
        if seconds > 0.0 { mib / seconds } else { 0.0 }
    )
}
