//! The `liquid` dialect against Shopify's Ruby Liquid, byte for byte.
//!
//! `tests/liquid/corpus.json` holds templates with their data (and
//! partials); `expected.json` is what Ruby Liquid 5.4 (Debian's
//! `ruby-liquid`, with ActiveSupport's `blank?` loaded as Shopify runs it)
//! prints for each, written by `ruby tests/liquid/render.rb --write`. The
//! first test renders every case through mergeproof's own pipeline and
//! compares; the second runs Ruby Liquid itself when it is installed (CI
//! installs it), so the recorded output cannot drift from the real engine.
//! Cases in the `braze` and `customerio` dialects run through stand-ins of
//! those platforms' additions (listed in `render.rb`) on the same Ruby
//! Liquid: the Liquid underneath is checked, and whether the send is
//! aborted or fails.

mod common;

use std::path::PathBuf;

use mergeproof_core::dialect::Dialect;
use mergeproof_core::project::Channel;
use mergeproof_core::template::Outcome;
use serde_json::Value;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/liquid")
}

/// What a case gives: the text, or the send's outcome when nothing is sent.
#[derive(Debug, PartialEq)]
enum Got {
    Output(String),
    Aborted(String),
    Failed,
}

/// Renders one case as a plain-text field in its dialect (`liquid` unless
/// it names `braze` or `customerio`); a load error as `Err`.
fn render(case: &Value) -> Result<Got, String> {
    let dialect = case["dialect"]
        .as_str()
        .map_or(Dialect::Liquid, |d| Dialect::parse(d).unwrap());
    let cell = common::render_case(dialect, Channel::Sms, "liquid", case)?;
    Ok(match (cell.outcome(), &cell.body.error) {
        (Outcome::Aborted, Some(e)) => Got::Aborted(e.to_string()),
        (Outcome::Failed, _) => Got::Failed,
        _ => Got::Output(cell.body.output.text),
    })
}

#[test]
fn liquid_dialect_prints_what_ruby_liquid_prints() {
    common::agrees_with_recording(&folder(), "Ruby Liquid", 80, |case, want| {
        let got = render(case);
        let same = match &got {
            Ok(Got::Output(out)) => want["output"].as_str() == Some(out.as_str()),
            // The stand-in's reason is the one the template gives.
            Ok(Got::Aborted(message)) => want["aborted"]
                .as_str()
                .is_some_and(|reason| message.ends_with(reason)),
            Ok(Got::Failed) => want.get("failed").is_some(),
            Err(_) => want.get("error").is_some(),
        };
        (same, format!("{got:?}"))
    });
}

#[test]
fn recorded_output_is_what_ruby_liquid_prints() {
    let has_liquid = std::process::Command::new("ruby")
        .args(["-e", "require 'liquid'; require 'active_support'"])
        .output()
        .is_ok_and(|o| o.status.success());
    let oracle = has_liquid.then(|| {
        let mut command = std::process::Command::new("ruby");
        command.arg(folder().join("render.rb"));
        command
    });
    common::recording_is_current(
        &folder(),
        oracle,
        "Ruby Liquid",
        "apt-get install ruby ruby-liquid ruby-activesupport",
        "ruby tests/liquid/render.rb --write",
    );
}
