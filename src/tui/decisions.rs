//! Where review decisions go. The TUI asks for a decision (`a`, `w` with a
//! reason, `u`); a [`DecisionStore`] records it. The event loop owns the store
//! and reloads the project after a decision is written, so the findings shown
//! (approved, waived, stale) are always the engine's.

use std::path::Path;

pub use mergeproof_core::review::Decision;
use mergeproof_core::review::{REVIEWS_FILE, ReviewError, ReviewStore, reviewer_name};

use mergeproof_core::finding::Finding;
use mergeproof_core::sanitize::visible;

/// Records review decisions. Each method returns what to tell the reviewer.
pub trait DecisionStore {
    /// The same decision on each finding (one, or a defect's), in one write.
    fn decide(
        &mut self,
        findings: &[Finding],
        decision: Decision,
        reason: &str,
    ) -> Result<String, String>;

    fn undo(&mut self, finding: &Finding) -> Result<String, String>;
}

/// The project's `mergeproof-reviews.yaml`: each decision is written at once,
/// atomically, under the reviewer's name.
///
/// The file is opened at the first decision, not before the first frame: a
/// long file never delays the screen. A file that cannot be opened is tried
/// again at the next decision, so a file fixed while the TUI runs is picked
/// up without a restart.
pub struct ReviewFile {
    root: std::path::PathBuf,
    opened: Option<(ReviewStore, String)>,
}

impl ReviewFile {
    pub fn new(root: &Path) -> ReviewFile {
        ReviewFile {
            root: root.to_path_buf(),
            opened: None,
        }
    }

    /// The store and the reviewer's name, or why decisions cannot be saved.
    fn store(&mut self) -> Result<&mut (ReviewStore, String), String> {
        if self.opened.is_none() {
            let store = ReviewStore::open(&self.root).map_err(|e| {
                format!(
                    "decisions are not saved: {}; fix the file to review",
                    visible(&e.to_string())
                )
            })?;
            self.opened = Some((store, reviewer_name(&self.root)));
        }
        self.opened
            .as_mut()
            .ok_or_else(|| "decisions are not saved".to_string())
    }
}

impl DecisionStore for ReviewFile {
    fn decide(
        &mut self,
        findings: &[Finding],
        decision: Decision,
        reason: &str,
    ) -> Result<String, String> {
        let Some(first) = findings.first() else {
            return Err("no finding to decide".into());
        };
        let (store, reviewer) = self.store()?;
        let result = store.decide_all(findings, decision, reason, reviewer);
        self.settle(result).map(|()| match findings {
            [one] => format!(
                "{} {} for {}: saved to {REVIEWS_FILE}",
                decision.as_str(),
                one.rule,
                visible(one.profile.as_deref().unwrap_or(&one.campaign))
            ),
            many => format!(
                "{} {} findings of {} ({}): saved to {REVIEWS_FILE}",
                decision.as_str(),
                many.len(),
                first.rule,
                visible(&profiles_of(many))
            ),
        })
    }

    fn undo(&mut self, finding: &Finding) -> Result<String, String> {
        let (store, _) = self.store()?;
        let result = store.undo(finding);
        self.settle(result)
            .map(|()| format!("decision on {} removed from {REVIEWS_FILE}", finding.rule))
    }
}

impl ReviewFile {
    /// A change's outcome in words. A file that broke since it was opened
    /// is opened afresh next time.
    fn settle(&mut self, result: Result<(), ReviewError>) -> Result<(), String> {
        if matches!(result, Err(ReviewError::Unreadable(_))) {
            self.opened = None;
        }
        result.map_err(|e| visible(&e.to_string()))
    }
}

/// "ben and 16 edge cases": whose findings a defect-wide decision covers.
pub fn profiles_of(findings: &[Finding]) -> String {
    let samples: Vec<&str> = findings
        .iter()
        .filter(|f| f.profile_kind == Some(mergeproof_core::finding::ProfileKind::Sample))
        .filter_map(|f| f.profile.as_deref())
        .collect();
    let edges = findings
        .iter()
        .filter(|f| f.profile_kind == Some(mergeproof_core::finding::ProfileKind::Edge))
        .count();
    let mut parts: Vec<String> = Vec::new();
    match samples.len() {
        0 => {}
        n if n <= 3 => parts.push(samples.join(", ")),
        n => parts.push(format!(
            "{} and {} more samples",
            samples[..2].join(", "),
            n - 2
        )),
    }
    if edges > 0 {
        parts.push(format!(
            "{edges} edge case{}",
            if edges == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        "the campaign".to_string()
    } else {
        parts.join(" and ")
    }
}

/// The project's decision store.
pub fn open(root: &Path) -> Box<dyn DecisionStore> {
    Box::new(ReviewFile::new(root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::{Action, App, Effect, load};
    use ratatui::layout::Rect;

    fn flagged_app(root: &Path) -> App {
        let mut app = App::loaded("t", load(root), Rect::new(0, 0, 160, 48));
        app.handle(Action::NextFlag);
        app
    }

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui-project");
        for file in ["campaigns/welcome.yaml", "sample-profiles/members.yaml"] {
            let target = dir.path().join(file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(fixture.join(file), target).unwrap();
        }
        dir
    }

    #[test]
    fn a_waiver_is_written_and_the_reloaded_finding_shows_it() {
        let dir = project();
        let mut store = open(dir.path());
        let mut app = flagged_app(dir.path());
        let finding = app.selected_finding().unwrap().clone();
        assert!(!finding.waived);
        app.handle(Action::Waive);
        for c in "known import gap".chars() {
            app.handle(Action::Input(c));
        }
        let Some(Effect::Decide {
            findings,
            decision,
            reason,
        }) = app.handle(Action::InputSubmit)
        else {
            panic!("a decision");
        };
        let note = store.decide(&findings, decision, &reason).unwrap();
        assert!(note.contains(REVIEWS_FILE), "{note}");
        let written = std::fs::read_to_string(dir.path().join(REVIEWS_FILE)).unwrap();
        assert!(written.contains("known import gap"), "{written}");
        app.apply(load(dir.path()));
        let shown = app.selected_finding().unwrap().clone();
        assert!(shown.waived);
        assert_eq!(shown.waiver.as_ref().unwrap().kind, "waived");
        let unreviewed = app.totals().total_active();
        store.undo(&shown).unwrap();
        app.apply(load(dir.path()));
        assert!(!app.selected_finding().unwrap().waived);
        assert_eq!(app.totals().total_active(), unreviewed + 1);
    }

    #[test]
    fn a_defect_wide_waiver_accepts_every_finding_of_the_defect() {
        let dir = project();
        let mut store = open(dir.path());
        let mut app = flagged_app(dir.path());
        for _ in 0..60 {
            if app.selected_defect().is_some_and(|d| d.len() > 1) {
                break;
            }
            app.handle(Action::NextFlag);
        }
        let defect = app.selected_defect().unwrap();
        assert!(defect.len() > 1);
        let key = defect[0].defect_key();
        let before = app.totals().total_active();
        let note = store
            .decide(&defect, Decision::Waived, "known gap")
            .unwrap();
        assert!(
            note.contains(&format!("waived {} findings of", defect.len())),
            "{note}"
        );
        let written = std::fs::read_to_string(dir.path().join(REVIEWS_FILE)).unwrap();
        assert_eq!(written.matches("reason: known gap").count(), defect.len());
        app.apply(load(dir.path()));
        let run = &app.checked().unwrap().run;
        assert!(
            run.findings
                .iter()
                .filter(|f| f.defect_key() == key)
                .all(|f| f.waived)
        );
        assert_eq!(app.totals().total_active(), before - defect.len());
        // The status bar counts them as lint does: accepted, out of ✗ and ▲.
        let shown: String = crate::tui::panes::campaigns::count_spans(app.totals(), 1)
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert!(
            shown.contains(&format!("✓{}", app.totals().total_accepted())),
            "{shown}"
        );
        assert!(
            shown.contains(&format!(
                "✗{} ",
                app.totals()
                    .active(mergeproof_core::finding::Severity::Error)
            )),
            "{shown}"
        );
    }

    #[test]
    fn undo_without_a_decision_says_so() {
        let dir = project();
        let mut store = open(dir.path());
        let app = flagged_app(dir.path());
        let error = store.undo(app.selected_finding().unwrap()).unwrap_err();
        assert!(error.contains("no decision"), "{error}");
    }

    #[test]
    fn a_broken_decisions_file_refuses_decisions_and_says_why() {
        let dir = project();
        std::fs::write(dir.path().join(REVIEWS_FILE), "decisions: [oops\n").unwrap();
        let mut store = open(dir.path());
        let app = flagged_app(dir.path());
        let finding = app.selected_finding().unwrap();
        let error = store
            .decide(std::slice::from_ref(finding), Decision::Approved, "")
            .unwrap_err();
        assert!(error.starts_with("decisions are not saved"), "{error}");
        assert!(error.contains(REVIEWS_FILE), "{error}");
        // Fixed while the TUI runs: the next decision is saved.
        std::fs::remove_file(dir.path().join(REVIEWS_FILE)).unwrap();
        let note = store
            .decide(std::slice::from_ref(finding), Decision::Approved, "")
            .unwrap();
        assert!(note.contains("saved"), "{note}");
        assert!(dir.path().join(REVIEWS_FILE).exists());
    }
}
