//! `missing-fallback`: a token prints a field this profile does not have, and
//! nothing stands in for it.

use crate::audience::is_blank;
use crate::finding::Severity;

use crate::rule_id::RuleId;

use super::fix::FixOf;
use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct MissingFallback;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::MissingFallback,
    default_severity: Severity::Error,
    summary: "A token reads a field that is missing, null, empty or blank for this profile, with no fallback.",
    why: "The customer sees \"Hi ,\" or \"Dear  Smith\" in place of a name: the most common personalization failure, and the most visible one, since it sits in the subject line or the greeting.",
    example: "subject: \"{{first_name}}, your gold picks\"\nprofile: { last_name: Ng }   # no first_name\nrenders: \", your gold picks\"",
    fix: "Give the token the fallback its dialect spells: {{default first_name \"there\"}} in mergeproof's own, {{insert first_name \"default=there\"}} in SendGrid, {{#if first_name}}{{first_name}}{{else}}there{{/if}} in Handlebars.js and Mailchimp Transactional, {{#first_name}}{{.}}{{/first_name}}{{^first_name}}there{{/first_name}} in Postmark (each finding's fix shows the one for its campaign; `mergeproof explain RULE --dialect D` too); or restrict the variant's audience to profiles that have the field ({ field: first_name, exists: true }).",
    fix_in: Some(super::fix::fallback_in),
    accept: "When a blank really is fine for this variant, add to it:\n  allow:\n    - { rule: missing-fallback, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

impl Rule for MissingFallback {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        for (field, template, rendered) in cx.fields() {
            for rt in CellContext::rendered_tokens(template, rendered) {
                // The reads with nothing to print, by their index.
                let missing: Vec<usize> = rt
                    .token
                    .reads
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.fallback.is_none())
                    .filter(|(_, r)| {
                        // Inside {{#each}} the path names every item: judge by
                        // what this occurrence printed.
                        if rt.token.in_loop {
                            rt.text.trim().is_empty()
                        } else {
                            is_blank(cx.value(&r.path))
                        }
                    })
                    .map(|(i, _)| i)
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                out.push(cx.draft(DOC.id, field, rt.token.loc.clone(), || {
                    let token = rt.token;
                    let paths: Vec<&str> = missing
                        .iter()
                        .map(|&i| token.reads[i].path.as_str())
                        .collect();
                    let states: Vec<&str> = paths.iter().map(|p| describe(cx.value(p))).collect();
                    let state = if states.iter().all(|s| *s == states[0]) {
                        states[0]
                    } else {
                        "missing or blank"
                    };
                    let verb = if missing.len() == 1 { "is" } else { "are" };
                    let fix = match missing.as_slice() {
                        [read] => cx.fallback_fix(token, *read),
                        _ => cx
                            .facts
                            .fixes
                            .fix(token, FixOf::Several(missing.clone()), || {
                                super::fix::several(cx.campaign.dialect, token, &paths)
                            }),
                    };
                    Words::new(
                        format!(
                            "`{}` has no fallback and `{}` {verb} {state} for this profile",
                            token.expression,
                            paths.join("`, `"),
                        ),
                        excerpt(&rendered.plain.text, rt.span.start, rt.span.end, 24),
                    )
                    .with_fix(Some(fix))
                }));
            }
        }
    }
}

fn describe(value: Option<&serde_json::Value>) -> &'static str {
    match value {
        None => "missing",
        Some(serde_json::Value::Null) => "null",
        Some(serde_json::Value::String(s)) if s.is_empty() => "empty",
        Some(_) => "blank",
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::check_cell_with;

    const CAMPAIGN: &str = "control: plain\nvariants:\n  - id: hello\n    subject: \"{{first_name}}, your gold picks\"\n    body: \"<p>Hi {{default first_name \\\"there\\\"}}</p>{{#if nickname}}<p>Aka {{nickname}}</p>{{/if}}\"\n  - id: plain\n    subject: Spring picks\n    body: Hello\n";

    #[test]
    fn the_hidden_preheader_is_checked_as_the_preheader() {
        let body = "<span class=\\\"preheader\\\" style=\\\"display:none;mso-hide:all\\\">{{sender}} with {{org}} has invited you</span><p>Hello</p>";
        let campaign =
            format!("variants:\n  - id: v\n    subject: Invitation\n    body: \"{body}\"\n");
        let found = check_cell_with("missing-fallback", &campaign, "org: Okafor & Partners");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, crate::finding::Field::Preheader);
        assert!(
            found[0].message.contains("`sender` is missing"),
            "{}",
            found[0].message
        );
        assert!(
            check_cell_with("missing-fallback", &campaign, "sender: Bo\norg: Okafor").is_empty()
        );
        // A preheader of the variant's own is what the inbox shows instead.
        let own = format!(
            "variants:\n  - id: v\n    subject: Invitation\n    preheader: You are invited\n    body: \"{body}\"\n"
        );
        assert!(check_cell_with("missing-fallback", &own, "org: Okafor").is_empty());
    }

    #[test]
    fn a_mustache_section_over_a_list_reads_each_item() {
        for dialect in ["mergeproof", "handlebars", "sendgrid"] {
            let campaign = format!(
                "dialect: {dialect}\nvariants:\n  - id: v\n    subject: Hi\n    body: \"<ul>{{{{#items}}}}<li>{{{{name}}}}</li>{{{{/items}}}}</ul>\"\n"
            );
            let complete = "items: [{name: Lamp}, {name: Rug}]";
            assert!(
                check_cell_with("missing-fallback", &campaign, complete).is_empty(),
                "{dialect}: a list whose items all have a name"
            );
            let found = check_cell_with(
                "missing-fallback",
                &campaign,
                "items: [{name: Lamp}, {sku: 7}]",
            );
            assert_eq!(found.len(), 1, "{dialect}: {found:?}");
            // On an object, the section reads it once.
            assert!(
                check_cell_with("missing-fallback", &campaign, "items: {name: Lamp}").is_empty()
            );
            assert_eq!(
                check_cell_with("missing-fallback", &campaign, "items: {sku: 7}").len(),
                1,
                "{dialect}"
            );
        }
    }

    #[test]
    fn fires_on_a_missing_name_in_the_subject() {
        let found = check_cell_with("missing-fallback", CAMPAIGN, "last_name: Ng");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, crate::finding::Field::Subject);
        assert!(
            found[0].message.contains("`first_name` is missing"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].excerpt, ", your gold picks");
        assert_eq!((found[0].loc.line, found[0].loc.column), (4, 15));
    }

    #[test]
    fn fires_on_blank_and_null_values() {
        for data in [
            "first_name: \"   \"",
            "first_name: null",
            "first_name: \"\"",
        ] {
            assert_eq!(
                check_cell_with("missing-fallback", CAMPAIGN, data).len(),
                1,
                "{data}"
            );
        }
    }

    #[test]
    fn names_every_missing_path_in_one_sentence() {
        let campaign = "variants:\n  - id: a\n    subject: Hi\n    body: \"<p>{{currency account.balance account.currency}}</p>\"\n";
        let found = check_cell_with("missing-fallback", campaign, "first_name: Hannah");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .ends_with("`account.balance`, `account.currency` are missing for this profile"),
            "{}",
            found[0].message
        );
        let found = check_cell_with("missing-fallback", campaign, "account: { balance: null }");
        assert!(
            found[0].message.contains("are missing or blank"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn does_not_fire_when_present() {
        assert!(check_cell_with("missing-fallback", CAMPAIGN, "first_name: Loren").is_empty());
    }

    #[test]
    fn guarded_tokens_do_not_fire() {
        // `default` and `#if nickname` guard their tokens; no nickname, no first name.
        let found = check_cell_with(
            "missing-fallback",
            CAMPAIGN,
            "first_name: Loren\nnickname: \"\"",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn an_audience_that_requires_the_field_guards_it() {
        let campaign = "variants:\n  - id: named\n    audience: { field: first_name, exists: true }\n    subject: \"{{first_name}}, hi\"\n    body: x\n  - id: rest\n    subject: Hi\n    body: x\n";
        // The profile without a name receives `rest`, so nothing fires; the
        // token itself counts as guarded by the audience.
        assert!(check_cell_with("missing-fallback", campaign, "last_name: Ng").is_empty());
        assert!(check_cell_with("missing-fallback", campaign, "first_name: Ann").is_empty());
    }
}
