//! The overlays' keys: help and a rule's explanation, the search prompt and
//! the waiver's reason.

use super::{Action, App, Effect, Overlay, Pane};
use crate::tui::decisions::Decision;

/// The longest text a prompt takes: a search or a waiver's reason is a line
/// or two. Past it, typing is ignored and a paste refused, with a message, so
/// that a 1 MB paste costs one step, not one search per character.
pub const MAX_INPUT: usize = 500;

/// Applies a typed character, a paste or a backspace to a prompt's text:
/// whether the text changed, or why it did not.
fn edit(input: &mut String, action: &Action) -> Result<bool, String> {
    match action {
        Action::Input(c) => {
            if input.chars().count() >= MAX_INPUT {
                return Err(format!("the text is at most {MAX_INPUT} characters"));
            }
            input.push(*c);
            Ok(true)
        }
        Action::Paste(text) => {
            let room = MAX_INPUT - input.chars().count().min(MAX_INPUT);
            // Only the first characters past the room are looked at.
            let pasted = text.chars().take(room + 1).count();
            if pasted > room {
                return Err(format!(
                    "paste refused: the text is at most {MAX_INPUT} characters (this paste has {})",
                    text.chars().count()
                ));
            }
            // A prompt is one line: line breaks and other controls become spaces.
            input.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
            Ok(true)
        }
        Action::InputBackspace => Ok(input.pop().is_some()),
        _ => Ok(false),
    }
}

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
            Action::Input(_) | Action::Paste(_) | Action::InputBackspace => {
                if let Err(why) = edit(input, &action) {
                    self.message = Some(why);
                    return;
                }
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
        self.message = None;
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
            // The cursor goes back to where the search began rather than
            // rest on what an earlier prefix matched, and the prompt says so.
            (None, _) => {
                self.select_campaign(origin_campaign);
                self.matrix.set_row(origin_row);
                self.message = Some("no match".into());
            }
        }
    }

    pub(super) fn handle_reason(&mut self, action: Action) -> Option<Effect> {
        let Overlay::Reason { input, findings } = &mut self.overlay else {
            return None;
        };
        match action {
            Action::Input(_) | Action::Paste(_) | Action::InputBackspace => {
                if let Err(why) = edit(input, &action) {
                    self.message = Some(why);
                }
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
                let rule = f.rule;
                let fix = f.fix.as_ref().map(|fix| fix.text.clone());
                let dialect = self
                    .checked()
                    .map(|c| c.run.compiled.dialect)
                    .unwrap_or_default();
                self.overlay = Overlay::Explain {
                    rule,
                    scroll: 0,
                    dialect,
                    fix,
                }
            }
            None => self.no_finding_here(),
        }
    }
}
