//! A newcomer's first hour: `init`, commands run from inside the project,
//! `preview` without `--variant`, suggestions for mistyped ids, and the
//! report's `--statistics`, `--quiet` and `--color`.

mod common;

use common::run_in;

/// A fresh starter project in a temporary folder.
fn starter() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(dir.path(), &["init", "shop"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created campaigns/welcome.yaml"), "{out}");
    dir
}

#[test]
fn init_makes_a_project_whose_lint_shows_one_deliberate_finding_and_its_fix() {
    let dir = starter();
    let shop = dir.path().join("shop");
    let (code, out, _) = run_in(&shop, &["lint", "--format", "json"]);
    assert_eq!(code, 1, "the deliberate finding fails the gate");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(report["load_errors"].as_array().unwrap().is_empty());
    let rules: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["zero-balance"].into());
    let (_, text, _) = run_in(&shop, &["lint"]);
    assert_eq!(text.matches("error[").count(), 1, "{text}");
    // The fix names the token's own field, in the project's dialect.
    assert!(
        text.contains("= fix: Print `loyalty.points` only when it is above zero: {{#if (gt loyalty.points 0)}}{{default loyalty.points 0}}{{else}}none{{/if}}"),
        "{text}"
    );

    // The fix the template's comment gives makes it pass.
    let members = shop.join("campaigns/templates/members.hbs");
    let fixed = std::fs::read_to_string(&members).unwrap().replace(
        "<p>Points to spend: {{default loyalty.points 0}}</p>",
        "{{#if (gt loyalty.points 0)}}<p>Points to spend: {{loyalty.points}}</p>{{/if}}",
    );
    std::fs::write(&members, fixed).unwrap();
    let (code, text, _) = run_in(&shop, &["lint"]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn init_never_replaces_a_file() {
    let dir = starter();
    let config = dir.path().join("shop/mergeproof.yaml");
    std::fs::write(&config, "dialect: sendgrid\n").unwrap();
    let (code, out, _) = run_in(dir.path(), &["init", "shop"]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to do"), "{out}");
    assert!(out.contains("kept    mergeproof.yaml"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "dialect: sendgrid\n"
    );
}

#[test]
fn every_key_of_the_starter_config_is_its_default() {
    // Uncommented, each `# key: value` line of the starter config loads and
    // changes nothing: the file shows the defaults as they are.
    let dir = starter();
    let shop = dir.path().join("shop");
    let config = std::fs::read_to_string(shop.join("mergeproof.yaml")).unwrap();
    let uncommented: String = config
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("# ")?;
            let key_line = rest.split(':').next().is_some_and(|k| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
            let indented = rest.starts_with("  ") && rest.contains(':');
            (key_line || indented).then(|| format!("{rest}\n"))
        })
        .collect();
    assert!(
        uncommented.contains("unsafe_terms: [cheap"),
        "{uncommented}"
    );
    let (_, before, _) = run_in(&shop, &["lint", "--format", "json"]);
    std::fs::write(shop.join("mergeproof.yaml"), &uncommented).unwrap();
    let (_, after, err) = run_in(&shop, &["lint", "--format", "json"]);
    assert_eq!(before, after, "{err}\n{uncommented}");
}

#[test]
fn the_readme_config_block_is_the_defaults() {
    // The README says its first config block is exactly the built-in
    // defaults: copied into a project, it changes nothing.
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("### Config: `mergeproof.yaml`").unwrap()..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    assert!(block.contains("unsafe_terms: [cheap"), "{block}");
    // The examples fire every rule, so a setting that differs shows.
    let examples = common::examples();
    let config = examples.path().join("mergeproof.yaml");
    std::fs::remove_file(&config).unwrap();
    let (_, before, _) = run_in(examples.path(), &["lint", "--format", "json"]);
    std::fs::write(&config, block).unwrap();
    let (code, after, err) = run_in(examples.path(), &["lint", "--format", "json"]);
    assert_ne!(code, 2, "{err}");
    assert_eq!(before, after, "{err}\n{block}");
}

#[test]
fn commands_find_the_project_from_a_subfolder() {
    let dir = starter();
    let inside = dir.path().join("shop/campaigns/templates");
    let (code, out, _) = run_in(&inside, &["lint", "--quiet"]);
    assert_eq!(code, 1);
    assert!(out.contains("2 campaigns"), "{out}");
    let (code, out, err) = run_in(
        &inside,
        &["preview", "--campaign", "welcome", "--profile", "ben"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Points to spend: 0"), "{out}");
    let (code, out, _) = run_in(&inside, &["edge-cases", "--campaign", "welcome"]);
    assert_eq!(code, 0);
    assert!(out.contains("edge:loyalty.points"), "{out}");
    // Outside any project: nothing found upward, said as such.
    let outside = tempfile::tempdir().unwrap();
    let (code, _, err) = run_in(outside.path(), &["lint"]);
    assert_eq!(code, 2);
    assert!(err.contains("no campaign to check"), "{err}");
}

#[test]
fn preview_without_variant_shows_what_the_profile_receives() {
    let dir = starter();
    let shop = dir.path().join("shop");
    let (_, ana, _) = run_in(
        &shop,
        &["preview", "--campaign", "welcome", "--profile", "ana"],
    );
    assert!(ana.contains("variant   members"), "{ana}");
    let (_, cy, _) = run_in(
        &shop,
        &["preview", "--campaign", "welcome", "--profile", "cy"],
    );
    assert!(cy.contains("variant   everyone"), "{cy}");
}

#[test]
fn mistyped_ids_get_a_suggestion() {
    let dir = starter();
    let shop = dir.path().join("shop");
    for (args, hint) in [
        (
            &["preview", "--campaign", "welcom", "--profile", "ana"][..],
            "did you mean `welcome`?",
        ),
        (
            &["preview", "--campaign", "welcome", "--profile", "anna"][..],
            "did you mean `ana`?",
        ),
        (
            &[
                "preview",
                "--campaign",
                "welcome",
                "--profile",
                "ana",
                "--variant",
                "member",
            ][..],
            "did you mean `members`?",
        ),
        (&["lint", "--select", "zero-balanse"][..], "zero-balance"),
        (&["innit"][..], "did you mean `init`?"),
    ] {
        let (code, _, err) = run_in(&shop, args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(hint), "{args:?}: {err}");
    }
}

#[test]
fn statistics_count_defects_and_findings_per_rule() {
    let dir = starter();
    let shop = dir.path().join("shop");
    let (code, out, _) = run_in(&shop, &["lint", "--statistics"]);
    assert_eq!(code, 1);
    let row: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("zero-balance"))
        .unwrap_or_else(|| panic!("{out}"))
        .split_whitespace()
        .collect();
    assert_eq!(row[..3], ["zero-balance", "error", "1"], "{out}");
    assert!(!out.contains("-->"), "no findings listed: {out}");
    let (code, _, err) = run_in(&shop, &["lint", "--statistics", "-f", "json"]);
    assert_eq!(code, 2);
    assert!(err.contains("leave out --format json"), "{err}");
}

#[test]
fn quiet_prints_the_summary_and_color_is_chosen() {
    let dir = starter();
    let shop = dir.path().join("shop");
    let (_, out, _) = run_in(&shop, &["lint", "-q"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("✖ 17 errors"), "{out}");
    let (_, out, _) = run_in(&shop, &["lint", "-q", "--color", "always"]);
    assert!(out.starts_with("\u{1b}["), "{out:?}");
    let (_, out, _) = run_in(&shop, &["lint", "--color", "never"]);
    assert!(!out.contains('\u{1b}'), "{out:?}");
}

#[test]
fn a_category_typo_is_a_load_error_with_the_sensitive_name() {
    let dir = starter();
    let shop = dir.path().join("shop");
    let campaign = shop.join("campaigns/welcome.yaml");
    let text = std::fs::read_to_string(&campaign)
        .unwrap()
        .replace("categories: [apparel]", "categories: [alcohl]");
    std::fs::write(&campaign, text).unwrap();
    let (code, out, _) = run_in(&shop, &["lint"]);
    assert_eq!(code, 2);
    assert!(
        out.contains("campaigns/welcome.yaml:5:14: category `alcohl`")
            && out.contains("did you mean `alcohol`?"),
        "{out}"
    );
}

#[test]
fn no_profile_and_no_edge_case_is_nothing_to_check() {
    let dir = starter();
    let shop = dir.path().join("shop");
    std::fs::remove_file(shop.join("sample-profiles/customers.yaml")).unwrap();
    let (code, _, err) = run_in(&shop, &["lint", "--no-edge-cases"]);
    assert_eq!(code, 2);
    assert!(err.contains("nothing to check: no profile"), "{err}");
    // With edge cases there is something to render.
    let (code, _, _) = run_in(&shop, &["lint"]);
    assert_ne!(code, 2);
}
