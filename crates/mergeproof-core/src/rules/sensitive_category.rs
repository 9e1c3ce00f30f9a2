//! `sensitive-category`: a variant in a sensitive category (baby, alcohol,
//! health, …) reaches a profile its policy excludes.
//!
//! A variant's categories are the campaign's plus its own. For each one with a
//! policy in `sensitive_categories`, the profile must be at least `min_age`
//! (an unknown age fails: nobody can tell) and must satisfy `requires`. The
//! finding is about the audience that let the profile through, so it is
//! located at the variant's `audience` (or the variant, when it has none).

use crate::audience::as_number;
use crate::finding::{Field, Severity};

use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct SensitiveCategory;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::SensitiveCategory,
    default_severity: Severity::Error,
    summary: "A variant in a sensitive category reaches a profile under the category's min_age, or that fails its requires, or whose age is unknown.",
    why: "An audience that checks the household, not the reader, sends diaper promotions to a 16-year-old on the family account and wine offers to minors. Some of these are legal problems, all of them are trust problems.",
    example: "categories: [baby]            # baby: { min_age: 18, requires: { field: household.has_infant, eq: true } }\naudience: { field: household.has_infant, eq: true }\nprofile: { age: 16, household: { has_infant: true } }",
    fix: "Add the policy's conditions to the variant's audience (`{ field: age, gte: 18 }` and the `requires` condition), so that only the people the category is meant for receive it. The policies are `sensitive_categories` in mergeproof.yaml.",
    fix_in: None,
    accept: "When the policy does not apply to this campaign (a parenting newsletter to a verified list), add to the variant:\n  allow:\n    - { rule: sensitive-category, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

impl Rule for SensitiveCategory {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let campaign = &cx.campaign.campaign;
        let categories = campaign.categories.iter().chain(
            cx.variant
                .categories
                .iter()
                .filter(|c| !campaign.categories.contains(c)),
        );
        // One finding per profile, naming every category it must not get: the
        // fix (the audience) is one place.
        let mut breaches = Vec::new();
        for category in categories {
            let Some(policy) = cx.config.sensitive_categories.get(category) else {
                continue;
            };
            let mut reasons = Vec::new();
            if let Some(min_age) = policy.min_age {
                let age_field = &cx.config.fields.age;
                match cx.value(age_field).and_then(as_number) {
                    None => reasons.push(format!(
                        "is for readers aged {min_age} or over, and this profile's age (`{age_field}`) is unknown"
                    )),
                    Some(age) if age < min_age => reasons.push(format!(
                        "is for readers aged {min_age} or over, and this profile is {age}"
                    )),
                    Some(_) => {}
                }
            }
            if let Some(requires) = &policy.requires
                && !requires.matches(&cx.profile.data)
            {
                reasons.push(format!(
                    "requires {}, which this profile does not meet",
                    describe(requires)
                ));
            }
            if !reasons.is_empty() {
                breaches.push(format!("`{category}` {}", reasons.join(" and ")));
            }
        }
        if breaches.is_empty() {
            return;
        }
        let loc = cx
            .variant
            .audience_loc
            .clone()
            .unwrap_or_else(|| cx.variant.loc.clone());
        let mut draft = cx.draft(DOC.id, Field::Audience, loc, || {
            Words::new(
                format!(
                    "variant `{}` is in a sensitive category this profile must not receive: {}",
                    cx.variant.id,
                    breaches.join("; ")
                ),
                first_words(cx),
            )
        });
        draft.reviewed_text = draft.message.as_str().into();
        out.push(draft);
    }
}

/// What the profile reads first: the subject, or the body of an SMS.
fn first_words(cx: &CellContext<'_>) -> String {
    let text = cx
        .cell
        .subject
        .as_ref()
        .map_or(&cx.cell.body.plain.text, |s| &s.plain.text);
    let end = text.char_indices().nth(60).map_or(text.len(), |(i, _)| i);
    excerpt(text, 0, end, 0)
}

/// A policy condition as a person wrote it, for the message.
fn describe(condition: &crate::audience::Condition) -> String {
    use crate::audience::Condition;
    match condition {
        Condition::Leaf(leaf) => format!("`{}` {}", leaf.field, describe_op(&leaf.op)),
        Condition::All(list) => list.iter().map(describe).collect::<Vec<_>>().join(" and "),
        Condition::Any(list) => format!(
            "({})",
            list.iter().map(describe).collect::<Vec<_>>().join(" or ")
        ),
        Condition::Not(inner) => format!("not {}", describe(inner)),
    }
}

fn describe_op(op: &crate::audience::Op) -> String {
    use crate::audience::Op;
    let value = |v: &serde_json::Value| v.to_string();
    let list = |l: &[serde_json::Value]| l.iter().map(value).collect::<Vec<_>>().join(", ");
    match op {
        Op::Exists(true) => "to be set".into(),
        Op::Exists(false) => "to be absent".into(),
        Op::Eq(v) => format!("= {}", value(v)),
        Op::Ne(v) => format!("≠ {}", value(v)),
        Op::In(l) => format!("in [{}]", list(l)),
        Op::NotIn(l) => format!("not in [{}]", list(l)),
        Op::Gt(v) => format!("> {}", value(v)),
        Op::Gte(v) => format!("≥ {}", value(v)),
        Op::Lt(v) => format!("< {}", value(v)),
        Op::Lte(v) => format!("≤ {}", value(v)),
        Op::Contains(v) => format!("to contain {}", value(v)),
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Field;
    use crate::testkit::check_cell_with;

    const NURSERY: &str = "categories: [home]\nvariants:\n  - id: nursery\n    audience: { field: household.has_infant, eq: true }\n    categories: [baby]\n    subject: Nursery essentials\n    body: x\n  - id: rest\n    subject: Home week\n    body: x\n";

    #[test]
    fn fires_for_a_minor_in_a_household_with_an_infant() {
        let f = check_cell_with(
            "sensitive-category",
            NURSERY,
            "age: 16\nhousehold: { has_infant: true }",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Audience);
        assert!(f[0].message.contains("`baby`"), "{}", f[0].message);
        assert!(
            f[0].message.contains("this profile is 16"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].loc.line, 4);
        assert_eq!(f[0].excerpt, "Nursery essentials");
    }

    #[test]
    fn fires_when_the_age_is_unknown() {
        let f = check_cell_with(
            "sensitive-category",
            NURSERY,
            "household: { has_infant: true }\nage: \"\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("unknown"), "{}", f[0].message);
    }

    #[test]
    fn fires_when_requires_fails() {
        let campaign =
            "categories: [health]\nvariants:\n  - id: all\n    subject: Tea\n    body: x\n";
        let f = check_cell_with(
            "sensitive-category",
            campaign,
            "consent: { sensitive: false }",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("`consent.sensitive` = true"),
            "{}",
            f[0].message
        );
        // Without an audience the finding points at the variant.
        assert_eq!(f[0].loc.line, 3);
    }

    #[test]
    fn names_every_category_in_one_finding() {
        let campaign = "categories: [alcohol, health]\nvariants:\n  - id: all\n    subject: Wine\n    body: x\n";
        let f = check_cell_with("sensitive-category", campaign, "age: 19");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("`alcohol` is for readers aged 21 or over, and this profile is 19; `health` requires"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn does_not_fire_for_an_adult_who_meets_the_policy() {
        let f = check_cell_with(
            "sensitive-category",
            NURSERY,
            "age: 36\nhousehold: { has_infant: true }",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn does_not_fire_with_consent_or_outside_the_category() {
        let campaign =
            "categories: [health]\nvariants:\n  - id: all\n    subject: Tea\n    body: x\n";
        assert!(
            check_cell_with(
                "sensitive-category",
                campaign,
                "consent: { sensitive: true }"
            )
            .is_empty()
        );
        // The minor receives `rest`, which is not in `baby`.
        assert!(
            check_cell_with(
                "sensitive-category",
                NURSERY,
                "age: 16\nhousehold: { has_infant: false }"
            )
            .is_empty()
        );
    }
}
