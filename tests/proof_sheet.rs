//! The proof sheet (`lint --format html`) in a real browser: the shipped
//! examples, plus a campaign whose email carries an inline script, opened in
//! the distribution's headless Chromium through playwright-core
//! (`tests/browser/check.js`). Every campaign and a planted flag are on the
//! page, `n` moves to a flag, the phone toggle narrows the emails to 375 px,
//! nothing is fetched from anywhere, and the email's script never runs.
//! Screenshots at 1280 and 375 px go to `target/tmp/proof-sheet/`.
//!
//! Without Chromium or `npm ci --prefix tests/browser`, the browser part is
//! skipped with a message; under CI (`CI` set) it is required.

use std::path::{Path, PathBuf};

mod common;

const SCRIPTED: &str = r#"id: scripted-email
kind: transactional
variants:
  - id: only
    subject: "Your receipt"
    body: |
      <p>Thanks for your order.</p>
      <script>document.documentElement.setAttribute('data-email-script-ran', 'yes'); console.log('EMAIL-SCRIPT-RAN');</script>
"#;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sheet_of(project: &Path, out: &Path) -> std::time::Duration {
    let started = std::time::Instant::now();
    let (code, _, err) = common::run_in(
        project,
        &[
            "lint",
            "--format",
            "html",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "the examples are flagged on purpose: {err}");
    started.elapsed()
}

#[test]
fn the_examples_sheet_is_small_and_self_contained() {
    let dir = common::examples();
    let out = dir.path().join("proof.html");
    sheet_of(dir.path(), &out);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.len() < 2_000_000, "{} bytes", page.len());
    // The larger campaigns come packed, the smaller ones as they are: the
    // browser test below sees both.
    assert!(page.contains("class=\"packed\""));
    assert!(page.contains("<div class=\"card\""));
    // Nothing to fetch: no stylesheet, script or font from anywhere.
    for needle in ["<link", "src=\"http", "@import", "<script src"] {
        assert!(!page.contains(needle), "{needle}");
    }
}

fn chromium() -> Option<PathBuf> {
    std::env::var_os("MERGEPROOF_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
        })
}

#[test]
fn the_sheet_in_a_real_browser() {
    let browser_tests = repo().join("tests/browser");
    let (Some(chromium), true) = (
        chromium(),
        browser_tests.join("node_modules/playwright-core").is_dir(),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the proof sheet in Chromium: install chromium and run `npm ci --prefix tests/browser`"
        );
        eprintln!(
            "SKIPPED the_sheet_in_a_real_browser: no Chromium or no `npm ci --prefix tests/browser`"
        );
        return;
    };
    let dir = common::examples();
    std::fs::write(dir.path().join("campaigns/scripted-email.yaml"), SCRIPTED).unwrap();
    let out = dir.path().join("proof.html");
    sheet_of(dir.path(), &out);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("proof-sheet");
    std::fs::create_dir_all(&shots).unwrap();
    let output = std::process::Command::new("node")
        .arg(browser_tests.join("check.js"))
        .arg(&out)
        .arg(&shots)
        .arg(&chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(
        stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("no report: {stdout}")),
    )
    .unwrap();

    let mut campaigns: Vec<String> = std::fs::read_dir(dir.path().join("campaigns"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    campaigns.sort();
    let mut shown: Vec<String> = seen["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    shown.sort();
    assert_eq!(shown, campaigns, "every campaign is on the page");
    let rules: Vec<&str> = seen["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    for planted in [
        "zero-balance",
        "unescaped-data",
        "broken-link",
        "missing-fallback",
    ] {
        assert!(rules.contains(&planted), "{planted} in {rules:?}");
    }
    assert_eq!(seen["scriptRanInEmail"], false, "{seen}");
    assert_eq!(
        seen["packedLeft"], 0,
        "every packed campaign unpacked: {seen}"
    );
    assert_eq!(
        seen["slotsLeft"], 0,
        "every email made as it came near: {seen}"
    );
    assert!(seen["frames"].as_u64().unwrap() > 17, "{seen}");
    assert_eq!(seen["focusedFlag"], true, "`n` moves to a flag: {seen}");
    assert_eq!(seen["phoneWidth"], 375.0, "{seen}");
    assert_eq!(seen["remoteRequests"], serde_json::json!([]), "{seen}");
    for shot in ["proof-sheet-1280.png", "proof-sheet-375.png"] {
        let size = std::fs::metadata(shots.join(shot)).unwrap().len();
        assert!(size > 10_000, "{shot}: {size} bytes");
    }
}
