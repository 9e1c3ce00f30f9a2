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
