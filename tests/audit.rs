//! `mergeproof audit` on the shipped export (`exports/mailchimp-audience.csv`,
//! in Mailchimp's audience shape), through the binary.

mod common;
use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

/// `mergeproof audit DIR --profiles EXPORT EXTRA…`, run to its end.
fn audit_of(dir: &Path, export: &Path, extra: &[&str]) -> std::process::Output {
    cargo_bin_cmd!("mergeproof")
        .arg("audit")
        .arg(dir)
        .arg("--profiles")
        .arg(export)
        .args(extra)
        .output()
        .unwrap()
}

/// `mergeproof audit . ARGS` run in `dir`, with `input` on standard input.
fn audit_from_stdin(dir: &Path, args: &[&str], input: impl Into<Vec<u8>>) -> std::process::Output {
    cargo_bin_cmd!("mergeproof")
        .current_dir(dir)
        .args(["audit", "."])
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap()
}

fn audit_json(dir: &Path, extra: &[&str]) -> (Value, i32, String) {
    let export = dir.join("exports/mailchimp-audience.csv");
    let out = audit_of(dir, &export, &[&["--format", "json"], extra].concat());
    let text = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (json, out.status.code().unwrap(), text)
}

#[test]
fn audit_counts_reach_tokens_and_defects() {
    let dir = common::examples();
    let (report, code, _) = audit_json(dir.path(), &[]);
    assert_eq!(
        code, 1,
        "defects reach customers: the gate fails as lint's would"
    );
    assert_eq!(report["version"], 1);
    assert_eq!(report["profiles"], 60);
    assert_eq!(report["rejected"], 1);
    let rejected = &report["rejected_records"][0];
    assert_eq!(rejected["line"], 62);
    let campaigns = report["campaigns"].as_array().unwrap();
    assert_eq!(campaigns.len(), 31);
    for c in campaigns {
        let reach: u64 = c["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["reach"].as_u64().unwrap())
            .sum();
        let no_variant: u64 = c["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["rule"] == "no-variant")
            .map(|r| r["profiles"].as_u64().unwrap())
            .sum();
        assert_eq!(reach + no_variant, 60, "{}", c["id"]);
        // Every customer a variant reaches is sent it, aborted or failed.
        for v in c["variants"].as_array().unwrap() {
            let outcomes: u64 = ["sent", "aborted", "failed"]
                .iter()
                .map(|k| v[*k].as_u64().unwrap())
                .sum();
            assert_eq!(
                outcomes,
                v["reach"].as_u64().unwrap(),
                "{} {}",
                c["id"],
                v["id"]
            );
        }
        for r in c["rules"].as_array().unwrap() {
            let examples = r["examples"].as_array().unwrap();
            assert!(examples.len() <= 5 && !examples.is_empty());
        }
    }
    let spring = campaigns
        .iter()
        .find(|c| c["id"] == "spring-clearance")
        .unwrap();
    let subject = spring["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["variant"] == "gold" && t["field"] == "subject")
        .unwrap();
    assert_eq!(subject["token"], "{{first_name}}");
    assert_eq!(subject["line"], 12);
    assert!(subject["empty"].as_u64().unwrap() > 0);
    // Braze's `abort_message` cancels sends on purpose; Customer.io does
    // not send a missing variable; a clean campaign sends to everyone.
    let variant = |campaign: &str, variant: &str| {
        campaigns
            .iter()
            .find(|c| c["id"] == campaign)
            .and_then(|c| {
                c["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|v| v["id"] == variant)
            })
            .cloned()
            .unwrap()
    };
    let aborting = variant("braze-name-day", "members");
    assert!(aborting["aborted"].as_u64().unwrap() > 0, "{aborting}");
    assert_eq!(aborting["failed"], 0);
    let failing = variant("customerio-restock", "members");
    assert!(failing["failed"].as_u64().unwrap() > 0, "{failing}");
    assert_eq!(failing["aborted"], 0);
    let clean = variant("mailchimp-tier-perks", "members");
    assert_eq!(clean["sent"], clean["reach"]);
    // One campaign only.
    let (one, _, _) = audit_json(dir.path(), &["--campaign", "points-statement"]);
    assert_eq!(one["campaigns"].as_array().unwrap().len(), 1);
}

#[test]
fn audit_output_holds_no_customer_data_but_ids() {
    let dir = common::examples();
    let (_, _, json) = audit_json(dir.path(), &[]);
    let export =
        std::fs::read_to_string(dir.path().join("exports/mailchimp-audience.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(export.as_bytes());
    let headers = reader.headers().unwrap().clone();
    for record in reader.records().flatten() {
        for (header, cell) in headers.iter().zip(record.iter()) {
            // Tiers, devices and currencies are also words of the templates
            // (variant ids); names and addresses are the customer's alone.
            if !["First Name", "Last Name", "ZIP"].contains(&header)
                || cell.len() < 3
                || cell == "null"
            {
                continue;
            }
            assert!(
                !json.contains(&format!("\"{cell}")) && !json.contains(&format!(" {cell}")),
                "{header} `{cell}` is in the audit output"
            );
        }
    }
}

/// The progress bar is for a terminal: with stderr a pipe (a CI log), audit
/// writes nothing there.
#[test]
fn audit_draws_no_progress_bar_when_stderr_is_not_a_terminal() {
    let dir = common::examples();
    let out = cargo_bin_cmd!("mergeproof")
        .arg("audit")
        .arg(dir.path())
        .args(["--profiles"])
        .arg(dir.path().join("exports/mailchimp-audience.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "errors reach customers");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("customers"),
        "the report is on stdout"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// On a terminal, stderr shows the progress bar: customers, their rate and
/// the time left.
#[test]
fn audit_draws_a_progress_bar_on_a_terminal() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::Read;
    let dir = common::examples();
    // The shipped export's rows again and again: enough for several frames.
    let export =
        std::fs::read_to_string(dir.path().join("exports/mailchimp-audience.csv")).unwrap();
    let (header, rows) = export.split_once('\n').unwrap();
    let mut big = format!("{header}\n");
    while big.len() < 12 << 20 {
        big.push_str(rows);
    }
    let list = dir.path().join("big.csv");
    std::fs::write(&list, big).unwrap();
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mergeproof"));
    cmd.arg("audit");
    cmd.arg(dir.path());
    cmd.arg("--profiles");
    cmd.arg(&list);
    cmd.arg("--output");
    cmd.arg(dir.path().join("audit.txt"));
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let seen = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let status = child.wait().unwrap();
    drop(pair.master);
    let seen = seen.join().unwrap();
    assert_eq!(status.exit_code(), 1, "{seen}");
    assert!(
        seen.contains(" customers, ") && seen.contains("/s") && seen.contains(" left"),
        "no progress bar on the terminal: {seen:?}"
    );
    let report = std::fs::read_to_string(dir.path().join("audit.txt")).unwrap();
    assert!(report.contains("rejected"), "{report}");
}

/// Audit counts what lint finds: the same list as sample profiles gives, cell
/// for cell, the same customers for each rule, variant and field.
#[test]
fn audit_agrees_with_lint_on_the_same_list() {
    let dir = common::examples();
    let samples = dir.path().join("sample-profiles");
    std::fs::remove_dir_all(&samples).unwrap();
    std::fs::create_dir_all(&samples).unwrap();
    let export =
        std::fs::read_to_string(dir.path().join("exports/mailchimp-audience.csv")).unwrap();
    // Without the broken last row (lint would stop at the load error).
    let good: String = export.lines().take(61).map(|l| format!("{l}\n")).collect();
    std::fs::write(samples.join("audience.csv"), &good).unwrap();
    std::fs::write(dir.path().join("exports/good.csv"), &good).unwrap();

    let lint = cargo_bin_cmd!("mergeproof")
        .arg("lint")
        .arg(dir.path())
        .args(["--no-edge-cases", "--format", "json"])
        .output()
        .unwrap();
    let lint: Value = serde_json::from_slice(&lint.stdout).unwrap();
    let mut from_lint: BTreeMap<
        (String, String, String, String),
        std::collections::BTreeSet<String>,
    > = BTreeMap::new();
    for f in lint["findings"].as_array().unwrap() {
        let Some(profile) = f["profile"].as_str() else {
            continue;
        };
        let key = (
            f["campaign"].as_str().unwrap().to_string(),
            f["rule"].as_str().unwrap().to_string(),
            f["variant"].as_str().unwrap_or("").to_string(),
            f["field"].as_str().unwrap().to_string(),
        );
        from_lint
            .entry(key)
            .or_default()
            .insert(profile.to_string());
    }
    let out = cargo_bin_cmd!("mergeproof")
        .arg("audit")
        .arg(dir.path())
        .arg("--profiles")
        .arg(dir.path().join("exports/good.csv"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let audit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut from_audit: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    for c in audit["campaigns"].as_array().unwrap() {
        for r in c["rules"].as_array().unwrap() {
            let key = (
                c["id"].as_str().unwrap().to_string(),
                r["rule"].as_str().unwrap().to_string(),
                r["variant"].as_str().unwrap_or("").to_string(),
                r["field"].as_str().unwrap().to_string(),
            );
            from_audit.insert(key, r["profiles"].as_u64().unwrap());
        }
    }
    let lint_counts: BTreeMap<_, u64> = from_lint
        .into_iter()
        .map(|(k, v)| (k, v.len() as u64))
        .collect();
    assert_eq!(from_audit, lint_counts);
}

/// YAML is read whole, so a YAML list past what its reader takes is refused
/// before it is read (exit 2), with the formats audit streams named; a small
/// one is audited.
#[test]
fn audit_refuses_a_yaml_list_too_large_to_read_whole() {
    let dir = common::examples();
    let big = dir.path().join("exports/everyone.yaml");
    let mut text = String::from("- id: a\n  first_name: Ann\n");
    let comment = format!("# {}\n", "x".repeat(1022));
    while text.len() <= 65 << 20 {
        text.push_str(&comment);
    }
    std::fs::write(&big, text).unwrap();
    let out = audit_of(dir.path(), &big, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("65 MiB of YAML")
            && stderr.contains("export the list as CSV or JSON Lines"),
        "{stderr}"
    );
    let small = dir.path().join("exports/few.yaml");
    std::fs::write(&small, "- id: a\n  first_name: Ann\n- id: b\n").unwrap();
    let out = audit_of(dir.path(), &small, &["--campaign", "postmark-welcome"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("audit of "), "{stdout}");
    assert!(stdout.contains(": 2 customers, 0 rejected"), "{stdout}");
}

/// The shipped export saved again by Excel where the comma is the decimal
/// mark (cells separated by semicolons) audits as the export itself.
#[test]
fn an_export_separated_by_semicolons_audits_as_the_same_list() {
    let dir = common::examples();
    let export = dir.path().join("exports/mailchimp-audience.csv");
    let excel = dir.path().join("exports/excel/mailchimp-audience.csv");
    std::fs::create_dir_all(excel.parent().unwrap()).unwrap();
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(!text.contains('"'), "the conversion below needs no quoting");
    std::fs::write(&excel, text.replace(',', ";")).unwrap();
    let (comma, comma_code, _) = audit_json(dir.path(), &[]);
    std::fs::rename(&excel, &export).unwrap();
    let (mut semicolon, semicolon_code, semicolon_text) = audit_json(dir.path(), &[]);
    assert_eq!(comma_code, semicolon_code);
    // The row with a cell too many is told in the file's own separator.
    let message = |report: &mut Value| report["rejected_records"][0]["message"].take();
    let rejected = message(&mut semicolon);
    assert!(
        rejected
            .as_str()
            .unwrap()
            .contains("a cell holding a semicolon"),
        "{rejected}"
    );
    let mut comma = comma;
    message(&mut comma);
    assert_eq!(comma, semicolon, "{semicolon_text}");
}

/// A misspelt column of `profile_columns:` is said before the run; the
/// shipped mapping draws no warning.
#[test]
fn a_misspelt_column_of_the_export_is_a_warning() {
    let dir = common::examples();
    let run = |dir: &Path| {
        audit_of(
            dir,
            &dir.join("exports/mailchimp-audience.csv"),
            &["--format", "json"],
        )
    };
    let quiet = run(dir.path());
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    let config = dir.path().join("mergeproof.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("\"First Name\": first_name"));
    std::fs::write(
        &config,
        text.replace("\"First Name\": first_name", "\"First name\": first_name"),
    )
    .unwrap();
    let told = run(dir.path());
    let stderr = String::from_utf8_lossy(&told.stderr);
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("mailchimp-audience.csv:1:1:")
            && stderr.contains("(did you mean `First Name`?)"),
        "{stderr}"
    );
    // The report is still written, on standard output.
    let report: Value = serde_json::from_slice(&told.stdout).unwrap();
    assert_eq!(report["profiles"], 60);
}

/// A compressed export is refused before it is read, saying what to do
/// (exit 2, as any export that cannot be read).
#[test]
fn a_compressed_export_is_refused_with_what_to_do() {
    let dir = common::examples();
    let packed = dir.path().join("exports/list.csv.gz");
    std::fs::write(&packed, [0x1f, 0x8b, 0x08, 0x00]).unwrap();
    let out = audit_of(dir.path(), &packed, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is compressed (gz): decompress it first"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no report of nothing");
}

/// The shipped export re-saved without an extension, and piped on standard
/// input: read as the format `--profiles-format` says, the same audit.
#[test]
fn an_export_named_by_its_format_option_or_piped_audits_the_same() {
    let dir = common::examples();
    let (expected, code, _) = audit_json(dir.path(), &[]);
    let csv = dir.path().join("exports/mailchimp-audience.csv");
    let bare = dir.path().join("exports/audience-export");
    std::fs::copy(&csv, &bare).unwrap();
    let named = audit_of(
        dir.path(),
        &bare,
        &["--format", "json", "--profiles-format", "csv"],
    );
    assert_eq!(named.status.code(), Some(code));
    // Rows without an id are named after the file they are in (`file#N`),
    // and a rejected record names its file: the rest is the same.
    let as_shipped = |report: &[u8], stem: &str, file: &str| -> Value {
        let text = String::from_utf8_lossy(report)
            .replace(&format!("\"{stem}#"), "\"mailchimp-audience#")
            .replace(
                &format!("\"file\": {}", serde_json::to_string(file).unwrap()),
                &format!(
                    "\"file\": {}",
                    serde_json::to_string(&csv.display().to_string()).unwrap()
                ),
            );
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    let bare_name = bare.display().to_string();
    assert_eq!(
        as_shipped(&named.stdout, "audience-export", &bare_name),
        expected
    );

    let from_stdin = [
        "--profiles",
        "-",
        "--profiles-format",
        "csv",
        "--format",
        "json",
    ];
    // The export piped in is audited as the file named is.
    let piped_audits_the_same = || {
        let piped = audit_from_stdin(dir.path(), &from_stdin, std::fs::read(&csv).unwrap());
        assert_eq!(
            piped.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&piped.stderr)
        );
        assert_eq!(
            as_shipped(&piped.stdout, "standard input", "standard input"),
            expected
        );
    };
    piped_audits_the_same();
    // `-` is standard input even where a folder of that name is in the
    // way.
    std::fs::create_dir(dir.path().join("-")).unwrap();
    piped_audits_the_same();

    // A pipe named by nothing is read as a YAML list; when nothing could be
    // read so, the option is named.
    let fifo = audit_from_stdin(
        dir.path(),
        &["--profiles", "/dev/stdin"],
        std::fs::read(&csv).unwrap(),
    );
    assert_eq!(fifo.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&fifo.stderr);
    assert!(
        stderr.contains("with --profiles-format csv, jsonl or json"),
        "{stderr}"
    );

    // Without the option, standard input's format is asked for.
    let unsaid = audit_from_stdin(dir.path(), &["--profiles", "-"], "id\nc-1\n");
    assert_eq!(unsaid.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unsaid.stderr);
    assert!(stderr.contains("--profiles-format"), "{stderr}");
}
