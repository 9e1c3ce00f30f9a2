use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::engine::{Options, run_campaign};
use crate::testkit::{compiled, named_profile};

fn samples(list: &[(&str, &str)]) -> Vec<ProfileRef> {
    list.iter()
        .map(|(id, yaml)| Arc::new(named_profile(id, yaml)))
        .collect()
}

/// The edge cases of a campaign (YAML) for the given samples, default config.
fn synth(campaign: &str, list: &[(&str, &str)]) -> EdgeSet {
    synthesize(&compiled(campaign), &samples(list), &Config::default())
}

fn ids(set: &EdgeSet) -> Vec<&str> {
    set.profiles.iter().map(|p| p.id.as_str()).collect()
}

fn edge<'a>(set: &'a EdgeSet, id: &str) -> &'a Profile {
    set.profiles
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(set)))
}

const ADULTS: &str = "variants:\n  - id: adults\n    audience: { field: age, gte: 18 }\n    subject: Hello\n    body: Hi\n  - id: rest\n    subject: Hello\n    body: Hi\n";

#[test]
fn an_age_gte_18_audience_gives_17_18_and_19() {
    let set = synthesize(
        &compiled(ADULTS),
        &samples(&[("ann", "age: 30")]),
        &Config::default(),
    );
    let ages: Vec<&str> = ids(&set)
        .into_iter()
        .filter(|id| id.starts_with("edge:age="))
        .collect();
    assert_eq!(
        ages[..3],
        ["edge:age=17", "edge:age=18", "edge:age=19"],
        "{ages:?}"
    );
    for (id, age) in [
        ("edge:age=17", 17),
        ("edge:age=18", 18),
        ("edge:age=19", 19),
    ] {
        let p = edge(&set, id);
        assert_eq!(p.data, json!({ "age": age }));
        assert_eq!(p.kind, ProfileKind::Edge);
        assert_eq!(
            p.edge,
            Some(EdgeOrigin {
                base: "ann".into(),
                change: id.trim_start_matches(EDGE_PREFIX).into()
            })
        );
    }
    let below = edge(&set, "edge:age=17").description.clone().unwrap();
    assert!(
        below.contains("just below `age gte 18`") && below.contains("sample profile `ann`"),
        "{below}"
    );
}

#[test]
fn the_base_is_a_sample_that_receives_the_variant() {
    let c = compiled(
        "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: \"{{first_name}}\"\n    body: x\n  - id: rest\n    subject: Hello\n    body: x\n",
    );
    let s = samples(&[
        ("silver", "tier: silver\nfirst_name: Sam"),
        ("gold", "tier: gold\nfirst_name: Gil"),
    ]);
    let set = synthesize(&c, &s, &Config::default());
    // Only `gold` reads first_name: its cases start from the gold sample.
    let missing = edge(&set, "edge:first_name=missing");
    assert_eq!(missing.edge.as_ref().unwrap().base, "gold");
    assert_eq!(missing.data, json!({"tier": "gold"}));
}

#[test]
fn without_samples_the_base_is_empty() {
    let set = synthesize(&compiled(ADULTS), &[], &Config::default());
    let p = edge(&set, "edge:age=17");
    assert_eq!(p.data, json!({"age": 17}));
    assert_eq!(p.edge.as_ref().unwrap().base, EMPTY_BASE);
    assert!(
        p.description
            .as_ref()
            .unwrap()
            .contains("no sample profiles")
    );
    assert_eq!(&*p.loc.file, "campaigns/test.yaml");
}

#[test]
fn identical_profiles_are_merged_keeping_the_first_name() {
    // Both variants read first_name and receive their cases from the one
    // sample: each change is made once. `gt 0` gives 0 at the boundary and
    // the number cases give 0 again: one profile, named at the boundary.
    let set = synth(
        "variants:\n  - id: a\n    audience: { field: points, gt: 0 }\n    subject: \"{{first_name}}\"\n    body: x\n  - id: b\n    subject: \"{{first_name}} {{points}}\"\n    body: x\n",
        &[("ann", "first_name: Ann\npoints: 5")],
    );
    let all = ids(&set);
    assert_eq!(
        all.iter()
            .filter(|id| **id == "edge:first_name=missing")
            .count(),
        1
    );
    assert!(!all.iter().any(|id| id.contains('@')), "{all:?}");
    let zeros: Vec<&&str> = all
        .iter()
        .filter(|id| edge(&set, id).data == json!({"first_name": "Ann", "points": 0}))
        .collect();
    assert_eq!(zeros, [&"edge:points=0"]);
    let keys: HashSet<String> = set.profiles.iter().map(|p| p.data.to_string()).collect();
    assert_eq!(keys.len(), set.profiles.len(), "no two profiles alike");
}

#[test]
fn the_same_change_to_another_base_is_named_after_the_base() {
    let set = synth(
        "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: \"{{first_name}}, gold\"\n    body: x\n  - id: rest\n    subject: \"{{first_name}}\"\n    body: x\n",
        &[
            ("g", "tier: gold\nfirst_name: G"),
            ("s", "tier: silver\nfirst_name: S"),
        ],
    );
    assert_eq!(
        edge(&set, "edge:first_name=missing").data,
        json!({"tier": "gold"})
    );
    assert_eq!(
        edge(&set, "edge:first_name=missing@s").data,
        json!({"tier": "silver"})
    );
}

#[test]
fn names_never_collide_with_sample_ids() {
    // Edge cases saved into sample-profiles come back as samples.
    let s = samples(&[("ann", "age: 30"), ("edge:age=17", "age: 17")]);
    let set = synthesize(&compiled(ADULTS), &s, &Config::default());
    assert!(ids(&set).contains(&"edge:age=17@ann"), "{:?}", ids(&set));
    assert!(!ids(&set).contains(&"edge:age=17"));
}

#[test]
fn the_cap_keeps_boundaries_and_missing_values_first() {
    let c = compiled(
        "variants:\n  - id: a\n    audience: { field: age, gte: 18 }\n    subject: \"{{first_name}} {{last_name}}\"\n    body: x\n",
    );
    let s = samples(&[("ann", "age: 30\nfirst_name: Ann\nlast_name: Ng")]);
    let mut config = Config::default();
    let all = synthesize(&c, &s, &config);
    assert!(!all.capped);
    config.edge_cases.max_per_campaign = 6;
    let capped = synthesize(&c, &s, &config);
    assert!(capped.capped);
    assert_eq!(
        ids(&capped),
        [
            "edge:age=17",
            "edge:age=18",
            "edge:age=19",
            "edge:age=missing",
            "edge:first_name=missing",
            "edge:last_name=missing"
        ]
    );
    // A cap the list fits in exactly is not "capped".
    config.edge_cases.max_per_campaign = all.profiles.len();
    let exact = synthesize(&c, &s, &config);
    assert!(!exact.capped);
    assert_eq!(exact.profiles.len(), all.profiles.len());
}

#[test]
fn output_is_deterministic() {
    let c = compiled(
        "categories: [alcohol]\nvariants:\n  - id: a\n    audience: { any: [ { field: tier, in: [gold, platinum] }, { field: points, gt: 100 } ] }\n    subject: \"{{first_name}}\"\n    body: \"{{#each orders}}{{sku}}{{/each}}\"\n  - id: b\n    subject: \"{{title tier}}\"\n    body: x\n",
    );
    let s = samples(&[
        ("a", "tier: gold\nfirst_name: A\norders: [{sku: x}]"),
        ("b", "tier: bronze\npoints: 3"),
    ]);
    let run = |_| {
        synthesize(&c, &s, &Config::default())
            .profiles
            .iter()
            .map(|p| (p.id.clone(), p.data.clone(), p.description.clone()))
            .collect::<Vec<_>>()
    };
    let first = run(0);
    assert!(first.len() > 40, "{}", first.len());
    assert_eq!(first, run(1));
}

#[test]
fn a_minor_for_every_sensitive_category_with_a_min_age() {
    let set = synth(
        "categories: [alcohol]\nvariants:\n  - id: nursery\n    categories: [baby]\n    subject: Hello\n    body: x\n",
        &[("ann", "age: 40\nhousehold: { has_infant: true }")],
    );
    let twenty = edge(&set, "edge:age=20");
    assert!(
        twenty
            .description
            .as_ref()
            .unwrap()
            .contains("a minor for category `alcohol` (min_age 21)")
    );
    let seventeen = edge(&set, "edge:age=17");
    assert!(
        seventeen
            .description
            .as_ref()
            .unwrap()
            .contains("a minor for category `baby` (min_age 18)")
    );
    // The baby policy's `requires` both ways.
    assert_eq!(
        edge(&set, "edge:household.has_infant=false").data,
        json!({"age": 40, "household": {"has_infant": false}})
    );
    assert!(ids(&set).contains(&"edge:age=missing"));
}

#[test]
fn loren_has_no_gender() {
    let set = synth(
        "variants:\n  - id: a\n    subject: Hello\n    body: \"Dear {{#if (eq gender \\\"male\\\")}}Mr.{{else}}Ms.{{/if}} {{last_name}}\"\n",
        &[(
            "jim",
            "first_name: Jim\nlast_name: Ng\ngender: male\ngender_inferred: male",
        )],
    );
    // The campaign does not read `first_name`: the edge profile leaves it
    // out, and the whole profile (what `edge-cases` prints) has it back.
    assert_eq!(
        edge(&set, "edge:loren-no-gender").data,
        json!({"last_name": "Loren"})
    );
    let whole = set.whole_profiles(&samples(&[(
        "jim",
        "first_name: Jim\nlast_name: Ng\ngender: male\ngender_inferred: male",
    )]));
    let loren = whole
        .iter()
        .find(|p| p.id == "edge:loren-no-gender")
        .unwrap();
    assert_eq!(
        loren.data,
        json!({"first_name": "Jim", "last_name": "Loren"})
    );
    assert!(ids(&set).contains(&"edge:gender=male"));
    assert!(ids(&set).contains(&"edge:gender=unlisted"));
}

#[test]
fn loop_fields_change_every_item() {
    let set = synth(
        "variants:\n  - id: a\n    subject: Hello\n    body: \"{{#each orders}}<p>{{sku}}</p>{{/each}}\"\n",
        &[("ann", "orders: [{sku: A}, {sku: B}]")],
    );
    assert_eq!(
        edge(&set, "edge:orders.[].sku=empty").data,
        json!({"orders": [{"sku": ""}, {"sku": ""}]})
    );
    assert_eq!(edge(&set, "edge:orders=empty").data, json!({"orders": []}));
    assert_eq!(
        edge(&set, "edge:orders=many").data["orders"]
            .as_array()
            .unwrap()
            .len(),
        cases::MANY_ITEMS
    );
}

#[test]
fn template_comparisons_give_thresholds() {
    let set = synth(
        "variants:\n  - id: a\n    subject: Hello\n    body: \"{{#if (gt loyalty.points 0)}}{{loyalty.points}} points{{/if}}\"\n",
        &[("ann", "loyalty: { points: 50 }")],
    );
    let first: Vec<&str> = ids(&set).into_iter().take(3).collect();
    assert_eq!(
        first,
        [
            "edge:loyalty.points=-1",
            "edge:loyalty.points=0",
            "edge:loyalty.points=1"
        ]
    );
}

fn run(campaign: &str, samples: &[ProfileRef], edge_cases: bool) -> crate::engine::CampaignRun {
    run_campaign(
        Arc::new(compiled(campaign)),
        samples,
        &Config::default(),
        &Options {
            edge_cases,
            ..Default::default()
        },
    )
}

#[test]
fn an_unguarded_token_every_sample_fills_is_caught_by_an_edge_case() {
    let campaign =
        "variants:\n  - id: hello\n    subject: \"{{first_name}}, your picks\"\n    body: Hello\n";
    let s = samples(&[("ann", "first_name: Ann"), ("bo", "first_name: Bo")]);
    let without = run(campaign, &s, false);
    assert!(
        without
            .findings
            .iter()
            .all(|f| f.rule != "missing-fallback"),
        "{:?}",
        without.findings
    );
    let with = run(campaign, &s, true);
    let missing: Vec<&crate::finding::Finding> = with
        .findings
        .iter()
        .filter(|f| f.rule == "missing-fallback")
        .collect();
    assert!(!missing.is_empty());
    assert!(
        missing
            .iter()
            .all(|f| f.profile_kind == Some(ProfileKind::Edge))
    );
    let profiles: Vec<&str> = missing
        .iter()
        .filter_map(|f| f.profile.as_deref())
        .collect();
    for expected in [
        "edge:first_name=missing",
        "edge:first_name=null",
        "edge:first_name=empty",
        "edge:first_name=whitespace",
    ] {
        assert!(profiles.contains(&expected), "{expected} in {profiles:?}");
    }
    assert_eq!(with.edge_profiles, with.profiles.len() - s.len());
}

#[test]
fn a_guarded_token_stays_clean_under_every_edge_case() {
    let campaign = "variants:\n  - id: hello\n    subject: \"Hi {{default first_name \\\"there\\\"}}\"\n    body: \"{{#if nickname}}<p>Aka {{nickname}}</p>{{/if}}<p>Hello {{default first_name \\\"there\\\"}}</p>\"\n";
    let s = samples(&[("ann", "first_name: Ann\nnickname: Annie")]);
    let r = run(campaign, &s, true);
    assert!(r.edge_profiles > 20, "{}", r.edge_profiles);
    let missing: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "missing-fallback")
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn edge_profiles_hold_only_the_fields_the_campaign_reads() {
    // A large field nothing reads is not copied into every edge profile.
    let big = "x".repeat(100_000);
    let base = format!("first_name: Ann\npoints: 5\nhistory: {big}\n");
    let set = synth(
        "variants:\n  - id: a\n    subject: \"Hi {{first_name}}\"\n    body: \"{{points}}\"\n",
        &[("ann", &base)],
    );
    assert!(set.profiles.len() > 5, "{:?}", ids(&set));
    for p in &set.profiles {
        assert!(p.data.get("history").is_none(), "{} holds history", p.id);
    }
    // Reading the profile as a whole keeps all of it.
    let set = synth(
        "variants:\n  - id: a\n    subject: \"Hi {{first_name}}\"\n    body: \"{{#each this}}{{@key}}{{/each}}\"\n",
        &[("ann", &base)],
    );
    assert!(set.profiles.iter().all(|p| p.data.get("history").is_some()));
}

#[test]
fn a_name_in_a_section_keeps_the_top_level_field_of_that_name() {
    // Inside `{{#orders}}`, a Mustache engine finds `currency` at the top
    // when an order has none: the top-level field stays.
    let set = synth(
        "dialect: postmark\nvariants:\n  - id: a\n    subject: Hi\n    body: \"{{#orders}}{{currency}}{{/orders}}\"\n",
        &[("ann", "orders: [{sku: a}]\ncurrency: EUR\nother: 1\n")],
    );
    assert!(!set.profiles.is_empty());
    for p in &set.profiles {
        assert!(p.data.get("other").is_none(), "{}", p.id);
    }
    assert!(
        set.profiles
            .iter()
            .any(|p| p.data.get("currency").is_some())
    );
}

#[test]
fn the_base_is_the_most_complete_sample_that_receives_the_variant() {
    let c = compiled(
        "variants:\n  - id: all\n    subject: \"{{default first_name 'there'}}\"\n    body: \"{{default last_name 'x'}} {{default city 'y'}}\"\n",
    );
    let s = samples(&[
        ("sparse", "first_name: Ann"),
        ("full", "first_name: Bo\nlast_name: Ng\ncity: Oslo"),
        ("also-full", "first_name: Cy\nlast_name: Ma\ncity: Rome"),
    ]);
    let set = synthesize(&c, &s, &Config::default());
    let missing = edge(&set, "edge:first_name=missing");
    assert_eq!(missing.edge.as_ref().unwrap().base, "full");
}

#[test]
fn an_edge_case_reports_only_what_its_change_added() {
    // The one sample has a defect of its own: no first name in the subject.
    let campaign = "variants:\n  - id: hello\n    subject: \"{{first_name}}, your picks\"\n    body: \"<p>{{city}}</p>\"\n";
    let s = samples(&[("vendor-sample", "city: Oslo")]);
    let run = run(campaign, &s, true);
    let missing_name: Vec<&str> = run
        .findings
        .iter()
        .filter(|f| f.rule == crate::rule_id::RuleId::MissingFallback)
        .filter(|f| f.field == crate::finding::Field::Subject)
        .filter_map(|f| f.profile.as_deref())
        .collect();
    // Reported for the sample alone, not again for each edge case from it.
    assert_eq!(missing_name, ["vendor-sample"], "{:#?}", run.findings);
    // What an edge change adds is still reported.
    assert!(
        run.findings
            .iter()
            .any(|f| f.field == crate::finding::Field::Body
                && f.profile.as_deref() == Some("edge:city=missing")),
        "{:#?}",
        run.findings
    );
    // Without the sample's defect, the edge cases find it themselves.
    let clean = samples(&[("ann", "first_name: Ann\ncity: Oslo")]);
    let run = super::tests::run(campaign, &clean, true);
    assert!(
        run.findings
            .iter()
            .any(|f| f.field == crate::finding::Field::Subject
                && f.profile.as_deref() == Some("edge:first_name=missing")),
        "{:#?}",
        run.findings
    );
}

#[test]
fn a_name_taken_is_tried_after_its_base_then_numbered() {
    let samples = samples(&[("edge:taken", "a: 1"), ("s", "a: 2")]);
    let mut builder = Builder::new(&samples, "c.yaml");
    // A sample named `edge:…` is in the way; other samples are not.
    assert_eq!(builder.unique_name("edge:taken", None), "edge:taken#2");
    assert_eq!(builder.unique_name("edge:x", Some("s")), "edge:x");
    assert_eq!(builder.unique_name("edge:x", Some("s")), "edge:x@s");
    assert_eq!(builder.unique_name("edge:x", Some("s")), "edge:x@s#2");
    assert_eq!(builder.unique_name("edge:x", Some("s")), "edge:x@s#3");
    assert_eq!(builder.unique_name("edge:x", Some("t")), "edge:x@t");
    assert_eq!(builder.unique_name("edge:x", None), "edge:x#2");
    assert_eq!(builder.unique_name("edge:s", None), "edge:s");
}
