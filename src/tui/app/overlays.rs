//! The overlays' keys: help and a rule's explanation, the search prompt and
//! the waiver's reason.

use super::{Action, App, Effect, Overlay, Pane};
use crate::tui::decisions::Decision;

impl App {
    /// Help and a rule's explanation: scroll, or close.
    pub(super) fn handle_reading(&mut self, action: Action) {
        let scroll = match &mut self.overlay {
            Overlay::Help { scroll } | Overlay::Explain { scroll, .. } => scroll,
            _ => return,
        };
        match action {
            Action::Up | Action::ScrollUp(_) => *scroll = scroll.saturating_sub(1),
            Action::Down | Action::ScrollDown(_) => *scroll = scroll.saturating_add(1),
            Action::PageUp => *scroll = scroll.saturating_sub(10),
            Action::PageDown => *scroll = scroll.saturating_add(10),
            Action::Home => *scroll = 0,
            Action::Quit | Action::Back | Action::Open | Action::Help | Action::Explain => {
                self.overlay = Overlay::None
            }
            Action::Click(_) => self.overlay = Overlay::None,
            _ => {}
        }
    }

    pub(super) fn handle_search(&mut self, action: Action) {
        let Overlay::Search {
            input,
            pane,
            origin_campaign,
            origin_row,
        } = &mut self.overlay
        else {
            return;
        };
        let (pane, origin_campaign, origin_row) = (*pane, *origin_campaign, *origin_row);
        match action {
            Action::Input(c) => input.push(c),
            Action::InputBackspace => {
                input.pop();
            }
            Action::InputSubmit => {
                self.overlay = Overlay::None;
                return;
            }
            Action::Back => {
                self.overlay = Overlay::None;
                self.select_campaign(origin_campaign);
                self.matrix.set_row(origin_row);
                return;
            }
            _ => return,
        }
        let query = input.to_lowercase();
        if query.is_empty() {
            return;
        }
        let found = match pane {
            Pane::Campaigns => self.entries.iter().position(|e| {
                e.id.to_lowercase().contains(&query)
                    || e.name().is_some_and(|n| n.to_lowercase().contains(&query))
            }),
            _ => self
                .checked()
                .and_then(|checked| self.matrix.find(checked, &query)),
        };
        match (found, pane) {
            (Some(i), Pane::Campaigns) => self.select_campaign(i),
            (Some(i), _) => {
                self.matrix.set_row(i);
                self.flag_cursor = None;
            }
            (None, _) => self.message = Some("no match".into()),
        }
    }

    pub(super) fn handle_reason(&mut self, action: Action) -> Option<Effect> {
        let Overlay::Reason { input, findings } = &mut self.overlay else {
            return None;
        };
        match action {
            Action::Input(c) => input.push(c),
            Action::InputBackspace => {
                input.pop();
            }
            Action::Back => {
                self.overlay = Overlay::None;
                self.message = Some("waiver cancelled".into());
            }
            Action::InputSubmit if input.trim().is_empty() => {
                self.message = Some(
                    "nothing waived: a waiver needs a reason, saved for the next reviewer (type it, or Esc to cancel)"
                        .into(),
                );
            }
            Action::InputSubmit => {
                let effect = Effect::Decide {
                    findings: std::mem::take(findings),
                    decision: Decision::Waived,
                    reason: input.trim().to_string(),
                };
                self.overlay = Overlay::None;
                return Some(effect);
            }
            _ => {}
        }
        None
    }

    /// `A`'s question: Enter approves every finding it counted, Esc (or `n`)
    /// approves none.
    pub(super) fn handle_confirm(&mut self, action: Action) -> Option<Effect> {
        let Overlay::Confirm { findings } = &mut self.overlay else {
            return None;
        };
        match action {
            Action::InputSubmit | Action::Input('y') => {
                let effect = Effect::Decide {
                    findings: std::mem::take(findings),
                    decision: Decision::Approved,
                    reason: String::new(),
                };
                self.overlay = Overlay::None;
                Some(effect)
            }
            Action::Back | Action::Quit | Action::Interrupt | Action::Input(_) => {
                self.overlay = Overlay::None;
                self.message = Some("nothing approved".into());
                None
            }
            _ => None,
        }
    }

    pub(super) fn explain(&mut self) {
        match self.selected_finding() {
            Some(f) => {
                self.overlay = Overlay::Explain {
                    rule: f.rule,
                    scroll: 0,
                }
            }
            None => self.no_finding_here(),
        }
    }
}
