//! Show: the terminal UI. Producers preview every variant with every profile;
//! reviewers go from flag to flag. It calls the same engine as `lint` and
//! holds no rule logic: state and updates in [`app`], drawing in [`ui`] and
//! one module per pane, the terminal and the file watcher in [`event`].

pub mod app;
pub mod decisions;
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
pub fn run(path: &Path) -> anyhow::Result<()> {
    let mut store = decisions::open(path);
    event::run(path, store.as_mut())
}
