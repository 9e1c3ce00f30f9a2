//! Drawing: the panes where the layout puts them, the status bar, and any
//! overlay on top. Each pane draws itself from its own state and what the
//! app lends it.

use ratatui::Frame;

use super::app::{App, Overlay};
use super::{help, prompt, status};

pub fn draw(frame: &mut Frame, app: &mut App) {
    let screen = frame.area();
    let areas = app.areas_in(screen);
    app.draw_panes(frame, &areas);
    if let Some(area) = areas.banner {
        status::draw_banner(frame, area, app);
    }
    status::draw(frame, areas.status, app);
    match app.overlay() {
        Overlay::Help { scroll } => help::draw_help(frame, screen, *scroll),
        Overlay::Explain {
            rule,
            scroll,
            dialect,
            fix,
        } => help::draw_explain(frame, screen, *rule, *dialect, fix.as_deref(), *scroll),
        Overlay::Reason { input, findings } => prompt::draw_reason(frame, screen, findings, input),
        Overlay::Confirm { findings } => prompt::draw_confirm(frame, screen, findings),
        Overlay::None | Overlay::Search { .. } => {}
    }
}
