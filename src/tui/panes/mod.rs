//! One module per pane. Each draws from the [`App`](super::app::App) state and
//! never changes it; the geometry helpers here are shared with mouse clicks.

pub mod campaigns;
pub mod matrix;
pub mod preview;

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
