//! `guard-mismatch`: a block tests one field and prints, inside it, a field
//! with a near-identical name that nothing tests (Mailmason's footer:
//! `{{#if googleplus_url}}…{{google_plus_url}}`). The guard protects
//! nothing: a customer with the tested field and without the printed one
//! gets an empty link or a gap, and one with only the printed field never
//! sees it.
//!
//! Near-identical: the same after removing `_`, `-` and case, or within two
//! edits when both names' last parts are four characters or more (so `id`
//! and `ip` are not taken for one another). A field under the tested one
//! (`{{#if user}}{{user.name}}`) is what a guard is for, not a mismatch.
//!
//! In Postmark a name inside a section is read from the section's value
//! (`{{#a}}{{b}}{{/a}}` reads `a.b`), so a near name there prints nothing
//! for everyone: `missing-fallback` and `broken-link` report that.
//!
//! The defect is the template's: it is reported for every profile for which
//! the token printed inside the block, at the printed token, as
//! `unescaped-data` is.

use crate::finding::{Fix, Severity};
use crate::rule_id::RuleId;
use crate::template::{CompiledCampaign, CompiledTemplate, Token};

use super::{CampaignChecks, CellContext, Draft, Rule, RuleDoc, TemplateFacts, Words, excerpt};

pub(super) struct GuardMismatch;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::GuardMismatch,
    default_severity: Severity::Warning,
    summary: "A block tests one field and prints, inside it, a field with a near-identical name that nothing tests: the guard protects nothing.",
    why: "`{{#if googleplus_url}}<a href=\"{{google_plus_url}}\">` looks guarded and reads fine in review. But the test and the print read two fields: a customer with one and not the other gets an empty link, and the preview with complete sample data never shows it.",
    example: "body: \"{{#if googleplus_url}}<a href=\\\"{{google_plus_url}}\\\">Google+</a>{{/if}}\"\nprofile: { googleplus_url: \"https://plus.example/ana\" }   # no google_plus_url\nrenders: <a href=\"\">Google+</a>",
    fix: "Test the field you print, or print the field you test: one name in both places ({{#if google_plus_url}}…{{google_plus_url}}…{{/if}}).",
    fix_in: None,
    accept: "When the two fields really are different and the guard is meant for the other one, add to the variant:\n  allow:\n    - { rule: guard-mismatch, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

impl Rule for GuardMismatch {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn reads_body_html(&self, checks: &CampaignChecks<'_>, body: &CompiledTemplate) -> bool {
        mismatches(&checks.facts, checks.campaign)
            .0
            .contains_key(body.key.as_str())
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let mismatches = mismatches(cx.facts, cx.campaign);
        for (field, template, rendered) in cx.fields() {
            // Whether a token mismatches is the token's own, found once per
            // campaign: most templates have none, and are done here.
            let Some(in_template) = mismatches.0.get(template.key.as_str()) else {
                continue;
            };
            let mut seen = vec![false; in_template.len()];
            // The output, not the visible text: a link's `href` is printed
            // too.
            let output = &rendered.output;
            for span in &output.spans {
                let Some(at) = in_template.iter().position(|m| m.token == span.token) else {
                    continue;
                };
                if std::mem::replace(&mut seen[at], true) {
                    continue;
                }
                let Some(token) = template.token(span.token) else {
                    continue;
                };
                let Mismatch {
                    tested, printed, ..
                } = &in_template[at];
                out.push(cx.draft(DOC.id, field, token.loc.clone(), || {
                    Words::new(
                        format!(
                            "`{}` prints `{printed}` inside a block that tests `{tested}`, which it does not print: nothing tests `{printed}`",
                            token.expression
                        ),
                        excerpt(&output.text, span.start, span.end, 24),
                    )
                    .with_fix(Some(fix(token, tested, printed)))
                }));
            }
        }
    }
}

/// The campaign's [`Mismatches`], found once.
fn mismatches<'a>(facts: &'a TemplateFacts, campaign: &CompiledCampaign) -> &'a Mismatches {
    facts
        .guard_mismatch
        .get_or_init(|| Mismatches::of(campaign))
}

/// The tokens of each template of a campaign (by its key) that print a
/// field near one their blocks test; templates without any are left out.
#[derive(Debug, Default)]
pub(super) struct Mismatches(foldhash::HashMap<String, Vec<Mismatch>>);

/// A token that prints a field near one its blocks test.
#[derive(Debug)]
pub(super) struct Mismatch {
    token: u32,
    tested: String,
    printed: String,
}

impl Mismatches {
    fn of(campaign: &CompiledCampaign) -> Mismatches {
        Mismatches(super::by_template(campaign, |template| {
            let found: Vec<Mismatch> = template
                .analysis
                .tokens
                .iter()
                .filter_map(|token| {
                    let (tested, printed) = mismatch(token)?;
                    Some(Mismatch {
                        token: token.index,
                        tested: tested.to_string(),
                        printed: printed.to_string(),
                    })
                })
                .collect();
            (!found.is_empty()).then_some(found)
        }))
    }
}

/// The tested and the printed field, when the token prints a field near the
/// name of one its blocks test but tested by none of them.
fn mismatch(token: &Token) -> Option<(&str, &str)> {
    token
        .reads
        .iter()
        .map(|r| r.path.as_str())
        .filter(|printed| !token.guarded_by.iter().any(|g| g == printed))
        .find_map(|printed| {
            token
                .guarded_by
                .iter()
                .rev()
                .find(|tested| near_identical(tested, printed))
                .map(|tested| (tested.as_str(), printed))
        })
}

/// The same name but for `_`, `-` and case, or two edits apart, and neither
/// under the other.
fn near_identical(a: &str, b: &str) -> bool {
    let under = |inner: &str, outer: &str| {
        inner.len() > outer.len()
            && inner.starts_with(outer)
            && inner.as_bytes()[outer.len()] == b'.'
    };
    if a == b || under(b, a) || under(a, b) {
        return false;
    }
    // Asked in every cell of the same names: compared without building
    // strings.
    fn squeeze(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
    }
    if squeeze(a).eq(squeeze(b)) {
        return true;
    }
    let last = |s: &str| s.rsplit('.').next().unwrap_or(s).chars().count();
    last(a) >= 4 && last(b) >= 4 && crate::source::within_edits(a, b, 2)
}

/// Print the field the block tests, in place of the token's own.
fn fix(token: &Token, tested: &str, printed: &str) -> Fix {
    let written = token.expression.as_str();
    if token.written_path.as_deref() == Some(printed) {
        let to = written.replacen(printed, tested, 1);
        return Fix::edit(
            format!(
                "Print the field the block tests: {to}; or test the one you print (`{printed}`) in the block."
            ),
            written,
            to,
        );
    }
    Fix::advice(format!(
        "Test the field you print (`{printed}`) in the block, or print the one it tests (`{tested}`): one name in both places, or accept the finding with a reason."
    ))
}

#[cfg(test)]
mod tests {
    use super::near_identical;
    use crate::testkit::{check_cell_with, in_dialect};

    #[test]
    fn mismatches_are_found_once_per_campaign_for_the_templates_that_have_one() {
        let campaign = crate::testkit::compiled(
            "variants:\n  - id: a\n    subject: \"{{#if first_name}}Hi {{first_name}}{{/if}}\"\n    body: \"{{#if googleplus_url}}<a href=\\\"{{google_plus_url}}\\\">G+</a>{{/if}} {{first_name}}\"\n",
        );
        let found = super::Mismatches::of(&campaign);
        let keys: Vec<&String> = found.0.keys().collect();
        assert_eq!(keys, [&campaign.variants[0].body.key], "{found:?}");
        let body = &found.0[&campaign.variants[0].body.key];
        assert_eq!(body.len(), 1, "{body:?}");
        assert_eq!(
            (body[0].tested.as_str(), body[0].printed.as_str()),
            ("googleplus_url", "google_plus_url")
        );
    }

    #[test]
    fn fires_on_a_guard_that_tests_a_near_identical_field() {
        let profile = "googleplus_url: https://plus.example/ana\ngoogle_plus_url: https://plus.example/ana\ncustomer: { firstname: Ana, first_name: Ana }";
        for (dialect, template) in [
            (
                "mergeproof",
                "{{#if googleplus_url}}<a href=\"{{google_plus_url}}\">G+</a>{{/if}}",
            ),
            (
                "handlebars",
                "{{#if customer.firstname}}Hi {{customer.first_name}}{{/if}}",
            ),
            (
                "sendgrid",
                "{{#if googleplus_url}}<a href=\"{{google_plus_url}}\">G+</a>{{/if}}",
            ),
            (
                "mandrill",
                "{{#if googleplus_url}}<a href=\"{{google_plus_url}}\">G+</a>{{/if}}",
            ),
        ] {
            let f = check_cell_with("guard-mismatch", &in_dialect(dialect, template), profile);
            assert_eq!(f.len(), 1, "{dialect}: {f:?}");
            assert!(f[0].message.contains("nothing tests"), "{}", f[0].message);
            let fix = f[0].fix.as_ref().unwrap();
            assert!(fix.replacement.is_some(), "{dialect}: {fix:?}");
        }
    }

    #[test]
    fn does_not_fire_on_guards_that_test_what_they_print() {
        let profile =
            "first_name: Ana\nuser: { name: Ana, id: 7, ip: x }\nitems: [a]\nurl: u\nuri: v";
        for (dialect, template) in [
            ("mergeproof", "{{#if first_name}}Hi {{first_name}}{{/if}}"),
            ("handlebars", "{{#if user}}Hi {{user.name}}{{/if}}"),
            ("handlebars", "{{#if user.id}}{{user.ip}}{{/if}}"),
            ("sendgrid", "{{#if url}}{{uri}}{{/if}}"),
            (
                "postmark",
                "{{#first_name}}Hi {{first_name}}{{/first_name}}",
            ),
            (
                "mergeproof",
                "{{#if first_name}}{{#if last_name}}{{last_name}}{{/if}}{{/if}}",
            ),
        ] {
            let f = check_cell_with("guard-mismatch", &in_dialect(dialect, template), profile);
            assert!(f.is_empty(), "{dialect} {template}: {f:?}");
        }
    }

    #[test]
    fn near_identical_names() {
        assert!(near_identical("googleplus_url", "google_plus_url"));
        assert!(near_identical("customer.firstname", "customer.first_name"));
        assert!(near_identical("first_name", "first_nme"));
        // Two edits are near; three are not.
        assert!(near_identical("first_name", "frst_nme"));
        assert!(!near_identical("first_name", "fst_nme"));
        assert!(!near_identical("user", "user.name"));
        assert!(!near_identical("id", "ip"));
        assert!(!near_identical("first_name", "last_name"));
    }
}
