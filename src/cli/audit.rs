//! `mergeproof audit`: the whole customer list through every campaign.

use std::io::IsTerminal;
use std::process::ExitCode;

use mergeproof_core::engine;
use mergeproof_core::report;
use mergeproof_core::sanitize::visible;

use super::{
    AuditArgs, PreviewFormat, ProfilesFormat, load_project_to_check, project_root, write_output,
};

/// `mergeproof audit PATH --profiles FILE`: the export streamed through every
/// campaign; the report holds counts and customer ids, nothing else of them.
pub(super) fn audit(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    use mergeproof_core::project::profile::{
        MAX_YAML_LIST_BYTES, read_yaml_list, yaml_list_too_large,
    };
    use mergeproof_core::project::records::{RecordFormat, read_entries};
    // Records handed from the reading thread at a time.
    const HANDOVER: usize = 1024;
    // ... or fewer, when their values are long: 16 batches wait at most, so
    // what is read ahead stays under 16 times this.
    const HANDOVER_BYTES: usize = 4 << 20;
    without_transparent_huge_pages();
    let root = project_root(args.path.as_deref())?;
    let project = load_project_to_check(&root);
    if let Some(output) = args.output.as_deref().filter(|o| project.owns(o)) {
        anyhow::bail!(
            "--output {} is one of the project's own files; write the report elsewhere",
            output.display()
        );
    }
    if let Some(output) = args
        .output
        .as_deref()
        .filter(|o| mergeproof_core::project::paths::same_file(o, &args.profiles))
    {
        anyhow::bail!(
            "--output {} is the export this audit reads; write the report elsewhere",
            output.display()
        );
    }
    for e in &project.load_errors {
        tell!("{}", visible(&e.to_string()));
    }
    let (compiled, _, compile_errors) = engine::compile_project(&project);
    for e in &compile_errors {
        tell!("{}", visible(&e.to_string()));
    }
    let mut campaigns = compiled;
    if !args.campaign.is_empty() {
        let known: Vec<&str> = campaigns.iter().map(|c| c.campaign.id.as_str()).collect();
        for wanted in &args.campaign {
            if !known.contains(&wanted.as_str()) {
                let hint = mergeproof_core::source::hint_suffix(wanted, &known);
                anyhow::bail!("no campaign `{}`{hint}", visible(wanted));
            }
        }
        campaigns.retain(|c| args.campaign.contains(&c.campaign.id));
    }
    let from_stdin = args.profiles.as_os_str() == "-";
    let file_name = if from_stdin {
        "standard input".to_string()
    } else {
        args.profiles.display().to_string()
    };
    if !from_stdin && args.profiles.is_dir() {
        anyhow::bail!(
            "{} is a folder; pass the export file itself (CSV, JSON Lines, JSON or a YAML list)",
            visible(&file_name)
        );
    }
    if let Some(why) = mergeproof_core::project::records::unreadable_export(&file_name) {
        anyhow::bail!("{}", visible(&why));
    }
    // The format the name says, unless the command line says it.
    let format = match args.profiles_format {
        Some(ProfilesFormat::Csv) => Some(RecordFormat::Csv),
        Some(ProfilesFormat::Json) => Some(RecordFormat::Json),
        Some(ProfilesFormat::Jsonl) => Some(RecordFormat::JsonLines),
        Some(ProfilesFormat::Yaml) => None,
        None if from_stdin => anyhow::bail!(
            "--profiles -: say how standard input is written with --profiles-format csv, jsonl, json or yaml"
        ),
        None => RecordFormat::of(&file_name),
    };
    let (file, size): (Box<dyn std::io::Read + Send>, u64) = if from_stdin {
        (Box::new(std::io::stdin()), 0)
    } else {
        let file = std::fs::File::open(&args.profiles)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", visible(&file_name)))?;
        // A pipe (`<(gunzip -c export.csv.gz)`) has no length.
        let size = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map_or(0, |m| m.len());
        (Box::new(file), size)
    };
    if format.is_none() && size > MAX_YAML_LIST_BYTES {
        anyhow::bail!(
            "{}: {}",
            visible(&file_name),
            yaml_list_too_large(Some(size))
        );
    }
    // A misspelt column of `profile_columns:` leaves a field missing for
    // every customer: said before the run. Only of a regular file, which can
    // be read twice (not a pipe, whose header the run would then miss).
    if let Some(format) = format
        && !from_stdin
        && std::fs::metadata(&args.profiles).is_ok_and(|m| m.is_file())
        && let Ok(header) = std::fs::File::open(&args.profiles)
    {
        let columns = &project.config.profile_columns;
        for note in mergeproof_core::project::records::unmatched_columns(
            header, format, &file_name, columns,
        ) {
            tell!("warning: {}", visible(&note.to_string()));
        }
    }
    // On a terminal, a progress bar whose length is the file's bytes: reading
    // the file moves it (indicatif's `wrap_read`), so the estimate follows how
    // much of the file is read; its message counts customers. A pipe's length
    // is not known: a spinner with the count.
    let bar = std::io::stderr().is_terminal().then(|| {
        let (bar, template) = if size > 0 {
            (
                indicatif::ProgressBar::new(size),
                "{spinner} {msg} {wide_bar} {percent}% · {elapsed} · about {eta} left",
            )
        } else {
            (
                indicatif::ProgressBar::new_spinner(),
                "{spinner} {msg} · {elapsed}",
            )
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let file: Box<dyn std::io::Read + Send> = match &bar {
        Some(bar) => Box::new(bar.wrap_read(file)),
        None => Box::new(file),
    };
    let columns = project.config.profile_columns.clone();

    // Records are read on this thread and handed over in order, in batches
    // (a hand-over per record would cost more than most records' check).
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<_>>(16);
    let reader_file = file_name.clone();
    let reader = std::thread::spawn(move || {
        let input = std::io::BufReader::with_capacity(1 << 20, file);
        let mut batch = Vec::with_capacity(HANDOVER);
        let mut bytes = 0;
        let mut send = |entry: Result<mergeproof_core::project::records::Entry, _>| {
            bytes += entry.as_ref().map_or(0, |e| e.approximate_bytes());
            batch.push(entry);
            if batch.len() == HANDOVER || bytes > HANDOVER_BYTES {
                bytes = 0;
                let _ = sender.send(std::mem::replace(&mut batch, Vec::with_capacity(HANDOVER)));
            }
        };
        match format {
            Some(format) => read_entries(input, format, &reader_file, &columns, &mut send),
            None => read_yaml_list(input, &reader_file, &mut send),
        }
        let _ = sender.send(batch);
    });
    let started = std::time::Instant::now();
    let progress = |rows: u64| {
        if let Some(bar) = &bar {
            let seconds = started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} customers, {}/s",
                indicatif::HumanCount(rows),
                indicatif::HumanCount((rows as f64 / seconds) as u64)
            ));
        }
    };
    let mut records = receiver.into_iter().flatten();
    let result = mergeproof_core::audit::audit(
        &campaigns,
        &project.config,
        &project.profiles,
        &mut records,
        &progress,
    );
    let _ = reader.join();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let text = match args.format {
        PreviewFormat::Json => {
            // Ids are customer data: control and bidi characters escaped.
            let mut bytes = Vec::new();
            report::json::write_safe(&mut bytes, &result)?;
            String::from_utf8(bytes)? + "\n"
        }
        PreviewFormat::Text => audit_text(&result, &file_name),
    };
    write_output(args.output.as_deref(), &text)?;
    // Not one customer read, and something rejected: the export itself could
    // not be read (not the format its name says, or not a file at all).
    let unreadable = result.profiles == 0 && result.rejected > 0;
    if unreadable {
        // Read as a YAML list because its name says nothing else (a pipe):
        // say how to name its format.
        let guessed = args.profiles_format.is_none() && format.is_none();
        tell!(
            "mergeproof: no customer could be read from {}; see the rejected records above{}",
            visible(&file_name),
            if guessed {
                " (it was read as a YAML list, since its name says no other format: a CSV, JSON Lines or JSON export is read as one with --profiles-format csv, jsonl or json)"
            } else {
                ""
            }
        );
    }
    Ok(
        if unreadable || !project.load_errors.is_empty() || !compile_errors.is_empty() {
            ExitCode::from(2)
        } else if result.fails() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

fn audit_text(audit: &mergeproof_core::audit::Audit, file: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "audit of {}: {} customers, {} rejected",
        visible(file),
        audit.profiles,
        audit.rejected
    );
    for c in &audit.campaigns {
        let _ = writeln!(out, "\n{} ({} customers)", visible(&c.id), c.profiles);
        let width = c
            .variants
            .iter()
            .map(|v| v.id.chars().count())
            .max()
            .unwrap_or(0);
        out.push_str("  variants\n");
        for v in &c.variants {
            // An SMS: customers by the parts the message takes.
            let parts = v
                .sms_parts
                .as_ref()
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let each: Vec<String> = p
                        .iter()
                        .map(|(parts, n)| {
                            format!("{n} in {parts} part{}", if *parts == 1 { "" } else { "s" })
                        })
                        .collect();
                    format!("  SMS: {}", each.join(", "))
                })
                .unwrap_or_default();
            // Customers it reaches that get nothing: cancelled on purpose,
            // or the template failed for them.
            let unsent = match (v.aborted, v.failed) {
                (0, 0) => String::new(),
                (a, 0) => format!("  {a} aborted"),
                (0, f) => format!("  {f} failed"),
                (a, f) => format!("  {a} aborted, {f} failed"),
            };
            let _ = writeln!(
                out,
                "    {:width$}  {:>9}  {:>6.1}%{unsent}{}{parts}",
                visible(&v.id),
                v.reach,
                v.share * 100.0,
                if v.reach == 0 {
                    "  reaches nobody"
                } else if v.below_min_reach {
                    "  below min_reach"
                } else {
                    ""
                }
            );
        }
        let gaps: Vec<_> = c
            .tokens
            .iter()
            .filter(|t| t.fallback > 0 || t.empty > 0)
            .collect();
        if !gaps.is_empty() {
            out.push_str("  tokens that fell back or printed nothing\n");
            for t in gaps {
                let _ = writeln!(
                    out,
                    "    {} {} {}  {}:{}:{}  received {}, fallback {}, empty {}",
                    visible(&t.variant),
                    t.field,
                    visible(&t.token),
                    visible(&t.file),
                    t.line,
                    t.column,
                    t.received,
                    t.fallback,
                    t.empty
                );
            }
        }
        if !c.rules.is_empty() {
            out.push_str("  defects\n");
            for r in &c.rules {
                let _ = writeln!(
                    out,
                    "    {:7} {:22} {} {}  {} customers  e.g. {}",
                    r.severity.to_string(),
                    r.rule.as_str(),
                    visible(r.variant.as_deref().unwrap_or("-")),
                    r.field,
                    r.profiles,
                    visible(&r.examples.join(", "))
                );
            }
        }
    }
    if !audit.rejected_records.is_empty() {
        out.push_str("\nrejected records\n");
        for r in &audit.rejected_records {
            let _ = writeln!(
                out,
                "  {}:{}:{}: {}",
                visible(&r.file),
                r.line,
                r.column,
                visible(&r.message)
            );
        }
    }
    out
}

/// Asks Linux not to back this process's memory with transparent huge
/// pages, for `audit` only. mimalloc asks for them on its arenas, and the
/// kernel then zeroes 2 MiB at the first touch of any byte of one. `audit`
/// reads customers in batches and reuses the memory of the ones before,
/// touching its arenas sparsely: with huge pages its peak memory nearly
/// doubles (41 → 78 MB for a million real-size customers) and it takes 2.8%
/// more time (six paired rounds of the million). `lint`, the TUI and the
/// other commands keep what they build until they report, their memory
/// grows densely, and huge pages save them faults: the small benchmark
/// project 6% less wall and CPU time (25 paired rounds; 15,700 page faults
/// → 500), the real-size project unchanged.
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag
    // of this process; it fails harmlessly on a kernel that lacks it.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
