//! Where review decisions go. The TUI asks for a decision (`a`, `w` with a
//! reason, `u`); a [`DecisionStore`] records it. The event loop owns the store
//! and reloads the project after a decision is written, so the findings shown
//! are always the engine's.

use crate::finding::Finding;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Waived,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Waived => "waived",
        }
    }
}

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

/// The message shown when this build has no decision file to write to.
pub const NOT_SAVED: &str = "decisions are not saved in this build";

/// A store for builds without the review-decision file: it saves nothing and
/// says so, rather than pretending.
#[derive(Debug, Default)]
pub struct NotSaved;

impl DecisionStore for NotSaved {
    fn decide(&mut self, _: &Finding, _: Decision, _: &str) -> Result<String, String> {
        Err(NOT_SAVED.into())
    }

    fn undo(&mut self, _: &Finding) -> Result<String, String> {
        Err(NOT_SAVED.into())
    }
}
