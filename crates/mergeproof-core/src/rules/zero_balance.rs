//! `zero-balance`: a balance, points or credit figure is printed although it
//! is zero, negative or missing for this profile.
//!
//! Only a comparison that admits values above zero protects the figure:
//! `{{#if (gt account.balance 0)}}` or an audience with `gt: 0`. A plain
//! `{{#if account.balance}}` does not, since Handlebars treats -42.17 as true.

use crate::audience::as_number;
use crate::finding::Severity;

use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, excerpt};

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
        for (field, template, rendered) in cx.fields() {
            let mut reported: Vec<u32> = Vec::new();
            for rt in CellContext::rendered_tokens(template, rendered) {
                if reported.contains(&rt.token.index) {
                    continue;
                }
                let unguarded = rt
                    .token
                    .reads
                    .iter()
                    .filter(|r| !r.positive_guard && cx.config.is_balance_field(&r.path));
                for read in unguarded {
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
                    let fix = super::fix::positive_guard(
                        cx.campaign.dialect,
                        rt.token,
                        &read.path,
                        before_a_word,
                    );
                    out.push(
                        cx.draft(
                            DOC.id,
                            field,
                            format!(
                                "`{}` prints `{}` with no guard that it is above zero, and it is {state} for this profile",
                                rt.token.expression, read.path
                            ),
                            rt.token.loc.clone(),
                            excerpt(&rendered.plain.text, rt.span.start, rt.span.end, 24),
                        )
                        .with_fix(Some(fix)),
                    );
                    break;
                }
            }
        }
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
}
