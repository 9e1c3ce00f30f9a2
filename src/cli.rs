//! The command line (a contract: see DESIGN.md).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::TypedValueParser;
use clap::{Parser, Subcommand, ValueEnum};

use mergeproof_core::engine::{self, Options};
use mergeproof_core::finding::Field;
use mergeproof_core::project::load_project;
use mergeproof_core::report::{self, Format};
use mergeproof_core::rule_id::RuleId;
use mergeproof_core::sanitize::{visible, visible_multiline};

#[derive(Parser, Debug)]
#[command(
    name = "mergeproof",
    version,
    about = "Proof every personalized variant of every campaign against every profile before it is sent",
    long_about = "Proof every personalized variant of every campaign against every profile before it is sent.\n\nWith no command, opens the terminal UI on the project at PATH (default: the current folder).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Project folder (holds campaigns/ and sample-profiles/; default: found upward from here)
    pub path: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check every campaign headlessly; exit 0 (pass), 1 (findings fail the gate) or 2 (load errors)
    Lint(LintArgs),
    /// Show what one profile receives from one variant
    Preview(PreviewArgs),
    /// Print a campaign's synthesized edge-case profiles as YAML
    EdgeCases(EdgeCaseArgs),
    /// Explain what a rule catches, why, an example, the fix and how to accept it
    Explain(ExplainArgs),
    /// Run the whole customer list (CSV, JSON Lines, JSON or YAML) through every campaign: reach, fallbacks and defects, counted
    Audit(AuditArgs),
    /// Write a small working project to start from (never replacing a file)
    Init {
        /// Where (default: the current folder; made if missing)
        path: Option<PathBuf>,
    },
    /// Print shell completions: `mergeproof completions bash > ~/.local/share/bash-completion/completions/mergeproof`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// Project folder (default: found upward from the current folder)
    pub path: Option<PathBuf>,
    /// The customer list: a CSV, JSON Lines, JSON or YAML export
    #[arg(long, value_name = "FILE")]
    pub profiles: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PreviewFormat,
    /// Write the report to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Audit only this campaign (repeat for more)
    #[arg(long, value_name = "C")]
    pub campaign: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Project folder (default: found upward from the current folder)
    pub path: Option<PathBuf>,
    #[arg(short, long, default_value = "text", value_parser = format_parser())]
    pub format: Format,
    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report only these rules (comma-separated ids)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave out these rules (comma-separated ids)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Check only this campaign (repeat for more)
    #[arg(long, value_name = "C")]
    pub campaign: Vec<String>,
    /// Fail when more than N unwaived warnings remain
    #[arg(long, value_name = "N")]
    pub max_warnings: Option<usize>,
    /// Check sample profiles only
    #[arg(long)]
    pub no_edge_cases: bool,
    /// Fail only on findings not recorded in this baseline (from --write-baseline)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's active findings in FILE, to pass as --baseline later
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Count defects and findings per rule instead of listing them (text format)
    #[arg(long)]
    pub statistics: bool,
    /// Print the summary line only (text format), and no notes
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour in the text report: auto (a terminal without NO_COLOR), always or never
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PreviewFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct PreviewArgs {
    /// Project folder (default: found upward from the current folder)
    pub path: Option<PathBuf>,
    /// The campaign (may be left out when the project has only one)
    #[arg(long)]
    pub campaign: Option<String>,
    /// The variant to show (default: the one the profile receives)
    #[arg(long)]
    pub variant: Option<String>,
    /// A sample profile id, or an edge case name (`edge:first_name=missing`)
    #[arg(long)]
    pub profile: String,
    /// Cut the subject where this client cuts it (see `clients` in mergeproof.yaml)
    #[arg(long)]
    pub client: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PreviewFormat,
}

#[derive(clap::Args, Debug)]
pub struct EdgeCaseArgs {
    /// Project folder (default: found upward from the current folder)
    pub path: Option<PathBuf>,
    /// The campaign (may be left out when the project has only one)
    #[arg(long)]
    pub campaign: Option<String>,
}

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("what").required(true))]
pub struct ExplainArgs {
    /// A rule id, such as missing-fallback
    #[arg(group = "what")]
    pub rule: Option<String>,
    /// List every rule with its default severity
    #[arg(long, group = "what")]
    pub list: bool,
    /// Write the fix in this dialect's spelling (default: the project's
    /// `dialect:`, found upward from the current folder)
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(mergeproof_core::dialect::Dialect::names()))]
    pub dialect: Option<String>,
}

/// `--format` takes the report formats the core names.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    clap::builder::PossibleValuesParser::new(Format::ALL.map(Format::name))
        .map(|name| Format::parse(&name).expect("a listed format"))
}

/// `println!` that cannot panic: when standard output is closed (`| head`),
/// what is left to print is dropped and the command ends as it would have.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that cannot panic on a closed standard error: a message nobody
/// can read must not stop the report a command still has to write.
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub fn main() -> ExitCode {
    // A misspelt command followed by more words (`mergeproof lnt .`) is not a
    // folder either; clap would only say that PATH takes no arguments.
    if let Some(hint) = misspelt_command(std::env::args_os().skip(1)) {
        tell!("mergeproof: {}", visible(&hint));
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let result = match cli.command {
        None => run_tui(cli.path.as_deref()),
        Some(Command::Lint(args)) => lint(&args),
        Some(Command::Preview(args)) => preview(&args),
        Some(Command::EdgeCases(args)) => edge_cases(&args),
        Some(Command::Explain(args)) => explain(&args),
        Some(Command::Audit(args)) => audit(&args),
        Some(Command::Init { path }) => init(path.as_deref().unwrap_or(Path::new("."))),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            // Written whole into memory first: clap_complete panics when
            // the output it writes to is closed.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mergeproof", &mut script);
            write_output_with(None, |w| w.write_all(&script)).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            tell!("mergeproof: {}", visible(&format!("{error:#}")));
            ExitCode::from(2)
        }
    }
}

/// The commands, for "did you mean" on a first word that is neither one of
/// them nor a folder.
const COMMANDS: &[&str] = &[
    "lint",
    "preview",
    "edge-cases",
    "explain",
    "audit",
    "init",
    "completions",
];

/// "unknown command `lnt`: did you mean `lint`?" when the first word is close
/// to a command, is no file or folder, and words follow it.
fn misspelt_command(mut args: impl Iterator<Item = std::ffi::OsString>) -> Option<String> {
    let first = args.next()?;
    let word = first.to_str()?;
    if args.next().is_none() || word.starts_with('-') || COMMANDS.contains(&word) {
        return None;
    }
    if Path::new(word).exists() {
        return None;
    }
    let hint = mergeproof_core::source::did_you_mean(word, COMMANDS)?;
    Some(format!("unknown command `{word}`: {hint}"))
}

fn init(root: &Path) -> anyhow::Result<ExitCode> {
    let outcome = crate::init::init(root)
        .map_err(|e| anyhow::anyhow!("cannot write the project in {}: {e}", root.display()))?;
    let shown = visible(&root.display().to_string());
    for path in &outcome.created {
        say!("created {path}");
    }
    for path in &outcome.kept {
        say!("kept    {path} (already there)");
    }
    if outcome.created.is_empty() {
        say!("nothing to do: {shown} already holds every file of the starter project");
    } else {
        say!(
            "\nNext: `mergeproof lint {shown}` shows one deliberate finding and how to fix it; `mergeproof {shown}` opens the terminal UI."
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_tui(path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let root = project_root(path)?;
    crate::tui::run(&root)?;
    Ok(ExitCode::SUCCESS)
}

/// The project folder: PATH as given; without one, the nearest folder from
/// the current one upward that holds `campaigns/` or `mergeproof.yaml` (as
/// cargo finds `Cargo.toml`), written relative (`..`) so that every path
/// stays inside the project; else the current folder.
fn project_root(path: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = path {
        require_folder(path)?;
        return Ok(path.to_path_buf());
    }
    let here = std::env::current_dir()?;
    let mut relative = PathBuf::from(".");
    for folder in here.ancestors() {
        if folder.join("campaigns").is_dir() || folder.join("mergeproof.yaml").is_file() {
            return Ok(relative);
        }
        relative = if relative == Path::new(".") {
            PathBuf::from("..")
        } else {
            relative.join("..")
        };
    }
    Ok(PathBuf::from("."))
}

fn color_wanted(to_terminal: bool) -> bool {
    to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A path that is not there is a usage error (exit 2), never an empty
/// project; a first word close to a command name is taken for a typo of it.
fn require_folder(path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let word = path.to_string_lossy();
    if !path.exists()
        && let Some(hint) = mergeproof_core::source::did_you_mean(&word, COMMANDS)
    {
        anyhow::bail!("unknown command `{word}`: {hint}");
    }
    if path.exists() {
        anyhow::bail!(
            "{word} is not a folder; a project is a folder with `campaigns/` and `sample-profiles/`"
        );
    }
    anyhow::bail!("no such folder: {word}");
}

fn lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    if (args.statistics || args.quiet) && args.format != Format::Text {
        anyhow::bail!(
            "--statistics and --quiet shape the text report; leave out --format {}",
            args.format.name()
        );
    }
    let root = project_root(args.path.as_deref())?;
    let project = load_project(&root);
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
    let mut run = engine::run_with_reviews_file(
        &project,
        &Options {
            edge_cases: !args.no_edge_cases,
        },
    );
    narrow(&mut run, args)?;
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

/// Writes a report to a file (atomically, so a CI artifact is never half
/// written) or to standard output.
fn write_output(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    write_output_with(path, |w| w.write_all(text.as_bytes()))
}

/// [`write_output`] of what `fill` writes, through a buffer.
fn write_output_with(
    path: Option<&Path>,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    // `--output -` is standard output, as in most tools.
    match path.filter(|p| *p != Path::new("-")) {
        Some(path) => mergeproof_core::atomic::write_with(path, fill)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            match fill(&mut stdout).and_then(|()| stdout.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(anyhow::anyhow!("cannot write the report: {e}")),
            }
        }
    }
}

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    if args.list {
        for rule in mergeproof_core::rules::all() {
            let d = rule.doc();
            out.push_str(&format!(
                "{:<22} {:<8} {}\n",
                d.id,
                d.default_severity.as_str(),
                d.summary
            ));
        }
    } else if let Some(id) = &args.rule {
        let Some(rule) = mergeproof_core::rules::find_rule(id) else {
            let hint = mergeproof_core::source::hint_prefix(id, &RuleId::names());
            anyhow::bail!("no rule `{id}`: {hint}`mergeproof explain --list` lists them");
        };
        let dialect = match &args.dialect {
            Some(name) => mergeproof_core::dialect::Dialect::parse(name),
            None => project_dialect(),
        };
        out.push_str(&rule.doc().explanation_in(dialect));
    }
    write_output(None, &out)?;
    Ok(ExitCode::SUCCESS)
}

/// The `dialect:` of the project around the current folder, when there is
/// one that sets it; a config that does not load sets none here (`lint`
/// reports it).
fn project_dialect() -> Option<mergeproof_core::dialect::Dialect> {
    let root = project_root(None).ok()?;
    let text = std::fs::read_to_string(root.join(mergeproof_core::config::CONFIG_FILE)).ok()?;
    let mut errors = Vec::new();
    let config = mergeproof_core::config::Config::parse(
        &text,
        mergeproof_core::config::CONFIG_FILE,
        &mut errors,
    );
    (errors.is_empty() && text.lines().any(|l| l.trim_start().starts_with("dialect:")))
        .then_some(config.dialect)
}

/// Loads a project and compiles one of its campaigns, or says clearly why not.
/// Without `--campaign`, the project's one campaign.
fn compiled_campaign(
    path: &Path,
    campaign: Option<&str>,
) -> anyhow::Result<(
    mergeproof_core::project::Project,
    std::sync::Arc<mergeproof_core::template::CompiledCampaign>,
)> {
    let project = load_project(path);
    let (compiled, broken, _) = engine::compile_project(&project);
    let campaign = match campaign {
        Some(campaign) => campaign.to_string(),
        None => {
            let ids: Vec<String> = project
                .campaigns
                .iter()
                .map(|c| c.id.clone())
                .chain(project.broken_campaigns.iter().filter_map(|b| {
                    Path::new(&b.file)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                }))
                .collect();
            match ids.as_slice() {
                [one] => one.clone(),
                [] => anyhow::bail!(
                    "no campaign in {}: a campaign is a `.yaml` file in campaigns/",
                    visible(&path.join("campaigns").display().to_string())
                ),
                _ => anyhow::bail!(
                    "this project has {} campaigns: pass --campaign ID (campaigns: {})",
                    ids.len(),
                    visible(&ids.join(", "))
                ),
            }
        }
    };
    let campaign = campaign.as_str();
    let Some(compiled) = compiled.into_iter().find(|c| c.campaign.id == campaign) else {
        let failed = project
            .broken_campaigns
            .iter()
            .chain(broken.iter())
            .find(|b| {
                Path::new(&b.file)
                    .file_stem()
                    .is_some_and(|s| s == campaign)
            });
        if let Some(b) = failed {
            let errors: Vec<String> = b.errors.iter().map(|e| e.to_string()).collect();
            anyhow::bail!(
                "campaign `{campaign}` does not load:\n{}",
                errors.join("\n")
            );
        }
        let ids: Vec<&str> = project.campaigns.iter().map(|c| c.id.as_str()).collect();
        let hint = mergeproof_core::source::hint_suffix(campaign, &ids);
        anyhow::bail!(
            "no campaign `{}`{hint} (campaigns: {})",
            visible(campaign),
            ids.join(", ")
        );
    };
    Ok((project, compiled))
}

/// Loads a project and checks one of its campaigns.
fn campaign_run(
    path: &Path,
    campaign: Option<&str>,
    edge_cases: bool,
) -> anyhow::Result<engine::CampaignRun> {
    let (project, compiled) = compiled_campaign(path, campaign)?;
    Ok(engine::run_campaign(
        compiled,
        &project.profiles,
        &project.config,
        &Options { edge_cases },
    ))
}

fn preview(args: &PreviewArgs) -> anyhow::Result<ExitCode> {
    let root = project_root(args.path.as_deref())?;
    let run = campaign_run(&root, args.campaign.as_deref(), true)?;
    let compiled = &run.compiled;
    let Some(pi) = run.profiles.iter().position(|p| p.id == args.profile) else {
        let ids: Vec<&str> = run.profiles.iter().map(|p| p.id.as_str()).collect();
        let hint = mergeproof_core::source::hint_suffix(&args.profile, &ids);
        anyhow::bail!(
            "no profile `{}`{hint} (sample ids, or edge case names from `mergeproof edge-cases`)",
            visible(&args.profile)
        );
    };
    let variant_ids: Vec<&str> = compiled
        .campaign
        .variants
        .iter()
        .map(|v| v.id.as_str())
        .collect();
    // Without --variant: what the profile receives.
    let wanted = match &args.variant {
        Some(v) => v.clone(),
        None => match run.selection[pi] {
            Some(vi) => variant_ids[vi].to_string(),
            None => anyhow::bail!(
                "profile `{}` receives no variant of `{}`; pass --variant to see one anyway (variants: {})",
                visible(&args.profile),
                visible(&compiled.campaign.id),
                variant_ids.join(", ")
            ),
        },
    };
    let Some(vi) = variant_ids.iter().position(|v| *v == wanted) else {
        let hint = mergeproof_core::source::hint_suffix(&wanted, &variant_ids);
        anyhow::bail!(
            "no variant `{}` in `{}`{hint} (variants: {})",
            visible(&wanted),
            visible(&compiled.campaign.id),
            variant_ids.join(", ")
        );
    };
    let profile = &run.profiles[pi];
    let project_config = load_project(&root).config;
    let width = match &args.client {
        Some(name) => Some(project_config.client_width(name).ok_or_else(|| {
            let names: Vec<&str> = project_config
                .clients
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            anyhow::anyhow!("no client `{name}`; clients: {}", names.join(", "))
        })?),
        None => None,
    };
    let cell = compiled.render(vi, profile);
    let receives = run.selection[pi];
    let findings: Vec<&mergeproof_core::finding::Finding> = run
        .findings
        .iter()
        .filter(|f| {
            f.profile.as_deref() == Some(profile.id.as_str())
                && f.variant.as_deref() == Some(wanted.as_str())
        })
        .collect();
    let received_id = receives.map(|i| compiled.campaign.variants[i].id.clone());
    let reading = cell.body.reading();
    let html = cell.body.html.as_deref();
    match args.format {
        PreviewFormat::Json => {
            let field = |f: Field| cell.field(f).map(|r| r.plain.text.clone());
            let value = serde_json::json!({
                "campaign": compiled.campaign.id,
                "variant": wanted,
                "profile": profile.id,
                "profile_kind": profile.kind,
                "receives": received_id,
                "subject": field(Field::Subject),
                "subject_visible": width.and_then(|w| field(Field::Subject).map(|s| s.chars().take(w).collect::<String>())),
                // The variant's own; the body's hidden one is `inbox_preview`.
                "preheader": compiled
                    .variants
                    .get(vi)
                    .and_then(|v| v.preheader.as_ref())
                    .and(field(Field::Preheader)),
                "inbox_preview": html.map(|h| h.preheader.text.clone()).filter(|t| !t.is_empty()),
                "body": cell.body.output.text,
                "body_text": cell.body.plain.text,
                "body_reading": reading.text.text,
                "outlook_only": html.map(|h| h.outlook_only.text.clone()).filter(|t| !t.is_empty()),
                "links": reading.links.iter().enumerate().map(|(i, l)| serde_json::json!({
                    "number": i + 1,
                    "href": l.text,
                })).collect::<Vec<_>>(),
                "images": html.map(|h| h.images.iter().map(|i| serde_json::json!({
                    "src": i.src.text,
                    "alt": i.alt.text,
                })).collect::<Vec<_>>()).unwrap_or_default(),
                "findings": findings,
            });
            // Profile data in it: control and bidi characters escaped.
            write_output_with(None, |w| {
                report::json::write_safe(w, &value)?;
                w.write_all(b"\n")
            })?;
        }
        PreviewFormat::Text => {
            let mut out = String::new();
            out.push_str(&format!(
                "campaign  {}\nvariant   {}\nprofile   {}",
                visible(&compiled.campaign.id),
                visible(&wanted),
                visible(&profile.id)
            ));
            if let Some(d) = &profile.description {
                out.push_str(&format!(" — {}", visible(d)));
            }
            out.push('\n');
            if received_id.as_deref() != Some(wanted.as_str()) {
                out.push_str(&format!(
                    "note      this profile would receive {}, not this variant\n",
                    received_id
                        .map(|v| format!("`{}`", visible(&v)))
                        .unwrap_or_else(|| "no variant".into())
                ));
            }
            out.push('\n');
            if let Some(subject) = cell.field(Field::Subject) {
                let text = &subject.plain.text;
                match width {
                    Some(w) if text.chars().count() > w => {
                        let shown: String = text.chars().take(w).collect();
                        out.push_str(&format!(
                            "Subject:   {}…  (cut at {w} on {})\n",
                            visible(&shown),
                            visible(args.client.as_deref().unwrap_or(""))
                        ));
                    }
                    _ => out.push_str(&format!("Subject:   {}\n", visible(text))),
                }
            }
            // Without a `preheader:` of its own, the cell's preheader is the
            // body's hidden one, shown once, as the inbox line.
            if let Some(pre) = cell
                .field(Field::Preheader)
                .filter(|p| html.is_none_or(|h| h.preheader.text != p.plain.text))
            {
                out.push_str(&format!("Preheader: {}\n", visible(&pre.plain.text)));
            }
            if let Some(line) = html.map(|h| &h.preheader.text).filter(|t| !t.is_empty()) {
                out.push_str(&format!("Inbox:     {}\n", visible(line)));
            }
            out.push_str(&format!("\n{}\n", visible_multiline(&reading.text.text)));
            if !reading.links.is_empty() {
                out.push_str("\nLinks\n");
                for (i, link) in reading.links.iter().enumerate() {
                    out.push_str(&format!("  [{}] {}\n", i + 1, visible(&link.text)));
                }
            }
            if let Some(h) = html.filter(|h| !h.images.is_empty()) {
                out.push_str("\nImages\n");
                for image in &h.images {
                    let alt = if image.alt.text.is_empty() {
                        "no alt text".to_string()
                    } else {
                        visible(&image.alt.text)
                    };
                    out.push_str(&format!("  {} ({alt})\n", visible(&image.src.text)));
                }
            }
            if let Some(text) = html.map(|h| &h.outlook_only.text).filter(|t| !t.is_empty()) {
                out.push_str(&format!("\nOutlook only\n{}\n", visible_multiline(text)));
            }
            for f in [&cell.subject, &cell.preheader]
                .into_iter()
                .flatten()
                .chain([&cell.body])
            {
                if let Some(e) = &f.error {
                    out.push_str(&format!("\nrender error: {}\n", visible(&e.to_string())));
                }
            }
            if !findings.is_empty() {
                out.push_str("\nFindings\n");
                for f in findings {
                    out.push_str(&format!(
                        "  {} [{}] {}: {}\n",
                        f.severity,
                        f.rule,
                        f.field,
                        visible(&f.message)
                    ));
                }
            }
            write_output(None, &out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a campaign's edge cases as one YAML list, in the shape of a file in
/// `sample-profiles/`, so that it can be saved there as it is. Asked for by
/// name, they are made even when `edge_cases.enabled` is off.
fn edge_cases(args: &EdgeCaseArgs) -> anyhow::Result<ExitCode> {
    let root = project_root(args.path.as_deref())?;
    let (project, compiled) = compiled_campaign(&root, args.campaign.as_deref())?;
    let set = mergeproof_core::edge::synthesize(&compiled, &project.profiles, &project.config);
    let yaml = mergeproof_core::edge::to_yaml(&set.whole_profiles(&project.profiles));
    let header = format!(
        "# {} edge-case profiles for campaign `{}`, synthesized by mergeproof.\n",
        set.profiles.len(),
        visible(&compiled.campaign.id)
    );
    write_output(None, &(header + &yaml))?;
    if set.capped {
        tell!(
            "note: capped at {} edge cases (edge_cases.max_per_campaign in mergeproof.yaml)",
            set.profiles.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `mergeproof audit PATH --profiles FILE`: the export streamed through every
/// campaign; the report holds counts and customer ids, nothing else of them.
fn audit(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    use mergeproof_core::project::records::{
        MAX_YAML_LIST_BYTES, RecordFormat, read_entries, read_yaml_list, yaml_list_too_large,
    };
    // Records handed from the reading thread at a time.
    const HANDOVER: usize = 1024;
    // ... or fewer, when their values are long: 16 batches wait at most, so
    // what is read ahead stays under 16 times this.
    const HANDOVER_BYTES: usize = 4 << 20;
    let root = project_root(args.path.as_deref())?;
    let project = load_project(&root);
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
    let file_name = args.profiles.display().to_string();
    if args.profiles.is_dir() {
        anyhow::bail!(
            "{} is a folder; pass the export file itself (CSV, JSON Lines, JSON or a YAML list)",
            visible(&file_name)
        );
    }
    let file = std::fs::File::open(&args.profiles)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", visible(&file_name)))?;
    let size = file.metadata().map_or(0, |m| m.len());
    if RecordFormat::of(&file_name).is_none() && size > MAX_YAML_LIST_BYTES {
        anyhow::bail!(
            "{}: {}",
            visible(&file_name),
            yaml_list_too_large(Some(size))
        );
    }
    // On a terminal, a progress bar whose length is the file's bytes: reading
    // the file moves it (indicatif's `wrap_read`), so the estimate follows how
    // much of the file is read; its message counts customers.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(size.max(1));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} {wide_bar} {percent}% · {elapsed} · about {eta} left",
            )
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
        match RecordFormat::of(&reader_file) {
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
        tell!(
            "mergeproof: no customer could be read from {}; see the rejected records above",
            visible(&file_name)
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
            let _ = writeln!(
                out,
                "    {:width$}  {:>9}  {:>6.1}%{}{parts}",
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

/// `--select`, `--ignore` and `--campaign`: the findings a run reports.
fn narrow(run: &mut mergeproof_core::run::Run, args: &LintArgs) -> anyhow::Result<()> {
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
    if !args.campaign.is_empty() {
        let known: Vec<String> = run
            .campaigns
            .iter()
            .map(|c| c.compiled.campaign.id.clone())
            .collect();
        for wanted in &args.campaign {
            if !known.contains(wanted) {
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                let hint = mergeproof_core::source::hint_suffix(wanted, &names);
                anyhow::bail!("--campaign: no campaign `{}`{hint}", visible(wanted));
            }
        }
        run.campaigns
            .retain(|c| args.campaign.contains(&c.compiled.campaign.id));
    }
    for campaign in &mut run.campaigns {
        campaign.findings.retain(|f| {
            (select.is_empty() || select.contains(&f.rule)) && !ignore.contains(&f.rule)
        });
    }
    Ok(())
}
