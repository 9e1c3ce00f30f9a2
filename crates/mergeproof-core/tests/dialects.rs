//! Each dialect renders its platform's helpers as the platform documents
//! them, a team's declared helpers load and render as declared, and what a
//! dialect does not know is a load error that names it.

use std::collections::BTreeMap;

use mergeproof_core::engine::compile_project;
use mergeproof_core::project::{Project, load_project_from_memory};

fn project(files: &[(&str, &str)]) -> Project {
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    load_project_from_memory(&files)
}

/// The body one campaign of one variant renders for the profile `p`.
fn body(config: &str, campaign: &str, body: &str, profile: &str) -> String {
    let campaign = format!(
        "{campaign}variants:\n  - id: a\n    subject: Hi\n    body: {}\n",
        serde_json::to_string(body).unwrap()
    );
    let project = project(&[
        ("mergeproof.yaml", config),
        ("campaigns/c.yaml", &campaign),
        ("sample-profiles/p.yaml", profile),
    ]);
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    let (compiled, _, errors) = compile_project(&project);
    assert!(errors.is_empty(), "{errors:?}");
    let cell = compiled[0].render(0, &project.profiles[0]);
    assert_eq!(cell.body.error, None);
    cell.body.output.text
}

fn load_errors(config: &str, campaign: &str, body: &str) -> Vec<String> {
    let campaign = format!(
        "{campaign}variants:\n  - id: a\n    subject: Hi\n    body: {}\n",
        serde_json::to_string(body).unwrap()
    );
    let project = project(&[("mergeproof.yaml", config), ("campaigns/c.yaml", &campaign)]);
    let (_, _, errors) = compile_project(&project);
    project
        .load_errors
        .iter()
        .chain(&errors)
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn sendgrid_helpers() {
    let sg = "dialect: sendgrid\n";
    let profile = "first_name: \"\"\ntier: gold\npoints: 12\ncart: [a, b]\nshipped: \"2027-03-04T15:05:00Z\"\n";
    assert_eq!(
        body(
            sg,
            "",
            "Hi {{insert first_name \"default=there\"}}",
            profile
        ),
        "Hi there"
    );
    assert_eq!(
        body(
            sg,
            "",
            "{{#equals tier \"gold\"}}G{{else}}-{{/equals}}{{#notEquals tier \"gold\"}}N{{/notEquals}}{{#greaterThan points 10}}>{{/greaterThan}}{{#lessThan points 10}}<{{/lessThan}}",
            profile
        ),
        "G>"
    );
    assert_eq!(
        body(
            sg,
            "",
            "{{length cart}} {{#greaterThan (length cart) 1}}many{{/greaterThan}}",
            profile
        ),
        "2 many"
    );
    assert_eq!(
        body(
            sg,
            "",
            "{{formatDate shipped \"MMMM D, YYYY h:mm A\" \"-0500\"}}",
            profile
        ),
        "March 4, 2027 10:05 AM"
    );
    assert_eq!(
        body(
            sg,
            "",
            "{{#and tier points}}both{{/and}}{{#or missing tier}}either{{/or}}",
            profile
        ),
        "botheither"
    );
}

#[test]
fn mandrill_helpers_and_backtick_comparisons() {
    let md = "dialect: mandrill\n";
    let profile = "first_name: ana\npurchases: 4\ntier: gold\nbio: \"<b>hi</b>\"\n";
    assert_eq!(
        body(
            md,
            "",
            "{{upper first_name}} {{title \"mary jane\"}} {{url \"a b\"}} {{striptags bio}}",
            profile
        ),
        "ANA Mary Jane a%20b hi"
    );
    assert_eq!(
        body(
            md,
            "",
            "{{#if `purchases > 3`}}loyal{{else}}new{{/if}} {{#if `tier == \"silver\"`}}S{{else if `tier == \"gold\"`}}G{{/if}}",
            profile
        ),
        "loyal G"
    );
    // Backticks are Mailchimp's only: elsewhere they do not compile.
    let errors = load_errors("", "", "{{#if `purchases > 3`}}x{{/if}}");
    assert!(!errors.is_empty());
}

#[test]
fn postmark_sections_and_inverted_sections() {
    let pm = "dialect: postmark\n";
    let profile = "company: { name: ACME }\nemployees: [ { name: Wile }, { name: Road } ]\n";
    assert_eq!(
        body(
            pm,
            "",
            "{{#company}}{{name}}{{/company}}: {{#each employees}}{{name}};{{/each}}{{^managers}}no managers{{/managers}}",
            profile
        ),
        "ACME: Wile;Road;no managers"
    );
    // Mustachio's own rules: a section renders once (a list too), `""` and
    // 0 do not exist, booleans print as .NET writes them, lists and objects
    // print nothing, and `'` and `ë` are encoded as `HttpUtility.HtmlEncode`.
    let profile = "first_name: \"\"\nvip: true\nname: \"Zoë O'Brien\"\ntags: [a, b]\npoints: 0\n";
    assert_eq!(
        body(
            pm,
            "",
            "[{{#first_name}}Hi {{.}}{{/first_name}}{{^first_name}}Hi there{{/first_name}}] {{vip}} {{name}} [{{tags}}] {{#tags}}once{{/tags}} {{^points}}none{{/points}}",
            profile
        ),
        "[Hi there] True Zo&#235; O&#39;Brien [] once none"
    );
    // Mustachio has no `if`.
    let errors = load_errors(pm, "", "{{#if company}}x{{/if}}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("unknown helper `if` in the postmark dialect")),
        "{errors:?}"
    );
}

#[test]
fn a_campaign_sets_its_own_dialect() {
    let profile = "date: \"2026-12-01\"\n";
    // `{{date}}` is mergeproof's date helper, and a field in Handlebars.js.
    assert_eq!(body("", "", "[{{date}}]", profile), "[]");
    assert_eq!(body("", "", "[{{this.date}}]", profile), "[2026-12-01]");
    assert_eq!(
        body("", "dialect: handlebars\n", "[{{date}}]", profile),
        "[2026-12-01]"
    );
}

#[test]
fn declared_helpers_load_and_render_as_declared() {
    let config = "dialect: handlebars\nhelpers:\n  t: { returns: argument }\n  hasFeature: { block: true }\n  legal_footer: { returns: \"© Harbor & Pine\" }\n  render_footer: { returns: argument, html: true }\n";
    let profile = "greeting: Hello\nfooter: \"<p>Unsubscribe</p>\"\n";
    assert_eq!(
        body(
            config,
            "",
            "{{t greeting}} {{#hasFeature \"x\"}}on{{else}}off{{/hasFeature}} {{legal_footer}} {{render_footer footer}} {{t footer}} {{{t footer}}}",
            profile
        ),
        "Hello on © Harbor &amp; Pine <p>Unsubscribe</p> &lt;p&gt;Unsubscribe&lt;/p&gt; <p>Unsubscribe</p>"
    );
}

/// Ghost's `t` (i18next): `{name}` places filled from the hash, each value
/// HTML-escaped; a name passed without a value prints nothing, one not
/// passed stays as written.
#[test]
fn interpolating_helpers_fill_their_places_from_the_hash() {
    let config = "dialect: handlebars\nhelpers:\n  t: { returns: argument, interpolate: true }\n";
    let template = "{{{t 'By {authors}' authors=post.authors}}} · {{t '{date}' date=post.publishedAt}} · {{{t 'a {status} member of {site}' site=site.title}}}";
    assert_eq!(
        body(
            config,
            "",
            template,
            "post: { authors: \"Ana & Bo\", publishedAt: 3 Dec 2026 }\nsite: { title: Harbor/Pine }\n"
        ),
        "By Ana &amp; Bo · 3 Dec 2026 · a {status} member of Harbor&#x2F;Pine"
    );
    assert_eq!(
        body(config, "", template, "site: { title: H }\n"),
        "By  ·  · a {status} member of H"
    );
    for wrong in [
        "  t: { returns: \"x\", interpolate: true }\n",
        "  t: { block: true, interpolate: true }\n",
    ] {
        let errors = load_errors(&format!("helpers:\n{wrong}"), "", "x");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("needs `returns: argument` and no `block`")),
            "{errors:?}"
        );
    }
}

/// `like: mergeproof` borrows mergeproof's own helper of that name, as
/// Ghost adds `and`, `or` and `not` to Handlebars.js; the dialect's other
/// names stay fields (`{{title}}` is not mergeproof's `title`).
#[test]
fn a_declared_helper_may_borrow_mergeproof_s_own() {
    let config = "dialect: handlebars\nhelpers:\n  and: { like: mergeproof }\n  or: { like: mergeproof }\n  not: { like: mergeproof }\n  default: { like: mergeproof }\n";
    assert_eq!(
        body(
            config,
            "",
            "{{#if (and a (not b))}}yes{{/if}}{{#if (or b c)}} or{{/if}} {{title}} {{default name 'there'}}",
            "a: true\nb: false\nc: 1\ntitle: Tea, slowly\nname: \"  \"\n"
        ),
        "yes or Tea, slowly there"
    );
    for (wrong, says) in [
        ("  gt: { like: handlebars }\n", "`like` takes `mergeproof`"),
        (
            "  greaterThan: { like: mergeproof }\n",
            "mergeproof has none named `greaterThan`",
        ),
        (
            "  and: { like: mergeproof, block: true }\n",
            "remove `returns`",
        ),
    ] {
        let errors = load_errors(&format!("dialect: handlebars\nhelpers:\n{wrong}"), "", "x");
        assert!(
            errors.iter().any(|e| e.contains(says)),
            "{wrong}: {errors:?}"
        );
    }
}

/// On complete data, an interpolating helper gives no finding: its places
/// are filled (no render-artifact) and its values escaped (no
/// unescaped-data); a missing value is missing-fallback.
#[test]
fn interpolating_helpers_give_no_finding_on_complete_data() {
    let config = "dialect: handlebars\nhelpers:\n  t: { returns: argument, interpolate: true }\n";
    let campaign = "variants:\n  - id: a\n    subject: Weekly\n    body: \"<p>{{{t 'By {authors}' authors=post.authors}}} on {{t '{date}' date=post.date}}</p>\"\n";
    let run = |profile: &str| {
        let project = project(&[
            ("mergeproof.yaml", config),
            ("campaigns/c.yaml", campaign),
            ("sample-profiles/p.yaml", profile),
        ]);
        let run = mergeproof_core::engine::run(
            &project,
            &mergeproof_core::engine::Options {
                edge_cases: false,
                ..Default::default()
            },
            &Default::default(),
        );
        assert!(run.load_errors.is_empty(), "{:?}", run.load_errors);
        // One variant and no control group is no-control's, not the helper's.
        run.findings()
            .map(|f| f.rule.to_string())
            .filter(|r| r != "no-control")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        run("post: { authors: \"<b>Ana</b>\", date: 3 Dec }\n"),
        Vec::<String>::new()
    );
    assert!(
        run("post: { date: 3 Dec }\n").contains(&"missing-fallback".to_string()),
        "{:?}",
        run("post: { date: 3 Dec }\n")
    );
}

#[test]
fn unknown_helpers_and_dialects_are_load_errors_that_name_them() {
    let errors = load_errors("dialect: sendgrid\n", "", "{{insrt first_name}}");
    assert!(
        errors.iter().any(|e| e
            .contains("unknown helper `insrt` in the sendgrid dialect: did you mean `insert`?")
            && e.contains("declared under `helpers:`")),
        "{errors:?}"
    );
    let errors = load_errors("dialect: sendgird\n", "", "x");
    assert!(
        errors.iter().any(|e| e.starts_with("mergeproof.yaml:1:")
            && e.contains("unknown dialect `sendgird`: did you mean `sendgrid`?")),
        "{errors:?}"
    );
    let errors = load_errors("", "dialect: hubspot\n", "x");
    assert!(
        errors.iter().any(
            |e| e.starts_with("campaigns/c.yaml:1:") && e.contains("unknown dialect `hubspot`")
        ),
        "{errors:?}"
    );
    let errors = load_errors(
        "helpers:\n  x: { block: true, returns: argument }\n",
        "",
        "x",
    );
    assert!(
        errors.iter().any(|e| e.starts_with("mergeproof.yaml:2:")),
        "{errors:?}"
    );
}
