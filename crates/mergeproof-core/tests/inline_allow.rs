//! `{{!-- mergeproof-allow RULE: reason --}}` in a template accepts RULE for
//! the next token and the rest of its line; one that accepts nothing is a
//! note; one without a reason or with an unknown rule is a load error.

use std::collections::BTreeMap;

use mergeproof_core::engine::{self, Options};
use mergeproof_core::finding::Severity;
use mergeproof_core::project::load_project_from_memory;
use mergeproof_core::review::Decisions;
use mergeproof_core::rule_id::RuleId;

fn project(body: &str) -> mergeproof_core::project::Project {
    project_in("", body)
}

/// A campaign whose `named` variant has this body, after `header` (a
/// `dialect:` line, or nothing), and one gold sample profile.
fn project_in(header: &str, body: &str) -> mergeproof_core::project::Project {
    let campaign = format!(
        "{header}control: plain\nvariants:\n  - id: named\n    audience: {{ field: tier, eq: gold }}\n    subject: Hi\n    body: |\n{}\n  - id: plain\n    subject: Hi\n    body: x\n",
        body.lines()
            .map(|l| format!("      {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let files: BTreeMap<String, String> = [
        ("campaigns/c.yaml".to_string(), campaign),
        (
            "sample-profiles/p.yaml".to_string(),
            "tier: gold\n".to_string(),
        ),
    ]
    .into_iter()
    .collect();
    load_project_from_memory(&files)
}

/// The project run on its sample profiles alone.
fn on_samples(p: &mergeproof_core::project::Project) -> mergeproof_core::engine::Run {
    let options = Options {
        edge_cases: false,
        ..Default::default()
    };
    engine::run(p, &options, &Decisions::default())
}

fn missing_fallbacks(
    run: &mergeproof_core::engine::Run,
) -> Vec<&mergeproof_core::finding::Finding> {
    run.findings()
        .filter(|f| f.rule == RuleId::MissingFallback)
        .collect()
}

#[test]
fn an_inline_allow_accepts_its_token_and_nothing_else() {
    let p = project(
        "<p>{{!-- mergeproof-allow missing-fallback: cards get a name before send --}}\n{{first_name}}</p>\n<p>{{last_name}}</p>",
    );
    assert!(p.load_errors.is_empty(), "{:?}", p.load_errors);
    let run = on_samples(&p);
    let missing: Vec<_> = missing_fallbacks(&run);
    assert_eq!(missing.len(), 2, "{missing:#?}");
    let first = missing
        .iter()
        .find(|f| f.message.contains("first_name"))
        .unwrap();
    assert!(first.waived);
    assert_eq!(first.waiver.as_ref().unwrap().kind, "allow");
    assert_eq!(
        first.waiver.as_ref().unwrap().reason,
        "cards get a name before send"
    );
    // The real defect beside it is still reported.
    let last = missing
        .iter()
        .find(|f| f.message.contains("last_name"))
        .unwrap();
    assert!(!last.waived);
}

#[test]
fn an_allow_that_accepts_nothing_is_a_note() {
    let p = project(
        "<p>{{!-- mergeproof-allow zero-balance: never a balance here --}}{{default first_name \"there\"}}</p>",
    );
    let run = on_samples(&p);
    let notes: Vec<_> = run
        .findings()
        .filter(|f| f.severity == Severity::Info && f.message.contains("accepts nothing"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0].rule, RuleId::ZeroBalance);
    assert_eq!(notes[0].line, 7);
}

#[test]
fn an_allow_needs_a_known_rule_and_a_reason() {
    let p = project("{{!-- mergeproof-allow missing-fallbak: x --}}{{first_name}}");
    assert!(
        p.load_errors.is_empty(),
        "campaign files load; the template is checked when it compiles"
    );
    let run = on_samples(&p);
    let errors: Vec<String> = run.load_errors.iter().map(|e| e.to_string()).collect();
    assert!(
        errors.iter().any(
            |e| e.contains("names no rule `missing-fallbak`: did you mean `missing-fallback`?")
        ),
        "{errors:?}"
    );
    let p = project("{{!-- mergeproof-allow missing-fallback --}}{{first_name}}");
    let run = on_samples(&p);
    assert!(
        run.load_errors
            .iter()
            .any(|e| e.message.contains("needs a reason")),
        "{:?}",
        run.load_errors
    );
}

/// In Liquid the allow is a comment tag, `{% # mergeproof-allow … %}` or
/// `{% comment %}…{% endcomment %}`; a bad one is a load error that shows
/// how to write it in Liquid.
#[test]
fn liquid_comments_allow_too() {
    let liquid = |body: &str| project_in("dialect: liquid\n", body);
    let p = liquid(
        "{% # mergeproof-allow missing-fallback: cards get a name before send %}\n<p>{{ first_name }}</p>\n<p>{{ last_name }}</p>",
    );
    assert!(p.load_errors.is_empty(), "{:?}", p.load_errors);
    let run = on_samples(&p);
    let missing: Vec<_> = missing_fallbacks(&run);
    assert_eq!(missing.len(), 2, "{missing:#?}");
    for f in &missing {
        assert_eq!(f.waived, f.message.contains("first_name"), "{f:#?}");
    }
    let broken = liquid(
        "{% comment %}mergeproof-allow missing-fallbak: typo{% endcomment %}{{ first_name }}",
    );
    let run = engine::run(&broken, &Options::default(), &Decisions::default());
    assert_eq!(run.load_errors.len(), 1, "{:?}", run.load_errors);
    assert!(
        run.load_errors[0]
            .message
            .contains("{% # mergeproof-allow RULE: reason %}"),
        "{}",
        run.load_errors[0].message
    );
}
