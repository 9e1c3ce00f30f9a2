//! The command line (a contract: see DESIGN.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::TypedValueParser;
use clap::{Parser, Subcommand, ValueEnum};

use mergeproof_core::report::Format;
use mergeproof_core::sanitize::visible;

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
    /// The customer list: a CSV, JSON Lines, JSON or YAML export (`-`:
    /// standard input, with --profiles-format)
    #[arg(long, value_name = "FILE")]
    pub profiles: PathBuf,
    /// How the customer list is written, when its name does not say (a pipe,
    /// standard input, a file without an extension)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub profiles_format: Option<ProfilesFormat>,
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

/// The formats an export is read in (`audit --profiles-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProfilesFormat {
    Csv,
    Json,
    Jsonl,
    Yaml,
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

// After the macros, which they use.
mod audit;
mod lint;
mod one_campaign;

use audit::audit;
use lint::lint;
use one_campaign::{edge_cases, explain, preview};

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

/// Loads the project at `root` for a command that checks it. The rules'
/// once-per-process builds are started first, so that they are made while
/// it loads ([`mergeproof_core::rules::prepare_in_background`]).
fn load_project_to_check(root: &Path) -> mergeproof_core::project::Project {
    mergeproof_core::rules::prepare_in_background();
    mergeproof_core::project::load_project(root)
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
