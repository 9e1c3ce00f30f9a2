//! What the dialect tests share: one case of a corpus (a template, its data
//! and partials) compiled as a one-variant campaign in a dialect and
//! rendered for its data; a one-variant project in memory, linted or
//! rendered.

use std::collections::BTreeMap;

use mergeproof_core::dialect::{DeclaredHelpers, Dialect, TemplateDialect};
use mergeproof_core::finding::ProfileKind;
use mergeproof_core::project::{Campaign, Channel, Partial, Profile, TemplateSource, Variant};
use mergeproof_core::source::SourceLoc;
use mergeproof_core::template::{RenderedCell, compile_campaign, compile_partials};
use serde_json::Value;

fn source(text: &str, file: &str) -> TemplateSource {
    TemplateSource {
        text: text.to_string(),
        file: file.to_string(),
        line: 1,
        column: 1,
        first_line_shift: 0,
    }
}

/// Renders `case` in `dialect`: as an email body (HTML) on `channel`
/// `Email`, as plain text on `Sms`; partials are files with `extension`.
/// Every load error as one message.
#[allow(dead_code)] // Not every test file renders corpus cases.
pub fn render_case(
    dialect: Dialect,
    channel: Channel,
    extension: &str,
    case: &Value,
) -> Result<RenderedCell, String> {
    let partials: BTreeMap<String, Partial> = case["partials"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, text)| {
            let file = format!("campaigns/partials/{name}.{extension}");
            let partial = Partial {
                name: name.clone(),
                source: source(text.as_str().unwrap(), &file),
            };
            (name.clone(), partial)
        })
        .collect();
    let campaign = Campaign {
        id: "case".into(),
        name: None,
        channel,
        kind: Default::default(),
        categories: Vec::new(),
        control: None,
        control_loc: None,
        variants: vec![Variant {
            id: "v".into(),
            loc: SourceLoc::new("campaigns/case.yaml", 1, 1),
            audience: None,
            audience_loc: None,
            categories: Vec::new(),
            subject: None,
            preheader: None,
            body: source(
                case["template"].as_str().unwrap(),
                &format!("campaigns/case.{extension}"),
            ),
            allow: Vec::new(),
        }],
        dialect: Some(dialect),
        file: "campaigns/case.yaml".into(),
    };
    let (compiled_partials, errors) = compile_partials(&partials, dialect);
    if !errors.is_empty() {
        return Err(format!("{errors:?}"));
    }
    let declared = DeclaredHelpers::new();
    let merge_fields = mergeproof_core::dialect::MergeFields::default();
    let dialect = TemplateDialect {
        dialect,
        declared: &declared,
        merge_fields: &merge_fields,
    };
    let compiled =
        compile_campaign(campaign, &compiled_partials, dialect).map_err(|e| format!("{e:?}"))?;
    let profile = Profile::from_data(
        "p".into(),
        case["data"].clone(),
        ProfileKind::Sample,
        SourceLoc::new("sample-profiles/p.yaml", 1, 1),
    );
    Ok(compiled.render(0, &profile))
}

/// A project in memory: `config` as `mergeproof.yaml`, one transactional
/// campaign in `dialect` whose one variant has the HTML `body`, and
/// `profiles` (YAML) as its sample profiles.
#[allow(dead_code)] // Not every test file builds one.
pub fn one_variant_project(
    dialect: &str,
    config: &str,
    body: &str,
    profiles: &str,
) -> BTreeMap<String, String> {
    let campaign = format!(
        "dialect: {dialect}\nkind: transactional\nvariants:\n  - id: v\n    subject: Your order\n    body: {}\n",
        serde_json::to_string(body).unwrap()
    );
    [
        ("mergeproof.yaml".to_string(), config.to_string()),
        ("campaigns/c.yaml".to_string(), campaign),
        ("sample-profiles/p.yaml".to_string(), profiles.to_string()),
    ]
    .into_iter()
    .collect()
}

/// Lint's findings for a project in memory, without edge cases; the project
/// must load.
#[allow(dead_code)] // Not every test file lints.
pub fn findings_without_edge_cases(
    files: &BTreeMap<String, String>,
) -> Vec<mergeproof_core::finding::Finding> {
    let project = mergeproof_core::project::load_project_from_memory(files);
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    let options = mergeproof_core::engine::Options {
        edge_cases: false,
        ..Default::default()
    };
    mergeproof_core::engine::run(
        &project,
        &options,
        &mergeproof_core::review::Decisions::default(),
    )
    .findings()
    .cloned()
    .collect()
}

/// What the body of a project in memory renders to for its first profile;
/// the project must load and the body render.
#[allow(dead_code)] // Not every test file renders a body.
pub fn first_body(files: &BTreeMap<String, String>) -> String {
    let project = mergeproof_core::project::load_project_from_memory(files);
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    let (compiled, broken, errors) = mergeproof_core::engine::compile_project(&project);
    assert!(broken.is_empty() && errors.is_empty(), "{errors:?}");
    let cell = compiled[0].render(0, &project.profiles[0]);
    assert!(cell.body.error.is_none(), "{:?}", cell.body.error);
    cell.body.output.text
}

/// Every case of `folder/corpus.json` against what `oracle` printed for it
/// (`folder/expected.json`, by case name): `agrees(case, recorded)` says
/// whether mergeproof does the same, with what it did for the message.
/// The corpus keeps at least `min_cases`.
#[allow(dead_code)] // Only the differential tests compare with an oracle.
pub fn agrees_with_recording(
    folder: &std::path::Path,
    oracle: &str,
    min_cases: usize,
    agrees: impl Fn(&Value, &Value) -> (bool, String),
) {
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).unwrap();
    let corpus: Vec<Value> = serde_json::from_str(&read("corpus.json")).unwrap();
    let expected: BTreeMap<String, Value> = serde_json::from_str(&read("expected.json")).unwrap();
    assert!(
        corpus.len() >= min_cases,
        "the corpus keeps at least {min_cases} cases"
    );
    let differences: Vec<String> = corpus
        .iter()
        .filter_map(|case| {
            let name = case["name"].as_str().unwrap();
            let want = &expected[name];
            let (same, got) = agrees(case, want);
            (!same).then(|| {
                format!(
                    "{name}\n  template:   {:?}\n  {oracle}: {want}\n  mergeproof: {got}",
                    case["template"].as_str().unwrap()
                )
            })
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} cases differ from {oracle}:\n{}",
        differences.len(),
        corpus.len(),
        differences.join("\n")
    );
}

/// Runs the oracle (`program script`) and requires that it prints
/// `folder/expected.json` as recorded; without the oracle, passes with a
/// note, except in CI (`.ci/run` installs it), where `install` says how.
#[allow(dead_code)] // Only the differential tests compare with an oracle.
pub fn recording_is_current(
    folder: &std::path::Path,
    oracle: Option<std::process::Command>,
    name: &str,
    install: &str,
    rewrite: &str,
) {
    let Some(mut oracle) = oracle else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed: {install}"
        );
        eprintln!("{name} not installed: checked against the recorded output only");
        return;
    };
    let run = oracle.output().expect("the oracle runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let recorded = std::fs::read_to_string(folder.join("expected.json")).unwrap();
    assert!(
        String::from_utf8_lossy(&run.stdout) == recorded,
        "expected.json is not what {name} prints now: run `{rewrite}`"
    );
}
