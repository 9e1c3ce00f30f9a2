//! Report: a run as text for people, or as JSON, SARIF, JUnit or GitHub
//! workflow commands for machines.

pub(crate) mod github;
pub(crate) mod html;
pub mod json;
pub(crate) mod junit;
pub(crate) mod sarif;
pub mod statistics;
pub mod text;

use std::path::{Component, Path};

use crate::finding::{Severity, Tally};
use crate::run::Run;

/// The formats `lint --format` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
    /// The proof sheet: a page for the browser.
    Html,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Html,
    ];

    /// The name the command line takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Html => "html",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A report that could not be written in its format.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {format}: {reason}")]
pub struct ReportError {
    pub format: &'static str,
    pub reason: String,
}

impl ReportError {
    fn new(format: &'static str, reason: impl std::fmt::Display) -> Self {
        Self {
            format,
            reason: reason.to_string(),
        }
    }
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
    let tally = Tally::of(run.findings());
    let warnings = tally.active(Severity::Warning);
    if tally.active(Severity::Error) > 0 || max_warnings.is_some_and(|max| warnings > max) {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}

/// Renders a run in one of the machine formats or as text, with paths
/// relative to the project folder.
pub fn render(run: &Run, format: Format, color: bool) -> Result<String, ReportError> {
    render_in(run, format, color, "")
}

/// [`render`], where the CI formats (SARIF, JUnit, GitHub) write paths as
/// `base/<path in the project>`: `base` is the project folder as seen from
/// where `lint` runs (see [`base_of`]), so that annotations land on the
/// repository's files. Text and JSON keep project-relative paths.
pub fn render_in(
    run: &Run,
    format: Format,
    color: bool,
    base: &str,
) -> Result<String, ReportError> {
    match format {
        Format::Text => Ok(text::render(run, color)),
        Format::Json => json::render(run),
        Format::Sarif => sarif::render(run, base),
        Format::Junit => junit::render(run, base),
        Format::Github => Ok(github::render(run, base)),
        Format::Html => Ok(html::render(run)),
    }
}

/// The project folder `path` as a relative, `/`-separated prefix from the
/// current folder: `emails` for `lint emails/`, "" for `lint .`. A path that
/// leaves the current folder gives "" (paths stay project-relative).
pub fn base_of(path: &Path) -> String {
    let relative = if path.is_absolute() {
        let Ok(cwd) = std::env::current_dir() else {
            return String::new();
        };
        match path.strip_prefix(&cwd) {
            Ok(rest) => rest.to_path_buf(),
            Err(_) => return String::new(),
        }
    } else {
        path.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return String::new(),
        }
    }
    parts.join("/")
}

/// A project file's path from where `lint` runs.
pub(crate) fn path_in(base: &str, file: &str) -> String {
    if base.is_empty() || Path::new(file).is_absolute() {
        file.to_string()
    } else {
        format!("{base}/{file}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_from_where_lint_runs() {
        assert_eq!(base_of(Path::new(".")), "");
        assert_eq!(base_of(Path::new("./emails/")), "emails");
        assert_eq!(base_of(Path::new("team/emails")), "team/emails");
        assert_eq!(base_of(Path::new("../elsewhere")), "");
        let here = std::env::current_dir().unwrap();
        assert_eq!(base_of(&here.join("emails")), "emails");
        assert_eq!(path_in("", "campaigns/a.yaml"), "campaigns/a.yaml");
        assert_eq!(
            path_in("emails", "campaigns/a.yaml"),
            "emails/campaigns/a.yaml"
        );
    }
}
