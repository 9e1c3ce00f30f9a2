//! `mergeproof lint`: every campaign checked, reported in the chosen format.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use mergeproof_core::engine::{self, Options};
use mergeproof_core::report::{self, Format};
use mergeproof_core::rule_id::RuleId;
use mergeproof_core::sanitize::visible;

use super::{
    ColorChoice, LintArgs, color_wanted, load_project_to_check, project_root, write_output,
    write_output_with,
};

pub(super) fn lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    if (args.statistics || args.quiet) && args.format != Format::Text {
        anyhow::bail!(
            "--statistics and --quiet shape the text report; leave out --format {}",
            args.format.name()
        );
    }
    let root = project_root(args.path.as_deref())?;
    let project = load_project_to_check(&root);
    if let Some(output) = args.output.as_deref().filter(|o| project.owns(o)) {
        anyhow::bail!(
            "--output {} is one of the project's own files; write the report elsewhere (proof.json, or a folder outside campaigns/ and sample-profiles/)",
            output.display()
        );
    }
    if let (Some(output), Some(baseline)) = (&args.output, &args.baseline)
        && mergeproof_core::project::paths::same_file(output, baseline)
    {
        anyhow::bail!(
            "--output {} is the baseline this run reads; write the report elsewhere",
            output.display()
        );
    }
    for path in [&args.baseline, &args.write_baseline].into_iter().flatten() {
        if project.owns(path) {
            anyhow::bail!(
                "{} is one of the project's own files; keep the baseline beside them (mergeproof-baseline.json)",
                path.display()
            );
        }
    }
    // A gate that passes on nothing is no gate. What failed to load is
    // often why there is nothing: it is said first, in every format.
    let no_campaign = project.campaigns.is_empty() && project.broken_campaigns.is_empty();
    let edge_cases = !args.no_edge_cases && project.config.edge_cases.enabled;
    let no_profile = project.profiles.is_empty() && !edge_cases;
    if no_campaign || no_profile {
        for e in &project.load_errors {
            tell!("{}", visible(&e.to_string()));
        }
    }
    if no_campaign {
        anyhow::bail!(
            "no campaign to check in {}: a campaign is a `.yaml` file in campaigns/ (see README \"A project\")",
            visible(&root.join("campaigns").display().to_string())
        );
    }
    if no_profile {
        anyhow::bail!(
            "nothing to check: no profile in {} and edge cases are off; add a sample profile (see README \"A project\") or leave out --no-edge-cases",
            visible(&root.join("sample-profiles").display().to_string())
        );
    }
    let options = narrowing(&project, args)?;
    let mut run = engine::run_with_reviews_file(&project, &options);
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the baseline {}: {e}", path.display()))?;
        let baseline = mergeproof_core::baseline::Baseline::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let applied = baseline.apply(&mut run);
        if !args.quiet {
            tell!(
                "baseline {}: {} findings accepted, {} fixed since it was written{}",
                path.display(),
                applied.accepted,
                applied.fixed.len(),
                if applied.fixed.is_empty() {
                    String::new()
                } else {
                    " (write it again with --write-baseline to drop them)".to_string()
                }
            );
        }
    }
    if let Some(path) = &args.write_baseline {
        let baseline = mergeproof_core::baseline::Baseline::of(&run);
        let text = serde_json::to_string_pretty(&baseline)? + "\n";
        mergeproof_core::atomic::write_with(path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        if !args.quiet {
            tell!(
                "baseline {}: {} findings recorded",
                path.display(),
                baseline.findings.len()
            );
        }
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.as_deref().is_none_or(|o| o == Path::new("-"))
                && color_wanted(std::io::stdout().is_terminal())
        }
    };
    let base = report::base_of(&root);
    if args.format == Format::Json {
        // Written as it is serialized: the report of a large project with
        // its edge cases runs to a hundred megabytes and more.
        write_output_with(args.output.as_deref(), |w| report::json::write(&run, w))?;
    } else if args.statistics {
        write_output(
            args.output.as_deref(),
            &report::statistics::render(&run, color),
        )?;
    } else if args.quiet {
        write_output(
            args.output.as_deref(),
            &report::text::summary_line(&run, color),
        )?;
    } else {
        let text = report::render_in(&run, args.format, color, &base)?;
        write_output(args.output.as_deref(), &text)?;
    }
    let outcome = report::outcome(&run, args.max_warnings);
    // The process ends here: freeing every finding, profile and rendered
    // text one by one would only delay the exit (a large run holds millions
    // of allocations), and the operating system takes the memory back whole.
    std::mem::forget(run);
    std::mem::forget(project);
    Ok(ExitCode::from(outcome as u8))
}

/// `--select`, `--ignore` and `--campaign`: the rules and campaigns a run
/// checks (the others never run), each name checked first.
fn narrowing(
    project: &mergeproof_core::project::Project,
    args: &LintArgs,
) -> anyhow::Result<Options> {
    let rules = |ids: &[String], flag: &str| -> anyhow::Result<Vec<RuleId>> {
        ids.iter()
            .map(|id| {
                RuleId::parse(id.trim()).ok_or_else(|| {
                    let hint = mergeproof_core::source::hint_suffix(id, &RuleId::names());
                    anyhow::anyhow!(
                        "{flag}: no rule `{}`{hint} (`mergeproof explain --list` lists them)",
                        visible(id)
                    )
                })
            })
            .collect()
    };
    let select = rules(&args.select, "--select")?;
    let ignore = rules(&args.ignore, "--ignore")?;
    let known: Vec<&str> = project.campaigns.iter().map(|c| c.id.as_str()).collect();
    for wanted in &args.campaign {
        if !known.contains(&wanted.as_str()) {
            let hint = mergeproof_core::source::hint_suffix(wanted, &known);
            anyhow::bail!("--campaign: no campaign `{}`{hint}", visible(wanted));
        }
    }
    Ok(Options {
        edge_cases: !args.no_edge_cases,
        campaigns: args.campaign.clone(),
        select,
        ignore,
        // A report: no decision is made on these findings.
        for_review: false,
        // Only the proof sheet renders cells again.
        renders_after: args.format == Format::Html,
        ..Options::default()
    })
}
