//! Overlays for reading: the help that lists every key, and a rule's
//! explanation (the same text as `mergeproof explain RULE`).

use mergeproof_core::rule_id::RuleId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::keys::KEYS;
use super::panes::dim;
use super::text::safe;

fn boxed(frame: &mut Frame, screen: Rect, width: u16, height: u16, title: String) -> Rect {
    let area = screen.centered(
        Constraint::Length(width.min(screen.width)),
        Constraint::Length(height.min(screen.height)),
    );
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(Style::new().fg(Color::Cyan))
        .title(Span::styled(
            title,
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(" ↑↓ scroll · Esc close ", dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

pub fn draw_help(frame: &mut Frame, screen: Rect, scroll: u16) {
    let key_width = KEYS
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {keys:key_width$}"),
                    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::styled(
        " ● receives · ⊘ aborted · ✗ error ▲ warning i info · ✓ accepted · ◆ unreviewed",
        dim(),
    ));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let inner = boxed(frame, screen, 84, height, " Keys ".into());
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

/// The rule's explanation with its fix in the campaign's dialect, and the
/// selected finding's own fix first.
pub fn draw_explain(
    frame: &mut Frame,
    screen: Rect,
    rule: RuleId,
    dialect: mergeproof_core::dialect::Dialect,
    fix: Option<&str>,
    scroll: u16,
) {
    let explanation = mergeproof_core::rules::doc(rule).explanation_in(Some(dialect));
    let text = match fix {
        Some(fix) => format!("This finding's fix\n  {}\n\n{explanation}", safe(fix)),
        None => explanation,
    };
    let inner = boxed(
        frame,
        screen,
        screen.width.saturating_sub(4).min(100),
        u16::try_from(text.lines().count() + 4)
            .unwrap_or(u16::MAX)
            .min(screen.height.saturating_sub(2)),
        format!(" {rule} "),
    );
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
