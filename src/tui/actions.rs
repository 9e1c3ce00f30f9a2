//! What a person can ask of the TUI ([`Action`]), what the event loop must
//! do after it ([`Effect`]), and what is drawn over the panes ([`Overlay`]).

use mergeproof_core::rule_id::RuleId;
use ratatui::layout::Position;

use super::decisions::Decision;
use mergeproof_core::finding::Finding;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Campaigns,
    Matrix,
    Preview,
}

impl Pane {
    pub(super) fn next(self) -> Pane {
        match self {
            Pane::Campaigns => Pane::Matrix,
            Pane::Matrix => Pane::Preview,
            Pane::Preview => Pane::Campaigns,
        }
    }

    pub(super) fn previous(self) -> Pane {
        match self {
            Pane::Campaigns => Pane::Preview,
            Pane::Matrix => Pane::Campaigns,
            Pane::Preview => Pane::Matrix,
        }
    }
}

/// Everything a person can ask of the TUI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    NextPane,
    PreviousPane,
    /// Enter: campaign → matrix → preview → the rule's explanation.
    Open,
    /// Esc: close what is open, or step back a pane.
    Back,
    Search,
    NextFlag,
    PreviousFlag,
    ToggleFlaggedOnly,
    ToggleEdgeCases,
    CycleClient,
    /// Select the variant the selected profile receives.
    Received,
    Explain,
    Approve,
    Waive,
    /// `A`: approve every finding of the selected defect (after saying how many).
    ApproveDefect,
    /// `W`: waive every finding of the selected defect, with one reason.
    WaiveDefect,
    Undo,
    Help,
    /// `q`: closes an overlay, or quits.
    Quit,
    /// Ctrl-C: quits whatever is open.
    Interrupt,
    /// A character typed into a prompt.
    Input(char),
    /// Text pasted into a prompt, whole (bracketed paste): one action
    /// however long, so a large paste is one step, not one per character.
    Paste(String),
    InputBackspace,
    InputSubmit,
    Click(Position),
    ScrollUp(Position),
    ScrollDown(Position),
}

/// What the event loop must do after an action.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Quit,
    /// The same decision on each of these findings (one, or a defect's).
    Decide {
        findings: Vec<Finding>,
        decision: Decision,
        reason: String,
    },
    Undo {
        finding: Box<Finding>,
    },
}

/// What is drawn over the panes.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    None,
    Help {
        scroll: u16,
    },
    Explain {
        rule: RuleId,
        scroll: u16,
        /// The campaign's dialect, which the rule's fix is written in.
        dialect: mergeproof_core::dialect::Dialect,
        /// The selected finding's own fix, when it has one.
        fix: Option<String>,
    },
    /// `/`: typing moves the selection to the first id that matches.
    Search {
        input: String,
        pane: Pane,
        origin_campaign: usize,
        origin_row: usize,
    },
    /// `w` / `W`: the reason these findings are waived.
    Reason {
        input: String,
        findings: Vec<Finding>,
    },
    /// `A`: approve every finding of a defect? Enter approves.
    Confirm {
        findings: Vec<Finding>,
    },
}

impl Overlay {
    pub fn is_prompt(&self) -> bool {
        matches!(
            self,
            Overlay::Search { .. } | Overlay::Reason { .. } | Overlay::Confirm { .. }
        )
    }
}
