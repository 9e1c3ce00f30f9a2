//! Rendered text made safe and styled for the screen: the spans that came from
//! profile data highlighted, the part of a subject past a client's cut dimmed,
//! and every control character shown as a visible escape. Escaping happens
//! after the span offsets are used, so the offsets stay right.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use mergeproof_core::sanitize::{visible, visible_multiline};
use mergeproof_core::template::DataSpan;

/// Personalized text: what the profile's data put in the message.
pub fn personalized() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD)
}

/// Text a client cuts off.
pub fn past_cut() -> Style {
    Style::new()
        .fg(Color::DarkGray)
        .add_modifier(Modifier::CROSSED_OUT)
}

/// Where a client cuts the subject.
pub const CUT_MARK: &str = "┆";

/// One-line text from profile data (ids, descriptions, messages), escaped.
pub fn safe(text: &str) -> String {
    visible(text)
}

/// `text` as styled lines. `spans` are byte ranges of personalized text;
/// `cut` is the character count a client shows (a mark is drawn there and
/// the rest dimmed). With `multiline`, line breaks start new lines; without,
/// they are shown as `\n`.
pub fn styled(
    text: &str,
    spans: &[DataSpan],
    cut: Option<usize>,
    multiline: bool,
    base: Style,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_style = base;
    // Spans can nest (a token inside a partial inside `{{#each}}`): keep the
    // ends of the spans that are open at the current byte.
    let mut open_ends: Vec<usize> = Vec::new();
    let mut next_span = 0;
    let escape = |s: &str| {
        if multiline {
            visible_multiline(s)
        } else {
            visible(s)
        }
    };
    let flush = |run: &mut String, style: Style, line: &mut Vec<Span<'static>>| {
        if !run.is_empty() {
            line.push(Span::styled(escape(run), style));
            run.clear();
        }
    };
    for (chars_before, (byte, c)) in text.char_indices().enumerate() {
        open_ends.retain(|&end| end > byte);
        while let Some(span) = spans.get(next_span) {
            if span.start > byte {
                break;
            }
            if span.end > byte {
                open_ends.push(span.end);
            }
            next_span += 1;
        }
        if cut == Some(chars_before) {
            flush(&mut run, run_style, &mut line);
            line.push(Span::styled(CUT_MARK, Style::new().fg(Color::Red)));
        }
        let mut style = base;
        if !open_ends.is_empty() {
            style = style.patch(personalized());
        }
        if cut.is_some_and(|w| chars_before >= w) {
            style = style.patch(past_cut());
        }
        if multiline && c == '\n' {
            flush(&mut run, run_style, &mut line);
            lines.push(Line::from(std::mem::take(&mut line)));
            continue;
        }
        if style != run_style {
            flush(&mut run, run_style, &mut line);
            run_style = style;
        }
        run.push(c);
    }
    flush(&mut run, run_style, &mut line);
    lines.push(Line::from(line));
    lines
}

/// Cuts `text` to `width` characters with an ellipsis, for fixed columns.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `text` in lines of at most `width` characters, broken at spaces (a word
/// longer than a line is cut), for a message read whole.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let used = line.chars().count();
            let needed = word.chars().count() + usize::from(used > 0);
            if used + needed <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the line: as much as fits, the rest next.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces_and_long_words_are_cut() {
        assert_eq!(wrap_words("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap_words("abcdefgh x", 3), ["abc", "def", "gh", "x"]);
        assert_eq!(wrap_words("", 5), [""]);
        let long = "`{{first_name}}` has no fallback and `first_name` is missing for this profile";
        assert!(wrap_words(long, 20).iter().all(|l| l.chars().count() <= 20));
        assert_eq!(wrap_words(long, 20).join(" "), long);
    }

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    fn span(start: usize, end: usize) -> DataSpan {
        DataSpan {
            start,
            end,
            token: 0,
        }
    }

    #[test]
    fn personalized_spans_are_highlighted() {
        let lines = styled("Hi Loren, welcome", &[span(3, 8)], None, true, Style::new());
        assert_eq!(plain(&lines), ["Hi Loren, welcome"]);
        let spans = &lines[0].spans;
        assert_eq!(spans[1].content, "Loren");
        assert_eq!(spans[1].style, personalized());
        assert_eq!(spans[0].style, Style::new());
    }

    #[test]
    fn escapes_are_visible_and_offsets_still_right() {
        let text = "A\u{1b}[31m Bob!";
        let start = text.find("Bob").unwrap();
        let lines = styled(text, &[span(start, start + 3)], None, false, Style::new());
        assert_eq!(plain(&lines), ["A\\e[31m Bob!"]);
        let bob = lines[0].spans.iter().find(|s| s.content == "Bob").unwrap();
        assert_eq!(bob.style, personalized());
    }

    #[test]
    fn newlines_split_only_multiline_text() {
        assert_eq!(
            plain(&styled("a\nb", &[], None, true, Style::new())),
            ["a", "b"]
        );
        assert_eq!(
            plain(&styled("a\nb", &[], None, false, Style::new())),
            ["a\\nb"]
        );
    }

    #[test]
    fn the_cut_is_marked_and_the_rest_dimmed() {
        let lines = styled(
            "Loren, your picks",
            &[span(0, 5)],
            Some(4),
            false,
            Style::new(),
        );
        assert_eq!(plain(&lines), ["Lore┆n, your picks"]);
        let after = lines[0].spans.iter().find(|s| s.content == "n").unwrap();
        assert!(after.style.add_modifier.contains(Modifier::CROSSED_OUT));
        assert_eq!(after.style.bg, Some(Color::Yellow));
    }

    #[test]
    fn no_cut_mark_when_the_text_fits() {
        let lines = styled("short", &[], Some(41), false, Style::new());
        assert_eq!(plain(&lines), ["short"]);
    }

    #[test]
    fn nested_spans_stay_highlighted_to_the_outer_end() {
        let lines = styled(
            "abcdef",
            &[span(1, 5), span(2, 3)],
            None,
            false,
            Style::new(),
        );
        let highlighted: String = lines[0]
            .spans
            .iter()
            .filter(|s| s.style == personalized())
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(highlighted, "bcde");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("abc", 0), "");
    }
}
