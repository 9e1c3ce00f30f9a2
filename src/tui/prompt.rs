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

/// `w` / `W`: why these findings are acceptable, as it is typed.
pub fn draw_reason(frame: &mut Frame, screen: Rect, findings: &[Finding], input: &str) {
    let title = match findings.len() {
        1 => " Waive: why is this acceptable? ".to_string(),
        n => format!(" Waive all {n} findings of this defect: why are they acceptable? "),
    };
    let lines = vec![Line::from(vec![
        Span::styled("reason: ", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(safe(input)),
        Span::styled("█", Style::new().fg(Color::Yellow)),
    ])];
    draw_box(
        frame,
        screen,
        &title,
        " Enter waive · Esc cancel ",
        findings,
        lines,
    );
}

/// `A`: approve every finding of the defect? Says how many, and whose.
pub fn draw_confirm(frame: &mut Frame, screen: Rect, findings: &[Finding]) {
    let title = format!(" Approve all {} findings of this defect? ", findings.len());
    let lines = vec![Line::styled(
        "Each is approved as reviewed; one that changes later goes stale on its own.",
        dim(),
    )];
    draw_box(
        frame,
        screen,
        &title,
        " Enter approve · Esc cancel ",
        findings,
        lines,
    );
}

/// A prompt box: what it is about (the defect, its message, whose findings),
/// then `lines`.
fn draw_box(
    frame: &mut Frame,
    screen: Rect,
    title: &str,
    keys: &str,
    findings: &[Finding],
    lines: Vec<Line<'static>>,
) {
    let Some(finding) = findings.first() else {
        return;
    };
    let area = screen.centered(
        Constraint::Length(screen.width.saturating_sub(4).min(80)),
        Constraint::Length(9.min(screen.height)),
    );
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(Style::new().fg(Color::Yellow))
        .title(Span::styled(
            title.to_string(),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(keys.to_string(), dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let whose = match findings {
        [one] => safe(one.profile.as_deref().unwrap_or("(every profile)")),
        many => safe(&super::decisions::profiles_of(many)),
    };
    let target = format!(
        "{} · {} › {} › {}",
        finding.rule,
        safe(&finding.campaign),
        safe(finding.variant.as_deref().unwrap_or("(campaign)")),
        whose
    );
    let mut all = vec![
        Line::styled(target, dim()),
        Line::styled(safe(&finding.message), dim()),
        Line::raw(""),
    ];
    all.extend(lines);
    frame.render_widget(Paragraph::new(all).wrap(Wrap { trim: false }), inner);
}
