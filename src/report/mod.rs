//! Report: a run as text for people, or as JSON, SARIF, JUnit or GitHub
//! workflow commands for machines.

pub mod json;
pub mod text;

use clap::ValueEnum;

use crate::engine::Run;
use crate::finding::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
}

/// How `lint` ends: 0 passes, 1 findings fail the gate, 2 the project could not
/// be fully loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass = 0,
    Fail = 1,
    LoadError = 2,
}

/// The gate: any unwaived error fails, and so do more warnings than allowed.
pub fn outcome(run: &Run, max_warnings: Option<usize>) -> Outcome {
    if !run.load_errors.is_empty() {
        return Outcome::LoadError;
    }
    let active = run.findings().filter(|f| f.is_active());
    let (mut errors, mut warnings) = (0usize, 0usize);
    for f in active {
        match f.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
            Severity::Info => {}
        }
    }
    if errors > 0 || max_warnings.is_some_and(|max| warnings > max) {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}

/// Renders a run in one of the machine formats or as text.
pub fn render(run: &Run, format: Format, color: bool) -> Result<String, String> {
    match format {
        Format::Text => Ok(text::render(run, color)),
        Format::Json => json::render(run),
        other => Err(format!("--format {other:?} is not available in this build").to_lowercase()),
    }
}
