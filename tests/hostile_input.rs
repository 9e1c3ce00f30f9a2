//! What a user feeds the command line that other systems produced, or that
//! went wrong around it: each ends in a located message or a quiet end, never
//! a panic, a hang or a destroyed file.

use std::path::Path;
use std::process::{Command, Stdio};

mod common;

fn binary() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("mergeproof"))
}

/// Runs the binary with standard output, standard error or both already
/// closed by their reader, as `| head -0` leaves them: the exit code and
/// what was written to the other stream.
fn with_closed(
    args: &[&str],
    folder: &Path,
    close_stdout: bool,
    close_stderr: bool,
) -> (i32, String) {
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Stdio::from(writer)
    };
    let mut command = binary();
    command.current_dir(folder).args(args).stdin(Stdio::null());
    let (out, err) = (close_stdout, close_stderr);
    command.stdout(if out { closed() } else { Stdio::piped() });
    command.stderr(if err { closed() } else { Stdio::piped() });
    let output = command.output().unwrap();
    let other = if out { &output.stderr } else { &output.stdout };
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(other).into_owned(),
    )
}

#[test]
fn a_closed_standard_output_or_error_ends_quietly() {
    let project = common::examples();
    let root = project.path();
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh");
    let fresh = fresh.to_str().unwrap();
    for (args, code) in [
        (&["completions", "bash"][..], 0),
        (&["init", fresh][..], 0),
        (&["explain", "--list"][..], 0),
        (&["lint", ".", "--no-edge-cases"][..], 1),
        (&["lint", ".", "--no-edge-cases", "--format", "json"][..], 1),
        (
            &["edge-cases", ".", "--campaign", "spring-clearance"][..],
            0,
        ),
    ] {
        let (status, err) = with_closed(args, root, true, false);
        assert_eq!(status, code, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // A message into a closed standard error is dropped; the exit code stays.
    let (status, out) = with_closed(&["lint", "/no/such/dir"], root, false, true);
    assert_eq!(status, 2, "{out}");
    let (status, _) = with_closed(&["nonsense-command"], root, true, true);
    assert_eq!(status, 2);
}

#[test]
fn audit_writes_its_report_when_standard_error_is_closed() {
    let project = common::examples();
    let root = project.path();
    // A campaign that does not load: its error goes to the closed stderr.
    std::fs::write(root.join("campaigns/broken.yaml"), "variants: [").unwrap();
    let export = root.join("export.csv");
    std::fs::write(&export, "id,first_name\nc-1,Ann\n").unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let report = out_dir.path().join("audit.json");
    let (status, _) = with_closed(
        &[
            "audit",
            ".",
            "--profiles",
            "export.csv",
            "--format",
            "json",
            "--output",
            report.to_str().unwrap(),
        ],
        root,
        true,
        true,
    );
    assert_eq!(status, 2);
    let written = std::fs::read_to_string(&report).expect("the report is written");
    assert!(written.contains("\"profiles\": 1"), "{written}");
}

/// A project whose only campaign does not load, and whose template lives
/// outside `campaigns/`.
fn project_with_a_broken_campaign() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("campaigns")).unwrap();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("sample-profiles")).unwrap();
    std::fs::write(
        root.join("campaigns/welcome.yaml"),
        "variants:\n  - id: a\n    subjct: Hi\n    body_file: \"../templates/welcome.hbs\"  # the team's template\n",
    )
    .unwrap();
    std::fs::write(
        root.join("templates/welcome.hbs"),
        "<p>Hi {{first_name}}</p>",
    )
    .unwrap();
    std::fs::write(root.join("sample-profiles/ann.yaml"), "first_name: Ann\n").unwrap();
    std::fs::write(root.join("export.csv"), "id,first_name\nc-1,Ann\n").unwrap();
    dir
}

#[test]
fn no_output_replaces_a_file_the_run_reads() {
    let dir = project_with_a_broken_campaign();
    let root = dir.path();
    for args in [
        &["lint", ".", "--output", "templates/welcome.hbs"][..],
        &["lint", ".", "--write-baseline", "templates/welcome.hbs"][..],
        &[
            "audit",
            ".",
            "--profiles",
            "export.csv",
            "--output",
            "templates/welcome.hbs",
        ][..],
        &[
            "audit",
            ".",
            "--profiles",
            "export.csv",
            "--output",
            "export.csv",
        ][..],
        &[
            "audit",
            ".",
            "--profiles",
            "export.csv",
            "--output",
            "./templates/../export.csv",
        ][..],
    ] {
        let (code, _, err) = common::run_in(root, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("write the report elsewhere") || err.contains("own files"),
            "{args:?}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("templates/welcome.hbs")).unwrap(),
            "<p>Hi {{first_name}}</p>"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("export.csv")).unwrap(),
            "id,first_name\nc-1,Ann\n"
        );
    }
    std::fs::write(root.join("base.json"), "{}").unwrap();
    let (code, _, err) = common::run_in(
        root,
        &[
            "lint",
            ".",
            "--baseline",
            "base.json",
            "--output",
            "base.json",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        std::fs::read_to_string(root.join("base.json")).unwrap(),
        "{}"
    );
}

#[cfg(unix)]
#[test]
fn init_never_writes_through_a_link_out_of_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::os::unix::fs::symlink(&elsewhere, project.join("campaigns")).unwrap();
    let (code, _, err) = common::run_in(dir.path(), &["init", "project"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a link"), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn nothing_to_check_shows_the_load_errors_that_caused_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("campaigns")).unwrap();
    std::fs::create_dir_all(root.join("sample-profiles")).unwrap();
    std::fs::write(
        root.join("campaigns/c.yaml"),
        "variants:\n  - id: a\n    subject: \"Hi {{first_name}}\"\n    body: x\n",
    )
    .unwrap();
    // Over the 8 MiB a file may hold: refused, so no profile loads.
    let big = format!("[{}]", vec!["{\"first_name\": \"Ann\"}"; 500_000].join(","));
    std::fs::write(root.join("sample-profiles/all.json"), big).unwrap();
    for format in ["text", "json"] {
        let (code, _, err) =
            common::run_in(root, &["lint", ".", "--no-edge-cases", "--format", format]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("sample-profiles/all.json:1:1:"),
            "{format}: {err}"
        );
        assert!(err.contains("nothing to check"), "{format}: {err}");
    }
}

#[test]
fn an_export_that_cannot_be_read_is_exit_2() {
    let project = common::examples();
    let root = project.path();
    std::fs::write(root.join("notjson.json"), "xx\n").unwrap();
    std::fs::create_dir_all(root.join("export-folder")).unwrap();
    for export in ["notjson.json", "export-folder", "/dev/zero"] {
        let (code, _, err) = common::run_in(root, &["audit", ".", "--profiles", export]);
        assert_eq!(code, 2, "{export}: {err}");
        assert!(
            err.contains("no customer could be read") || err.contains("is a folder"),
            "{export}: {err}"
        );
    }
}

#[test]
fn json_from_audit_and_preview_escapes_what_acts_on_a_terminal() {
    let project = common::examples();
    let root = project.path();
    let hostile = "Ann\u{202e}x\u{85}y\u{7f}z";
    std::fs::write(
        root.join("export.jsonl"),
        format!(
            "{}\n",
            serde_json::json!({ "id": hostile, "first_name": hostile, "loyalty": { "tier": "gold" } })
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("sample-profiles/hostile.yaml"),
        "id: hostile\nfirst_name: \"Ann\\u202ex\\u0085y\\u007fz\"\n",
    )
    .unwrap();
    let (_, audit, err) = common::run_in(
        root,
        &[
            "audit",
            ".",
            "--profiles",
            "export.jsonl",
            "--format",
            "json",
        ],
    );
    let (_, preview, err2) = common::run_in(
        root,
        &[
            "preview",
            ".",
            "--campaign",
            "spring-clearance",
            "--variant",
            "gold",
            "--profile",
            "hostile",
            "--format",
            "json",
        ],
    );
    for (out, err) in [(&audit, &err), (&preview, &err2)] {
        assert!(out.starts_with('{'), "{out}{err}");
        for raw in ['\u{202e}', '\u{85}', '\u{7f}'] {
            assert!(!out.contains(raw), "{raw:?} raw in {out}");
        }
    }
    assert!(preview.contains("\\u202e"), "{preview}");
}

#[test]
fn two_runs_on_the_same_input_print_the_same_bytes() {
    let project = common::examples();
    let root = project.path();
    std::fs::write(
        root.join("campaigns/partials/button.hbs"),
        "<a href=\"{{href}}\" width=\"{{width}}\">{{buttonText}} {{cellWidth}}</a>",
    )
    .unwrap();
    std::fs::write(
        root.join("campaigns/share.yaml"),
        "kind: transactional\nvariants:\n  - id: a\n    subject: Share\n    body: \"{{> button href=post.shareUrl buttonText='Share' width='42' cellWidth=cw}}{{> button feedbackButtons href=feedbackButtons.likeHref buttonText='Like' cellWidth=cw}}\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| common::run_in(root, args).1;
    for args in [
        &["lint", ".", "--format", "json"][..],
        &["edge-cases", ".", "--campaign", "share"][..],
    ] {
        let first = run(args);
        assert!(first.len() > 100, "{first}");
        for _ in 0..4 {
            assert!(run(args) == first, "{args:?} printed other bytes");
        }
    }
    // A name the partial's hash binds reads what the caller passed, not a
    // field under the partial's context.
    let edges = run(&["edge-cases", ".", "--campaign", "share"]);
    assert!(edges.contains("- id: \"edge:post.shareUrl="), "{edges}");
    assert!(!edges.contains("post.shareUrl.href"), "{edges}");
    assert!(!edges.contains("feedbackButtons.href"), "{edges}");
    assert!(!edges.contains("cw.href"), "{edges}");
}

/// A full disk, as the system reports it to one process: a file-size limit
/// (`ulimit -f`) with SIGXFSZ ignored makes every write past 2 KiB fail.
#[cfg(target_os = "linux")]
#[test]
fn init_on_a_full_disk_leaves_no_half_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("mergeproof");
    let status = Command::new("bash")
        .current_dir(dir.path())
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 2; exec \"$0\" init project",
            binary.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    // The starter config is 2.5 KB: it could not be written, and is not
    // there at all, not cut short.
    let config = dir.path().join("project/mergeproof.yaml");
    assert!(!config.exists(), "{:?}", std::fs::read_to_string(&config));
    // A second init, with room, writes every file whole.
    let (code, out, err) = common::run_in(dir.path(), &["init", "project"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("already there"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap().len(),
        include_str!("../src/init/mergeproof.yaml").len()
    );
}
