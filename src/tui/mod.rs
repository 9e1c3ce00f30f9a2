//! Show: the terminal UI. Producers preview every variant with every profile;
//! reviewers go from flag to flag. It calls the same engine as `lint` and
//! holds no rule logic: state and updates in [`app`], drawing in [`ui`] and
//! one module per pane, the terminal and the file watcher in [`event`].

pub mod actions;
pub mod app;
pub mod decisions;
// The terminal loop: poll(2) and Unix signals. On other systems the UI says
// where it runs instead (see `run`).
#[cfg(unix)]
pub mod event;
mod help;
pub mod keys;
pub mod layout;
pub mod model;
pub mod panes;
mod prompt;
mod status;
pub mod text;
pub mod ui;

use std::path::Path;

pub use app::{Action, App, Effect, Loaded, Pane, load};
pub use ui::draw;

/// Opens the TUI on the project at `path` until the person quits.
#[cfg(unix)]
pub fn run(path: &Path) -> anyhow::Result<()> {
    // The rules' once-per-process builds, while the first load reads the
    // project.
    mergeproof_core::rules::prepare_in_background();
    let mut store = decisions::open(path);
    event::run(path, store.as_mut())
}

/// The terminal UI runs on Linux and macOS; elsewhere the command says so,
/// and what to use instead.
#[cfg(not(unix))]
pub fn run(_path: &Path) -> anyhow::Result<()> {
    anyhow::bail!(
        "the terminal UI runs on Linux and macOS (on Windows, inside WSL); here, use `mergeproof lint`, `mergeproof lint --format html --output proof.html` for the proof sheet, or `mergeproof preview`"
    )
}
