use super::*;
use crate::testkit;

fn render(template: &str, data: serde_json::Value) -> String {
    let source = TemplateSource {
        text: template.into(),
        file: "t.liquid".into(),
        line: 1,
        column: 1,
        first_line_shift: 0,
    };
    let (nodes, _) = parse_template(&source).unwrap();
    let partials = HashMap::new();
    let mut out = String::new();
    eval::Renderer::new(&data, &partials).render(&nodes, &mut out);
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
    assert_eq!(render(&at, serde_json::json!({})), "x");
    let past = format!(
        "{}x{}",
        "{% if true %}".repeat(depth + 1),
        "{% endif %}".repeat(depth + 1)
    );
    let source = TemplateSource {
        text: past,
        file: "t.liquid".into(),
        line: 1,
        column: 1,
        first_line_shift: 0,
    };
    let errors = parse_template(&source).unwrap_err();
    assert!(
        errors[0].message.contains("nest more than"),
        "{}",
        errors[0].message
    );
}
