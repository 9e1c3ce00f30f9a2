//! Where things come from: file positions for findings and load errors.

use std::fmt;

use serde::Serialize;

/// A position in a project file, as a person reads it: the path relative to the
/// project folder, and 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct SourceLoc {
    /// Shared: every token of a template, and every finding made of one,
    /// carries its file's path.
    pub file: std::sync::Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl SourceLoc {
    pub fn new(file: impl Into<std::sync::Arc<str>>, line: u32, column: u32) -> Self {
        Self {
            file: file.into(),
            line,
            column,
        }
    }

    pub(crate) fn from_yaml(file: &str, location: &serde_saphyr::Location) -> Self {
        Self::new(
            file,
            u32::try_from(location.line()).unwrap_or(u32::MAX).max(1),
            u32::try_from(location.column()).unwrap_or(u32::MAX).max(1),
        )
    }
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A file that could not be loaded, or a part of it that is invalid. Every one
/// of them is reported; one broken file never hides another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct LoadError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl LoadError {
    /// `message` is anything that displays: a sentence, or a typed error
    /// such as [`crate::project::paths::PathError`].
    pub(crate) fn at(loc: &SourceLoc, message: impl fmt::Display) -> Self {
        Self {
            file: loc.file.to_string(),
            line: loc.line,
            column: loc.column,
            message: message.to_string(),
        }
    }

    pub fn in_file(file: &str, message: impl fmt::Display) -> Self {
        Self::at(&SourceLoc::new(file, 1, 1), message)
    }
}

/// Turns a serde-saphyr error into a load error: its position, and its message
/// without the source snippet (the position already points at it).
pub(crate) fn yaml_error(file: &str, error: &serde_saphyr::Error) -> LoadError {
    let loc = error
        .location()
        .map(|l| SourceLoc::from_yaml(file, &l))
        .unwrap_or_else(|| SourceLoc::new(file, 1, 1));
    if let Some(message) = budget_message(error) {
        return LoadError::at(&loc, message);
    }
    let raw = error.without_snippet().to_string();
    LoadError::at(&loc, explain_yaml_message(&strip_position_suffix(&raw)))
}

/// A YAML budget that ran out, in words: the limits keep a file (anchors
/// repeated by aliases above all) from taking all memory when it is read.
fn budget_message(mut error: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach as B;
    while let serde_saphyr::Error::AliasError { error: inner, .. }
    | serde_saphyr::Error::WithSnippet { error: inner, .. } = error
    {
        error = inner;
    }
    let serde_saphyr::Error::Budget { breach, .. } = error else {
        return None;
    };
    let what = match breach {
        B::ScalarBytes { total_scalar_bytes } => format!(
            "its text comes to {} MB with every alias (`*name`) expanded, over the 64 MB a file may hold",
            total_scalar_bytes / 1_000_000
        ),
        B::Aliases { aliases } => format!("it uses {aliases} aliases (`*name`), over 50,000"),
        B::Anchors { anchors } => format!("it defines {anchors} anchors (`&name`), over 50,000"),
        B::Depth { depth } => format!("it nests {depth} levels deep, over 64"),
        B::Nodes { nodes } => format!("it holds {nodes} values, more than one file may"),
        B::Events { events } => format!("it holds {events} YAML elements, more than one file may"),
        B::Documents { documents } => format!("it holds {documents} documents, over 1,024"),
        other => format!("it is past a YAML size limit ({other:?})"),
    };
    let fix = match breach {
        B::ScalarBytes { .. } | B::Aliases { .. } | B::Anchors { .. } => {
            "write repeated values out instead of aliasing them, or split the file"
        }
        B::Depth { .. } => "nest fields less deeply",
        _ => {
            "split it into several files (an export of many profiles reads best as CSV or JSON Lines)"
        }
    };
    Some(format!("this file is too large to read: {what}; {fix}"))
}

/// serde-saphyr appends " at line X, column Y" to some messages, serde_json
/// " at line X column Y" to all; the location is reported separately, so
/// drop it from the text.
pub(crate) fn strip_position_suffix(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or(message).trim();
    let reason = match first_line.rfind(" at line ") {
        Some(i) => &first_line[..i],
        None => first_line,
    };
    // The readers' own words for input nested past their budget.
    if reason == "recursion limit exceeded" {
        return format!(
            "values nest more than {} deep here, and mergeproof reads at most that many levels of lists and objects: flatten this record",
            crate::limits::MAX_DEPTH
        );
    }
    reason.to_string()
}

/// Rewrites serde's "unknown field `x`, expected one of ..." so that it leads with
/// the closest known key, which is what a person mistyping a key needs to see.
fn explain_yaml_message(message: &str) -> String {
    if let Some(words) = plain_words(message) {
        return words;
    }
    let Some(rest) = message.split("unknown field `").nth(1) else {
        return message.to_string();
    };
    let Some((unknown, tail)) = rest.split_once('`') else {
        return message.to_string();
    };
    // serde writes the known keys either as "expected one of a, b" or with
    // backticks around each; accept both.
    let list_text = tail
        .split_once("expected one of ")
        .or_else(|| tail.split_once("expected "))
        .map(|(_, rest)| rest)
        .unwrap_or("");
    let known: Vec<&str> = list_text
        .split(',')
        .map(|k| k.trim().trim_matches('`'))
        .filter(|k| !k.is_empty())
        .collect();
    if known.is_empty() {
        return format!("unknown key `{unknown}`");
    }
    let list = known.join(", ");
    match closest(unknown, &known) {
        Some(best) => {
            format!("unknown key `{unknown}`: did you mean `{best}`? (known keys: {list})")
        }
        None => format!("unknown key `{unknown}` (known keys: {list})"),
    }
}

/// The YAML reader's terse messages about a value of the wrong shape, said
/// as what was expected, with an example.
fn plain_words(message: &str) -> Option<String> {
    let said = match message {
        "expected sequence start" => {
            "expected a list here, as in `[first_name, nickname]`, or one `- item` per line below the key".to_string()
        }
        "expected mapping start" => {
            "expected a mapping here, as in `{ name: value }`, or `name: value` lines indented below the key".to_string()
        }
        "expected string scalar" => {
            "expected text here; text that starts with `{`, `[`, `*`, `&`, `!` or `%` must be quoted, as in `\"{{first_name}}, hello\"`".to_string()
        }
        "invalid boolean" => "expected `true` or `false` here".to_string(),
        "invalid indentation in multiline quoted scalar" | "unclosed quote" => {
            "a quoted text is still open here: a quote on a line above has no closing quote; close it on its own line".to_string()
        }
        "invalid u8" | "invalid u16" | "invalid u32" | "invalid u64" | "invalid usize"
        | "invalid i8" | "invalid i16" | "invalid i32" | "invalid i64" | "invalid isize" => {
            "expected a whole number here, as in `400`".to_string()
        }
        "invalid f32" | "invalid f64" => "expected a number here, as in `18` or `2.5`".to_string(),
        m if m.starts_with("duplicate mapping key: ") => {
            let key = m["duplicate mapping key: ".len()..]
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or_default();
            format!("the key `{key}` is written twice here; keep one of them")
        }
        m if m.starts_with("non-finite float") => {
            "`.nan` and `.inf` are no number a profile can hold: write the value in quotes as text, or leave the field out".to_string()
        }
        m => {
            let rest = m.strip_prefix("unknown variant `")?;
            let (value, tail) = rest.split_once('`')?;
            let list = tail.split_once("expected one of ").map_or("", |(_, l)| l);
            let known: Vec<&str> = list
                .split(',')
                .map(|k| k.trim().trim_matches('`'))
                .filter(|k| !k.is_empty())
                .collect();
            let hint = did_you_mean(value, &known)
                .map(|h| format!(" {h}"))
                .unwrap_or_default();
            format!(
                "`{value}` is not one of the values this key takes ({}):{hint}",
                known.join(", ")
            )
            .trim_end_matches(':')
            .to_string()
        }
    };
    Some(said)
}

/// "did you mean `x`?" for the candidate nearest to `word`, when one is near
/// enough to be a likely typo. Every unknown-id message words its hint so.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// [`did_you_mean`] as the tail of a message: ": did you mean `x`?", or nothing.
pub fn hint_suffix(word: &str, candidates: &[&str]) -> String {
    did_you_mean(word, candidates)
        .map(|h| format!(": {h}"))
        .unwrap_or_default()
}

/// [`did_you_mean`] as the head of the rest of a message: "did you mean `x`? ",
/// or nothing.
pub fn hint_prefix(word: &str, candidates: &[&str]) -> String {
    did_you_mean(word, candidates)
        .map(|h| format!("{h} "))
        .unwrap_or_default()
}

/// The candidate nearest to `word` by edit distance, when it is near enough to be
/// a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.chars().count().max(3) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
        .or_else(|| closest_beginning(word, candidates))
}

/// The one candidate that begins with `word`, give or take a typo: ids such
/// as `hannah-herbal-tea` are typed by their first word (`hanah`).
fn closest_beginning<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let length = word.chars().count();
    if length < 4 {
        return None;
    }
    let allowed = if length < 6 { 1 } else { 2 };
    let mut near = candidates.iter().filter(|c| {
        let head: String = c.chars().take(length).collect();
        c.chars().count() > length && edit_distance(word, &head) <= allowed
    });
    match (near.next(), near.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Whether `a` and `b` are at most `bound` edits apart: [`edit_distance`]
/// for checks that ask it of the same names in every cell. Only the cells
/// within `bound` of the diagonal can lead to a distance of `bound` or
/// less, so each row costs `bound`, not the length of `b` (two similar
/// names of 100 KB stay linear), and it stops as soon as every way on
/// costs more.
pub(crate) fn within_edits(a: &str, b: &str, bound: usize) -> bool {
    // Field names are ASCII: compared as bytes, without collecting chars.
    if a.is_ascii() && b.is_ascii() {
        return within_edits_of(a.as_bytes(), b.as_bytes(), bound);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    within_edits_of(&a, &b, bound)
}

/// [`within_edits`] of two sequences.
fn within_edits_of<T: PartialEq>(a: &[T], b: &[T], bound: usize) -> bool {
    if a.len().abs_diff(b.len()) > bound {
        return false;
    }
    // The two rows live on the stack for names of ordinary length: a check
    // asks this of the same names in every cell.
    const ON_STACK: usize = 64;
    let mut stack = [[0usize; ON_STACK]; 2];
    let mut heap = Vec::new();
    let (mut previous, mut current): (&mut [usize], &mut [usize]) = if b.len() < ON_STACK {
        let [p, c] = &mut stack;
        (&mut p[..=b.len()], &mut c[..=b.len()])
    } else {
        heap.resize(2 * (b.len() + 1), 0);
        heap.split_at_mut(b.len() + 1)
    };
    // Anything past `bound` is as good as `far`.
    let far = bound + 1;
    for (j, cell) in previous.iter_mut().enumerate() {
        *cell = j.min(far);
    }
    current.fill(far);
    for i in 1..=a.len() {
        let low = i.saturating_sub(bound).max(1);
        let high = (i + bound).min(b.len());
        current[low - 1] = if low == 1 { i.min(far) } else { far };
        let mut least = current[low - 1];
        for j in low..=high {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let value = (previous[j - 1] + cost)
                .min(previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(far);
            current[j] = value;
            least = least.min(value);
        }
        if high < b.len() {
            current[high + 1] = far;
        }
        if least > bound {
            return false;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()] <= bound
}

/// Levenshtein distance, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_edits_is_edit_distance_bounded() {
        let words = [
            "",
            "a",
            "ab",
            "first_name",
            "firstname",
            "last_name",
            "googleplus_url",
            "google_plus_url",
            "kitten",
            "sitting",
            "naïve",
            "naive",
            "ümlaut",
            "umlaut",
        ];
        agree_on_every_pair(&words);
    }

    /// `within_edits` says what `edit_distance` says, for every pair of
    /// `texts` and every bound up to three.
    fn agree_on_every_pair(texts: &[&str]) {
        for a in texts {
            for b in texts {
                for bound in 0..4 {
                    assert_eq!(
                        within_edits(a, b, bound),
                        edit_distance(a, b) <= bound,
                        "{a:?} {b:?} {bound}"
                    );
                }
            }
        }
    }

    #[test]
    fn within_edits_agrees_with_edit_distance_on_every_short_pair() {
        // Every text of up to five letters of a two-letter alphabet.
        let texts: Vec<String> = (0..=5)
            .flat_map(|len| {
                (0..1u32 << len).map(move |bits| {
                    (0..len)
                        .map(|i| if bits >> i & 1 == 1 { 'b' } else { 'a' })
                        .collect()
                })
            })
            .collect();
        agree_on_every_pair(&texts.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn within_edits_agrees_beyond_ascii_and_past_the_rows_on_the_stack() {
        let long = "loyalty_points_balance_".repeat(3);
        let texts = [
            "café".to_string(),
            "cafe".to_string(),
            "cafés".to_string(),
            "çafé".to_string(),
            "naïve_name".to_string(),
            "naive_name".to_string(),
            long.clone(),
            format!("{long}x"),
            format!("x{}y", &long[1..]),
            format!("{}é", &long[1..]),
        ];
        agree_on_every_pair(&texts.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn within_edits_is_linear_in_long_similar_names() {
        let a = "ab".repeat(100_000);
        let b = format!("{}x{}", &a[..1000], &a[1001..]);
        let started = std::time::Instant::now();
        assert!(within_edits(&a, &b, 2));
        assert!(!within_edits(&a, &format!("xy{}zz", &a[4..]), 2));
        // Quadratic, the pair would take tens of seconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn suggests_the_nearest_known_key() {
        let msg =
            explain_yaml_message("unknown field `subjct`, expected one of `id`, `subject`, `body`");
        assert!(msg.contains("did you mean `subject`?"), "{msg}");
        let msg = explain_yaml_message("unknown field `subjct`, expected one of id, subject, body");
        assert!(msg.contains("did you mean `subject`?"), "{msg}");
        assert!(msg.contains("known keys: id, subject, body"), "{msg}");
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        let msg = explain_yaml_message("unknown field `zzzzzzzz`, expected one of `id`, `body`");
        assert!(!msg.contains("did you mean"), "{msg}");
    }

    #[test]
    fn other_messages_pass_through() {
        assert_eq!(explain_yaml_message("invalid type"), "invalid type");
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    #[test]
    fn an_alias_bomb_is_a_load_error_in_words() {
        let big = "x".repeat(1_000_000);
        let mut text = format!("id: p\nbig: &a {big}\n");
        for i in 0..70 {
            text.push_str(&format!("f{i}: *a\n"));
        }
        let error = serde_saphyr::from_str::<serde_json::Value>(&text).unwrap_err();
        let e = yaml_error("sample-profiles/p.yaml", &error);
        assert!(
            e.message.contains("too large to read") && e.message.contains("alias"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("ScalarBytes"), "{}", e.message);
        assert!(e.line > 2, "points at the alias that ran over: {}", e.line);
    }
}
