//! The campaigns pane: each campaign with its error / warning / unreviewed
//! counts; a campaign whose file does not load shows its first error.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Component, Handled, dim, error_style, pane_block, severity_style};
use crate::tui::actions::Action;
use crate::tui::layout::{inner, keep_in_view};
use crate::tui::model::{CampaignEntry, Counts};
use crate::tui::text::{fit, safe};
use mergeproof_core::finding::Severity;

/// The campaigns pane's own state: which campaign is selected and which is
/// the first in view.
#[derive(Debug, Default)]
pub struct CampaignsPane {
    selected: usize,
    offset: usize,
    /// Rows in view at the last fit: a page.
    page: usize,
}

/// What the campaigns pane shows, lent by the app.
pub struct CampaignsView<'a> {
    pub title: &'a str,
    pub entries: &'a [CampaignEntry],
    pub loading: bool,
    pub edge_cases: bool,
    pub focused: bool,
}

impl CampaignsPane {
    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn select(&mut self, index: usize) {
        self.selected = index;
    }

    /// Takes the pane's place on the screen: keeps the selection in view.
    pub fn fit(&mut self, area: Rect) {
        let visible = usize::from(inner(area).height).max(1);
        self.offset = keep_in_view(self.selected, self.offset, visible);
        self.page = usize::from(area.height.saturating_sub(4).max(1));
    }

    /// The campaign drawn at a screen position, if any.
    pub fn entry_at(&self, area: Rect, at: Position, count: usize) -> Option<usize> {
        let body = inner(area);
        if !body.contains(at) {
            return None;
        }
        let index = self.offset + usize::from(at.y - body.y);
        (index < count).then_some(index)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, view: &CampaignsView<'_>) {
        let title = format!(" {} · {} campaigns ", view.title, view.entries.len());
        let block = pane_block(title, view.focused);
        let body = inner(area);
        frame.render_widget(block, area);
        if view.entries.is_empty() {
            let text = if view.loading {
                "loading…"
            } else {
                "no campaigns: add campaigns/<id>.yaml"
            };
            frame.render_widget(Paragraph::new(text).style(dim()), body);
            return;
        }
        let width = usize::from(body.width);
        let lines: Vec<Line> = view
            .entries
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(usize::from(body.height))
            .map(|(i, entry)| {
                let mut line = entry_line(entry, view.edge_cases, width);
                if i == self.selected {
                    line = line.style(if view.focused {
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

/// `✗  2 ▲  1 ◆  3 ✓4` (errors, warnings, to review: accepted findings
/// counted in none of them, as `lint` counts them; then the accepted ones),
/// or `✓ clean`; each number right-aligned in `pad` columns.
pub fn count_spans(counts: Counts, pad: usize) -> Vec<Span<'static>> {
    let mut spans = active_spans(counts, pad);
    spans.extend(accepted_span(counts));
    spans
}

/// `✓4`, when findings were accepted and others remain.
pub fn accepted_span(counts: Counts) -> Option<Span<'static>> {
    let accepted = counts.total_accepted();
    (accepted > 0 && counts.total_active() > 0)
        .then(|| Span::styled(format!("✓{accepted} "), dim()))
}

/// [`count_spans`] without the accepted ones.
pub fn active_spans(counts: Counts, pad: usize) -> Vec<Span<'static>> {
    let accepted = counts.total_accepted();
    if counts.total_active() == 0 {
        let text = match accepted {
            0 => "✓ clean".to_string(),
            n => format!("✓ clean, {n} accepted"),
        };
        return vec![Span::styled(text, Style::new().fg(Color::Green))];
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
            counts.active(Severity::Error),
            severity_style(Severity::Error),
        ),
        part(
            "▲",
            counts.active(Severity::Warning),
            severity_style(Severity::Warning),
        ),
        part(
            "◆",
            counts.total_active(),
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ),
    ]
}

impl Component for CampaignsPane {
    /// How many campaigns there are.
    type Extent = usize;

    /// Names the campaign an action moves the selection to; the app
    /// selects it (and brings the matrix along).
    fn handle(&mut self, action: &Action, count: usize) -> Handled {
        let page = isize::try_from(self.page.max(1)).unwrap_or(1);
        let by = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Home => -isize::MAX / 2,
            Action::End => isize::MAX / 2,
            _ => return Handled::Ignored,
        };
        let last = count.saturating_sub(1);
        Handled::Moved(Some(self.selected.saturating_add_signed(by).min(last)))
    }
}
