//! A project loaded from memory is the project loaded from a folder holding
//! the same files: the same campaigns, profiles, errors and findings.

use std::collections::BTreeMap;

use mergeproof_core::engine::{self, Options};
use mergeproof_core::project::{load_project, load_project_from_memory};
use mergeproof_core::review::Decisions;

fn files() -> BTreeMap<String, String> {
    [
        ("mergeproof.yaml", "rules:\n  no-control: { severity: info }\n"),
        ("campaigns/partials/footer.hbs", "Harbor & Pine, {{default city \"Portland\"}}"),
        (
            "campaigns/sale.yaml",
            "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: \"{{first_name}}, cheap picks\"\n    body_file: templates/gold.hbs\n  - id: everyone\n    subject: Sale\n    body: \"Hi {{> footer}}\"\n",
        ),
        ("campaigns/templates/gold.hbs", "Hi {{first_name}}, you have {{points}} points. {{> footer}}"),
        ("campaigns/broken.yaml", "variants:\n  - id: a\n    subjct: x\n    body: y\n"),
        ("sample-profiles/ana.yaml", "first_name: Ana\ntier: gold\npoints: 0\n"),
        ("sample-profiles/list.yaml", "- id: ben\n  tier: gold\n- id: cy\n  first_name: Cy\n"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn findings_json(project: &mergeproof_core::project::Project) -> String {
    let run = engine::run(project, &Options::default(), &Decisions::default());
    mergeproof_core::report::json::render(&run).unwrap()
}

#[test]
fn memory_and_folder_load_the_same_project() {
    let files = files();
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in &files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let from_folder = load_project(dir.path());
    let from_memory = load_project_from_memory(&files);
    assert_eq!(from_folder.load_errors, from_memory.load_errors);
    assert_eq!(
        from_memory.load_errors.len(),
        1,
        "{:?}",
        from_memory.load_errors
    );
    assert_eq!(from_folder.profiles.len(), 3);
    let json = findings_json(&from_memory);
    assert_eq!(findings_json(&from_folder), json);
    assert!(
        json.contains("unsafe-token-combo") && json.contains("zero-balance"),
        "{json}"
    );
}

#[test]
fn a_memory_project_without_campaigns_says_so() {
    let files: BTreeMap<String, String> = BTreeMap::new();
    let project = load_project_from_memory(&files);
    assert!(
        project.load_errors[0]
            .message
            .contains("no `campaigns/` folder"),
        "{:?}",
        project.load_errors
    );
}
