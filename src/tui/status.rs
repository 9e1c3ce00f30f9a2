//! The status bar: the counts, the client that cuts subjects, the edge-case
//! switch, and key hints (or the last message, or the search prompt).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::actions::Overlay;
use super::app::App;
use super::panes::campaigns::{accepted_span, active_spans};
use super::panes::{dim, error_style};
use super::text::safe;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let bar = Style::new().bg(Color::Indexed(235));
    if let Overlay::Search { input, .. } = app.overlay() {
        let mut spans = vec![
            Span::styled(
                "/",
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Span::raw(safe(input)),
            Span::styled("█", Style::new().fg(Color::Cyan)),
        ];
        // "no match" (or a refused paste) shows beside what was typed.
        if let Some(message) = app.message() {
            spans.push(Span::styled(
                format!("  {}", safe(message)),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ));
        }
        spans.push(Span::styled("  Enter keeps · Esc goes back", dim()));
        let line = Line::from(spans);
        frame.render_widget(Paragraph::new(line).style(bar), area);
        return;
    }
    let totals = app.totals();
    // "✗3 ▲1 ◆4 in 2 problems ✓5": the accepted ones last, as lint says.
    let mut spans = active_spans(totals, 1);
    if totals.total_active() > 0 {
        let problems = app.problems();
        spans.push(Span::styled(
            format!(
                "in {problems} problem{}",
                if problems == 1 { "" } else { "s" }
            ),
            dim(),
        ));
        if let Some(accepted) = accepted_span(totals) {
            spans.push(Span::styled(
                format!(" {}", accepted.content.trim_end()),
                accepted.style,
            ));
        }
    }
    spans.push(Span::styled(" │ ", dim()));
    // A message takes the place of the settings and hints until the next key.
    if let Some(message) = app.message() {
        spans.push(Span::styled(
            safe(message),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    } else {
        match app.client() {
            Some((name, width)) => spans.push(Span::raw(format!("{} {width}", safe(name)))),
            None => spans.push(Span::styled("no clients", dim())),
        }
        spans.push(Span::styled(" │ ", dim()));
        spans.push(Span::raw(if app.edge_cases() {
            "edge on"
        } else {
            "edge off"
        }));
        if app.flagged_only() {
            spans.push(Span::raw(" · flagged"));
        }
        spans.push(Span::styled(" │ ", dim()));
        spans.push(Span::styled(hints(app.focus()), dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
}

/// Tab first (at 80 columns only the first few hints show), then the
/// focused pane's keys, most used first, then the ones that work everywhere.
fn hints(pane: super::actions::Pane) -> &'static str {
    use super::actions::Pane;
    match pane {
        Pane::Campaigns => "Tab pane · Enter open · n flag · ? help · q quit",
        Pane::Matrix => "Tab pane · n flag · ←→ variant · f flagged · ? help",
        Pane::Preview => "Tab pane · a/A approve · w/W waive · x why · ? help",
    }
}

/// Load errors that belong to no campaign (config, profiles, partials).
pub fn draw_banner(frame: &mut Frame, area: Rect, app: &App) {
    let Some(first) = app.project_errors.first() else {
        return;
    };
    let more = match app.project_errors.len() {
        1 => String::new(),
        n => format!("  (+{} more; `mergeproof lint` lists them)", n - 1),
    };
    let line = Line::styled(
        format!(
            "✗ {}:{}:{}: {}{more}",
            safe(&first.file),
            first.line,
            first.column,
            safe(&first.message)
        ),
        error_style(),
    );
    frame.render_widget(Paragraph::new(line), area);
}
