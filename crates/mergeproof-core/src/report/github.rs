//! `lint --format github`: GitHub Actions workflow commands, which the runner
//! turns into annotations on the files of a pull request.
//!
//! One command per defect (the findings the text report groups together: same
//! rule, place and variant), so a token broken for forty profiles is one
//! annotation naming them, not forty (Actions shows only the first few
//! annotations of each kind per step). Errors are `::error`, warnings
//! `::warning`, infos `::notice`; waived findings are not annotated. Load
//! errors are `::error` too. A last plain line sums the run up.
//!
//! Values are escaped exactly as `@actions/core` escapes them: in the message
//! `%` → `%25`, CR → `%0D`, LF → `%0A`; in properties also `:` → `%3A` and
//! `,` → `%2C`.

use std::fmt::Write;

use super::path_in;
use crate::finding::Severity;
use crate::run::Run;
use crate::sanitize::visible;

pub(crate) fn render(run: &Run, base: &str) -> String {
    let mut out = String::new();
    for e in &run.load_errors {
        command(
            &mut out,
            "error",
            &path_in(base, &e.file),
            e.line,
            e.column,
            "mergeproof: load error",
            &visible(&e.message),
        );
    }
    for campaign in &run.campaigns {
        for group in super::text::defect_groups(&campaign.findings) {
            let f = group[0];
            let mut message = visible(&f.message);
            if !f.excerpt.is_empty() {
                let _ = write!(message, "\n| {}", visible(&f.excerpt));
            }
            if let Some(note) = super::text::stale_note(f) {
                let _ = write!(message, "\n{note}");
            }
            if let Some(profiles) = super::text::profile_list(&group) {
                let _ = write!(message, "\nprofiles: {profiles}");
            }
            for fix in super::text::fixes(&group) {
                let _ = write!(message, "\nfix: {}", visible(&fix));
            }
            let kind = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            command(
                &mut out,
                kind,
                &path_in(base, &f.file),
                f.line,
                f.column,
                &format!("{} ({})", f.rule, super::text::place(f)),
                &message,
            );
        }
    }
    let s = run.summary();
    let _ = writeln!(
        out,
        "mergeproof: {} error{}, {} warning{}, {} info, {} waived; {} campaign{}, {} render{}{}",
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.infos,
        s.waived,
        s.campaigns,
        plural(s.campaigns),
        s.renders,
        plural(s.renders),
        match run.load_errors.len() {
            0 => String::new(),
            n => format!("; {n} load error{}", plural(n)),
        }
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn command(
    out: &mut String,
    kind: &str,
    file: &str,
    line: u32,
    column: u32,
    title: &str,
    message: &str,
) {
    let _ = writeln!(
        out,
        "::{kind} file={},line={line},col={column},title={}::{}",
        escape_property(&crate::sanitize::visible(file)),
        escape_property(&crate::sanitize::visible(title)),
        escape_data(message)
    );
}

/// The message of a workflow command (`escapeData` in `@actions/core`).
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value of a workflow command (`escapeProperty` in `@actions/core`).
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_never_reaches_the_log_raw() {
        let mut out = String::new();
        command(
            &mut out,
            "error",
            "campaigns/a\u{1b}[2J\u{7}\u{202e}.yaml",
            1,
            2,
            "t\u{1b}",
            "m",
        );
        assert!(
            !out.chars()
                .any(|c| c != '\n' && crate::sanitize::needs_escape(c)),
            "{out:?}"
        );
    }

    #[test]
    fn data_is_escaped_as_the_actions_toolkit_does() {
        assert_eq!(escape_data("100% off"), "100%25 off");
        assert_eq!(escape_data("a\r\nb\nc"), "a%0D%0Ab%0Ac");
        assert_eq!(escape_data("%0A stays literal"), "%250A stays literal");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(
            escape_property("campaigns/a,b:c%\n.yaml"),
            "campaigns/a%2Cb%3Ac%25%0A.yaml"
        );
        assert_eq!(
            escape_property("missing-fallback (spring › gold › subject)"),
            "missing-fallback (spring › gold › subject)"
        );
    }

    #[test]
    fn a_command_is_one_line_whatever_its_text() {
        let mut out = String::new();
        command(
            &mut out,
            "error",
            "campaigns/odd, name: 100%.yaml",
            3,
            7,
            "rule, with: punctuation",
            "first line\nsecond: 50%, third\r",
        );
        assert_eq!(
            out,
            "::error file=campaigns/odd%2C name%3A 100%25.yaml,line=3,col=7,title=rule%2C with%3A punctuation::first line%0Asecond: 50%25, third%0D\n"
        );
    }
}
