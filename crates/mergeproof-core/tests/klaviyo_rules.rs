//! The `klaviyo` dialect through the rules: what Django's fallbacks and
//! guards cover, as the examples state them.

mod common;

use std::collections::BTreeMap;

use mergeproof_core::project::load_project_from_memory;
use mergeproof_core::rule_id::RuleId;

/// The fixes offered for `body` and `profiles`, as (replace, replacement).
fn fixes(body: &str, profiles: &str) -> Vec<(String, String)> {
    common::findings_without_edge_cases(&common::one_variant_project("klaviyo", "", body, profiles))
        .into_iter()
        .filter_map(|f| {
            let fix = f.fix?;
            Some((fix.replace.clone()?, fix.replacement.clone()?))
        })
        .collect()
}

/// The rules that fire for `body` (an email body in the klaviyo dialect)
/// and `profiles` (YAML), without edge cases, with the profile of each.
fn findings(body: &str, profiles: &str) -> Vec<(RuleId, String)> {
    common::findings_without_edge_cases(&common::one_variant_project("klaviyo", "", body, profiles))
        .into_iter()
        .map(|f| (f.rule, f.profile.unwrap_or_default()))
        .collect()
}

fn rules_for(body: &str, profiles: &str, profile: &str) -> Vec<RuleId> {
    findings(body, profiles)
        .into_iter()
        .filter(|(_, p)| p == profile)
        .map(|(r, _)| r)
        .collect()
}

const PEOPLE: &str = "- { id: ana, first_name: Ana, points: 40 }\n- { id: nameless, last_name: Ng, points: 0 }\n- { id: null-name, first_name: null, points: 5 }\n";

#[test]
fn a_first_name_without_default_is_missing_fallback_and_none_is_an_artifact() {
    let body = "<p>Hi {{ first_name }},</p><p>Your order shipped.</p>";
    assert!(rules_for(body, PEOPLE, "nameless").contains(&RuleId::MissingFallback));
    let null = rules_for(body, PEOPLE, "null-name");
    assert!(null.contains(&RuleId::RenderArtifact), "Hi None, {null:?}");
    assert!(rules_for(body, PEOPLE, "ana").is_empty());
}

#[test]
fn default_and_truthy_guards_are_fallbacks() {
    for body in [
        "<p>Hi {{ first_name|default:'there' }},</p><p>Your order shipped.</p>",
        "<p>Hi {{ person.first_name|default:'there' }},</p><p>Your order shipped.</p>",
        "<p>Hi{% if first_name %} {{ first_name }}{% endif %},</p><p>Your order shipped.</p>",
        "<p>Hi{% if not first_name %} there{% else %} {{ first_name }}{% endif %},</p><p>Your order shipped.</p>",
    ] {
        let found = findings(body, PEOPLE);
        assert!(found.is_empty(), "{body}: {found:?}");
    }
}

#[test]
fn default_if_none_does_not_cover_a_missing_value() {
    // Django prints a variable the profile lacks as "", which
    // `default_if_none` keeps.
    let body = "<p>Hi {{ first_name|default_if_none:'there' }},</p><p>Your order shipped.</p>";
    assert!(rules_for(body, PEOPLE, "nameless").contains(&RuleId::MissingFallback));
    assert!(!rules_for(body, PEOPLE, "null-name").contains(&RuleId::RenderArtifact));
}

#[test]
fn a_zero_balance_is_guarded_only_by_a_comparison_above_zero() {
    let unguarded = "<p>You have {{ points }} points to spend.</p>";
    assert!(rules_for(unguarded, PEOPLE, "nameless").contains(&RuleId::ZeroBalance));
    let guarded = "{% if points > 0 %}<p>You have {{ points }} points to spend.</p>{% endif %}";
    assert!(!rules_for(guarded, PEOPLE, "nameless").contains(&RuleId::ZeroBalance));
}

#[test]
fn a_property_read_with_lookup_is_the_profiles_field() {
    let body = "<p>You have {{ person|lookup:'Loyalty Points' }} points.</p>";
    let people = "- { id: with, \"Loyalty Points\": 12 }\n- { id: without, first_name: Bo }\n";
    let found = findings(body, people);
    assert!(
        found.contains(&(RuleId::MissingFallback, "without".into())),
        "{found:?}"
    );
    assert!(!found.iter().any(|(_, p)| p == "with"), "{found:?}");
}

#[test]
fn safe_prints_markup_from_data_and_escaping_is_the_default() {
    let people = "- { id: markup, bio: \"<b>hi</b> & bye\" }\n";
    let escaped = findings("<p>{{ bio }}</p>", people);
    assert!(
        !escaped.iter().any(|(r, _)| *r == RuleId::UnescapedData),
        "{escaped:?}"
    );
    let safe = findings("<p>{{ bio|safe }}</p>", people);
    assert!(
        safe.iter().any(|(r, _)| *r == RuleId::UnescapedData),
        "{safe:?}"
    );
    // The fix lets Django escape it.
    let fixed = fixes("<p>{{ bio|safe }}</p>", people);
    assert!(
        fixed.contains(&("{{ bio|safe }}".into(), "{{ bio }}".into())),
        "{fixed:?}"
    );
}

#[test]
fn a_template_that_does_not_load_names_the_place_and_the_fix() {
    let campaign = "dialect: klaviyo\nvariants:\n  - id: v\n    subject: Hi\n    body: \"<p>Hi {{ first_name|defualt:'there' }}</p>{% if x %}\"\n";
    let files: BTreeMap<String, String> = [("campaigns/c.yaml".to_string(), campaign.to_string())]
        .into_iter()
        .collect();
    let project = load_project_from_memory(&files);
    let (_, _, errors) = mergeproof_core::engine::compile_project(&project);
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("did you mean `default`")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("endif")), "{messages:?}");
}

/// Blocks nested as deep as templates may nest load, render and are
/// checked within three quarters of a test thread's stack (so growth in a
/// frame shows before it overflows); one level deeper is a load error.
#[test]
fn the_deepest_nesting_runs_in_a_small_stack() {
    let depth = mergeproof_core::limits::MAX_DEPTH;
    let body = "{% if a %}".repeat(depth) + "Hi {{ a }}" + &"{% endif %}".repeat(depth);
    let run = std::thread::Builder::new()
        .stack_size(3 * 512 * 1024)
        .spawn(move || findings(&body, "- { id: p, a: 1 }\n"))
        .unwrap()
        .join()
        .unwrap();
    assert!(run.is_empty(), "{run:?}");
    let deeper = "{% if a %}".repeat(depth + 1) + &"{% endif %}".repeat(depth + 1);
    let campaign = format!(
        "dialect: klaviyo\nvariants:\n  - id: v\n    subject: Hi\n    body: {}\n",
        serde_json::to_string(&deeper).unwrap()
    );
    let files: BTreeMap<String, String> = [("campaigns/c.yaml".to_string(), campaign)]
        .into_iter()
        .collect();
    let project = load_project_from_memory(&files);
    let (_, _, errors) = mergeproof_core::engine::compile_project(&project);
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("nest more than")),
        "{errors:?}"
    );
}
