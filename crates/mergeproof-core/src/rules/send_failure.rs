//! `send-failure`: the platform would not send this cell at all. The template
//! fails to render for this profile (a helper given a value it cannot take,
//! a partial named by data that does not exist), so the sending platform
//! renders nothing and the send is logged as failed; or the cell renders past
//! [`crate::limits::MAX_CELL_BYTES`], where mergeproof stops it (a loop over
//! a list in the data that runs to megabytes is no email anyone can send).
//!
//! Reported where the engine failed, when that is in the field's own
//! template text; else at the template's start.

use crate::finding::Severity;
use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words};

pub(super) struct SendFailure;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::SendFailure,
    default_severity: Severity::Error,
    summary: "The template fails to render for this profile, or renders past 8 MiB: the platform sends this customer nothing.",
    why: "A render error does not print a wrong word, it drops the whole email: the platform logs a failed send and the customer never hears from you. It happens to the profiles whose data the template did not expect, which is why a preview with tidy sample data never shows it.",
    example: "body: \"{{> (lookup . 'layout')}}\"\nprofile: { layout: winter }   # no partial named winter\nrenders: nothing; the send fails\n\nbody: \"{{#each orders}}{{#each ../orders}}…{{/each}}{{/each}}\"\nprofile: 3,000 orders   # renders past 8 MiB",
    fix: "Make the template accept every value the data can hold: guard the helper call with {{#if field}}…{{/if}}, give a partial name a fallback, bound a loop over a list the data may make long; or clean the data at the source.",
    fix_in: None,
    accept: "When the failing profiles can never be sent this campaign, add to the variant:\n  allow:\n    - { rule: send-failure, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

impl Rule for SendFailure {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        for (field, template, rendered) in cx.fields() {
            let Some(failure) = &rendered.error else {
                continue;
            };
            let loc = match failure.position {
                Some((line, column)) => template.source.position(
                    u32::try_from(line).unwrap_or(u32::MAX),
                    u32::try_from(column).unwrap_or(u32::MAX),
                ),
                None => template.source.start(),
            };
            out.push(cx.draft(DOC.id, field, loc, || {
                let message = if failure.too_large {
                    format!(
                        "the {field} renders past {} MiB for this profile, so mergeproof stopped it there: a loop or partial repeats over a list in the data that long; no platform sends an email that size",
                        crate::limits::MAX_CELL_BYTES >> 20
                    )
                } else {
                    format!(
                        "the {field} fails to render for this profile ({}), so the platform sends nothing",
                        crate::sanitize::visible(&failure.message)
                    )
                };
                // An output whose value the platform would not print (a
                // variable the person lacks, printed bare in Customer.io's
                // Liquid) gets its dialect's fallback.
                let fix = failure
                    .token
                    .and_then(|i| template.token(i))
                    .and_then(|token| {
                        token.reads.first()?;
                        Some(cx.fallback_fix(token, 0))
                    });
                Words::new(message, String::new()).with_fix(fix)
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{self, Options};
    use crate::project::load_project_from_memory;
    use crate::rule_id::RuleId;

    fn findings(body: &str, profile: &str) -> Vec<(String, u32, u32)> {
        let campaign = format!(
            "kind: transactional\nvariants:\n  - id: v\n    subject: Hi\n    body: |\n      {}\n",
            body.replace('\n', "\n      ")
        );
        let files = [
            ("campaigns/c.yaml".to_string(), campaign),
            ("sample-profiles/p.yaml".to_string(), profile.to_string()),
        ]
        .into_iter()
        .collect();
        let project = load_project_from_memory(&files);
        assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
        let run = engine::run(
            &project,
            &Options {
                edge_cases: false,
                ..Default::default()
            },
            &crate::review::Decisions::default(),
        );
        run.findings()
            .filter(|f| f.rule == RuleId::SendFailure)
            .map(|f| (f.message.clone(), f.line, f.column))
            .collect()
    }

    #[test]
    fn fires_at_the_tag_that_fails_to_render() {
        let found = findings(
            "<p>Hi</p>\n<p>{{> (lookup . 'layout')}}</p>",
            "id: p\nlayout: winter\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let (message, line, column) = &found[0];
        assert!(
            message.starts_with("the body fails to render for this profile ("),
            "{message}"
        );
        assert!(!message.contains("Unnamed template"), "{message}");
        // The body starts on line 6 of the campaign file, column 7.
        assert_eq!((*line, *column), (7, 10), "{message}");
    }

    #[test]
    fn fires_on_a_cell_past_the_budget_and_the_run_goes_on() {
        let started = std::time::Instant::now();
        let items: Vec<String> = (0..700).map(|i| format!("item number {i:>5}")).collect();
        let profile = format!("id: p\nitems: {}\n", serde_json::to_string(&items).unwrap());
        let found = findings(
            "{{#each items}}{{#each ../items}}{{#each ../../items}}{{this}}{{/each}}{{/each}}{{/each}}",
            &profile,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0.contains("renders past 8 MiB"), "{found:?}");
        // Loops that print nothing count their steps: four deep over 700
        // items would run 240 billion of them.
        let found = findings(
            "{{#each items}}{{#each ../items}}{{#each ../../items}}{{#each ../../../items}}{{/each}}{{/each}}{{/each}}{{/each}}",
            &profile,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn does_not_fire_when_the_cell_renders() {
        assert!(
            findings(
                "<p>{{#each items}}{{this}} {{/each}}</p>",
                "id: p\nitems: [a, b]\n"
            )
            .is_empty()
        );
        assert!(findings("<p>{{> (lookup . 'layout')}}</p>", "id: p\n").len() == 1);
        let long: Vec<String> = (0..2000).map(|i| format!("line {i}")).collect();
        let profile = format!("id: p\nitems: {}\n", serde_json::to_string(&long).unwrap());
        assert!(findings("{{#each items}}<p>{{this}}</p>{{/each}}", &profile).is_empty());
    }
}
