//! `lint --format json`: one object, as DESIGN.md specifies (a contract).

use serde::Serialize;

use super::ReportError;
use crate::finding::Finding;
use crate::run::{Run, Summary};
use crate::source::LoadError;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: Summary,
    findings: Vec<&'a Finding>,
    load_errors: &'a [LoadError],
    /// Campaigns whose edge cases were cut by `edge_cases.max_per_campaign`.
    edge_cases_capped: Vec<&'a str>,
}

pub fn render(run: &Run) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write(run, &mut out).map_err(|e| ReportError::new("JSON", e))?;
    String::from_utf8(out).map_err(|e| ReportError::new("JSON", e))
}

/// [`render`], straight into `out` (a report can be large: every finding of
/// every edge case).
pub fn write(run: &Run, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let report = JsonReport {
        version: 1,
        summary: run.summary(),
        findings: run.findings().collect(),
        load_errors: &run.load_errors,
        edge_cases_capped: run
            .campaigns
            .iter()
            .filter(|c| c.edge_capped)
            .map(|c| c.id())
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
