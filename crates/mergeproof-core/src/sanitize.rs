//! Profile data never reaches a terminal raw: control characters, escape
//! sequences and text-direction overrides are shown as visible escapes.

use std::fmt::Write;

/// One line of text safe to print: every control character (newlines too)
/// becomes a visible escape such as `\e` or `\u{202e}`.
pub fn visible(text: &str) -> String {
    escape(text, false)
}

/// Like [`visible`], but keeps line breaks (for a message body in a preview).
pub fn visible_multiline(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, keep_newlines: bool) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\t' if keep_newlines => out.push_str("    "),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// C0 and C1 controls, DEL, and the invisible formatting characters that can
/// reorder or hide text on screen (bidi overrides and isolates, zero-width).
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fdd0}'..='\u{fdef}')
}

/// What a machine format (JSON, SARIF) escapes: controls (C1, DEL; C0 are
/// escaped by JSON itself) and the characters that reorder text on screen
/// (bidi marks, embeddings, overrides and isolates). Zero-width joiners stay:
/// they belong inside emoji and scripts.
pub(crate) fn acts_on_display(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200e}' | '\u{200f}' | '\u{061c}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}')
}

/// Whether a character of `text` acts on a display ([`acts_on_display`]).
/// Most text holds none, and a large run's JSON report is tens of megabytes
/// of it, accents and typographic quotes included: C0 controls and DEL are
/// looked for by a fold the compiler vectorizes, and every other such
/// character (a C1 control, lead byte C2; a bidirectional mark, lead byte
/// D8 or E2) is looked at only where one of those lead bytes is. A
/// character added to [`acts_on_display`] with another lead byte must be
/// added here too: the test below compares the two over every character.
pub(crate) fn any_acts_on_display(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .fold(false, |found, &b| found | (b < 0x20) | (b == 0x7f))
        || memchr::memchr3_iter(0xC2, 0xD8, 0xE2, bytes)
            .any(|at| text[at..].chars().next().is_some_and(acts_on_display))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_search_finds_every_character_that_acts_on_display() {
        let by_char = |t: &str| t.chars().any(acts_on_display);
        // Every character alone and between others (of each UTF-8 length,
        // with the lead bytes the search looks at).
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for text in [c.to_string(), format!("Zoë “{c}” … ©{c}x")] {
                assert_eq!(any_acts_on_display(&text), by_char(&text), "{c:?}");
            }
        }
    }

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(visible("Ann\u{1b}[31mRED\u{7}"), "Ann\\e[31mRED\\u{7}");
        assert_eq!(visible("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(visible("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(visible("\u{9b}2J"), "\\u{9b}2J");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for s in ["Zoë O'Brien-Núñez", "李 小龙", "ليلى حداد", "👋🏽 e\u{301}"] {
            assert_eq!(visible(s), s);
        }
    }

    #[test]
    fn multiline_keeps_line_breaks_only() {
        assert_eq!(visible_multiline("a\nb\u{1b}c"), "a\nb\\ec");
    }
}
