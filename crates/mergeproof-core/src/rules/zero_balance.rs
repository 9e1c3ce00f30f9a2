//! `zero-balance`: a balance, points or credit figure is printed although it
//! is zero, negative or missing for this profile.
//!
//! Only a comparison that admits values above zero protects the figure:
//! `{{#if (gt account.balance 0)}}` or an audience with `gt: 0`. A plain
//! `{{#if account.balance}}` does not, since Handlebars treats -42.17 as true.

use crate::audience::as_number;
use crate::config::Config;
use crate::finding::{Fix, Severity};
use crate::rule_id::RuleId;
use crate::template::CompiledCampaign;

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct ZeroBalance;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::ZeroBalance,
    default_severity: Severity::Error,
    summary: "A rendered balance, points or credit figure is zero, negative or missing for this profile, with no guard that requires it to be above zero.",
    why: "\"You have $0.00 to spend!\" is a reminder that the customer has nothing; \"-$42.17 to spend\" is a billing error in a marketing email. Both cost more trust than the campaign earns.",
    example: "body: \"You have {{currency account.balance account.currency}} to spend\"\nprofile: { account: { balance: 0 } }\nrenders: \"You have $0.00 to spend\"",
    fix: "Guard the sentence so it shows only amounts above zero, with copy for the others: {{#if (gt loyalty.points 0)}}…{{else}}…{{/if}} in mergeproof's own dialect, {{#greaterThan loyalty.points 0}} in SendGrid, {{#if `loyalty.points > 0`}} in Mailchimp Transactional; Handlebars.js and Postmark cannot compare, so there restrict the variant's audience ({ field: loyalty.points, gt: 0 }). Each finding's fix names its own field. A plain truthiness test is not enough: negative numbers are true. The figures checked are `balance_fields` in mergeproof.yaml.",
    fix_in: Some(super::fix::positive_in),
    accept: "When showing a zero is intended (a statement), add to the variant:\n  allow:\n    - { rule: zero-balance, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

impl Rule for ZeroBalance {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let figures = cx
            .facts
            .zero_balance
            .get_or_init(|| Figures::of(cx.campaign, cx.config));
        for (field, template, rendered) in cx.fields() {
            // Most templates print no balance: done without looking at a span.
            let Some(by_token) = figures.0.get(template.key.as_str()) else {
                continue;
            };
            let mut reported: Vec<u32> = Vec::new();
            for rt in CellContext::rendered_tokens(template, rendered) {
                let Some(reads) = by_token.get(rt.token.index as usize) else {
                    continue;
                };
                if reads.is_empty() || reported.contains(&rt.token.index) {
                    continue;
                }
                for read in reads {
                    let value = cx.value(&read.path);
                    let state = match value.and_then(as_number) {
                        None if value.is_some_and(|v| !v.is_null()) => "not a number",
                        None => "missing",
                        Some(0.0) => "zero",
                        Some(n) if n < 0.0 => "negative",
                        Some(_) => continue,
                    };
                    reported.push(rt.token.index);
                    let after = &rendered.plain.text[rt.span.end..];
                    let before_a_word = after
                        .strip_prefix(' ')
                        .is_some_and(|rest| rest.starts_with(char::is_alphabetic));
                    out.push(cx.draft(DOC.id, field, rt.token.loc.clone(), || {
                        Words::new(
                            format!(
                                "`{}` prints `{}` with no guard that it is above zero, and it is {state} for this profile",
                                rt.token.expression, read.path
                            ),
                            excerpt(&rendered.plain.text, rt.span.start, rt.span.end, 24),
                        )
                        .with_fix(Some(read.fixes[usize::from(before_a_word)].clone()))
                    }));
                    break;
                }
            }
        }
    }
}

/// The balance figures each template of a campaign prints with no guard
/// that they are above zero: by template key, then by token index, the
/// reads and their fixes. Templates that print none are left out.
#[derive(Debug, Default)]
pub(super) struct Figures(foldhash::HashMap<String, Vec<Vec<Figure>>>);

/// A balance field a token prints unguarded, and its fix when the figure
/// is followed by a word and when it is not.
#[derive(Debug)]
pub(super) struct Figure {
    path: String,
    fixes: [std::sync::Arc<Fix>; 2],
}

impl Figures {
    fn of(campaign: &CompiledCampaign, config: &Config) -> Figures {
        Figures(super::by_template(campaign, |template| {
            let by_token: Vec<Vec<Figure>> = template
                .analysis
                .tokens
                .iter()
                .map(|token| {
                    token
                        .reads
                        .iter()
                        .filter(|r| !r.positive_guard && config.is_balance_field(&r.path))
                        .map(|r| Figure {
                            path: r.path.clone(),
                            fixes: [false, true].map(|before_a_word| {
                                super::fix::positive_guard(
                                    campaign.dialect,
                                    token,
                                    &r.path,
                                    before_a_word,
                                )
                                .into()
                            }),
                        })
                        .collect()
                })
                .collect();
            by_token
                .iter()
                .any(|reads| !reads.is_empty())
                .then_some(by_token)
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::check_cell_with;

    const CAMPAIGN: &str = "variants:\n  - id: credit\n    subject: Your statement\n    body: \"<p>You have {{currency account.balance account.currency}} to spend.</p>\"\n";

    #[test]
    fn fires_on_zero_negative_and_missing() {
        for (profile, state) in [
            ("account: { balance: 0, currency: USD }", "zero"),
            ("account: { balance: -42.17, currency: USD }", "negative"),
            ("first_name: Hannah", "missing"),
            ("account: { balance: null }", "missing"),
            ("account: { balance: \"n/a\" }", "not a number"),
        ] {
            let f = check_cell_with("zero-balance", CAMPAIGN, profile);
            assert_eq!(f.len(), 1, "{profile}: {f:?}");
            assert!(f[0].message.contains(state), "{profile}: {}", f[0].message);
            assert!(f[0].message.contains("`account.balance`"));
        }
        let f = check_cell_with("zero-balance", CAMPAIGN, "account: { balance: 0 }");
        assert_eq!(f[0].excerpt, "You have $0.00 to spend.");
    }

    #[test]
    fn a_truthiness_guard_does_not_protect_negatives() {
        let campaign = "variants:\n  - id: credit\n    subject: Hi\n    body: \"{{#if account.balance}}<p>You have {{account.balance}}.</p>{{/if}}\"\n";
        let f = check_cell_with("zero-balance", campaign, "account: { balance: -5 }");
        assert_eq!(f.len(), 1, "{f:?}");
        // Zero is false to `#if`: the token does not render, nothing to flag.
        assert!(check_cell_with("zero-balance", campaign, "account: { balance: 0 }").is_empty());
    }

    #[test]
    fn does_not_fire_when_positive_or_guarded() {
        assert!(check_cell_with("zero-balance", CAMPAIGN, "account: { balance: 12.5 }").is_empty());
        let guarded = "variants:\n  - id: points\n    subject: Hi\n    body: \"{{#if (gt loyalty.points 0)}}<p>{{loyalty.points}} points</p>{{else}}<p>Earn points</p>{{/if}}\"\n";
        for p in ["loyalty: { points: 0 }", "loyalty: { points: -3 }", "x: 1"] {
            assert!(
                check_cell_with("zero-balance", guarded, p).is_empty(),
                "{p}"
            );
        }
        let by_audience = "variants:\n  - id: credit\n    audience: { field: account.balance, gt: 0 }\n    subject: Hi\n    body: \"<p>{{account.balance}}</p>\"\n  - id: rest\n    subject: Hi\n    body: x\n";
        assert!(check_cell_with("zero-balance", by_audience, "account: { balance: 0 }").is_empty());
    }

    #[test]
    fn does_not_fire_on_fields_that_are_not_balances() {
        let campaign =
            "variants:\n  - id: a\n    subject: Hi\n    body: \"<p>{{order.count}} orders</p>\"\n";
        assert!(check_cell_with("zero-balance", campaign, "order: { count: 0 }").is_empty());
    }

    #[test]
    fn the_fix_says_no_before_a_word_and_none_at_the_end() {
        let campaign = "variants:\n  - id: a\n    subject: \"{{loyalty.points}}\"\n    body: \"<p>You have {{loyalty.points}} points.</p>\"\n";
        let f = check_cell_with("zero-balance", campaign, "loyalty: { points: 0 }");
        let fix = |field: crate::finding::Field| {
            let d = f.iter().find(|d| d.field == field).unwrap();
            d.fix.as_ref().unwrap().replacement.clone().unwrap()
        };
        let (body, subject) = (
            fix(crate::finding::Field::Body),
            fix(crate::finding::Field::Subject),
        );
        assert!(body.contains("no") && !body.contains("none"), "{body}");
        assert!(subject.contains("none"), "{subject}");
    }

    #[test]
    fn templates_that_print_no_balance_are_left_out() {
        let campaign = crate::testkit::compiled(
            "variants:\n  - id: a\n    subject: \"Hi {{first_name}}\"\n    body: \"<p>{{account.balance}} to spend</p>\"\n",
        );
        let figures = super::Figures::of(&campaign, &crate::config::Config::default());
        let keys: Vec<&String> = figures.0.keys().collect();
        assert_eq!(keys, [&campaign.variants[0].body.key], "{figures:?}");
    }
}
