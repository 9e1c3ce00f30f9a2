//! Text helpers shared by several rules: term matching on word boundaries,
//! sentences, character positions and source positions of rendered text.
//!
//! Plain string scanning only: the rules run for every profile and variant, so
//! nothing here compiles a pattern per call.

use std::borrow::Cow;
use std::ops::Range;

use crate::source::SourceLoc;
use crate::template::CompiledTemplate;

/// Text folded for matching terms: lowercase, typographic apostrophes typed
/// ones, and every run of whitespace or hyphens one space, so that "below
/// market", "Below-Market" and "below  market" read alike. A match maps back
/// to the original text with [`Folded::original`]: the first call walks the
/// text once and keeps where each folded character comes from, so a text with
/// thousands of matches (a value that repeats a term) maps each in log time,
/// and texts without a match keep no table.
pub(crate) struct Folded<'a> {
    pub text: String,
    source: &'a str,
    /// Each folded character's first byte in `text` and in `source`.
    starts: std::cell::OnceCell<Vec<(usize, usize)>>,
}

impl<'a> Folded<'a> {
    pub(crate) fn new(source: &'a str) -> Self {
        let text = if source.is_ascii() {
            // The common case, byte by byte.
            let mut in_gap = false;
            source
                .bytes()
                .filter_map(|b| {
                    let gap = is_gap(char::from(b));
                    let keep = !(gap && in_gap);
                    in_gap = gap;
                    keep.then(|| {
                        if gap {
                            ' '
                        } else {
                            char::from(b.to_ascii_lowercase())
                        }
                    })
                })
                .collect()
        } else {
            folded_chars(source).map(|(_, c)| c).collect()
        };
        Folded {
            text,
            source,
            starts: std::cell::OnceCell::new(),
        }
    }

    /// The original byte range of a folded byte range.
    pub(crate) fn original(&self, folded: Range<usize>) -> Range<usize> {
        let starts = self.starts.get_or_init(|| {
            let mut at_folded = 0;
            folded_chars(self.source)
                .map(|(at, c)| {
                    let start = (at_folded, at);
                    at_folded += c.len_utf8();
                    start
                })
                .collect()
        });
        // The first folded character that starts at or after a folded byte.
        let original_at = |folded_byte: usize| {
            let i = starts.partition_point(|&(f, _)| f < folded_byte);
            starts.get(i).map_or(self.source.len(), |&(_, at)| at)
        };
        let start = original_at(folded.start);
        start..original_at(folded.end).max(start)
    }
}

/// The folded characters of a text, each with the byte of the original it
/// comes from.
fn folded_chars(source: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_gap = false;
    source.char_indices().flat_map(move |(at, c)| {
        let gap = is_gap(c);
        let skip = gap && in_gap;
        in_gap = gap;
        // A typographic apostrophe matches a typed one ("we’ve" is "we've").
        let c = match c {
            _ if gap => ' ',
            '\u{2019}' => '\'',
            c => c,
        };
        let keep = if skip { 0 } else { usize::MAX };
        c.to_lowercase().take(keep).map(move |l| (at, l))
    })
}

fn is_gap(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// A term as it is matched: folded and trimmed. Terms are usually written
/// folded already (`below market`); those are borrowed, not copied.
pub(crate) fn fold_term(term: &str) -> Cow<'_, str> {
    let already_folded = !term.starts_with(' ')
        && !term.ends_with(' ')
        && !term.contains("  ")
        && term
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' ' || b == b'\'');
    if already_folded {
        Cow::Borrowed(term)
    } else {
        Cow::Owned(Folded::new(term).text.trim().to_string())
    }
}

/// Whether `c` belongs to a word (a term must not start or end inside one).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every occurrence of `needle` in `hay` that starts and ends on a word
/// boundary, as byte ranges of `hay`. Both are compared as given: fold them
/// first for a case-insensitive match.
pub(crate) fn word_matches<'a>(
    hay: &'a str,
    needle: &'a str,
) -> impl Iterator<Item = Range<usize>> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        if needle.is_empty() {
            return None;
        }
        while let Some(found) = hay.get(from..).and_then(|rest| rest.find(needle)) {
            let start = from + found;
            let end = start + needle.len();
            from = start + needle.chars().next().map_or(1, char::len_utf8);
            if on_word_boundaries(hay, start, end) {
                return Some(start..end);
            }
        }
        None
    })
}

/// Whether `hay[start..end]` is not glued to a word on either side.
pub(crate) fn on_word_boundaries(hay: &str, start: usize, end: usize) -> bool {
    let before = hay.get(..start).and_then(|s| s.chars().next_back());
    let after = hay.get(end..).and_then(|s| s.chars().next());
    let first = hay.get(start..end).and_then(|s| s.chars().next());
    let last = hay.get(start..end).and_then(|s| s.chars().next_back());
    // A boundary only matters where the term itself starts or ends with a
    // word character ("Mr." may be followed by a letter-less space anyway).
    let open = !first.is_some_and(is_word_char) || !before.is_some_and(is_word_char);
    let close = !last.is_some_and(is_word_char) || !after.is_some_and(is_word_char);
    open && close
}

/// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "e.g", "i.e", "vs",
];

/// The sentences of a text as byte ranges: a sentence ends at `.`, `!`, `?` or
/// `…` followed by a space or the end, or at a line break (a paragraph or a
/// table cell in an HTML body). A period after a title (`Mr.`) or inside a
/// number (`$5.00`) ends nothing.
pub(crate) fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut from = 0;
    // Only these bytes can end a sentence: ASCII stops, and 0xE2, which starts
    // `…` (E2 80 A6) among other characters. Each starts a character.
    while let Some(found) = text.as_bytes()[from..]
        .iter()
        .position(|b| matches!(b, b'\n' | b'.' | b'!' | b'?' | 0xE2))
    {
        let at = from + found;
        let mut rest = text[at..].chars();
        let Some(c) = rest.next() else {
            break;
        };
        from = at + c.len_utf8();
        let next = rest.next();
        let ends = match c {
            '\n' => Some(at),
            '.' | '!' | '?' | '…' if next.is_none_or(char::is_whitespace) => {
                let word = last_word(&text[start..at]);
                if c == '.' && is_abbreviation(word) {
                    None
                } else {
                    Some(at + c.len_utf8())
                }
            }
            _ => None,
        };
        if let Some(end) = ends {
            push_trimmed(&mut out, text, start..end);
            start = end;
        }
    }
    push_trimmed(&mut out, text, start..text.len());
    out
}

/// Whether `word`, lowercased, is one of [`ABBREVIATIONS`] (all ASCII, so an
/// ASCII word is compared without lowercasing it into a new string).
fn is_abbreviation(word: &str) -> bool {
    if word.is_ascii() {
        ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a))
    } else {
        ABBREVIATIONS.contains(&word.to_lowercase().as_str())
    }
}

fn last_word(text: &str) -> &str {
    let trimmed = text.trim_end();
    let from = trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    &trimmed[from..]
}

fn push_trimmed(out: &mut Vec<Range<usize>>, text: &str, range: Range<usize>) {
    let part = &text[range.clone()];
    let lead = part.len() - part.trim_start().len();
    let trail = part.len() - part.trim_end().len();
    if part.trim().is_empty() {
        return;
    }
    out.push(range.start + lead..range.end - trail);
}

/// Characters in a text, as a mail client counts them for a subject line:
/// Unicode scalar values (`chars()`), so a letter with a combining accent
/// counts as two. Clients differ here; scalar values are the common ground.
pub(crate) fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// The byte offset of character number `n` (or the end).
pub(crate) fn byte_at_char(text: &str, n: usize) -> usize {
    // A byte a character while the text is ASCII, as most is.
    let ascii = text.bytes().take(n).take_while(u8::is_ascii).count();
    if ascii == n {
        return n;
    }
    let rest = &text[ascii..];
    ascii
        + rest
            .char_indices()
            .nth(n - ascii)
            .map_or(rest.len(), |(i, _)| i)
}

/// Where byte `offset` of a template's text is in the file a person edits.
pub(crate) fn template_loc(template: &CompiledTemplate, offset: usize) -> SourceLoc {
    let text = &template.source.text;
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    template.source.position(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Where `needle` is first written in a template (literal copy), or the
/// template's start when it is not written there (it came from a partial).
pub(crate) fn loc_of_literal(template: &CompiledTemplate, needle: &str) -> SourceLoc {
    match template.source.text.find(needle) {
        Some(at) if !needle.is_empty() => template_loc(template, at),
        _ => template.source.start(),
    }
}

/// The byte range of up to `radius` characters either side of `start..end`,
/// on character boundaries: the part of a text an excerpt shows.
pub(crate) fn excerpt_window(
    text: &str,
    start: usize,
    end: usize,
    radius: usize,
) -> (usize, usize) {
    let start = floor_boundary(text, start.min(text.len()));
    let end = floor_boundary(text, end.min(text.len())).max(start);
    let from = text[..start]
        .char_indices()
        .rev()
        .take(radius)
        .last()
        .map_or(start, |(i, _)| i);
    let to = end
        + text[end..]
            .chars()
            .take(radius)
            .map(char::len_utf8)
            .sum::<usize>();
    (from, to)
}

/// Like [`super::excerpt`], but keeps runs of spaces (a double space is the
/// evidence) and shows line breaks as ` ⏎ `.
pub(crate) fn excerpt_keeping_spaces(
    text: &str,
    start: usize,
    end: usize,
    radius: usize,
) -> String {
    let (from, to) = excerpt_window(text, start, end, radius);
    let mut one_line = String::with_capacity(to - from + 8);
    for c in text[from..to].chars() {
        match c {
            '\r' | '\t' => one_line.push(' '),
            '\n' => one_line.push_str(" ⏎ "),
            c => one_line.push(c),
        }
    }
    one_line.truncate(one_line.trim_end().len());
    let lead = one_line.len() - one_line.trim_start().len();
    one_line.drain(..lead);
    one_line
}

pub(crate) fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first, plainer implementations, kept to check that the faster
    /// ones give the same results.
    mod reference {
        use std::ops::Range;

        const ABBREVIATIONS: &[&str] = super::super::ABBREVIATIONS;

        pub(super) fn sentences(text: &str) -> Vec<Range<usize>> {
            let mut out = Vec::new();
            let mut start = 0;
            let mut chars = text.char_indices().peekable();
            while let Some((at, c)) = chars.next() {
                let next = chars.peek().map(|(_, n)| *n);
                let ends = match c {
                    '\n' => Some(at),
                    '.' | '!' | '?' | '…' if next.is_none_or(char::is_whitespace) => {
                        let word = last_word(&text[start..at]);
                        if c == '.' && ABBREVIATIONS.contains(&word.to_lowercase().as_str()) {
                            None
                        } else {
                            Some(at + c.len_utf8())
                        }
                    }
                    _ => None,
                };
                if let Some(end) = ends {
                    push_trimmed(&mut out, text, start..end);
                    start = end;
                }
            }
            push_trimmed(&mut out, text, start..text.len());
            out
        }
        pub(super) fn last_word(text: &str) -> &str {
            let trimmed = text.trim_end();
            let from = trimmed
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(i, c)| i + c.len_utf8());
            &trimmed[from..]
        }
        pub(super) fn push_trimmed(out: &mut Vec<Range<usize>>, text: &str, range: Range<usize>) {
            let part = &text[range.clone()];
            let lead = part.len() - part.trim_start().len();
            let trail = part.len() - part.trim_end().len();
            if part.trim().is_empty() {
                return;
            }
            out.push(range.start + lead..range.end - trail);
        }
        pub(super) fn excerpt_keeping_spaces(
            text: &str,
            start: usize,
            end: usize,
            radius: usize,
        ) -> String {
            let start = floor_boundary(text, start.min(text.len()));
            let end = floor_boundary(text, end.min(text.len())).max(start);
            let before: Vec<char> = text[..start].chars().rev().take(radius).collect();
            let before: String = before.into_iter().rev().collect();
            let after: String = text[end..].chars().take(radius).collect();
            let joined = format!("{before}{}{after}", &text[start..end]);
            let one_line = joined.replace(['\r', '\t'], " ").replace('\n', " ⏎ ");
            one_line.trim().to_string()
        }
        pub(super) fn floor_boundary(text: &str, mut i: usize) -> usize {
            while i > 0 && !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        }

        pub(super) fn excerpt(text: &str, start: usize, end: usize, radius: usize) -> String {
            let start = floor_char(text, start.min(text.len()));
            let end = floor_char(text, end.min(text.len())).max(start);
            let before: String = {
                let chars: Vec<char> = text[..start].chars().rev().take(radius).collect();
                chars.into_iter().rev().collect()
            };
            let after: String = text[end..].chars().take(radius).collect();
            let joined = format!("{before}{}{after}", &text[start..end]);
            joined.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        pub(super) fn floor_char(text: &str, mut i: usize) -> usize {
            while i > 0 && !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        }
    }

    /// Texts made of the pieces that matter to the scanners, in many orders.
    fn mixtures() -> Vec<String> {
        const PIECES: &[&str] = &[
            "Hi",
            " ",
            "  ",
            "\n",
            "\t",
            "\r",
            ".",
            "!",
            "?",
            "…",
            "—",
            "’",
            "Mr.",
            "MRS.",
            "e.g.",
            "Prof.",
            "vs.",
            "$5.00",
            "Zoë",
            "İSTANBUL",
            "\u{212A}",
            "Dear",
            "Ng",
            ",",
            "end",
            "\u{a0}",
            "直",
            "🎉",
            "-",
            "x",
        ];
        let mut next = crate::testkit::xorshift(0x2545_F491_4F6C_DD1D);
        let mut out: Vec<String> = PIECES.iter().map(|p| (*p).to_string()).collect();
        out.push(String::new());
        for _ in 0..3000 {
            let n = 1 + next() % 14;
            let text: String = (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            out.push(text);
        }
        out
    }

    #[test]
    fn the_scanners_agree_with_the_reference() {
        for text in mixtures() {
            assert_eq!(sentences(&text), reference::sentences(&text), "{text:?}");
            for (start, end, radius) in [(0, 0, 0), (0, 3, 5), (2, 7, 20), (5, 4, 3), (9, 30, 60)] {
                assert_eq!(
                    excerpt_keeping_spaces(&text, start, end, radius),
                    reference::excerpt_keeping_spaces(&text, start, end, radius),
                    "{text:?} {start} {end} {radius}"
                );
                assert_eq!(
                    super::super::excerpt(&text, start, end, radius),
                    reference::excerpt(&text, start, end, radius),
                    "{text:?} {start} {end} {radius}"
                );
            }
        }
    }

    #[test]
    fn folding_treats_hyphens_and_spaces_alike() {
        let f = Folded::new("Dmitri, cheap Below-Market  picks");
        assert_eq!(f.text, "dmitri, cheap below market picks");
        let hit: Vec<_> = word_matches(&f.text, "below market").collect();
        assert_eq!(hit.len(), 1);
        let original = f.original(hit[0].clone());
        assert_eq!(
            &"Dmitri, cheap Below-Market  picks"[original],
            "Below-Market"
        );
    }

    #[test]
    fn folding_maps_back_across_multibyte_lowercase() {
        let text = "İSTANBUL deals";
        let f = Folded::new(text);
        let hit = word_matches(&f.text, "deals").next().unwrap();
        assert_eq!(&text[f.original(hit)], "deals");
    }

    #[test]
    fn words_match_on_boundaries_only() {
        assert_eq!(word_matches("cheapest cheap", "cheap").count(), 1);
        assert_eq!(word_matches("debtor", "debt").count(), 0);
        assert_eq!(word_matches("(debt)", "debt").count(), 1);
        assert_eq!(word_matches("Dear Mr. Ng", "Mr.").count(), 1);
        assert_eq!(word_matches("Dear Mrs. Ng", "Mr.").count(), 0);
    }

    #[test]
    fn sentences_split_on_stops_and_lines_not_titles_or_numbers() {
        let text = "Hi Loren,\nYou have $5.00 to spend. Dear Mr. Ng, welcome! Really?";
        let parts: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            parts,
            vec![
                "Hi Loren,",
                "You have $5.00 to spend.",
                "Dear Mr. Ng, welcome!",
                "Really?"
            ]
        );
    }

    #[test]
    fn characters_not_bytes() {
        assert_eq!(char_len("Zoë"), 3);
        assert_eq!(byte_at_char("Zoë!", 3), "Zoë".len());
        assert_eq!(byte_at_char("ab", 5), 2);
    }

    proptest::proptest! {
        /// Past an ASCII start, as through it: the byte where the `n`th
        /// character starts, or the end.
        #[test]
        fn the_byte_of_a_character_is_where_it_starts(text in "[a é😀]{0,12}", n in 0usize..16) {
            let expected = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
            proptest::prop_assert_eq!(byte_at_char(&text, n), expected);
        }
    }

    #[test]
    fn excerpts_keep_double_spaces() {
        assert_eq!(
            excerpt_keeping_spaces("Dear  Smith,\nwelcome", 5, 5, 10),
            "Dear  Smith, ⏎ we"
        );
    }
}
