//! The preview: the subject, preheader and body the selected profile gets
//! from the selected variant, as text, with the personalized spans
//! highlighted and the subject cut where the selected client cuts it; the
//! cell's findings underneath. Any variant can be previewed with any profile;
//! the pane says so when the profile would not receive it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{
    ACCEPTED_MARK, Component, Handled, accepted_style, dim, error_style, pane_block, severity_mark,
    severity_style,
};
use crate::tui::actions::Action;
use crate::tui::layout::inner;
use crate::tui::model::{CampaignEntry, Checked};
use crate::tui::text::{fit, safe, styled};
use mergeproof_core::finding::{Field, Finding, ProfileKind, Severity};
use mergeproof_core::template::{RenderedCell, RenderedField};

const LABEL_WIDTH: usize = 11;

/// The preview's own state: how far the message is scrolled and which of the
/// cell's findings is selected.
#[derive(Debug, Default)]
pub struct PreviewPane {
    scroll: u16,
    finding: usize,
    /// Rows in view at the last fit: a page.
    page: u16,
}

/// What the preview shows, lent by the app: the selected cell.
pub struct PreviewView<'a> {
    pub entry: Option<&'a CampaignEntry>,
    /// The selected profile's index in the campaign run.
    pub profile: Option<usize>,
    pub variant: usize,
    /// The cell rendered, once it is.
    pub cell: Option<&'a RenderedCell>,
    /// The cell's findings: indices into the campaign run's findings.
    pub findings: &'a [usize],
    pub client: Option<(&'a str, usize)>,
    pub loading: bool,
    pub focused: bool,
}

impl PreviewView<'_> {
    fn checked(&self) -> Option<&Checked> {
        self.entry.and_then(|e| e.checked.as_deref())
    }

    fn variant_id(&self) -> Option<&str> {
        self.checked()?.variant_ids().nth(self.variant)
    }

    fn profile_id(&self) -> Option<&str> {
        Some(self.checked()?.run.profiles.get(self.profile?)?.id.as_str())
    }

    /// The variant the profile receives (`Some(None)`: none).
    fn received(&self) -> Option<Option<usize>> {
        self.checked()?.run.selection.get(self.profile?).copied()
    }
}

impl PreviewPane {
    pub fn finding(&self) -> usize {
        self.finding
    }

    pub fn select_finding(&mut self, index: usize) {
        self.finding = index;
    }

    /// Another cell is shown: from its top, its first finding selected.
    pub fn reset(&mut self) {
        self.scroll = 0;
        self.finding = 0;
    }

    /// Takes the pane's place on the screen.
    pub fn fit(&mut self, area: Rect) {
        self.page = area.height.saturating_sub(4).max(1);
    }

    pub fn scroll_by(&mut self, by: i16) {
        self.scroll = self.scroll.saturating_add_signed(by);
    }
}

/// The message as lines (before wrapping).
fn message_lines(view: &PreviewView<'_>) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let (Some(checked), Some(p)) = (view.checked(), view.profile) else {
        let note = if view.loading {
            "loading…"
        } else if view.entry.is_some_and(|e| e.checked.is_none()) {
            "nothing to preview: this campaign does not load (see the matrix)"
        } else {
            "select a profile in the matrix"
        };
        lines.push(Line::styled(note, dim()));
        return lines;
    };
    // A campaign file that stops loading says so here too: at 80 columns the
    // preview can have the whole screen.
    if let Some(entry) = view.entry.filter(|e| e.is_broken()) {
        for e in entry.errors.iter().take(1) {
            lines.push(Line::styled(
                format!(
                    "✗ {}:{}:{}: {}",
                    safe(&e.file),
                    e.line,
                    e.column,
                    safe(&e.message)
                ),
                error_style(),
            ));
        }
        lines.push(Line::styled(
            "  the file does not load: below is its last good state",
            error_style(),
        ));
    }
    let profile = &checked.run.profiles[p];
    let variant_id = view.variant_id().unwrap_or("");
    match view.received() {
        Some(Some(v)) if v == view.variant => {}
        received => {
            let receives = match received.flatten() {
                Some(v) => format!(
                    "receives `{}`, not this variant (r shows it)",
                    safe(checked.variant_ids().nth(v).unwrap_or(""))
                ),
                None => "receives no variant of this campaign".to_string(),
            };
            lines.push(Line::from(vec![
                Span::styled(
                    "⚠ NOT SENT ",
                    Style::new()
                        .fg(Color::Black)
                        .bg(Color::LightRed)
                        .add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    format!(" {} {receives}", safe(&profile.id)),
                    Style::new().fg(Color::LightRed),
                ),
            ]));
        }
    }
    if let Some(origin) = &profile.edge {
        lines.push(Line::styled(
            format!(
                "edge case: {} (from {})",
                safe(&origin.change),
                safe(&origin.base)
            ),
            Style::new().fg(Color::Cyan),
        ));
    }
    if let Some(description) = &profile.description {
        lines.push(Line::styled(
            safe(description),
            dim().add_modifier(Modifier::ITALIC),
        ));
    }
    let Some(cell) = view.cell else {
        lines.push(Line::styled(format!("rendering {variant_id}…"), dim()));
        return lines;
    };
    // The template cancels this send on purpose (Braze's `abort_message`):
    // there is no message to show.
    if let Some(reason) = cell.abort_reason() {
        let reason = safe(&reason);
        lines.push(Line::from(vec![
            Span::styled(
                "⊘ NOT SENT ",
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(" the template cancels this send ({reason})"),
                Style::new().fg(Color::Yellow),
            ),
        ]));
        return lines;
    }
    let client = view.client;
    if let Some(subject) = &cell.subject {
        let cut = client
            .map(|(_, w)| w)
            .filter(|w| subject.plain.text.chars().count() > *w);
        push_field(&mut lines, "Subject", subject, cut, false);
        if let (Some(w), Some((name, _))) = (cut, client) {
            lines.push(Line::styled(
                format!(
                    "{:LABEL_WIDTH$}cut at {w} on {} (c: next client)",
                    "",
                    safe(name)
                ),
                dim(),
            ));
        }
    }
    let hidden = cell.body.html.as_deref().map(|h| &h.preheader);
    // Without a `preheader:` of its own, the cell's preheader is the body's
    // hidden one, shown once, as the inbox line below.
    if let Some(preheader) = cell
        .preheader
        .as_ref()
        .filter(|p| hidden.is_none_or(|h| h.text != p.plain.text))
    {
        push_field(&mut lines, "Preheader", preheader, None, false);
    }
    if let Some(inbox) = cell
        .body
        .html
        .as_deref()
        .map(|h| &h.preheader)
        .filter(|p| !p.text.is_empty())
    {
        let mut inbox_lines = styled(&inbox.text, &inbox.spans, None, false, dim());
        if let Some(first) = inbox_lines.first_mut() {
            first
                .spans
                .insert(0, Span::styled(format!("{:LABEL_WIDTH$}", "Inbox"), dim()));
        }
        lines.extend(inbox_lines);
    }
    lines.push(Line::styled("─".repeat(40), dim()));
    push_body(&mut lines, &cell.body);
    lines
}

/// The body as a text browser shows it: link numbers and `[image: …]` in the
/// text, then the numbered URLs (their personalized parts highlighted, as in
/// the text), and what only Outlook shows.
fn push_body(lines: &mut Vec<Line<'static>>, body: &RenderedField) {
    if body.error.is_some() || body.html.is_none() {
        push_field(lines, "", body, None, true);
        return;
    }
    let reading = body.reading();
    lines.extend(styled(
        &reading.text.text,
        &reading.text.spans,
        None,
        true,
        Style::new(),
    ));
    if !reading.links.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("Links", dim()));
        for (i, link) in reading.links.iter().enumerate() {
            let mut link_lines = styled(&link.text, &link.spans, None, false, Style::new());
            if let Some(first) = link_lines.first_mut() {
                first.spans.insert(
                    0,
                    Span::styled(format!("{:>5} ", format!("[{}]", i + 1)), dim()),
                );
            }
            lines.extend(link_lines);
        }
    }
    if let Some(outlook) = body
        .html
        .as_deref()
        .map(|h| &h.outlook_only)
        .filter(|o| !o.text.is_empty())
    {
        lines.push(Line::default());
        lines.push(Line::styled("Outlook only", dim()));
        lines.extend(styled(&outlook.text, &outlook.spans, None, true, dim()));
    }
}

fn push_field(
    lines: &mut Vec<Line<'static>>,
    label: &str,
    field: &RenderedField,
    cut: Option<usize>,
    multiline: bool,
) {
    if let Some(error) = &field.error {
        lines.push(Line::from(vec![
            Span::styled(format!("{label:LABEL_WIDTH$}"), dim()),
            Span::styled(
                if error.aborted {
                    format!("not sent: {}", safe(&error.to_string()))
                } else {
                    format!("render error: {}", safe(&error.to_string()))
                },
                if error.aborted { dim() } else { error_style() },
            ),
        ]));
        return;
    }
    let text = &field.plain;
    let mut field_lines = styled(&text.text, &text.spans, cut, multiline, Style::new());
    if !label.is_empty()
        && let Some(first) = field_lines.first_mut()
    {
        first
            .spans
            .insert(0, Span::styled(format!("{label:LABEL_WIDTH$}"), dim()));
    }
    lines.extend(field_lines);
}

/// The findings of the cell: what they are, where, and the selected one's
/// excerpt and accepted state; with the lines the selected one takes.
fn finding_lines(
    view: &PreviewView<'_>,
    selected_finding: usize,
    width: usize,
) -> (Vec<Line<'static>>, std::ops::Range<usize>) {
    let Some(checked) = view.checked() else {
        return (Vec::new(), 0..0);
    };
    let list = view.findings;
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("── Findings ({}) ", list.len()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            "n/N next/prev · x explain · a/A approve · w/W waive · u undo",
            dim(),
        ),
    ])];
    if list.is_empty() {
        let note = match view.received() {
            Some(Some(v)) if v != view.variant => {
                "none here: findings are about the variant a profile receives"
            }
            _ => "none",
        };
        lines.push(Line::styled(note, dim()));
    }
    let mut selected_lines = 0..0;
    for (i, &fi) in list.iter().enumerate() {
        let f = &checked.run.findings[fi];
        let selected = i == selected_finding;
        let start = lines.len();
        lines.extend(one_finding(f, selected, width));
        if selected {
            selected_lines = start..lines.len();
        }
    }
    (lines, selected_lines)
}

fn one_finding(f: &Finding, selected: bool, width: usize) -> Vec<Line<'static>> {
    let pointer = if selected { "▶ " } else { "  " };
    let (mark, mark_style) = if f.waived {
        (ACCEPTED_MARK, accepted_style())
    } else {
        (severity_mark(f.severity), severity_style(f.severity))
    };
    let about = match f.profile_kind {
        None => "campaign · ",
        Some(ProfileKind::Edge) | Some(ProfileKind::Sample) => "",
    };
    let mut head = vec![
        Span::raw(pointer),
        Span::styled(format!("{mark} {} ", f.severity), mark_style),
        Span::styled(f.rule.as_str(), Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(
            format!(
                "  {about}{} · {}:{}:{}",
                f.field,
                safe(&f.file),
                f.line,
                f.column
            ),
            dim(),
        ),
    ];
    if selected {
        for s in &mut head {
            s.style = s.style.add_modifier(Modifier::REVERSED);
        }
    }
    let mut lines = vec![Line::from(head)];
    // The selected finding's message is read whole; the others, one line.
    let message = safe(&f.message);
    if selected {
        lines.extend(
            crate::tui::text::wrap_words(&message, width.saturating_sub(4))
                .into_iter()
                .map(|l| Line::raw(format!("    {l}"))),
        );
    } else {
        lines.push(Line::raw(format!(
            "    {}",
            fit(&message, width.saturating_sub(4))
        )));
    }
    if selected {
        if !f.excerpt.is_empty() && f.field != Field::Campaign {
            lines.push(Line::styled(format!("    | {}", safe(&f.excerpt)), dim()));
        }
        if let Some(w) = &f.waiver {
            let by = w
                .reviewer
                .as_deref()
                .map(|r| format!(" by {}", safe(r)))
                .unwrap_or_default();
            lines.push(if f.waived {
                Line::styled(
                    format!(
                        "    {ACCEPTED_MARK} {}{by}: {}",
                        safe(&w.kind),
                        safe(&w.reason)
                    ),
                    accepted_style(),
                )
            } else {
                // A decision whose content changed: the finding counts again.
                Line::styled(
                    format!(
                        "    ! {} decision{by} no longer matches the content: review it again ({})",
                        safe(&w.kind),
                        safe(&w.reason)
                    ),
                    severity_style(Severity::Warning),
                )
            });
        }
    }
    lines
}

/// Lines a line of `width` display cells takes when wrapped in `columns`.
fn wrapped_height(lines: &[Line<'_>], columns: u16) -> usize {
    let columns = usize::from(columns.max(1));
    lines
        .iter()
        .map(|l| l.width().div_ceil(columns).max(1))
        .sum()
}

/// Splits the preview into the message and the findings under it.
type Findings = (Vec<Line<'static>>, std::ops::Range<usize>);

fn split(view: &PreviewView<'_>, selected: usize, area: Rect) -> (Rect, Rect, Findings) {
    let body = inner(area);
    let (findings, selected) = finding_lines(view, selected, usize::from(body.width));
    let wanted = u16::try_from(findings.len()).unwrap_or(u16::MAX);
    let [message, findings_area] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(wanted.min(body.height / 2).max(2)),
    ])
    .areas(body);
    (message, findings_area, (findings, selected))
}

impl PreviewPane {
    /// Draws the cell; the scroll is held within the message here, where its
    /// lines are laid out anyway.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, view: &PreviewView<'_>) {
        let title = match (view.variant_id(), view.profile_id()) {
            (Some(v), Some(p)) => format!(" Preview: {} × {} ", safe(v), safe(p)),
            _ => " Preview ".to_string(),
        };
        frame.render_widget(pane_block(title, view.focused), area);
        let (message, findings_area, findings) = split(view, self.finding, area);
        let message_lines = message_lines(view);
        let total = wrapped_height(&message_lines, message.width);
        let max_scroll =
            u16::try_from(total.saturating_sub(usize::from(message.height))).unwrap_or(u16::MAX);
        self.scroll = self.scroll.min(max_scroll);
        frame.render_widget(
            Paragraph::new(message_lines)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0)),
            message,
        );
        // Keep the selected finding in view under the heading (line 0).
        let (findings, selected) = findings;
        let room = usize::from(findings_area.height);
        let skip = selected
            .end
            .saturating_sub(room)
            .min(selected.start.saturating_sub(1));
        let mut lines = findings.into_iter();
        let shown: Vec<Line> = lines.next().into_iter().chain(lines.skip(skip)).collect();
        frame.render_widget(Paragraph::new(shown), findings_area);
    }
}

impl Component for PreviewPane {
    type Extent = ();

    /// Scrolls the message for a key.
    fn handle(&mut self, action: &Action, (): ()) -> Handled {
        let page = self.page.max(1).cast_signed();
        let by: i16 = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Home => i16::MIN,
            Action::End => i16::MAX,
            _ => return Handled::Ignored,
        };
        self.scroll_by(by);
        Handled::Kept
    }
}
