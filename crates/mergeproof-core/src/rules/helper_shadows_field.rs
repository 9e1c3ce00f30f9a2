//! `helper-shadows-field`: `{{date}}`, `{{title}}`, `{{upper}}` and the like
//! call a helper of the campaign's dialect, so the profile's field of that
//! name is never printed.
//!
//! Handlebars (Handlebars.js and every platform built on it) calls a helper
//! before it looks for a field: in the `mergeproof` dialect `{{date}}` is the
//! date helper with nothing to format, and prints nothing; on Mailchimp
//! Transactional it prints today's date. Reported for each profile that holds
//! the field, as that is who receives the wrong text.

use serde_json::Value;

use crate::audience::is_blank;
use crate::finding::Severity;
use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words, excerpt};

pub(super) struct HelperShadowsField;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::HelperShadowsField,
    default_severity: Severity::Warning,
    summary: "A field is named like a helper of the dialect, so {{name}} calls the helper and the field is never printed.",
    why: "The receipt's heading reads `<h3></h3>` for every customer: `{{date}}` ran the date helper with nothing to format instead of printing the order's `date`. A preview tool that looked the field up would have shown the date and passed it.",
    example: "dialect: mergeproof\n  <h3>Order of {{date}}</h3>\nprofile: { date: \"2026-12-01\" }",
    fix: "Write {{this.date}} (or {{./date}}), which always reads the field; or call the helper with the field: {{date date}}.",
    fix_in: None,
    accept: "When calling the helper is what you mean (today's date on Mailchimp Transactional), add to the variant:\n  allow:\n    - { rule: helper-shadows-field, reason: \"…why…\" }",
};

impl Rule for HelperShadowsField {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        for template in cx.compiled.templates() {
            for token in &template.analysis.tokens {
                let Some(field) = &token.shadowed_field else {
                    continue;
                };
                if first_value(&cx.profile.data, field).is_none() {
                    continue;
                }
                out.push(cx.draft(DOC.id, template.field, token.loc.clone(), || {
                    // What the customer reads where the field was meant to be.
                    let shown = cx
                        .cell
                        .field(template.field)
                        .and_then(|f| {
                            let span = f.plain.spans_of(token.index).next()?;
                            Some(excerpt(&f.plain.text, span.start, span.end, 30))
                        })
                        .unwrap_or_default();
                    let helper = token.helper.as_deref().unwrap_or_default();
                    let this = format!("{{{{this.{helper}}}}}");
                    Words::new(
                        format!(
                            "`{}` calls the {} dialect's helper `{helper}`, so the profile's `{field}` is never printed; `{this}` prints it",
                            token.expression,
                            cx.campaign.dialect.name(),
                        ),
                        shown,
                    )
                    .with_fix(Some(super::fix::read_the_field(token, helper)))
                }));
            }
        }
    }
}

/// The first value that is not blank at a dotted path, where `[]` stands for
/// each item of a list.
fn first_value<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    let (head, rest) = match path.split_once(".[]") {
        Some((head, rest)) => (head, Some(rest.trim_start_matches('.'))),
        None => (path, None),
    };
    let value = crate::audience::value_at(data, head)?;
    match rest {
        None => (!is_blank(Some(value))).then_some(value),
        Some(rest) => value
            .as_array()?
            .iter()
            .find_map(|item| first_value(item, rest)),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::check_cell_with;

    fn campaign(dialect: &str, body: &str) -> String {
        format!(
            "dialect: {dialect}\nvariants:\n  - id: a\n    subject: Receipt\n    body: {}\n",
            serde_json::to_string(body).unwrap()
        )
    }

    #[test]
    fn fires_when_a_profile_holds_the_shadowed_field() {
        let f = check_cell_with(
            "helper-shadows-field",
            &campaign("mergeproof", "<h3>{{date}}</h3>"),
            "date: \"2026-12-01\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .contains("`{{date}}` calls the mergeproof dialect's helper `date`")
                && f[0].message.contains("`{{this.date}}` prints it"),
            "{}",
            f[0].message
        );
        // In a loop, the field of the items.
        let looped = campaign("mergeproof", "{{#each posts}}<h2>{{title}}</h2>{{/each}}");
        let f = check_cell_with(
            "helper-shadows-field",
            &looped,
            "posts: [ { title: \"One\" } ]",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        // Mailchimp Transactional's `date` shadows the field the same way.
        let f = check_cell_with(
            "helper-shadows-field",
            &campaign("mandrill", "{{date}}"),
            "date: \"2026-12-01\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn does_not_fire_without_the_field_or_where_the_field_is_read() {
        let c = campaign("mergeproof", "<h3>{{date}}</h3>");
        assert!(check_cell_with("helper-shadows-field", &c, "first_name: Ana").is_empty());
        let explicit = campaign("mergeproof", "{{this.date}} {{date date}}");
        assert!(
            check_cell_with("helper-shadows-field", &explicit, "date: \"2026-12-01\"").is_empty()
        );
        // Handlebars.js has no `date` helper: `{{date}}` prints the field.
        let plain = campaign("handlebars", "<h3>{{date}}</h3>");
        assert!(check_cell_with("helper-shadows-field", &plain, "date: \"2026-12-01\"").is_empty());
    }
}
