//! The command line's answers to a mistyped first word, a missing folder and
//! `--output -`.

use assert_cmd::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("mergeproof")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_word_close_to_a_command_is_a_typo_not_a_project() {
    let (code, _, err) = run(&["lnt"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown command `lnt`: did you mean `lint`?"),
        "{err}"
    );
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
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = Command::cargo_bin("mergeproof")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "lint",
            env!("CARGO_MANIFEST_DIR"),
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
