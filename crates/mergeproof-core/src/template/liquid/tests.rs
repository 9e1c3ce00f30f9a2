use super::*;
use crate::template::model::Fallback;
use crate::testkit;

/// `text` as a template file's source.
fn source(text: &str) -> TemplateSource {
    TemplateSource {
        text: text.into(),
        file: "t.liquid".into(),
        line: 1,
        column: 1,
        first_line_shift: 0,
    }
}

fn render(template: &str, data: serde_json::Value) -> String {
    let source = source(template);
    let (nodes, _) = parse_template(&source, Flavor::Shopify).unwrap();
    let partials = HashMap::new();
    let mut out = String::new();
    eval::Renderer::new(&data, &partials, Flavor::Shopify).render(&nodes, &mut out);
    crate::markers::strip(&out)
}

fn analysis(body: &str) -> Analysis {
    testkit::compiled(&testkit::in_dialect("liquid", body)).variants[0]
        .body
        .analysis
        .clone()
}

#[test]
fn an_empty_name_is_truthy_in_liquid() {
    let t = "{% if first_name %}Hi {{ first_name }},{% endif %}";
    assert_eq!(render(t, serde_json::json!({"first_name": ""})), "Hi ,");
    assert_eq!(render(t, serde_json::json!({})), "");
}

#[test]
fn loops_with_limit_offset_else_and_forloop() {
    let t = "{% for i in (1..5) limit: 2 offset: 1 %}{{ i }}{% unless forloop.last %},{% endunless %}{% else %}none{% endfor %}";
    assert_eq!(render(t, serde_json::json!({})), "2,3");
    let t = "{% for o in orders %}x{% else %}none{% endfor %}";
    assert_eq!(render(t, serde_json::json!({"orders": []})), "none");
}

#[test]
fn errors_print_inline_and_rendering_goes_on() {
    assert_eq!(
        render("a{{ 1 | divided_by: 0 }}b", serde_json::json!({})),
        "aLiquid error: divided by 0b"
    );
}

#[test]
fn capture_and_assign() {
    let t = "{% assign n = name | upcase %}{% capture g %}Hi {{ n }}{% endcapture %}{{ g }}!";
    assert_eq!(render(t, serde_json::json!({"name": "ana"})), "Hi ANA!");
}

#[test]
fn if_guard_is_no_fallback_but_blank_guard_is() {
    let a = analysis(
        "{% if first_name %}{{ first_name }}{% endif %}{% if last_name != blank %}{{ last_name }}{% endif %}",
    );
    assert!(a.tokens[0].reads[0].fallback.is_none());
    assert!(matches!(
        a.tokens[1].reads[0].fallback,
        Some(Fallback::Guard { .. })
    ));
}

#[test]
fn assigned_variables_carry_their_fields() {
    let a = analysis("{% assign who = customer.first_name | capitalize %}Hi {{ who }}");
    assert_eq!(a.tokens[0].reads[0].path, "customer.first_name");
}

#[test]
fn nesting_at_the_limit_renders_and_past_it_is_a_load_error() {
    let depth = crate::limits::MAX_DEPTH;
    let at = format!(
        "{}x{}",
        "{% if true %}".repeat(depth),
        "{% endif %}".repeat(depth)
    );
    // With room to spare: in three quarters of the stack a test thread has
    // (2 MiB), so that frames growing a little show here first. (A debug
    // build takes about 10 KB a level to parse; a release build under 4.)
    let rendered = std::thread::Builder::new()
        .stack_size(3 << 19)
        .spawn(move || render(&at, serde_json::json!({})))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(rendered, "x");
    let past = format!(
        "{}x{}",
        "{% if true %}".repeat(depth + 1),
        "{% endif %}".repeat(depth + 1)
    );
    let source = source(&past);
    let errors = parse_template(&source, Flavor::Shopify).unwrap_err();
    assert!(
        errors[0].message.contains("nest more than"),
        "{}",
        errors[0].message
    );
}

#[test]
fn handlebars_written_in_a_liquid_template_is_told_in_liquid_words() {
    let messages = |text: &str| -> Vec<String> {
        let source = source(text);
        match parse_template(&source, Flavor::Shopify) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.message).collect(),
        }
    };
    let m = messages("{{#if first_name}}Hi {{first_name}}{{/if}} {{> footer}}");
    assert_eq!(m.len(), 3, "{m:?}");
    assert!(
        m[0].contains("`{{#if …}}` opens a Handlebars block") && m[0].contains("{% if … %}"),
        "{}",
        m[0]
    );
    assert!(
        m[1].contains("`{{/if}}` closes a Handlebars block") && m[1].contains("{% endif %}"),
        "{}",
        m[1]
    );
    assert!(
        m[2].contains("Liquid renders a snippet with `{% render 'footer' %}`"),
        "{}",
        m[2]
    );
    // Other mistakes are not taken for Handlebars.
    let m = messages("{{ first_name | }}");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(!m[0].contains("Handlebars"), "{}", m[0]);
}

#[test]
fn a_klaviyo_filter_is_told_by_its_liquid_name() {
    let source = source("{{ first_name | upper }} {{ first_name | title }}");
    let errors = parse_template(&source, Flavor::Shopify).unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("Liquid's is `upcase` (`upper` is Klaviyo's)"),
        "{}",
        errors[0].message
    );
    // Klaviyo's `title` has no Liquid twin: nothing is made up.
    assert!(
        !errors[1].message.contains("Liquid's is"),
        "{}",
        errors[1].message
    );
}

/// Runs a one-variant email campaign in `dialect` with these sample
/// profiles (no edge cases): the run.
fn run(dialect: &str, body: &str, profiles: &str) -> crate::run::Run {
    let files = [
        (
            "campaigns/c.yaml".to_string(),
            format!(
                "dialect: {dialect}\nkind: transactional\nvariants:\n  - id: v\n    subject: Hi\n    body: {}\n",
                serde_json::to_string(body).unwrap()
            ),
        ),
        ("sample-profiles/p.yaml".to_string(), profiles.to_string()),
    ]
    .into_iter()
    .collect();
    let project = crate::project::load_project_from_memory(&files);
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    crate::engine::run(
        &project,
        &crate::engine::Options {
            edge_cases: false,
            ..Default::default()
        },
        &crate::review::Decisions::default(),
    )
}

fn rules_for(run: &crate::run::Run, profile: &str) -> Vec<crate::rule_id::RuleId> {
    run.findings()
        .filter(|f| f.profile.as_deref() == Some(profile))
        .map(|f| f.rule)
        .collect()
}

#[test]
fn hi_comma_behind_an_if_is_reported_in_liquid() {
    let run = run(
        "liquid",
        "<p>{% if first_name %}Hi {{ first_name }},{% endif %} welcome</p>",
        "- { id: empty, first_name: \"\" }\n- { id: ana, first_name: Ana }\n",
    );
    assert!(
        rules_for(&run, "empty").contains(&crate::rule_id::RuleId::MissingFallback),
        "{:?}",
        run.findings().collect::<Vec<_>>()
    );
    assert!(rules_for(&run, "ana").is_empty());
}

#[test]
fn braze_abort_message_cancels_the_send_without_findings() {
    let run = run(
        "braze",
        "{% if {{custom_attribute.${balance}}} > 0 %}<p>Hi {{${first_name}}}, your balance is {{custom_attribute.${balance}}}</p>{% else %}{% abort_message(\"no balance\") %}{% endif %}",
        "- { id: zero, first_name: \"\", custom_attributes: { balance: 0 } }\n- { id: ana, first_name: Ana, custom_attributes: { balance: 5 } }\n",
    );
    let campaign = &run.campaigns[0];
    let outcome = |id: &str| {
        let i = campaign.profiles.iter().position(|p| p.id == id).unwrap();
        campaign.outcomes[i]
    };
    assert_eq!(outcome("zero"), super::super::Outcome::Aborted);
    assert_eq!(outcome("ana"), super::super::Outcome::Sent);
    assert!(
        rules_for(&run, "zero").is_empty(),
        "an aborted cell has no content findings"
    );
    let cell = campaign.compiled.render(0, &campaign.profiles[1]);
    assert_eq!(
        crate::markers::strip(&cell.body.output.text),
        "<p>Hi Ana, your balance is 5</p>"
    );
}

#[test]
fn customerio_fails_the_send_on_a_missing_variable_without_default() {
    let run = run(
        "customerio",
        "<p>Hi {{ customer.first_name }}, {{ customer.plan | default: 'free' }}</p><a href=\"{% unsubscribe_url %}\">Unsubscribe</a>",
        "- { id: nameless, plan: pro }\n- { id: ana, first_name: Ana }\n",
    );
    assert!(rules_for(&run, "nameless").contains(&crate::rule_id::RuleId::SendFailure));
    // The finding points at the output and mends it with a `default`.
    let failure = run
        .findings()
        .find(|f| f.rule == crate::rule_id::RuleId::SendFailure)
        .unwrap();
    let fix = failure.fix.as_ref().unwrap();
    assert_eq!(fix.replace.as_deref(), Some("{{ customer.first_name }}"));
    assert!(
        fix.replacement.as_deref().unwrap().contains("| default:"),
        "{fix:?}"
    );
    assert!(!rules_for(&run, "ana").contains(&crate::rule_id::RuleId::SendFailure));
    let campaign = &run.campaigns[0];
    assert_eq!(campaign.outcomes[0], super::super::Outcome::Failed);
}

#[test]
fn a_presence_test_does_not_guard_a_balance_but_above_zero_does() {
    let blank_guard = run(
        "liquid",
        "<p>{% if loyalty.points != blank %}You have {{ loyalty.points }} points.{% endif %}</p>",
        "- { id: zero, loyalty: { points: 0 } }\n",
    );
    assert!(
        rules_for(&blank_guard, "zero").contains(&crate::rule_id::RuleId::ZeroBalance),
        "{:?}",
        blank_guard.findings().collect::<Vec<_>>()
    );
    let positive = run(
        "liquid",
        "<p>{% if loyalty.points > 0 %}You have {{ loyalty.points }} points.{% else %}Join us.{% endif %}</p>",
        "- { id: zero, loyalty: { points: 0 } }\n- { id: some, loyalty: { points: 5 } }\n",
    );
    assert!(
        positive.findings().next().is_none(),
        "{:?}",
        positive.findings().collect::<Vec<_>>()
    );
}

#[test]
fn a_guard_on_a_near_name_is_a_guard_mismatch_in_liquid() {
    let run = run(
        "liquid",
        "<p>{% if customer.firstname %}Hi {{ customer.first_name }}{% endif %}</p>",
        "- { id: ana, customer: { first_name: Ana, firstname: Ana } }\n",
    );
    assert!(
        run.findings()
            .any(|f| f.rule == crate::rule_id::RuleId::GuardMismatch),
        "{:?}",
        run.findings().collect::<Vec<_>>()
    );
}
