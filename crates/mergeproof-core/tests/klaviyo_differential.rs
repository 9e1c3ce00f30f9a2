//! The `klaviyo` dialect against Django, byte for byte.
//!
//! `tests/klaviyo/corpus.json` holds templates with their data;
//! `expected.json` is what Django 5.2 (pinned in `requirements.txt`) prints
//! for each, written by `python tests/klaviyo/render.py --write`, with
//! Klaviyo's own filters and tags as stand-ins (listed in `render.py`). The
//! first test renders every case through mergeproof's own pipeline and
//! compares; the second runs Django itself when the oracle's virtual
//! environment is there (`.ci/run` makes it), so the recorded output
//! cannot drift from the real engine.

mod common;

use std::path::PathBuf;

use mergeproof_core::dialect::Dialect;
use mergeproof_core::project::Channel;
use mergeproof_core::template::Outcome;
use serde_json::Value;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/klaviyo")
}

#[derive(Debug, PartialEq)]
enum Got {
    Output(String),
    Failed(String),
}

/// Renders one case: an email body where it says `"html": true`, else
/// plain text; a load error as `Err`.
fn render(case: &Value) -> Result<Got, String> {
    let channel = if case["html"].as_bool() == Some(true) {
        Channel::Email
    } else {
        Channel::Sms
    };
    let cell = common::render_case(Dialect::Klaviyo, channel, "html", case)?;
    Ok(match (cell.outcome(), &cell.body.error) {
        (Outcome::Failed, Some(e)) => Got::Failed(e.to_string()),
        _ => Got::Output(cell.body.output.text),
    })
}

#[test]
fn klaviyo_dialect_prints_what_django_prints() {
    common::agrees_with_recording(&folder(), "Django", 120, |case, want| {
        let got = render(case);
        let same = match &got {
            Ok(Got::Output(out)) => want["output"].as_str() == Some(out.as_str()),
            Ok(Got::Failed(_)) => want.get("error").is_some(),
            Err(_) => want.get("load_error").is_some(),
        };
        (same, format!("{got:?}"))
    });
}

/// The oracle's Python: `MERGEPROOF_DJANGO_PYTHON`, else the virtual
/// environment `.ci/run` makes.
fn django_python() -> Option<PathBuf> {
    let python = std::env::var_os("MERGEPROOF_DJANGO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| folder().join(".venv/bin/python"));
    std::process::Command::new(&python)
        .args(["-c", "import django"])
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(python)
}

#[test]
fn recorded_output_is_what_django_prints() {
    let oracle = django_python().map(|python| {
        let mut command = std::process::Command::new(python);
        command.arg(folder().join("render.py"));
        command
    });
    common::recording_is_current(
        &folder(),
        oracle,
        "Django",
        "python3 -m venv tests/klaviyo/.venv && tests/klaviyo/.venv/bin/pip install -r tests/klaviyo/requirements.txt",
        "python tests/klaviyo/render.py --write",
    );
}
