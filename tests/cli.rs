//! The command line's answers to a mistyped first word, a missing folder and
//! `--output -`.

use assert_cmd::Command;

mod common;

fn run(args: &[&str]) -> (i32, String, String) {
    common::run_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

#[test]
fn a_word_close_to_a_command_is_a_typo_not_a_project() {
    for args in [
        &["lnt"][..],
        &["lnt", "."][..],
        &["lnt", ".", "--format", "json"][..],
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(
            err.contains("unknown command `lnt`: did you mean `lint`?"),
            "{args:?}: {err}"
        );
        assert!(out.is_empty(), "{out}");
    }
}

#[test]
fn a_missing_folder_is_said_plainly() {
    for args in [&["/no/such/dir"][..], &["lint", "/no/such/dir"][..]] {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("no such folder: /no/such/dir"), "{err}");
        assert!(out.is_empty(), "{out}");
    }
}

#[test]
fn output_dash_is_standard_output() {
    // The examples copied apart, so that a reviews file left in the working
    // tree changes nothing here.
    let project = common::examples();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = Command::cargo_bin("mergeproof")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "lint",
            project.path().to_str().unwrap(),
            "--no-edge-cases",
            "--format",
            "json",
            "--output",
            "-",
        ])
        .output()
        .map(|o| {
            (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                (),
            )
        })
        .unwrap();
    assert_eq!(code, 1);
    assert!(
        out.starts_with('{') && out.contains("\"findings\""),
        "{out}"
    );
    assert!(!dir.path().join("-").exists());
}

fn rules_of(json: &str) -> std::collections::BTreeSet<String> {
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn select_ignore_and_campaign_narrow_the_report() {
    let dir = common::examples();
    let path = dir.path().to_str().unwrap();
    let (code, out, _) = run(&[
        "lint",
        path,
        "--no-edge-cases",
        "-f",
        "json",
        "--select",
        "zero-balance,broken-link",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_of(&out).into_iter().collect::<Vec<_>>(),
        ["broken-link", "zero-balance"]
    );
    let (_, out, _) = run(&[
        "lint",
        path,
        "--no-edge-cases",
        "-f",
        "json",
        "--ignore",
        "zero-balance",
    ]);
    assert!(!rules_of(&out).contains("zero-balance"));
    let (code, out, _) = run(&[
        "lint",
        path,
        "--no-edge-cases",
        "-f",
        "json",
        "--campaign",
        "order-shipped",
    ]);
    assert_eq!(code, 0, "the clean campaign alone passes");
    assert!(rules_of(&out).is_empty());
    let (code, _, err) = run(&["lint", path, "--select", "zero-balanc"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no rule `zero-balanc`: did you mean `zero-balance`?"),
        "{err}"
    );
    let (code, _, err) = run(&["lint", path, "--campaign", "order-shiped"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `order-shipped`?"), "{err}");
    let report = dir.path().join("report.json");
    let (_, _, _) = run(&["lint", path, "-f", "json", "-o", report.to_str().unwrap()]);
    assert!(std::fs::read_to_string(report).unwrap().starts_with('{'));
}

#[test]
fn completions_and_version() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = run(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(
            out.contains("mergeproof") && out.contains("audit"),
            "{shell}"
        );
    }
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("mergeproof "), "{out}");
}

#[test]
fn a_project_with_nothing_to_check_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("campaigns")).unwrap();
    std::fs::create_dir_all(dir.path().join("sample-profiles")).unwrap();
    let (code, _, err) = run(&["lint", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no campaign to check in"), "{err}");
}

#[test]
fn preview_and_edge_cases_take_the_only_campaign_without_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "campaigns/welcome.yaml",
        "variants:\n  - id: all\n    subject: \"Hi {{default first_name 'there'}}\"\n    body: \"<p>Welcome</p>\"\n",
    );
    write("sample-profiles/ana.yaml", "id: ana\nfirst_name: Ana\n");
    let (code, out, err) = common::run_in(dir.path(), &["preview", "--profile", "ana"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Hi Ana"), "{out}");
    let (code, out, err) = common::run_in(dir.path(), &["edge-cases"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("edge-case profiles for campaign `welcome`"),
        "{out}"
    );

    // With two, it asks which, and names them.
    write(
        "campaigns/sale.yaml",
        "variants:\n  - id: all\n    subject: Sale\n    body: \"<p>Sale</p>\"\n",
    );
    let (code, _, err) = common::run_in(dir.path(), &["preview", "--profile", "ana"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("2 campaigns: pass --campaign ID (campaigns: sale, welcome)"),
        "{err}"
    );
}
