//! `lint --format json`: one object, as DESIGN.md specifies (a contract).

use serde::Serialize;

mod finding;

use super::ReportError;
use crate::finding::Finding;
use crate::run::Run;

pub fn render(run: &Run) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write(run, &mut out).map_err(|e| ReportError::new("JSON", e))?;
    String::from_utf8(out).map_err(|e| ReportError::new("JSON", e))
}

/// Findings serialized together, in parallel, before they are written (at
/// most: a block is whole runs, and a run ends with its campaign).
const FINDINGS_AT_A_TIME: usize = 4096;

/// Findings serialized one after another into one buffer, by one task.
const FINDINGS_PER_BUFFER: usize = 64;

/// [`render`], straight into `out` (a report can be large: every finding of
/// every edge case). The findings are serialized a block at a time on every
/// core and written in order; the bytes are those of serializing the whole
/// report at once (a test holds them to it).
pub fn write(run: &Run, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_in_blocks(run, out, FINDINGS_AT_A_TIME, FINDINGS_PER_BUFFER)
}

fn write_in_blocks(
    run: &Run,
    out: &mut dyn std::io::Write,
    block_size: usize,
    per_buffer: usize,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    out.write_all(b"{\n  \"version\": ")?;
    write_indented(out, &VERSION, 1)?;
    out.write_all(b",\n  \"summary\": ")?;
    write_indented(out, &run.summary(), 1)?;
    out.write_all(b",\n  \"findings\": ")?;
    // Runs of at most `per_buffer` findings, each within one campaign's
    // list: no list of every finding is made (on the one thread that waits
    // for the others, its fresh memory cost more than writing it out).
    let runs: Vec<&[Finding]> = run
        .campaigns
        .iter()
        .flat_map(|c| c.findings.chunks(per_buffer))
        .collect();
    if runs.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[")?;
        let runs_per_block = block_size.div_ceil(per_buffer).max(1);
        for (block, runs) in runs.chunks(runs_per_block).enumerate() {
            // A run of findings into one buffer per task, each after the
            // separator that comes before it: a buffer per finding cost an
            // allocation and a second copy each.
            let serialized: Vec<std::io::Result<Vec<u8>>> = runs
                .par_iter()
                .enumerate()
                .map(|(run, findings)| {
                    let mut bytes = Vec::with_capacity(1024 * findings.len());
                    for (i, f) in findings.iter().enumerate() {
                        bytes.extend_from_slice(if block == 0 && run == 0 && i == 0 {
                            b"\n    "
                        } else {
                            b",\n    "
                        });
                        if !finding::write(&mut bytes, f) {
                            write_indented(&mut bytes, f, 2)?;
                        }
                    }
                    Ok(bytes)
                })
                .collect();
            for bytes in serialized {
                out.write_all(&bytes?)?;
            }
        }
        out.write_all(b"\n  ]")?;
    }
    out.write_all(b",\n  \"load_errors\": ")?;
    write_indented(out, &run.load_errors, 1)?;
    out.write_all(b",\n  \"edge_cases_capped\": ")?;
    write_indented(out, &edge_cases_capped(run), 1)?;
    out.write_all(b"\n}\n")
}

/// The report's `version`.
const VERSION: u32 = 1;

fn edge_cases_capped(run: &Run) -> Vec<&str> {
    run.campaigns
        .iter()
        .filter(|c| c.edge_capped)
        .map(|c| c.id())
        .collect()
}

/// [`write_safe`] for a value `depth` levels deep in a pretty document: its
/// lines after the first indented to that depth. Written straight into
/// `out`, so a finding serialized into its own buffer costs one pass.
fn write_indented<W: ?Sized + std::io::Write>(
    out: &mut W,
    value: &impl Serialize,
    depth: usize,
) -> std::io::Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(out, SafeFormatter::at_depth(depth));
    // serde_json hands back the writer's own error: a closed pipe stays a
    // closed pipe, which `lint | head` does not report.
    value
        .serialize(&mut serializer)
        .map_err(std::io::Error::from)
}

/// Pretty JSON in which no string carries a character that acts on a
/// terminal or reorders text on screen: serde_json escapes C0 controls; this
/// also writes DEL, C1 controls and the bidi characters as
/// `\uXXXX` (the same text once parsed, harmless when a CI log shows it).
pub fn write_safe(out: &mut dyn std::io::Write, value: &impl Serialize) -> std::io::Result<()> {
    write_indented(out, value, 0)
}

#[derive(Default)]
struct SafeFormatter(serde_json::ser::PrettyFormatter<'static>);

impl SafeFormatter {
    /// A formatter whose lines start `depth` levels in. serde_json's pretty
    /// formatter indents by how many arrays and objects are open: opening
    /// `depth` arrays, written nowhere, puts it `depth` levels in, and the
    /// value's own brackets then open and close from there.
    fn at_depth(depth: usize) -> SafeFormatter {
        use serde_json::ser::Formatter;
        let mut formatter = SafeFormatter::default();
        for _ in 0..depth {
            // Writing to a sink cannot fail.
            let _ = formatter.0.begin_array(&mut std::io::sink());
        }
        formatter
    }
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(fn $name<W: ?Sized + std::io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
            self.0.$name(w $(, $arg)*)
        })*
    };
}

impl serde_json::ser::Formatter for SafeFormatter {
    delegate! {
        begin_array(),
        end_array(),
        begin_array_value(first: bool),
        end_array_value(),
        begin_object(),
        end_object(),
        begin_object_key(first: bool),
        begin_object_value(),
        end_object_value(),
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if !crate::sanitize::any_acts_on_display(fragment) {
            return w.write_all(fragment.as_bytes());
        }
        let mut rest = fragment;
        while let Some((at, c)) = rest
            .char_indices()
            .find(|(_, c)| crate::sanitize::acts_on_display(*c))
        {
            w.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Summary;
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

    /// The report as one value: what [`write`] writes a piece at a time.
    fn report(run: &Run) -> JsonReport<'_> {
        JsonReport {
            version: VERSION,
            summary: run.summary(),
            findings: run.findings().collect(),
            load_errors: &run.load_errors,
            edge_cases_capped: edge_cases_capped(run),
        }
    }

    /// The report serialized whole, as one serde value.
    fn whole(run: &Run) -> String {
        let mut out = Vec::new();
        write_safe(&mut out, &report(run)).unwrap();
        out.push(b'\n');
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn written_in_blocks_it_is_the_report_serialized_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let project = crate::project::load_project(&root);
        let options = crate::engine::Options::default();
        let mut run = crate::engine::run(&project, &options, &Default::default());
        assert!(run.findings().count() > 100, "the examples have findings");
        run.load_errors
            .push(LoadError::in_file("x.yaml", "a \u{202e} message"));
        assert_eq!(render(&run).unwrap(), whole(&run));
        let mut in_blocks = Vec::new();
        write_in_blocks(&run, &mut in_blocks, 7, 3).unwrap();
        assert_eq!(String::from_utf8(in_blocks).unwrap(), whole(&run));
        let mut in_one_buffer = Vec::new();
        write_in_blocks(&run, &mut in_one_buffer, 7, 7).unwrap();
        assert_eq!(String::from_utf8(in_one_buffer).unwrap(), whole(&run));
        let empty = Run {
            campaigns: Vec::new(),
            broken_campaigns: Vec::new(),
            load_errors: Vec::new(),
            sample_profiles: 0,
            obsolete_decisions: Vec::new(),
            baseline_applied: false,
        };
        assert_eq!(render(&empty).unwrap(), whole(&empty));
    }

    #[test]
    fn a_closed_pipe_is_reported_as_one() {
        struct Closed;
        impl std::io::Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let error = write_safe(&mut Closed, &serde_json::json!({ "a": 1 })).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn strings_carry_no_character_that_acts_on_a_terminal() {
        let text = "a\u{7f}b\u{85}c\u{202e}d\u{2066}e\u{1b}[31mf é 😀";
        let mut out = Vec::new();
        write_safe(&mut out, &serde_json::json!({ "m": text })).unwrap();
        let json = String::from_utf8(out).unwrap();
        assert!(
            json.chars()
                .all(|c| c == '\n' || !crate::sanitize::acts_on_display(c)),
            "{json:?}"
        );
        assert!(
            json.contains("\\u007f") && json.contains("\\u202e"),
            "{json}"
        );
        // The same text once parsed.
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["m"], text);
        assert!(json.contains("é 😀"), "{json}");
    }
}
