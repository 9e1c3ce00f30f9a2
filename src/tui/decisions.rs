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
    fn decide(
        &mut self,
        finding: &Finding,
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
        finding: &Finding,
        decision: Decision,
        reason: &str,
    ) -> Result<String, String> {
        let (store, reviewer) = self.store()?;
        let result = store.decide(finding, decision, reason, reviewer);
        self.settle(result).map(|()| {
            format!(
                "{} {} for {}: saved to {REVIEWS_FILE}",
                decision.as_str(),
                finding.rule,
                visible(finding.profile.as_deref().unwrap_or(&finding.campaign))
            )
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
            finding,
            decision,
            reason,
        }) = app.handle(Action::InputSubmit)
        else {
            panic!("a decision");
        };
        let note = store.decide(&finding, decision, &reason).unwrap();
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
        let error = store.decide(finding, Decision::Approved, "").unwrap_err();
        assert!(error.starts_with("decisions are not saved"), "{error}");
        assert!(error.contains(REVIEWS_FILE), "{error}");
        // Fixed while the TUI runs: the next decision is saved.
        std::fs::remove_file(dir.path().join(REVIEWS_FILE)).unwrap();
        let note = store.decide(finding, Decision::Approved, "").unwrap();
        assert!(note.contains("saved"), "{note}");
        assert!(dir.path().join(REVIEWS_FILE).exists());
    }
}
