//! The matrix: profiles down, variants across. Each row marks the variant that
//! profile receives (`●`) and a severity mark per finding; the edge cases sit
//! under a divider below the samples. Only the rows in view are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use super::{
    ACCEPTED_MARK, accepted_style, dim, error_style, pane_block, severity_mark, severity_style,
};
use crate::tui::app::{App, Pane, Row};
use crate::tui::layout::inner;
use crate::tui::model::Checked;
use crate::tui::text::{fit, safe};
use mergeproof_core::finding::{Finding, ProfileKind, Severity};

/// Space between columns.
const SPACING: u16 = 1;
/// The severity gutter before each profile id.
const GUTTER: u16 = 2;
/// How many load errors are listed above the matrix.
const ERRORS_SHOWN: usize = 3;

/// Where each column is, for drawing and for clicks.
#[derive(Debug, PartialEq, Eq)]
pub struct Columns {
    pub name_width: u16,
    /// (variant index, x offset from the table's left, width)
    pub variants: Vec<(usize, u16, u16)>,
}

fn variant_width(id: &str) -> u16 {
    u16::try_from(id.chars().count() + 1)
        .unwrap_or(u16::MAX)
        .clamp(8, 18)
}

/// The columns that fit in `width`, starting at variant `offset`.
pub fn columns(checked: &Checked, width: u16, offset: usize) -> Columns {
    // As wide as the longest id, but never more than half the table.
    let longest = u16::try_from(checked.longest_id).unwrap_or(u16::MAX);
    let name_width = longest.min(width / 2).max(10).min(width);
    let mut x = GUTTER + name_width + SPACING;
    let mut variants = Vec::new();
    for (i, id) in checked.variant_ids().enumerate().skip(offset) {
        let w = variant_width(id);
        if x + w > width && !variants.is_empty() {
            break;
        }
        variants.push((i, x, w));
        x = x.saturating_add(w + SPACING);
    }
    Columns {
        name_width,
        variants,
    }
}

/// The lines above the table: the file's load errors (the matrix below is
/// then the last good state), and the findings about the campaign as a whole.
fn notes(app: &App) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if app.is_loading() && app.entries().is_empty() {
        lines.push(Line::styled("loading…", dim()));
        return lines;
    }
    let Some(entry) = app.entry() else {
        return lines;
    };
    for e in entry.errors.iter().take(ERRORS_SHOWN) {
        lines.push(Line::from(vec![
            Span::styled("✗ ", error_style()),
            Span::styled(
                format!(
                    "{}:{}:{}: {}",
                    safe(&e.file),
                    e.line,
                    e.column,
                    safe(&e.message)
                ),
                error_style(),
            ),
        ]));
    }
    if entry.errors.len() > ERRORS_SHOWN {
        lines.push(Line::styled(
            format!("  … {} more", entry.errors.len() - ERRORS_SHOWN),
            error_style(),
        ));
    }
    if entry.is_broken() {
        lines.push(Line::styled(
            if entry.checked.is_some() {
                "  below: the last state that loaded; fix the file and save to re-check"
            } else {
                "  this campaign has not loaded yet; fix the file and save to check it"
            },
            dim(),
        ));
    }
    if let Some(checked) = entry.checked.as_deref()
        && !checked.about_campaign.is_empty()
    {
        let mut spans = vec![Span::styled("campaign: ", dim())];
        for (i, &fi) in checked.about_campaign.iter().enumerate() {
            let f = &checked.run.findings[fi];
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            spans.extend(mark(f));
            let on = f
                .variant
                .as_deref()
                .map(|v| format!(" ({})", safe(v)))
                .unwrap_or_default();
            spans.push(Span::raw(format!(" {}{on}", f.rule)));
        }
        lines.push(Line::from(spans));
    }
    lines
}

fn mark(f: &Finding) -> Vec<Span<'static>> {
    if f.waived {
        vec![Span::styled(ACCEPTED_MARK, accepted_style())]
    } else {
        vec![Span::styled(
            severity_mark(f.severity),
            severity_style(f.severity),
        )]
    }
}

/// Rows of profiles the matrix has room for in `area`.
pub fn visible_rows(app: &App, area: Rect) -> usize {
    let body = inner(area);
    usize::from(body.height)
        .saturating_sub(notes(app).len())
        .saturating_sub(1)
}

/// The first variant to draw so that the selected one is in view.
pub fn variant_offset_for(app: &App, area: Rect) -> usize {
    let Some(checked) = app.checked() else {
        return 0;
    };
    let width = inner(area).width;
    let selected = app.variant_index();
    let mut offset = app.variant_offset.min(selected);
    while offset < selected
        && !columns(checked, width, offset)
            .variants
            .iter()
            .any(|(v, _, _)| *v == selected)
    {
        offset += 1;
    }
    offset
}

/// The screen row of the first profile row: under the notes and the header.
pub fn table_top(app: &App, area: Rect) -> u16 {
    let notes = u16::try_from(notes(app).len()).unwrap_or(u16::MAX);
    inner(area).y.saturating_add(notes).saturating_add(1)
}

/// The row (index into the app's rows) and variant under a screen position.
pub fn cell_at(app: &App, area: Rect, at: Position) -> (Option<usize>, Option<usize>) {
    let Some(checked) = app.checked() else {
        return (None, None);
    };
    let body = inner(area);
    let top = table_top(app, area);
    if at.y < top || !body.contains(at) {
        return (None, None);
    }
    let row = app.row_offset + usize::from(at.y - top);
    let x = at.x - body.x;
    let variant = columns(checked, body.width, app.variant_offset)
        .variants
        .iter()
        .find(|(_, cx, w)| x >= *cx && x < cx + w)
        .map(|(v, _, _)| *v);
    ((row < app.rows().len()).then_some(row), variant)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus() == Pane::Matrix;
    let title = match app.checked() {
        Some(c) => {
            let samples = c
                .run
                .profiles
                .iter()
                .filter(|p| p.kind == ProfileKind::Sample)
                .count();
            let mut filters = String::new();
            if app.flagged_only() {
                filters.push_str(" · flagged only");
            }
            if !app.edge_cases() {
                filters.push_str(" · edge cases off");
            }
            format!(
                " Matrix: {} · {} samples + {} edge{} ",
                safe(c.run.id()),
                samples,
                c.run.edge_profiles,
                filters
            )
        }
        None => " Matrix ".to_string(),
    };
    frame.render_widget(pane_block(title, focused), area);
    let body = inner(area);
    let notes = notes(app);
    let [notes_area, table_area] = Layout::vertical([
        Constraint::Length(u16::try_from(notes.len()).unwrap_or(u16::MAX)),
        Constraint::Min(0),
    ])
    .areas(body);
    frame.render_widget(Paragraph::new(notes), notes_area);
    let Some(checked) = app.checked() else {
        return;
    };
    if app.rows().is_empty() {
        let text = if app.flagged_only() {
            "no flagged profiles (f shows them all)"
        } else {
            "no profiles: add sample-profiles/*.yaml"
        };
        frame.render_widget(Paragraph::new(text).style(dim()), table_area);
        return;
    }
    let cols = columns(checked, table_area.width, app.variant_offset);
    let mut widths = vec![Constraint::Length(GUTTER + cols.name_width)];
    widths.extend(cols.variants.iter().map(|(_, _, w)| Constraint::Length(*w)));
    let selected_style = if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
    };
    let header = TableRow::new(
        std::iter::once(Cell::from(Span::styled("  profile", dim()))).chain(
            cols.variants.iter().map(|(v, _, w)| {
                let id = checked.variant_ids().nth(*v).unwrap_or("");
                let style = if *v == app.variant_index() {
                    Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                } else {
                    Style::new().add_modifier(Modifier::BOLD)
                };
                Cell::from(Span::styled(fit(&safe(id), usize::from(*w)), style))
            }),
        ),
    );
    let visible = usize::from(table_area.height.saturating_sub(1));
    let edge_count = checked.run.edge_profiles;
    let rows: Vec<TableRow> = app
        .rows()
        .iter()
        .enumerate()
        .skip(app.row_offset)
        .take(visible)
        .map(|(r, row)| match row {
            Row::EdgeDivider => TableRow::new([Cell::from(Span::styled(
                format!("── edge cases ({edge_count}) ──"),
                Style::new().fg(Color::Cyan),
            ))]),
            Row::Profile(p) => {
                let selected_row = r == app.selected_row();
                profile_row(checked, *p, &cols, selected_row, app, selected_style)
            }
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(SPACING)
        .flex(Flex::Start);
    frame.render_widget(table, table_area);
}

fn profile_row<'a>(
    checked: &Checked,
    p: usize,
    cols: &Columns,
    selected_row: bool,
    app: &App,
    selected_style: Style,
) -> TableRow<'a> {
    let profile = &checked.run.profiles[p];
    let findings: Vec<&Finding> = checked.by_profile[p]
        .iter()
        .map(|&fi| &checked.run.findings[fi])
        .collect();
    let worst = findings
        .iter()
        .filter(|f| !f.waived)
        .map(|f| f.severity)
        .min();
    let gutter = match worst {
        Some(s) => Span::styled(severity_mark(s), severity_style(s)),
        None if !findings.is_empty() => Span::styled(ACCEPTED_MARK, accepted_style()),
        None => Span::raw(" "),
    };
    let id_style = if profile.kind == ProfileKind::Edge {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new()
    };
    let name = Line::from(vec![
        gutter,
        Span::raw(" "),
        Span::styled(
            fit(&safe(&profile.id), usize::from(cols.name_width)),
            id_style,
        ),
    ]);
    let received = checked.run.selection[p];
    let mut cells = vec![Cell::from(name)];
    for (v, _, _) in &cols.variants {
        let variant_id = checked.variant_ids().nth(*v);
        let here: Vec<&&Finding> = findings
            .iter()
            .filter(|f| f.variant.as_deref() == variant_id)
            .collect();
        let mut spans = vec![if received == Some(*v) {
            Span::styled("●", Style::new().fg(Color::Green))
        } else {
            Span::styled("·", dim())
        }];
        for severity in [Severity::Error, Severity::Warning, Severity::Info] {
            let n = here
                .iter()
                .filter(|f| !f.waived && f.severity == severity)
                .count();
            if n > 0 {
                spans.push(Span::styled(
                    format!(" {}{n}", severity_mark(severity)),
                    severity_style(severity),
                ));
            }
        }
        if !here.is_empty() && here.iter().all(|f| f.waived) {
            spans.push(Span::styled(format!(" {ACCEPTED_MARK}"), accepted_style()));
        }
        let mut cell = Cell::from(Line::from(spans));
        if selected_row && *v == app.variant_index() {
            cell = cell.style(selected_style);
        }
        cells.push(cell);
    }
    let row = TableRow::new(cells);
    if selected_row {
        row.style(Style::new().bg(Color::Indexed(236)))
    } else {
        row
    }
}
