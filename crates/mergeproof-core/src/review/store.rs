//! `mergeproof-reviews.yaml`: reading, and writing decisions so that none is
//! ever lost.
//!
//! Every change is written at once and atomically (a temporary file in the
//! project folder, then a rename), so a reader never sees half a file and an
//! interrupted write leaves the previous file whole. Two TUIs open on one
//! project do not overwrite each other: each change re-reads the file, applies
//! only that one change to what is on disk, and writes the result, all under an
//! advisory lock (`File::lock`) on a lock file in the system's temporary folder
//! named after the project (so nothing extra appears in the project or in git).
//! Where that lock cannot be had (a read-only temporary folder, a file system
//! without locks), the re-read and merge still apply; only two writes in the
//! same few milliseconds could then race.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::{Decision, DecisionEntry, Decisions};
use crate::finding::Finding;
use crate::project::paths::read_inside;
use crate::source::{LoadError, SourceLoc, yaml_error};

/// The decisions file, at the project root, committed with the campaigns.
pub use crate::project::REVIEWS_FILE;

/// The only file format version so far.
const VERSION: u32 = 1;

/// How long a change waits for another process to finish writing.
const LOCK_WAIT: Duration = Duration::from_secs(5);

const HEADER: &str = "\
# mergeproof review decisions: one entry per reviewed finding. Commit this
# file with the campaigns. It is written by the terminal UI (a approve,
# w waive, u undo); a decision holds while its fingerprint matches what was
# reviewed, and goes stale (the finding fails lint again) once that changes.
";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    version: Option<Spanned<u32>>,
    #[serde(default)]
    decisions: Option<Vec<Spanned<DecisionEntry>>>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    decisions: &'a [DecisionEntry],
}

/// The project's decisions; an absent file is no decisions. A file that does
/// not parse, or holds an invalid entry, is a load error at its position.
pub fn load(root: &Path) -> Result<Decisions, LoadError> {
    read_entries(root).map(Decisions::new)
}

/// [`load`] for a run: the decisions, or none and the load error that says
/// why. A broken file applies no decision, so nothing passes by mistake.
pub fn load_for_run(root: &Path) -> (Decisions, Option<LoadError>) {
    match load(root) {
        Ok(decisions) => (decisions, None),
        Err(e) => (Decisions::default(), Some(e)),
    }
}

fn read_entries(root: &Path) -> Result<Vec<DecisionEntry>, LoadError> {
    Ok(read_placed(root)?.0.into_iter().map(|(e, _)| e).collect())
}

/// The entries with their lines, and the comments a person wrote in the file.
fn read_placed(root: &Path) -> Result<(Vec<(DecisionEntry, usize)>, Comments), LoadError> {
    if !root.join(REVIEWS_FILE).exists() {
        return Ok((Vec::new(), Comments::default()));
    }
    let text = read_inside(root, Path::new(REVIEWS_FILE))
        .map_err(|m| LoadError::in_file(REVIEWS_FILE, m))?;
    let entries = parse_placed(&text)?;
    let comments = Comments::of(&text, &entries);
    Ok((entries, comments))
}

/// Comment lines kept when the file is written again: those at its top (the
/// header, with whatever a person added to it) and those right above an
/// entry, which stay with that decision.
#[derive(Debug, Default)]
struct Comments {
    head: Vec<String>,
    above: std::collections::HashMap<(super::DecisionKey, String), Vec<String>>,
}

impl Comments {
    fn of(text: &str, entries: &[(DecisionEntry, usize)]) -> Comments {
        let lines: Vec<&str> = text.lines().collect();
        let is_comment = |l: &str| l.trim_start().starts_with('#');
        let head = lines
            .iter()
            .take_while(|l| is_comment(l))
            .map(|l| l.to_string())
            .collect();
        let mut above = std::collections::HashMap::new();
        for (entry, line) in entries {
            // Lines are numbered from 1: the entry's is `lines[line - 1]`.
            let mut start = line.saturating_sub(1).min(lines.len());
            while start > 0 && is_comment(lines[start - 1]) {
                start -= 1;
            }
            let own: Vec<String> = lines[start..line.saturating_sub(1).min(lines.len())]
                .iter()
                .map(|l| l.trim_start().to_string())
                .collect();
            // The file's header is not an entry's, even above the first one.
            if !own.is_empty() && start > 0 {
                above.insert((entry.key(), entry.fingerprint.clone()), own);
            }
        }
        Comments { head, above }
    }
}

/// The reviews file is written by mergeproof and grows with the project: it
/// may hold many more values than a hand-written file (about ten per
/// decision; 500,000 decisions at most).
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 5_000_000;
    budget.max_events = 10_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// The decisions a file holds, each with the line it starts on.
fn parse_placed(text: &str) -> Result<Vec<(DecisionEntry, usize)>, LoadError> {
    let significant = text
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    let raw_entries = match significant {
        None => return Ok(Vec::new()),
        // A bare list of decisions is accepted too (a hand-written file).
        Some(first) if first.starts_with('-') => {
            serde_saphyr::from_str_with_options::<Vec<Spanned<DecisionEntry>>>(text, options())
                .map_err(|e| yaml_error(REVIEWS_FILE, &e))?
        }
        Some(_) => {
            let raw: RawFile = serde_saphyr::from_str_with_options(text, options())
                .map_err(|e| yaml_error(REVIEWS_FILE, &e))?;
            if let Some(v) = raw.version.as_ref().filter(|v| v.value != VERSION) {
                return Err(LoadError::at(
                    &SourceLoc::from_yaml(REVIEWS_FILE, &v.referenced),
                    format!(
                        "version {} is not known to this mergeproof (it writes version {VERSION}); upgrade mergeproof",
                        v.value
                    ),
                ));
            }
            raw.decisions.unwrap_or_default()
        }
    };
    let mut entries: Vec<(DecisionEntry, usize)> = Vec::with_capacity(raw_entries.len());
    // Each decision's place and fingerprint, to find a second one in one
    // look-up however long the file is.
    let mut seen = std::collections::HashSet::with_capacity(raw_entries.len());
    for raw in raw_entries {
        let at = SourceLoc::from_yaml(REVIEWS_FILE, &raw.referenced);
        let line = raw.referenced.line() as usize;
        let entry = raw.value;
        if let Some(problem) = invalid(&entry) {
            return Err(LoadError::at(&at, problem));
        }
        if !seen.insert((entry.key(), entry.fingerprint.clone())) {
            return Err(LoadError::at(
                &at,
                format!(
                    "a second decision on the same finding ({}); keep one of them",
                    entry.describe()
                ),
            ));
        }
        entries.push((entry, line));
    }
    Ok(entries)
}

/// Takes out the one decision on `finding`: the one whose fingerprint
/// matches, else the stale one it carries. Other decisions at the same place
/// (two findings there, or several alike) stay. Whether one was taken out.
fn remove_decision_on(entries: &mut Vec<DecisionEntry>, finding: &Finding) -> bool {
    let print = crate::decision::fingerprint(finding);
    let key = crate::decision::DecisionKey::of(finding);
    let at = entries
        .iter()
        .position(|e| e.fingerprint == print && e.key() == key)
        .or_else(|| entries.iter().position(|e| e.is_decision_on(finding)));
    at.map(|i| entries.remove(i)).is_some()
}

/// What is wrong with an entry a person may have edited by hand.
fn invalid(entry: &DecisionEntry) -> Option<String> {
    for (key, value) in [
        ("rule", &entry.rule),
        ("campaign", &entry.campaign),
        ("fingerprint", &entry.fingerprint),
    ] {
        if value.trim().is_empty() {
            return Some(format!("decision has an empty `{key}`"));
        }
    }
    if entry.decision == Decision::Waived && entry.reason.trim().is_empty() {
        return Some(format!(
            "waived decision on {} has no `reason`: a waiver says why",
            entry.describe()
        ));
    }
    None
}

/// The file: its header, then each decision with the comments above it.
fn to_yaml_with(entries: &[DecisionEntry], comments: &Comments) -> Result<String, ReviewError> {
    let head = if comments.head.is_empty() {
        HEADER.to_string()
    } else {
        comments.head.join("\n") + "\n"
    };
    if comments.above.is_empty() {
        let body = serialize(&FileOut {
            version: VERSION,
            decisions: entries,
        })?;
        return Ok(format!("{head}{body}"));
    }
    let mut out = format!("{head}version: {VERSION}\ndecisions:\n");
    for entry in entries {
        if let Some(lines) = comments
            .above
            .get(&(entry.key(), entry.fingerprint.clone()))
        {
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str(&serialize(&std::slice::from_ref(entry))?);
    }
    Ok(out)
}

/// The whole file, or one entry of it, as YAML.
fn serialize<T: Serialize>(value: &T) -> Result<String, ReviewError> {
    serde_saphyr::to_string(value).map_err(|e| ReviewError::Serialize(e.to_string()))
}

/// Why a decision was not recorded. Nothing was written then.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("a waiver needs a reason: say why this finding is acceptable")]
    WaiverWithoutReason,
    #[error("there is no decision on this finding to undo")]
    NothingToUndo,
    #[error("the decision was not saved: {0}; fix the file, then decide again")]
    Unreadable(LoadError),
    #[error("cannot write {REVIEWS_FILE}: {0}")]
    Serialize(String),
    #[error("the decision was not saved: cannot write {REVIEWS_FILE}: {0}")]
    Write(std::io::Error),
    #[error(
        "the decision was not saved: another mergeproof has been writing {REVIEWS_FILE} for {}s; try again",
        LOCK_WAIT.as_secs()
    )]
    Locked,
}

/// The decisions of one project, and the way to change them. Each change is
/// merged into the file as it is on disk and written before the call returns.
#[derive(Debug)]
pub struct ReviewStore {
    root: PathBuf,
    decisions: Decisions,
}

impl ReviewStore {
    /// Opens the decisions of the project at `root` (none when there is no
    /// file yet; the file is created by the first decision).
    pub fn open(root: &Path) -> Result<ReviewStore, LoadError> {
        Ok(ReviewStore {
            root: root.to_path_buf(),
            decisions: load(root)?,
        })
    }

    /// The decisions as last read or written.
    #[cfg(test)]
    pub(crate) fn decisions(&self) -> &Decisions {
        &self.decisions
    }

    /// The file's path.
    pub(crate) fn path(&self) -> PathBuf {
        self.root.join(REVIEWS_FILE)
    }

    /// Records a decision on `finding`, replacing an earlier one on it (also a
    /// stale one). A waiver needs a reason; an approval may have one.
    pub fn decide(
        &mut self,
        finding: &Finding,
        decision: Decision,
        reason: &str,
        reviewer: &str,
    ) -> Result<(), ReviewError> {
        self.decide_at(finding, decision, reason, reviewer, super::time::now())
    }

    pub(super) fn decide_at(
        &mut self,
        finding: &Finding,
        decision: Decision,
        reason: &str,
        reviewer: &str,
        at: String,
    ) -> Result<(), ReviewError> {
        self.decide_all_at(
            std::slice::from_ref(finding),
            decision,
            reason,
            reviewer,
            at,
        )
    }

    /// The same decision on every finding of a defect (or any list), in one
    /// write: each replaces the decision on its own finding.
    pub fn decide_all(
        &mut self,
        findings: &[Finding],
        decision: Decision,
        reason: &str,
        reviewer: &str,
    ) -> Result<(), ReviewError> {
        self.decide_all_at(findings, decision, reason, reviewer, super::time::now())
    }

    fn decide_all_at(
        &mut self,
        findings: &[Finding],
        decision: Decision,
        reason: &str,
        reviewer: &str,
        at: String,
    ) -> Result<(), ReviewError> {
        if decision == Decision::Waived && reason.trim().is_empty() {
            return Err(ReviewError::WaiverWithoutReason);
        }
        let reviewer = match reviewer.trim() {
            "" => "unknown",
            name => name,
        };
        let made: Vec<DecisionEntry> = findings
            .iter()
            .map(|f| DecisionEntry::new(f, decision, reason, reviewer, at.clone()))
            .collect();
        self.change(
            |entries| {
                for (finding, entry) in findings.iter().zip(&made) {
                    remove_decision_on(entries, finding);
                    entries.push(entry.clone());
                }
                Ok(())
            },
            |_| Ok(()),
        )
    }

    /// Removes the decision on `finding` (current or stale), whoever made it.
    pub fn undo(&mut self, finding: &Finding) -> Result<(), ReviewError> {
        self.change(
            |entries| {
                if remove_decision_on(entries, finding) {
                    Ok(())
                } else {
                    Err(ReviewError::NothingToUndo)
                }
            },
            |_| Ok(()),
        )
    }

    /// Under the lock: re-reads the file, applies `edit` to what is on disk,
    /// writes the result atomically (`before_rename` sees the finished
    /// temporary file), and keeps it as this store's state.
    pub(super) fn change(
        &mut self,
        edit: impl FnOnce(&mut Vec<DecisionEntry>) -> Result<(), ReviewError>,
        before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Result<(), ReviewError> {
        let _lock = ProjectLock::acquire(&self.root)?;
        let (placed, comments) = read_placed(&self.root).map_err(ReviewError::Unreadable)?;
        let mut entries: Vec<DecisionEntry> = placed.into_iter().map(|(e, _)| e).collect();
        edit(&mut entries)?;
        let decisions = Decisions::new(entries);
        let text = to_yaml_with(decisions.entries(), &comments)?;
        let path = self.path();
        crate::atomic::write_then(&path, text.as_bytes(), before_rename)
            .map_err(ReviewError::Write)?;
        self.decisions = decisions;
        Ok(())
    }
}

/// An advisory lock held while a change reads, merges and writes the file;
/// released when dropped (and by the system if the process dies).
struct ProjectLock {
    _file: Option<File>,
}

impl ProjectLock {
    fn acquire(root: &Path) -> Result<ProjectLock, ReviewError> {
        let Some(file) = lock_path(root).and_then(|p| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(p)
                .ok()
        }) else {
            return Ok(ProjectLock { _file: None });
        };
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(ProjectLock { _file: Some(file) }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(ReviewError::Locked);
                }
                // A file system without locks: merge-on-write still applies.
                Err(TryLockError::Error(_)) => return Ok(ProjectLock { _file: None }),
            }
        }
    }
}

/// `…/mergeproof-reviews-<digest of the project's real path>.lock` in the
/// system's temporary folder.
fn lock_path(root: &Path) -> Option<PathBuf> {
    let canonical = root.canonicalize().ok()?;
    let name = super::digest(&[&canonical.to_string_lossy()]);
    Some(std::env::temp_dir().join(format!("mergeproof-reviews-{name}.lock")))
}

/// Who is reviewing: git's `user.name` in the project folder, else `$USER`
/// (`%USERNAME%` on Windows), else "unknown".
pub fn reviewer_name(root: &Path) -> String {
    let git = Command::new("git")
        .args(["config", "user.name"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    first_name_given([
        git,
        std::env::var("USER").ok(),
        std::env::var("USERNAME").ok(),
    ])
}

fn first_name_given(candidates: impl IntoIterator<Item = Option<String>>) -> String {
    candidates
        .into_iter()
        .flatten()
        .map(|n| n.trim().to_string())
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reviewer_is_the_first_name_given() {
        let name = |c: [Option<&str>; 3]| first_name_given(c.map(|n| n.map(String::from)));
        assert_eq!(name([Some("Ana Ruiz\n"), Some("ana"), None]), "Ana Ruiz");
        assert_eq!(name([Some("  \n"), Some("ana"), None]), "ana");
        assert_eq!(name([None, None, Some("ANA")]), "ANA");
        assert_eq!(name([None, Some(""), None]), "unknown");
    }

    #[test]
    fn the_reviewer_comes_from_git_in_the_project_folder() {
        let git_works = Command::new("git").arg("--version").output().is_ok();
        if !git_works {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let status = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["config", "user.name", "Quinn Reviewer"]);
        assert_eq!(reviewer_name(dir.path()), "Quinn Reviewer");
    }

    #[test]
    fn a_missing_or_empty_file_is_no_decisions() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).unwrap().is_empty());
        std::fs::write(dir.path().join(REVIEWS_FILE), "# nothing yet\n").unwrap();
        assert!(load(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn broken_files_are_load_errors_with_positions() {
        let cases = [
            ("version: 1\ndecisions:\n  - rule: [\n", 3),
            (
                "version: 1\ndecisions:\n  - { rule: r, campaign: c, field: subject, fingerprint: f, decision: maybe }\n",
                3,
            ),
            (
                "version: 1\ndecisions:\n  - { rule: r, campaign: c, field: subject, fingerprint: f, decision: waived }\n",
                3,
            ),
            (
                "version: 1\ndecisions:\n  - { rule: r, campaign: c, field: subject, fingerprint: f, decision: approved }\n  - { rule: r, campaign: c, field: subject, fingerprint: f, decision: approved }\n",
                4,
            ),
            ("version: 7\ndecisions: []\n", 1),
            ("version: 1\ndecision: []\n", 2),
        ];
        for (text, line) in cases {
            let e = parse_placed(text).expect_err(text);
            assert_eq!(e.file, REVIEWS_FILE);
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.column >= 1);
        }
    }

    #[test]
    fn values_that_look_like_other_yaml_types_round_trip() {
        let tricky = [
            "0012345678901234",
            "1e10",
            "null",
            "~",
            "yes",
            "- x",
            "a: b",
            "#x",
            " padded ",
        ];
        let entries: Vec<DecisionEntry> = tricky
            .iter()
            .map(|t| DecisionEntry {
                rule: "missing-fallback".into(),
                campaign: t.to_string(),
                variant: Some(t.to_string()),
                profile: Some(format!("{t}\n{t}")),
                field: crate::finding::Field::Body,
                fingerprint: t.to_string(),
                decision: Decision::Waived,
                reason: t.to_string(),
                reviewer: t.to_string(),
                at: t.to_string(),
            })
            .collect();
        let text = to_yaml_with(&entries, &Comments::default()).unwrap();
        let read: Vec<DecisionEntry> = parse_placed(&text)
            .unwrap()
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        assert_eq!(read, entries, "{text}");
    }

    #[test]
    fn a_bare_list_is_read_too() {
        let entries = parse_placed(
            "- rule: missing-fallback\n  campaign: c\n  field: subject\n  fingerprint: ab\n  decision: approved\n  timestamp: 2025-01-01T00:00:00Z\n",
        )
        .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0.at, "2025-01-01T00:00:00Z");
        assert_eq!(entries[0].0.profile, None);
    }

    #[test]
    fn comments_a_person_wrote_survive_a_decision() {
        let dir = tempfile::tempdir().unwrap();
        let text = "# Reviewed with the CRM team on 2026-11-30.\nversion: 1\ndecisions:\n# Ben's card import: names arrive a day later.\n- rule: missing-fallback\n  campaign: c\n  field: subject\n  fingerprint: ab\n  decision: approved\n";
        std::fs::write(dir.path().join(REVIEWS_FILE), text).unwrap();
        let mut store = ReviewStore::open(dir.path()).unwrap();
        let finding = crate::finding::Finding {
            rule: crate::rule_id::RuleId::NoControl,
            severity: crate::finding::Severity::Warning,
            campaign: "c".into(),
            variant: None,
            profile: None,
            profile_kind: None,
            field: crate::finding::Field::Campaign,
            message: "no control".into(),
            file: "campaigns/c.yaml".into(),
            line: 1,
            column: 1,
            excerpt: String::new(),
            waived: false,
            waiver: None,
            reviewed_text: "".into(),
            fix: None,
        };
        store
            .decide(&finding, Decision::Approved, "", "qa")
            .unwrap();
        let written = std::fs::read_to_string(dir.path().join(REVIEWS_FILE)).unwrap();
        assert!(
            written.starts_with("# Reviewed with the CRM team on 2026-11-30.\nversion: 1\n"),
            "{written}"
        );
        let comment = written
            .find("# Ben's card import: names arrive a day later.\n- rule: missing-fallback")
            .unwrap_or_else(|| panic!("{written}"));
        assert!(comment > 0);
        assert_eq!(load(dir.path()).unwrap().len(), 2);
    }
}
