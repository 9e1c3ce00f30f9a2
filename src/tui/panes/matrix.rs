//! The matrix: profiles down, variants across. Each row marks the variant that
//! profile receives (`●`) and a severity mark per finding; the edge cases sit
//! under a divider below the samples. Only the rows in view are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use super::{
    ACCEPTED_MARK, Component, Handled, accepted_style, dim, error_style, pane_block, severity_mark,
    severity_style,
};
use crate::tui::actions::Action;
use crate::tui::layout::{inner, keep_in_view};
use crate::tui::model::{CampaignEntry, Checked};
use crate::tui::text::{fit, safe};
use mergeproof_core::finding::{Finding, ProfileKind, Severity};
use mergeproof_core::template::Outcome;

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
fn notes(view: &MatrixView<'_>) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let Some(entry) = view.entry else {
        if view.loading {
            lines.push(Line::styled("loading…", dim()));
        }
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

/// A matrix row: a profile (its index in the campaign run), or the line that
/// sets the edge cases apart from the sample profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Profile(usize),
    EdgeDivider,
}

/// A flag `n`/`N` can go to: a finding, and the matrix row it sits on (none
/// for findings about the campaign or a variant as a whole).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub row: Option<usize>,
    pub finding: usize,
}

/// The matrix's own state: its rows and flags (the selected campaign's,
/// filtered), the selected cell, the first row and column in view, and the
/// flagged-only filter.
#[derive(Debug, Default)]
pub struct MatrixPane {
    rows: Vec<Row>,
    flags: Vec<Flag>,
    row: usize,
    variant: usize,
    row_offset: usize,
    variant_offset: usize,
    flagged_only: bool,
    /// Rows in view at the last fit: a page.
    page: usize,
}

/// What the matrix shows, lent by the app.
pub struct MatrixView<'a> {
    /// The selected campaign.
    pub entry: Option<&'a CampaignEntry>,
    pub loading: bool,
    pub edge_cases: bool,
    pub focused: bool,
}

impl MatrixView<'_> {
    fn checked(&self) -> Option<&Checked> {
        self.entry.and_then(|e| e.checked.as_deref())
    }
}

impl MatrixPane {
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    pub fn row(&self) -> usize {
        self.row
    }

    pub fn variant(&self) -> usize {
        self.variant
    }

    pub fn flagged_only(&self) -> bool {
        self.flagged_only
    }

    /// The selected profile's index in the campaign run.
    pub fn profile(&self) -> Option<usize> {
        match self.rows.get(self.row) {
            Some(Row::Profile(p)) => Some(*p),
            _ => None,
        }
    }

    /// Selects a variant; whether the selection changed.
    pub fn set_variant(&mut self, variant: usize) -> bool {
        std::mem::replace(&mut self.variant, variant) != variant
    }

    /// Selects a row (clamped to the rows there are).
    pub fn set_row(&mut self, row: usize) -> bool {
        let row = row.min(self.rows.len().saturating_sub(1));
        std::mem::replace(&mut self.row, row) != row
    }

    pub fn toggle_flagged_only(&mut self) -> bool {
        self.flagged_only = !self.flagged_only;
        self.flagged_only
    }

    /// A new campaign is shown from its first row and column.
    pub fn scroll_to_start(&mut self) {
        self.row_offset = 0;
        self.variant_offset = 0;
    }

    pub fn move_row(&mut self, by: isize) -> bool {
        if self.rows.is_empty() {
            return false;
        }
        let last = self.rows.len() - 1;
        let mut row = self.row.saturating_add_signed(by).min(last);
        // Never rest on the divider: go past it in the direction of travel.
        if self.rows[row] == Row::EdgeDivider {
            row = if by < 0 && row > 0 {
                row - 1
            } else if row < last {
                row + 1
            } else {
                row.saturating_sub(1)
            };
        }
        self.set_row(row)
    }

    fn move_variant(&mut self, by: isize, count: usize) -> bool {
        if count == 0 {
            return false;
        }
        self.set_variant(self.variant.saturating_add_signed(by).min(count - 1))
    }

    /// Rebuilds the rows and the flag list from a campaign: samples first,
    /// then the edge cases under a divider, each filtered by the switches.
    /// Selects `keep` when it is shown.
    pub fn refresh(&mut self, checked: Option<&Checked>, edge_cases: bool, keep: Option<&str>) {
        let previous_row = self.row;
        self.rows.clear();
        self.flags.clear();
        let Some(checked) = checked else {
            self.row = 0;
            return;
        };
        let shown = |p: usize| {
            (edge_cases || checked.run.profiles[p].kind != ProfileKind::Edge)
                && (!self.flagged_only || !checked.by_profile[p].is_empty())
        };
        let mut edge_started = false;
        for (p, profile) in checked.run.profiles.iter().enumerate() {
            if !shown(p) {
                continue;
            }
            if profile.kind == ProfileKind::Edge && !edge_started {
                edge_started = true;
                self.rows.push(Row::EdgeDivider);
            }
            self.rows.push(Row::Profile(p));
        }
        for &finding in &checked.about_campaign {
            self.flags.push(Flag { row: None, finding });
        }
        for (r, row) in self.rows.iter().enumerate() {
            if let Row::Profile(p) = row {
                for &finding in &checked.by_profile[*p] {
                    self.flags.push(Flag {
                        row: Some(r),
                        finding,
                    });
                }
            }
        }
        // `n` visits what needs review first: unreviewed errors, then
        // warnings, then notes, then the accepted ones; top to bottom within
        // each (a stable sort keeps the row order).
        let tier = |f: &Flag| {
            let finding = &checked.run.findings[f.finding];
            if finding.waived {
                3
            } else {
                match finding.severity {
                    Severity::Error => 0,
                    Severity::Warning => 1,
                    Severity::Info => 2,
                }
            }
        };
        self.flags.sort_by_key(tier);
        let kept = keep.and_then(|id| {
            self.rows.iter().position(|r| match r {
                Row::Profile(p) => checked.run.profiles[*p].id == id,
                Row::EdgeDivider => false,
            })
        });
        self.row = kept.unwrap_or_else(|| previous_row.min(self.rows.len().saturating_sub(1)));
        if self.rows.get(self.row) == Some(&Row::EdgeDivider) {
            self.row = (self.row + 1).min(self.rows.len() - 1);
        }
    }

    /// The first row whose profile id contains `query` (lowercase).
    pub fn find(&self, checked: &Checked, query: &str) -> Option<usize> {
        self.rows.iter().position(|r| match r {
            Row::Profile(p) => checked.run.profiles[*p].id.to_lowercase().contains(query),
            Row::EdgeDivider => false,
        })
    }

    /// Takes the pane's place on the screen: keeps the selected cell in view.
    pub fn fit(&mut self, area: Rect, view: &MatrixView<'_>) {
        let visible = visible_rows(view, area).max(1);
        self.row_offset = keep_in_view(self.row, self.row_offset, visible);
        self.variant_offset = self.variant_offset_for(view, area);
        self.page = usize::from(area.height.saturating_sub(4).max(1));
    }

    /// The first variant to draw so that the selected one is in view.
    fn variant_offset_for(&self, view: &MatrixView<'_>, area: Rect) -> usize {
        let Some(checked) = view.checked() else {
            return 0;
        };
        let width = inner(area).width;
        let selected = self.variant;
        let mut offset = self.variant_offset.min(selected);
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

    /// The row (index into the rows) and variant under a screen position.
    pub fn cell_at(
        &self,
        area: Rect,
        at: Position,
        view: &MatrixView<'_>,
    ) -> (Option<usize>, Option<usize>) {
        let Some(checked) = view.checked() else {
            return (None, None);
        };
        let body = inner(area);
        let top = table_top(view, area);
        if at.y < top || !body.contains(at) {
            return (None, None);
        }
        let row = self.row_offset + usize::from(at.y - top);
        let x = at.x - body.x;
        let variant = columns(checked, body.width, self.variant_offset)
            .variants
            .iter()
            .find(|(_, cx, w)| x >= *cx && x < cx + w)
            .map(|(v, _, _)| *v);
        ((row < self.rows.len()).then_some(row), variant)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, view: &MatrixView<'_>) {
        let focused = view.focused;
        let title = match view.checked() {
            Some(c) => {
                let samples = c
                    .run
                    .profiles
                    .iter()
                    .filter(|p| p.kind == ProfileKind::Sample)
                    .count();
                let mut filters = String::new();
                if self.flagged_only {
                    filters.push_str(" · flagged only");
                }
                if !view.edge_cases {
                    filters.push_str(" · edge cases off");
                }
                // Variant columns the pane has no room for, either side.
                let shown = columns(c, inner(area).width, self.variant_offset)
                    .variants
                    .len();
                let total = c.run.compiled.campaign.variants.len();
                let right = total.saturating_sub(self.variant_offset + shown);
                if self.variant_offset > 0 {
                    filters.push_str(&format!(" · ← {} more", self.variant_offset));
                }
                if right > 0 {
                    filters.push_str(&format!(" · → {right} more"));
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
        let notes = notes(view);
        let [notes_area, table_area] = Layout::vertical([
            Constraint::Length(u16::try_from(notes.len()).unwrap_or(u16::MAX)),
            Constraint::Min(0),
        ])
        .areas(body);
        frame.render_widget(Paragraph::new(notes), notes_area);
        let Some(checked) = view.checked() else {
            return;
        };
        if self.rows.is_empty() {
            let text = if self.flagged_only {
                "no flagged profiles (f shows them all)"
            } else {
                "no profiles: add sample-profiles/*.yaml"
            };
            frame.render_widget(Paragraph::new(text).style(dim()), table_area);
            return;
        }
        let cols = columns(checked, table_area.width, self.variant_offset);
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
                    let style = if *v == self.variant {
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
        let rows: Vec<TableRow> = self
            .rows
            .iter()
            .enumerate()
            .skip(self.row_offset)
            .take(visible)
            .map(|(r, row)| match row {
                Row::EdgeDivider => TableRow::new([Cell::from(Span::styled(
                    format!("── edge cases ({edge_count}) ──"),
                    Style::new().fg(Color::Cyan),
                ))]),
                Row::Profile(p) => {
                    let selected_row = r == self.row;
                    profile_row(
                        checked,
                        *p,
                        &cols,
                        selected_row,
                        self.variant,
                        selected_style,
                    )
                }
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(SPACING)
            .flex(Flex::Start);
        frame.render_widget(table, table_area);
    }
}

/// Rows of profiles the matrix has room for in `area`.
fn visible_rows(view: &MatrixView<'_>, area: Rect) -> usize {
    let body = inner(area);
    usize::from(body.height)
        .saturating_sub(notes(view).len())
        .saturating_sub(1)
}

/// The screen row of the first profile row: under the notes and the header.
pub(crate) fn table_top(view: &MatrixView<'_>, area: Rect) -> u16 {
    let notes = u16::try_from(notes(view).len()).unwrap_or(u16::MAX);
    inner(area).y.saturating_add(notes).saturating_add(1)
}

fn profile_row<'a>(
    checked: &Checked,
    p: usize,
    cols: &Columns,
    selected_row: bool,
    selected_variant: usize,
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
        let aborted = checked.run.outcomes.get(p) == Some(&Outcome::Aborted);
        let mut spans = vec![if received == Some(*v) && aborted {
            // The template cancelled this send on purpose.
            Span::styled("⊘", Style::new().fg(Color::Yellow))
        } else if received == Some(*v) {
            Span::styled("●", Style::new().fg(Color::Green))
        } else {
            Span::styled("·", dim())
        }];
        // An SMS: the parts this profile's message takes.
        if let Some(parts) = checked.run.sms_parts.get(p).copied().flatten()
            && received == Some(*v)
        {
            spans.push(Span::styled(format!(" {parts}p"), dim()));
        }
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
        if selected_row && *v == selected_variant {
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

impl Component for MatrixPane {
    /// How many variants (columns) there are.
    type Extent = usize;

    /// Moves the selection for a key: rows up and down, variants left and
    /// right.
    fn handle(&mut self, action: &Action, variants: usize) -> Handled {
        let page = isize::try_from(self.page.max(1)).unwrap_or(1);
        let moved = match action {
            Action::Up => self.move_row(-1),
            Action::Down => self.move_row(1),
            Action::PageUp => self.move_row(-page),
            Action::PageDown => self.move_row(page),
            Action::Home => self.move_row(-isize::MAX / 2),
            Action::End => self.move_row(isize::MAX / 2),
            Action::Left => self.move_variant(-1, variants),
            Action::Right => self.move_variant(1, variants),
            _ => return Handled::Ignored,
        };
        if moved {
            Handled::Moved(None)
        } else {
            Handled::Kept
        }
    }
}
