//! `plural-agreement`: a number printed from data next to a noun that does
//! not agree with it: "You have 1 points", "1 nights left", "2 item", in
//! English, in the subject, preheader and body.
//!
//! The number is a token's whole output (`1`, `-1`, `1,250`, `2.5`); the noun
//! is the word right after it, and the noun phrase must end there (the text
//! ends, or punctuation or a word from [`PHRASE_ENDS`] follows), so that "2
//! new items" and "2 item orders" are left alone. Singular and plural forms
//! come from the `pluralizer` crate (a port of the npm `pluralize` package's
//! rules, uncountable and irregular words included: "1 news", "2 sheep").
//! The singular is for a count of exactly 1 ("0 points", "1.5 points",
//! "-1 points"; style guides differ on −1, and copy rarely prints it).

use crate::dialect::Spelling;
use crate::finding::{Fix, Severity};
use crate::rule_id::RuleId;
use crate::template::Token;

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct PluralAgreement;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::PluralAgreement,
    default_severity: Severity::Warning,
    summary: "A number printed from data stands next to a noun that does not agree with it (\"1 points\", \"2 item\").",
    why: "\"You have 1 points\" reads like a mail merge, because it is one: the copy was written for the typical customer with many, and the customer with exactly one sees the seam. It is cheap to fix and embarrassing to send to thousands.",
    example: "body: \"You have {{loyalty.points}} points to spend.\"\nprofile: { loyalty: { points: 1 } }\nrenders: \"You have 1 points to spend.\"",
    fix: "Write the count and its noun for both cases: {{#if (eq loyalty.points 1)}}1 point{{else}}{{loyalty.points}} points{{/if}} in mergeproof's own dialect, {{#equals loyalty.points 1}} in SendGrid, {{#if `loyalty.points == 1`}} in Mailchimp Transactional; where the template cannot compare (Handlebars.js, Postmark), word it so any number reads (\"Points: 1\") or restrict the audience.",
    fix_in: None,
    accept: "When the wording is right as it is (a product named \"1 Hotels\"), add to the variant:\n  allow:\n    - { rule: plural-agreement, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

/// Words after which a noun phrase has ended: prepositions, verbs and
/// adverbs copy puts after a count ("1 points to spend", "2 nights left").
const PHRASE_ENDS: &[&str] = &[
    "to",
    "in",
    "on",
    "at",
    "for",
    "of",
    "from",
    "by",
    "with",
    "and",
    "or",
    "but",
    "left",
    "remaining",
    "ago",
    "until",
    "before",
    "after",
    "per",
    "each",
    "is",
    "are",
    "was",
    "were",
    "will",
    "have",
    "has",
    "you",
    "your",
    "today",
    "now",
    "away",
    "off",
    "this",
    "that",
    "available",
    "waiting",
    "ready",
    "since",
    "so",
    "if",
    "when",
    "then",
    "more",
    "already",
];

/// Words that follow counts but are no nouns: the noun comes later ("2 new
/// items") and is not checked.
const NOT_NOUNS: &[&str] = &[
    "new",
    "more",
    "less",
    "free",
    "extra",
    "bonus",
    "left",
    "remaining",
    "other",
    "total",
    "full",
    "unread",
    "available",
    "additional",
    "exclusive",
    "special",
    "active",
    "recent",
    "unused",
    "to",
    "in",
    "on",
    "at",
    "of",
    "and",
    "or",
    "per",
    "off",
    "out",
    "up",
    "is",
    "are",
    "was",
    "were",
    "times",
    "x",
    "of",
    "percent",
    "pct",
];

impl Rule for PluralAgreement {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        for (field, template, rendered) in cx.fields() {
            let text = &rendered.plain.text;
            for rt in CellContext::rendered_tokens(template, rendered) {
                if !is_count(rt.text) {
                    continue;
                }
                let Some((noun, noun_end)) = noun_after(text, rt.span.end) else {
                    continue;
                };
                let number = crate::whitespace::trimmed(rt.text);
                // Exactly one: what prints as `1` (not `1.0`, not `01`).
                let singular = number == "1";
                let Some(agreeing) = agreeing_form(noun, singular) else {
                    continue;
                };
                out.push(cx.draft(DOC.id, field, rt.token.loc.clone(), || {
                    Words::new(
                        format!(
                            "`{}` printed {number} before \"{noun}\": \"{number} {noun}\" should read \"{number} {}\"",
                            rt.token.expression,
                            keep_case(noun, &agreeing)
                        ),
                        excerpt(text, rt.span.start, noun_end, 24),
                    )
                    .with_fix(Some(fix(cx, rt.token, noun, singular, &agreeing)))
                }));
            }
        }
    }
}

/// Compiles the inflection's patterns, both ways, as the first word checked
/// would ([`super::prepare_in_background`]).
pub(super) fn prepare() {
    pluralizer::pluralize("point", 2, false);
    pluralizer::pluralize("points", 1, false);
}

/// Nouns each thread keeps the agreeing form of.
const KEPT_WORDS: usize = 4096;

/// The form of `noun` that agrees with one thing (`singular`) or many, when
/// it is not the form written and the inflection knows the word (it turns
/// the form back into the one written).
fn agreeing_form(noun: &str, singular: bool) -> Option<String> {
    // The inflection runs a list of patterns for each word: for every cell
    // of an audit of a million customers that is most of this rule's time,
    // for the same few nouns after the same numbers. Each thread keeps what
    // it found, for a bounded number of words (data may put any word there).
    thread_local! {
        /// For many things, then for one.
        static KEPT: std::cell::RefCell<[foldhash::HashMap<String, Option<String>>; 2]> =
            std::cell::RefCell::default();
    }
    // Most nouns are written in lower case: looked up as they are.
    let lower: std::borrow::Cow<'_, str> = if noun.chars().any(|c| !c.is_lowercase()) {
        noun.to_lowercase().into()
    } else {
        noun.into()
    };
    KEPT.with_borrow_mut(|kept| {
        let kept = &mut kept[usize::from(singular)];
        if let Some(found) = kept.get(lower.as_ref()) {
            return found.clone();
        }
        let lower = lower.into_owned();
        let agreeing = pluralizer::pluralize(&lower, if singular { 1 } else { 2 }, false);
        // A word the inflection cannot turn back is no noun it knows.
        let found = (agreeing != lower
            && pluralizer::pluralize(&agreeing, if singular { 2 } else { 1 }, false) == lower)
            .then_some(agreeing);
        if kept.len() >= KEPT_WORDS {
            kept.clear();
        }
        kept.insert(lower, found.clone());
        found
    })
}

/// Whether the token's output is a count: an integer or decimal, with `,`
/// between thousands (what parses as a number once the commas are out:
/// digits first, at most one point). Told on the bytes, without parsing:
/// every number of every customer passes here.
fn is_count(printed: &str) -> bool {
    let t = crate::whitespace::trimmed(printed);
    let digits = t.strip_prefix('-').unwrap_or(t);
    digits.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
}

/// The word right after a count, one space away, when the noun phrase ends
/// with it; with where it ends.
fn noun_after(text: &str, at: usize) -> Option<(&str, usize)> {
    let rest = text.get(at..)?;
    let rest = rest
        .strip_prefix(' ')
        .or_else(|| rest.strip_prefix('\u{a0}'))?;
    let start = text.len() - rest.len();
    let word = leading_word(rest);
    // Words of ASCII letters: compared in place, in any case.
    let listed = |list: &[&str], word: &str| list.iter().any(|w| w.eq_ignore_ascii_case(word));
    if word.len() < 2 || listed(NOT_NOUNS, word) {
        return None;
    }
    let after = &rest[word.len()..];
    let next = after.trim_start_matches([' ', '\u{a0}']);
    let next_word = leading_word(next);
    let ends = after.is_empty()
        || !after.starts_with([' ', '\u{a0}'])
        || next.is_empty()
        || listed(PHRASE_ENDS, next_word)
        || next_word.is_empty();
    ends.then_some((word, start + word.len()))
}

/// The ASCII letters `text` starts with.
fn leading_word(text: &str) -> &str {
    &text[..text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(text.len())]
}

/// `agreeing` in the case the copy wrote `noun` in ("Points" → "Point").
fn keep_case(noun: &str, agreeing: &str) -> String {
    if noun.chars().all(|c| c.is_ascii_uppercase()) {
        agreeing.to_uppercase()
    } else if noun.starts_with(|c: char| c.is_ascii_uppercase()) {
        let mut chars = agreeing.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        agreeing.to_string()
    }
}

/// The count and its noun written for 1 and for the rest, where the
/// dialect can compare; else words that read for any number.
fn fix(cx: &CellContext<'_>, token: &Token, noun: &str, singular: bool, agreeing: &str) -> Fix {
    let (one, many) = if singular {
        (keep_case(noun, agreeing), noun.to_string())
    } else {
        (noun.to_string(), keep_case(noun, agreeing))
    };
    let dialect = cx.campaign.dialect;
    match (dialect.spelling().if_one, token.written_path.as_deref()) {
        (Some(pattern), Some(written)) => {
            let from = format!("{} {noun}", token.expression);
            let to = Spelling::fill(
                pattern,
                written,
                &format!("{} {many}", token.expression),
                &format!("1 {one}"),
            );
            Fix::edit(
                format!("Write the count for one and for many: {to}."),
                from,
                to,
            )
        }
        _ => Fix::advice(format!(
            "{} cannot print one noun for 1 and another for the rest here: word it so any number reads (\"{}: {}\"), or restrict the variant's audience.",
            dialect.platform(),
            keep_case(&many, &many),
            token.expression
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{check_cell_with, in_dialect};

    /// What the inflection says of `noun`, asked afresh.
    fn uncached(noun: &str, singular: bool) -> Option<String> {
        let lower = noun.to_lowercase();
        let (one, many) = if singular { (1, 2) } else { (2, 1) };
        let agreeing = pluralizer::pluralize(&lower, one, false);
        (agreeing != lower && pluralizer::pluralize(&agreeing, many, false) == lower)
            .then_some(agreeing)
    }

    /// The output as a count, parsed: what `is_count` tells on the bytes.
    fn parsed_count(printed: &str) -> Option<f64> {
        let t = printed.trim();
        let digits = t.strip_prefix('-').unwrap_or(t);
        if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        if !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        {
            return None;
        }
        t.replace(',', "").parse().ok()
    }

    proptest::proptest! {
        #[test]
        fn a_count_is_what_parses_as_one(printed in "[ ]?-?[0-9,.a-]{0,6}[ ]?") {
            proptest::prop_assert_eq!(super::is_count(&printed), parsed_count(&printed).is_some());
        }
    }

    #[test]
    fn the_kept_forms_are_what_the_inflection_says() {
        let words = [
            "points", "point", "Items", "sheep", "child", "children", "xyzzy", "Days",
        ];
        // Past the number of forms kept (two a word), the thread's list
        // starts again.
        let many: Vec<String> = (0..super::KEPT_WORDS / 2 + 10)
            .map(|i| format!("w{i}"))
            .collect();
        for round in 0..2 {
            for word in words.iter().copied().chain(many.iter().map(String::as_str)) {
                for singular in [true, false] {
                    assert_eq!(
                        super::agreeing_form(word, singular),
                        uncached(word, singular),
                        "{word} {singular} (round {round})"
                    );
                }
            }
        }
    }

    #[test]
    fn fires_on_a_count_and_a_noun_that_disagree() {
        for dialect in crate::dialect::Dialect::names() {
            for (body, profile, says) in [
                (
                    "<p>You have {{points}} points to spend.</p>",
                    "points: 1",
                    "\"1 point\"",
                ),
                ("<p>{{nights}} nights left</p>", "nights: 1", "\"1 night\""),
                (
                    "<p>Your cart holds {{count}} item.</p>",
                    "count: 2",
                    "\"2 items\"",
                ),
                (
                    "<p>You earned {{miles}} mile</p>",
                    "miles: \"1,250\"",
                    "\"1,250 miles\"",
                ),
                // Only what prints as `1` is one: `01` and `1.0` are many.
                (
                    "<p>{{nights}} night left</p>",
                    "nights: \"01\"",
                    "\"01 nights\"",
                ),
                (
                    "<p>{{nights}} night left</p>",
                    "nights: \"1.0\"",
                    "\"1.0 nights\"",
                ),
            ] {
                let f = check_cell_with("plural-agreement", &in_dialect(dialect, body), profile);
                assert_eq!(f.len(), 1, "{dialect} {body} {profile}: {f:?}");
                assert!(f[0].message.contains(says), "{}", f[0].message);
                assert!(f[0].fix.is_some());
            }
        }
    }

    #[test]
    fn does_not_fire_when_they_agree_or_the_noun_comes_later() {
        for (body, profile) in [
            ("<p>You have {{points}} points to spend.</p>", "points: 2"),
            ("<p>You have {{points}} points to spend.</p>", "points: 0"),
            ("<p>You have {{points}} point to spend.</p>", "points: 1"),
            ("<p>{{count}} new items are waiting</p>", "count: 1"),
            ("<p>{{count}} item orders shipped</p>", "count: 2"),
            ("<p>Only {{count}} to go!</p>", "count: 2"),
            ("<p>{{count}} sheep</p>", "count: 1"),
            ("<p>{{name}} points</p>", "name: Ana"),
            ("<p>Room {{room}} is ready</p>", "room: 1"),
            ("<p>{{rating}} stars</p>", "rating: 1.5"),
            ("<p>{{nights}} nights left</p>", "nights: \"1.0\""),
        ] {
            let f = check_cell_with("plural-agreement", &in_dialect("mergeproof", body), profile);
            assert!(f.is_empty(), "{body} {profile}: {f:?}");
        }
    }

    #[test]
    fn the_fix_writes_one_and_many_where_the_dialect_compares() {
        let f = check_cell_with(
            "plural-agreement",
            &in_dialect("sendgrid", "<p>You have {{points}} points.</p>"),
            "points: 1",
        );
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(fix.replace.as_deref(), Some("{{points}} points"));
        assert_eq!(
            fix.replacement.as_deref(),
            Some("{{#equals points 1}}1 point{{else}}{{points}} points{{/equals}}")
        );
        let f = check_cell_with(
            "plural-agreement",
            &in_dialect("postmark", "<p>You have {{points}} points.</p>"),
            "points: 1",
        );
        assert!(f[0].fix.as_ref().unwrap().text.contains("audience"));
    }
}
