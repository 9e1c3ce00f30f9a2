//! One module per pane. Each draws from the [`App`](super::app::App) state and
//! never changes it; the geometry helpers here are shared with mouse clicks.

pub mod campaigns;
pub mod matrix;
pub mod preview;

use crate::tui::actions::Action;

/// What a pane did with an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// The action is not this pane's.
    Ignored,
    /// The pane changed only itself: a scroll, or a move that stayed put.
    Kept,
    /// The pane's selection moved, and the app brings the other panes along;
    /// the campaigns pane names the campaign to select.
    Moved(Option<usize>),
}

/// A pane in ratatui's component pattern: it owns its state and takes the
/// actions meant for it; the app routes actions and lends what is shared.
pub trait Component {
    /// What the pane needs to know of the shared state to take an action:
    /// how many campaigns, how many variants.
    type Extent: Copy;

    fn handle(&mut self, action: &Action, extent: Self::Extent) -> Handled;
}

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType};

use mergeproof_core::finding::Severity;

/// A pane's border, brighter when it has the focus.
pub fn pane_block(title: String, focused: bool) -> Block<'static> {
    let (border, title_style) = if focused {
        (
            Style::new().fg(Color::Cyan),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        )
    } else {
        (Style::new().fg(Color::DarkGray), Style::new())
    };
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Span::styled(title, title_style))
}

pub fn severity_mark(s: Severity) -> &'static str {
    match s {
        Severity::Error => "✗",
        Severity::Warning => "▲",
        Severity::Info => "i",
    }
}

pub fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Severity::Warning => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        Severity::Info => Style::new().fg(Color::Cyan),
    }
}

/// Marks a finding that counts no more (approved, waived or allowed).
pub const ACCEPTED_MARK: &str = "✓";

pub fn accepted_style() -> Style {
    Style::new().fg(Color::Green)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn error_style() -> Style {
    Style::new().fg(Color::Red)
}
