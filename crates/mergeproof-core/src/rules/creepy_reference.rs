//! `creepy-reference`: personalization reveals what the customer never shared
//! with us on purpose, to a profile that has not agreed to sensitive-data use.
//!
//! Two ways in:
//! - a token prints a `sensitive_fields` field (`{{browsing.switched_from}}`);
//! - the variant's audience selects on a sensitive field and the copy refers
//!   to it: it repeats a value the audience matched on ("herbal tea"), or it
//!   says it was inferred ("we noticed", "you recently viewed", …).
//!
//! Consent is `fields.consent_sensitive` holding `true` (or the text "true" or
//! "yes"). A field where a token already fired is not reported again for the
//! audience: the fix is the same.

use std::borrow::Cow;

use serde_json::Value;

use crate::audience::{Leaf, Op};
use crate::finding::Severity;

use super::text::{Folded, fold_term, word_matches};
use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct CreepyReference;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::CreepyReference,
    default_severity: Severity::Warning,
    summary: "Content drawn from a sensitive field, or a behavioural inference, reaches a profile without sensitive-data consent.",
    why: "\"Feeling under the weather? We noticed you switched to herbal tea\" tells the customer they are watched, and what was concluded about their health. Without consent it is a privacy complaint waiting to happen.",
    example: "audience: { field: browsing.recent_categories, contains: herbal tea }\nbody: \"We noticed you switched from {{browsing.switched_from}} to herbal tea\"\nprofile: { consent: { sensitive: false } }",
    fix: "Add consent to the variant's audience ({ field: consent.sensitive, eq: true }), or write copy that does not reveal the inference (\"New teas have landed\"). The fields are `sensitive_fields` and `fields.consent_sensitive` in mergeproof.yaml.",
    fix_in: None,
    accept: "When the reference is expected (the customer saved the item themselves), add to the variant:\n  allow:\n    - { rule: creepy-reference, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

/// Phrases that say the message was built from watching the customer.
const INFERENCE_PHRASES: &[&str] = &[
    "we noticed",
    "we've noticed",
    "we have noticed",
    "we saw you",
    "we see you",
    "you recently viewed",
    "you viewed",
    "you've been browsing",
    "you have been browsing",
    "you've been looking",
    "you have been looking",
    "you were looking",
    "based on your browsing",
    "based on your recent",
    "your recent searches",
    "you searched",
    "you switched",
];

impl Rule for CreepyReference {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let consent_field = &cx.config.fields.consent_sensitive;
        if is_yes(cx.value(consent_field)) {
            return;
        }
        // Written only for a finding: most profiles of a list have none.
        let no_consent =
            || format!("this profile has not agreed to sensitive-data use (`{consent_field}`)");
        let mut sensitive_leaves: Vec<&Leaf> = Vec::new();
        if let Some(audience) = &cx.variant.audience {
            audience.for_each_leaf(&mut |leaf| {
                if cx.config.is_sensitive_field(&leaf.field) {
                    sensitive_leaves.push(leaf);
                }
            });
        }
        // Folded once per cell, and only for variants chosen on sensitive data.
        // The phrases are written folded; the audience's values are folded here.
        let references: Vec<Cow<'_, str>> = if sensitive_leaves.is_empty() {
            Vec::new()
        } else {
            sensitive_leaves
                .iter()
                .flat_map(|l| leaf_texts(&l.op))
                .map(|t| Cow::Owned(fold_term(&t).into_owned()))
                .chain(INFERENCE_PHRASES.iter().map(|p| Cow::Borrowed(*p)))
                .filter(|t| !t.is_empty())
                .collect()
        };

        for (field, template, rendered) in cx.fields() {
            let text = &rendered.plain.text;
            let mut token_fired = false;
            let mut reported: Vec<u32> = Vec::new();
            for rt in CellContext::rendered_tokens(template, rendered) {
                if crate::whitespace::is_blank(rt.text) || reported.contains(&rt.token.index) {
                    continue;
                }
                let Some(read) = rt
                    .token
                    .reads
                    .iter()
                    .find(|r| cx.config.is_sensitive_field(&r.path))
                else {
                    continue;
                };
                reported.push(rt.token.index);
                token_fired = true;
                out.push(cx.draft(DOC.id, field, rt.token.loc.clone(), || {
                    Words::new(
                        format!(
                            "`{}` prints `{}`, a sensitive field, and {}",
                            rt.token.expression,
                            read.path,
                            no_consent()
                        ),
                        excerpt(text, rt.span.start, rt.span.end, 30),
                    )
                }));
            }
            if token_fired || references.is_empty() {
                continue;
            }
            let folded = Folded::new(text);
            let hit = references
                .iter()
                .filter_map(|r| word_matches(&folded.text, r).next())
                .min_by_key(|m| m.start);
            let (Some(hit), Some(leaf)) = (hit, sensitive_leaves.first()) else {
                continue;
            };
            let at = folded.original(hit);
            out.push(cx.draft(DOC.id, field, leaf.loc.clone(), || {
                Words::new(
                    format!(
                        "variant `{}` is chosen by `{}` and the {field} says so (\"{}\"), and {}",
                        cx.variant.id,
                        leaf.field,
                        &text[at.clone()],
                        no_consent()
                    ),
                    excerpt(text, at.start, at.end, 30),
                )
            }));
        }
    }
}

fn is_yes(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => {
            let s = s.trim();
            s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("yes")
        }
        _ => false,
    }
}

/// The texts an audience leaf matched on, which copy may repeat.
fn leaf_texts(op: &Op) -> Vec<String> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    match op {
        Op::Eq(v) | Op::Contains(v) => text(v).into_iter().collect(),
        Op::In(list) => list.iter().filter_map(text).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Field;
    use crate::testkit::check_cell_with;

    const TEA: &str = "variants:\n  - id: tea\n    audience: { field: browsing.recent_categories, contains: herbal tea }\n    subject: Feeling under the weather?\n    body: \"<p>Hi.</p>{{#if browsing.switched_from}}<p>We noticed you switched from {{browsing.switched_from}}.</p>{{/if}}<p>Try our herbal tea.</p>\"\n  - id: rest\n    subject: Teas\n    body: x\n";

    #[test]
    fn fires_on_a_sensitive_token_without_consent() {
        let f = check_cell_with(
            "creepy-reference",
            TEA,
            "browsing: { recent_categories: [herbal tea], switched_from: coffee }\nconsent: { sensitive: false }",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Body);
        assert!(
            f[0].message.contains("`browsing.switched_from`"),
            "{}",
            f[0].message
        );
        assert!(f[0].excerpt.contains("coffee"), "{}", f[0].excerpt);
    }

    #[test]
    fn fires_on_an_inference_the_copy_repeats() {
        // No token from browsing renders; the copy still names what the
        // audience matched on.
        let f = check_cell_with(
            "creepy-reference",
            TEA,
            "browsing: { recent_categories: [herbal tea] }",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("\"herbal tea\""), "{}", f[0].message);
        // Located at the audience leaf.
        assert_eq!(f[0].loc.line, 3);
    }

    #[test]
    fn fires_on_inference_language() {
        let campaign = "variants:\n  - id: a\n    audience: { field: browsing.viewed, exists: true }\n    subject: Still thinking it over?\n    body: \"<p>We’ve noticed something you might like.</p>\"\n  - id: rest\n    subject: x\n    body: x\n";
        let f = check_cell_with(
            "creepy-reference",
            campaign,
            "browsing: { viewed: [boots] }",
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn the_phrases_are_written_folded() {
        for phrase in super::INFERENCE_PHRASES {
            assert_eq!(crate::rules::text::fold_term(phrase), *phrase);
        }
    }

    #[test]
    fn does_not_fire_with_consent() {
        for consent in ["true", "\"yes\""] {
            let f = check_cell_with(
                "creepy-reference",
                TEA,
                &format!(
                    "browsing: {{ recent_categories: [herbal tea], switched_from: coffee }}\nconsent: {{ sensitive: {consent} }}"
                ),
            );
            assert!(f.is_empty(), "{consent}: {f:?}");
        }
    }

    #[test]
    fn does_not_fire_without_sensitive_data() {
        let campaign = "variants:\n  - id: a\n    audience: { field: loyalty.tier, eq: gold }\n    subject: Gold picks\n    body: \"<p>We noticed you love gold, {{first_name}}. Herbal tea inside.</p>\"\n  - id: rest\n    subject: x\n    body: x\n";
        let f = check_cell_with(
            "creepy-reference",
            campaign,
            "loyalty: { tier: gold }\nfirst_name: Ann",
        );
        assert!(f.is_empty(), "{f:?}");
        // A sensitive audience whose copy does not refer to it.
        let quiet = "variants:\n  - id: a\n    audience: { field: browsing.recent_categories, contains: herbal tea }\n    subject: New teas\n    body: \"<p>New spring teas have landed.</p>\"\n";
        let f = check_cell_with(
            "creepy-reference",
            quiet,
            "browsing: { recent_categories: [herbal tea] }",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
