//! Keys to actions, in the habits of lazygit and k9s. [`KEYS`] is what the
//! help overlay lists; a test checks that every key it lists does something.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::actions::Action;

/// Every key, as the help overlay shows it.
pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  k j", "move up / down (scroll in the preview)"),
    (
        "← →  h l",
        "previous / next variant: any variant with any profile",
    ),
    ("PgUp PgDn", "a page up / down"),
    ("Home End  g G", "first / last"),
    ("Tab  Shift-Tab", "next / previous pane"),
    (
        "Enter",
        "open: campaign → matrix → preview → rule explanation",
    ),
    ("Esc", "back a pane, or close what is open"),
    (
        "/",
        "search profiles by id (campaigns, in the campaigns pane)",
    ),
    ("n  N", "next / previous flag, across campaigns"),
    ("f", "flagged profiles only, on / off"),
    ("e", "edge cases on / off"),
    ("c", "cycle the mail client that cuts the subject"),
    ("r", "go to the variant the profile receives"),
    ("x", "explain the selected finding's rule"),
    ("a", "approve the selected finding"),
    ("w", "waive the selected finding (asks for a reason)"),
    (
        "A",
        "approve every finding of the selected defect (says how many first)",
    ),
    (
        "W",
        "waive every finding of the selected defect, with one reason",
    ),
    ("u", "undo the decision on the selected finding"),
    ("?", "this help"),
    ("q", "quit (first closes what is open)"),
    ("Ctrl-C", "quit from anywhere, prompts included"),
    (
        "mouse",
        "click selects a pane, a campaign or a cell; the wheel scrolls",
    ),
];

/// The action for a key. In a prompt (`/` search, a waiver's reason) typed
/// characters are text, not commands.
pub fn action_for(key: KeyEvent, in_prompt: bool) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Some(Action::Interrupt);
    }
    if in_prompt {
        return match key.code {
            KeyCode::Enter => Some(Action::InputSubmit),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Backspace => Some(Action::InputBackspace),
            KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
            _ => None,
        };
    }
    let action = match key.code {
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Left | KeyCode::Char('h') => Action::Left,
        KeyCode::Right | KeyCode::Char('l') => Action::Right,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Home,
        KeyCode::End | KeyCode::Char('G') => Action::End,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PreviousPane,
        KeyCode::Enter => Action::Open,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('/') => Action::Search,
        KeyCode::Char('n') => Action::NextFlag,
        KeyCode::Char('N') => Action::PreviousFlag,
        KeyCode::Char('f') => Action::ToggleFlaggedOnly,
        KeyCode::Char('e') => Action::ToggleEdgeCases,
        KeyCode::Char('c') => Action::CycleClient,
        KeyCode::Char('r') => Action::Received,
        KeyCode::Char('x') => Action::Explain,
        KeyCode::Char('a') => Action::Approve,
        KeyCode::Char('w') => Action::Waive,
        KeyCode::Char('A') => Action::ApproveDefect,
        KeyCode::Char('W') => Action::WaiveDefect,
        KeyCode::Char('u') => Action::Undo,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    };
    Some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows_agree() {
        for (a, b) in [
            (KeyCode::Up, KeyCode::Char('k')),
            (KeyCode::Down, KeyCode::Char('j')),
            (KeyCode::Left, KeyCode::Char('h')),
            (KeyCode::Right, KeyCode::Char('l')),
        ] {
            assert_eq!(action_for(key(a), false), action_for(key(b), false));
            assert!(action_for(key(a), false).is_some());
        }
    }

    #[test]
    fn every_single_key_the_help_lists_does_something() {
        for (keys, _) in KEYS {
            for word in keys.split_whitespace() {
                let mut chars = word.chars();
                if let (Some(c), None) = (chars.next(), chars.next())
                    && c.is_ascii_graphic()
                {
                    assert!(
                        action_for(key(KeyCode::Char(c)), false).is_some(),
                        "`{c}` is listed in the help but does nothing"
                    );
                }
            }
        }
    }

    #[test]
    fn prompts_take_letters_as_text() {
        assert_eq!(
            action_for(key(KeyCode::Char('q')), true),
            Some(Action::Input('q'))
        );
        assert_eq!(
            action_for(key(KeyCode::Enter), true),
            Some(Action::InputSubmit)
        );
        assert_eq!(action_for(key(KeyCode::Esc), true), Some(Action::Back));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_c, true), Some(Action::Interrupt));
        assert_eq!(action_for(ctrl_c, false), Some(Action::Interrupt));
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut k = key(KeyCode::Char('q'));
        k.kind = KeyEventKind::Release;
        assert_eq!(action_for(k, false), None);
    }
}
