//! `unsafe-token-combo`: the customer's name printed in the same subject,
//! preheader or sentence as a stigmatising or price-negative word.
//!
//! The name must really be printed (a token reading a `personal_fields` path
//! that has a value for this profile: a `default` fallback such as "there" is
//! not a name). Terms match case-insensitively on word boundaries, with
//! hyphens and spaces alike ("below-market" is "below market"). A body is
//! judged sentence by sentence: the name in the greeting and "clearance" three
//! paragraphs down are not a combination.

use std::borrow::Cow;
use std::ops::Range;

use crate::audience::is_blank;
use crate::finding::{Field, Severity};
use crate::template::OverlapFinder;
use crate::template::RenderedField;

use super::text::{Folded, fold_term, sentences, word_matches};
use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct UnsafeTokenCombo;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::UnsafeTokenCombo,
    default_severity: Severity::Error,
    summary: "A personal field's value appears in the same subject, preheader or sentence as an unsafe term (cheap, below market, overdue, debt, …).",
    why: "\"Loren, cheap below-market picks for you\" reads as a judgement of Loren, not of the prices. Next to a name, words about price, debt or bodies become personal, and customers screenshot them.",
    example: "subject: \"{{first_name}}, cheap below-market picks for you\"\nprofile: { first_name: Dmitri }\nrenders: \"Dmitri, cheap below-market picks for you\"",
    fix: "Move the name away from the term (another sentence, or the greeting only), or reword the offer (\"prices cut on jackets\"). The terms are `unsafe_terms` in mergeproof.yaml; the personal fields are `personal_fields`.",
    fix_in: None,
    accept: "When the combination is fine for this audience, add to the variant:\n  allow:\n    - { rule: unsafe-token-combo, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

impl Rule for UnsafeTokenCombo {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        // Folded once for the configured terms, and looked at only when a
        // name was printed at all.
        let terms = || {
            &**cx
                .facts
                .unsafe_terms
                .get_or_init(|| Terms::kept_for(&cx.config.unsafe_terms))
        };
        for (field, template, rendered) in cx.fields() {
            let text = &rendered.plain.text;
            // Split once per field, when the first name is found; only the
            // units that hold a name are folded and searched.
            let mut units: Option<Vec<Range<usize>>> = None;
            // The terms that may be in the field: a term in a sentence is in
            // the field, and then so is its anchor. A field without any is
            // done without splitting or folding its sentences.
            let mut present: Option<Vec<Cow<'_, str>>> = None;
            // The units already judged: a unit is judged once, whatever
            // number of tokens it holds.
            let mut judged: std::collections::HashSet<usize> = Default::default();
            for rt in CellContext::rendered_tokens(template, rendered) {
                if crate::whitespace::is_blank(rt.text) {
                    continue;
                }
                let prints_a_name = rt.token.reads.iter().any(|r| {
                    cx.config.is_personal_field(&r.path)
                        && (rt.token.in_loop || !is_blank(cx.value(&r.path)))
                });
                if !prints_a_name {
                    continue;
                }
                let terms = terms();
                let present = present.get_or_insert_with(|| {
                    terms
                        .present_in(rendered)
                        .map(|t| Cow::Borrowed(t.as_str()))
                        .collect()
                });
                if present.is_empty() {
                    continue;
                }
                let units = units.get_or_insert_with(|| {
                    if field == Field::Body {
                        sentences(text)
                    } else {
                        std::iter::once(0..text.len()).collect()
                    }
                });
                // Units are in reading order and never overlap.
                let index = units.partition_point(|u| u.end <= rt.span.start);
                let Some(unit) = units
                    .get(index)
                    .filter(|u| u.start <= rt.span.start)
                    .cloned()
                else {
                    continue;
                };
                if !judged.insert(index) {
                    continue;
                }
                let hits = terms_apart_from(
                    &text[unit.clone()],
                    present,
                    rt.span.start - unit.start..rt.span.end - unit.start,
                );
                if hits.is_empty() {
                    continue;
                }
                let place = match field {
                    Field::Body => "sentence",
                    other => other.as_str(),
                };
                out.push(cx.draft(DOC.id, field, rt.token.loc.clone(), || {
                    Words::new(
                        format!(
                            "`{}` puts the customer's name in the same {place} as \"{}\"",
                            rt.token.expression,
                            hits.join("\", \"")
                        ),
                        excerpt(text, unit.start, unit.end, 0),
                    )
                }));
            }
        }
    }
}

/// The terms found in `unit`, in the order they appear, except inside
/// `name` (a byte range of `unit`): the name itself is not a term next to it.
fn terms_apart_from<'t>(unit: &str, terms: &'t [Cow<'_, str>], name: Range<usize>) -> Vec<&'t str> {
    let folded = Folded::new(unit);
    let mut found: Vec<(usize, &str)> = Vec::new();
    for term in terms {
        let apart = word_matches(&folded.text, term.as_ref())
            .map(|m| folded.original(m))
            .find(|at| at.end <= name.start || at.start >= name.end);
        if let Some(at) = apart {
            found.push((at.start, term));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, t)| t).collect()
}

/// A part of a folded term that a text holding the term holds as is, but for
/// ASCII case: its longest run of ASCII lowercase letters and digits other
/// than `i` and `k`. Folding lowercases, and the only characters outside ASCII
/// that lowercase into it are `İ` (to `i̇`) and the Kelvin sign (to `k`).
/// Empty (found in any text) when the term has no such run.
fn anchor(term: &str) -> &str {
    term.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()) || c == 'i' || c == 'k')
        .fold("", |longest, run| {
            if run.len() > longest.len() {
                run
            } else {
                longest
            }
        })
}

/// The configured terms folded, and a search for their anchors.
#[derive(Debug)]
pub(super) struct Terms {
    folded: Vec<String>,
    /// Finds the non-empty anchors in one pass, in any ASCII case (what
    /// looking for each in the text lowercased finds).
    anchors: OverlapFinder,
    /// The term of each anchor the search looks for.
    term_of_anchor: Vec<usize>,
    /// Whether each term has no anchor: an empty anchor is in any text.
    without_anchor: Vec<bool>,
}

impl Terms {
    /// [`Terms::of`] the configured terms, made once for every campaign of
    /// a run (a search of a few dozen terms costs half a million
    /// instructions to build; a project has a hundred campaigns) and again
    /// when the terms change.
    fn kept_for(configured: &[String]) -> std::sync::Arc<Terms> {
        type Kept = Option<(Vec<String>, std::sync::Arc<Terms>)>;
        static KEPT: std::sync::Mutex<Kept> = std::sync::Mutex::new(None);
        let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        match &*kept {
            Some((terms, made)) if terms.as_slice() == configured => made.clone(),
            _ => {
                let made = std::sync::Arc::new(Terms::of(configured));
                *kept = Some((configured.to_vec(), made.clone()));
                made
            }
        }
    }

    /// The configured terms folded for matching, without duplicates ("below
    /// market" and "below-market" are one term). Folding every term again
    /// for every cell cost a twentieth of an audit of distinct customers:
    /// they are kept ([`Terms::kept_for`], read through
    /// [`super::TemplateFacts`]).
    fn of(terms: &[String]) -> Terms {
        let mut folded: Vec<String> = Vec::with_capacity(terms.len());
        for t in terms {
            let f = fold_term(t);
            if !f.is_empty() && !folded.iter().any(|o| *o == f) {
                folded.push(f.into_owned());
            }
        }
        let without_anchor: Vec<bool> = folded.iter().map(|t| anchor(t).is_empty()).collect();
        // One pattern for each term with an anchor, in the order of the
        // terms (two terms may share one: each has its own pattern).
        let term_of_anchor: Vec<usize> =
            (0..folded.len()).filter(|&i| !without_anchor[i]).collect();
        let patterns: Vec<&str> = term_of_anchor.iter().map(|&i| anchor(&folded[i])).collect();
        let anchors = OverlapFinder::build(
            aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true),
            &patterns,
        )
        .expect("anchors are short ASCII words");
        Terms {
            folded,
            anchors,
            term_of_anchor,
            without_anchor,
        }
    }

    /// The terms that may be in the field's plain text: those whose
    /// anchor it holds.
    fn present_in<'t>(&'t self, field: &RenderedField) -> impl Iterator<Item = &'t String> + 't {
        let mut present = self.without_anchor.clone();
        // The terms are the run's (the configuration's): one key for them.
        let found = field.patterns_in(DOC.id.as_str(), &self.anchors);
        for (pattern, _) in found.iter().enumerate().filter(|(_, found)| **found) {
            present[self.term_of_anchor[pattern]] = true;
        }
        self.folded
            .iter()
            .zip(present)
            .filter_map(|(t, present)| present.then_some(t))
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Field;
    use crate::testkit::{check_cell_with, one_variant};

    use super::anchor;

    proptest::proptest! {
        /// One search for every anchor finds the terms looking for each in
        /// the text lowercased finds.
        #[test]
        fn the_anchor_search_finds_what_looking_for_each_finds(
            text in "(CHEAP|cheap|Below|below|Market|-|final|Notice|nal|İ|K|é| |x){0,12}"
        ) {
            let configured: Vec<String> = ["cheap", "below market", "below-market", "final notice", "kiki", "déjà vu", "Cheap"]
                .iter()
                .map(|t| t.to_string())
                .collect();
            let terms = super::Terms::of(&configured);
            let lowered = text.to_ascii_lowercase();
            let expected: Vec<&String> =
                terms.folded.iter().filter(|t| lowered.contains(anchor(t))).collect();
            let field = crate::template::RenderedField {
                plain: crate::template::RenderedText { text: text.clone(), spans: Vec::new() },
                ..Default::default()
            };
            let found: Vec<&String> = terms.present_in(&field).collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }

    #[test]
    fn anchors_are_the_longest_plain_ascii_run() {
        assert_eq!(anchor("cheap"), "cheap");
        assert_eq!(anchor("below market"), "below");
        assert_eq!(anchor("final notice"), "nal");
        assert_eq!(anchor("kiki"), "");
        assert_eq!(anchor("дешево"), "");
    }

    /// What [`anchor`] relies on: no character outside ASCII lowercases into
    /// ASCII, but `İ` and the Kelvin sign.
    #[test]
    fn only_two_characters_lowercase_into_ascii() {
        let into_ascii: Vec<char> = (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
            .collect();
        assert_eq!(into_ascii, ['\u{130}', '\u{212A}']);
    }

    #[test]
    fn fires_with_a_kelvin_sign_and_a_dotted_capital_i() {
        // The Kelvin sign folds to `k`: "\u{212A}in\u{212A}" is "kink" to the
        // rule, though an ASCII search for "kink" misses it. (`İ` folds to
        // `i` and a combining dot, so "p\u{130}nk" is not "pink".)
        let config = crate::config::Config {
            unsafe_terms: vec!["kink".into(), "pink".into()],
            ..crate::config::Config::default()
        };
        let f = crate::testkit::check_cell_with_config(
            "unsafe-token-combo",
            &one_variant(
                "{{first_name}}: \u{212A}in\u{212A} and p\u{130}nk",
                "<p>x</p>",
            ),
            "first_name: Dmitri",
            &config,
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("\"kink\""), "{}", f[0].message);
    }

    /// The terms are folded once and kept: another run with other terms
    /// (checked in turn, or at once on another thread) sees its own, not
    /// the kept ones.
    #[test]
    fn each_run_checks_its_own_terms() {
        let campaign = one_variant("{{first_name}}, bargain or cheap?", "<p>x</p>");
        let with = |terms: &[&str]| {
            let config = crate::config::Config {
                unsafe_terms: terms.iter().map(|t| t.to_string()).collect(),
                ..crate::config::Config::default()
            };
            crate::testkit::check_cell_with_config(
                "unsafe-token-combo",
                &campaign,
                "first_name: Dmitri",
                &config,
            )
        };
        for _ in 0..2 {
            let cheap = with(&["Cheap"]);
            assert!(cheap[0].message.contains("\"cheap\""), "{cheap:?}");
            assert!(!cheap[0].message.contains("bargain"), "{cheap:?}");
            let bargain = with(&["bargain"]);
            assert!(bargain[0].message.contains("\"bargain\""), "{bargain:?}");
            assert!(!bargain[0].message.contains("cheap"), "{bargain:?}");
            assert!(with(&["overdue"]).is_empty());
        }
    }

    fn found(subject: &str, body: &str, profile: &str) -> Vec<crate::rules::Draft> {
        check_cell_with("unsafe-token-combo", &one_variant(subject, body), profile)
    }

    #[test]
    fn fires_on_a_name_next_to_a_hyphenated_term() {
        let f = found(
            "{{first_name}}, cheap below-market picks for you",
            "<p>x</p>",
            "first_name: Dmitri",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Subject);
        assert!(
            f[0].message.contains("\"cheap\", \"below market\""),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].excerpt, "Dmitri, cheap below-market picks for you");
    }

    #[test]
    fn fires_in_the_same_sentence_of_a_body_and_case_insensitively() {
        let f = found(
            "Hello",
            "<p>Hi {{first_name}}. Your account is OVERDUE, {{first_name}}!</p>",
            "first_name: Ann",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Body);
        assert_eq!(f[0].excerpt, "Your account is OVERDUE, Ann!");
    }

    #[test]
    fn does_not_fire_in_another_sentence() {
        let f = found(
            "Spring deals",
            "<p>Hi {{first_name}},</p><p>Cheap jackets this week.</p><p>Hello {{first_name}}. Reduced prices inside.</p>",
            "first_name: Ann",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn does_not_fire_when_the_name_is_not_printed() {
        for profile in ["last_name: Ng", "first_name: \"  \""] {
            // Guarded, and a fallback that is not a name.
            let f = found(
                "{{#if first_name}}{{first_name}}, {{/if}}cheap picks",
                "<p>Hi {{default first_name \"there\"}}, cheap picks inside.</p>",
                profile,
            );
            assert!(f.is_empty(), "{profile}: {f:?}");
        }
    }

    #[test]
    fn does_not_fire_on_part_of_a_word_or_a_non_personal_token() {
        let f = found(
            "{{first_name}}, our cheapest and most debtless picks",
            "<p>{{city}} has cheap picks.</p>",
            "first_name: Ann\ncity: Austin",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
