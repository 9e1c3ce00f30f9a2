//! The prompt for a waiver's reason: which finding is waived, and the reason
//! as it is typed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::panes::dim;
use super::text::safe;
use mergeproof_core::finding::Finding;

pub fn draw_reason(frame: &mut Frame, screen: Rect, finding: &Finding, input: &str) {
    let area = screen.centered(
        Constraint::Length(screen.width.saturating_sub(4).min(80)),
        Constraint::Length(8.min(screen.height)),
    );
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(Style::new().fg(Color::Yellow))
        .title(Span::styled(
            " Waive: why is this acceptable? ",
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(" Enter waive · Esc cancel ", dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let target = format!(
        "{} · {} › {} › {}",
        finding.rule,
        safe(&finding.campaign),
        safe(finding.variant.as_deref().unwrap_or("(campaign)")),
        safe(finding.profile.as_deref().unwrap_or("(every profile)"))
    );
    let lines = vec![
        Line::styled(target, dim()),
        Line::styled(safe(&finding.message), dim()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("reason: ", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(safe(input)),
            Span::styled("█", Style::new().fg(Color::Yellow)),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
