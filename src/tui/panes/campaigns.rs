//! The campaigns pane: each campaign with its error / warning / unreviewed
//! counts; a campaign whose file does not load shows its first error.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{dim, error_style, pane_block, severity_style};
use crate::tui::app::{App, Pane};
use crate::tui::layout::inner;
use crate::tui::model::{CampaignEntry, Counts};
use crate::tui::text::{fit, safe};
use mergeproof_core::finding::Severity;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus() == Pane::Campaigns;
    let title = format!(" {} · {} campaigns ", app.title(), app.entries().len());
    let block = pane_block(title, focused);
    let body = inner(area);
    frame.render_widget(block, area);
    if app.entries().is_empty() {
        let text = if app.is_loading() {
            "loading…"
        } else {
            "no campaigns: add campaigns/<id>.yaml"
        };
        frame.render_widget(Paragraph::new(text).style(dim()), body);
        return;
    }
    let width = usize::from(body.width);
    let lines: Vec<Line> = app
        .entries()
        .iter()
        .enumerate()
        .skip(app.campaign_offset)
        .take(usize::from(body.height))
        .map(|(i, entry)| {
            let selected = i == app.campaign;
            let mut line = entry_line(entry, app.edge_cases(), width);
            if selected {
                line = line.style(if focused {
                    Style::new().add_modifier(Modifier::REVERSED)
                } else {
                    Style::new().bg(Color::DarkGray)
                });
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}

/// The width the counts take on the right of a line.
const COUNTS_WIDTH: usize = 16;

fn entry_line(entry: &CampaignEntry, edge_cases: bool, width: usize) -> Line<'static> {
    let id_width = width.saturating_sub(COUNTS_WIDTH + 3).max(8);
    let id = fit(&safe(&entry.id), id_width);
    if let Some(error) = entry.errors.first() {
        let more = match entry.errors.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        let text = format!(
            "{}:{}:{}: {}{more}",
            safe(&error.file),
            error.line,
            error.column,
            safe(&error.message)
        );
        return Line::from(vec![
            Span::styled("✗ ", error_style()),
            Span::styled(id, error_style().add_modifier(Modifier::BOLD)),
            Span::raw("  "),
            Span::styled(text, error_style()),
        ]);
    }
    let counts = entry
        .checked
        .as_ref()
        .map(|c| c.counts(edge_cases))
        .unwrap_or_default();
    let mut spans = vec![
        Span::raw("  "),
        Span::raw(format!("{id:<id_width$}")),
        Span::raw(" "),
    ];
    spans.extend(count_spans(counts, 3));
    Line::from(spans)
}

/// `✗  2 ▲  1 ◆  3` (errors, warnings, to review), or `✓ clean`; each
/// number right-aligned in `pad` columns.
pub fn count_spans(counts: Counts, pad: usize) -> Vec<Span<'static>> {
    if counts.total() == 0 {
        return vec![Span::styled("✓ clean", Style::new().fg(Color::Green))];
    }
    let part = |mark: &'static str, n: usize, style: Style| {
        if n == 0 {
            Span::styled(format!("{mark}{n:>pad$} "), dim())
        } else {
            Span::styled(format!("{mark}{n:>pad$} "), style)
        }
    };
    vec![
        part(
            "✗",
            counts.all(Severity::Error),
            severity_style(Severity::Error),
        ),
        part(
            "▲",
            counts.all(Severity::Warning),
            severity_style(Severity::Warning),
        ),
        part(
            "◆",
            counts.total_active(),
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ),
    ]
}

/// The campaign drawn at a screen position, if any.
pub fn entry_at(app: &App, area: Rect, at: Position) -> Option<usize> {
    let body = inner(area);
    if !body.contains(at) {
        return None;
    }
    let index = app.campaign_offset + usize::from(at.y - body.y);
    (index < app.entries().len()).then_some(index)
}
