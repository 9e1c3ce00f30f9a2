//! Snapshots of each pane on ratatui's TestBackend, at 80 × 24 (where panes
//! stack and the preview takes the screen) and 160 × 48 (side by side), on a
//! small fixture project whose findings are known.

use std::path::Path;

mod common;

use mergeproof::tui::{self, Action, App};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tui-project");
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn app(width: u16, height: u16) -> App {
    App::loaded(
        "tui-project",
        tui::load(Path::new(FIXTURE)),
        Rect::new(0, 0, width, height),
    )
}

fn draw(app: &mut App) -> Buffer {
    let mut terminal =
        Terminal::new(TestBackend::new(app_screen(app).0, app_screen(app).1)).unwrap();
    terminal.draw(|f| tui::draw(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

fn app_screen(app: &App) -> (u16, u16) {
    let status = app.areas().status;
    (status.width, status.y + 1)
}

/// The screen as text, one line per row, trailing spaces trimmed.
fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn snapshot(name: &str, app: &mut App) {
    let (w, h) = app_screen(app);
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&draw(app)));
}

fn run(app: &mut App, actions: &[Action]) {
    for a in actions {
        app.handle(a.clone());
    }
}

/// welcome's matrix, nameless-gold's row, its first flag.
fn to_nameless_gold_flag(app: &mut App) {
    run(app, &[Action::End, Action::Open, Action::Search]);
    for c in "nameless".chars() {
        app.handle(Action::Input(c));
    }
    run(app, &[Action::InputSubmit, Action::NextFlag]);
}

#[test]
fn campaigns_pane() {
    for (w, h) in SIZES {
        snapshot("campaigns", &mut app(w, h));
    }
}

#[test]
fn matrix_pane() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        // pickup, typo, welcome: open welcome.
        run(&mut app, &[Action::End, Action::Open]);
        snapshot("matrix", &mut app);
    }
}

#[test]
fn matrix_flagged_only() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        run(
            &mut app,
            &[Action::End, Action::Open, Action::ToggleFlaggedOnly],
        );
        snapshot("matrix_flagged", &mut app);
    }
}

#[test]
fn preview_of_a_flag() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        to_nameless_gold_flag(&mut app);
        run(&mut app, &[Action::Open]);
        snapshot("preview_flag", &mut app);
    }
}

#[test]
fn n_says_which_flag_it_picked() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        to_nameless_gold_flag(&mut app);
        assert!(
            app.message().is_some_and(|m| m.starts_with("flag ")),
            "{:?}",
            app.message()
        );
        snapshot("flag_picked", &mut app);
    }
}

#[test]
fn a_search_without_a_match_says_so_and_stays_put() {
    let mut app = app(80, 24);
    run(&mut app, &[Action::End, Action::Open]);
    let row = app.profile_id().map(str::to_string);
    run(&mut app, &[Action::Search]);
    // "ed" matches another row; "edzq" matches none: the cursor goes back.
    for c in "ed".chars() {
        app.handle(Action::Input(c));
    }
    assert_ne!(app.profile_id().map(str::to_string), row);
    for c in "zq".chars() {
        app.handle(Action::Input(c));
    }
    assert_eq!(app.profile_id().map(str::to_string), row);
    snapshot("search_no_match", &mut app);
}

#[test]
fn preview_of_a_variant_the_profile_does_not_receive() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        // ann-gold receives gold; look at generic.
        run(
            &mut app,
            &[Action::End, Action::Open, Action::Right, Action::Open],
        );
        snapshot("preview_not_received", &mut app);
    }
}

#[test]
fn broken_campaign_in_place() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        run(&mut app, &[Action::Down, Action::Open]);
        snapshot("broken", &mut app);
    }
}

#[test]
fn help_overlay() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        run(&mut app, &[Action::Help]);
        snapshot("help", &mut app);
    }
}

#[test]
fn explain_overlay() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        run(&mut app, &[Action::NextFlag, Action::Explain]);
        snapshot("explain", &mut app);
    }
}

#[test]
fn waive_prompt() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        to_nameless_gold_flag(&mut app);
        run(&mut app, &[Action::Waive]);
        for c in "known gap".chars() {
            app.handle(Action::Input(c));
        }
        snapshot("waive_prompt", &mut app);
    }
}

/// `A` and `W` say how many findings of the defect they decide, and whose.
#[test]
fn defect_wide_prompts() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        to_nameless_gold_flag(&mut app);
        run(&mut app, &[Action::ApproveDefect]);
        snapshot("approve_defect_prompt", &mut app);
        run(&mut app, &[Action::Back, Action::WaiveDefect]);
        for c in "known gap".chars() {
            app.handle(Action::Input(c));
        }
        snapshot("waive_defect_prompt", &mut app);
    }
}

/// Profile data with escape sequences reaches the screen as visible escapes:
/// no cell holds a control character.
#[test]
fn escapes_in_profile_data_are_shown_visibly() {
    for (w, h) in SIZES {
        let mut app = app(w, h);
        run(&mut app, &[Action::End, Action::Open, Action::Search]);
        for c in "escape".chars() {
            app.handle(Action::Input(c));
        }
        run(&mut app, &[Action::InputSubmit, Action::Open]);
        let buffer = draw(&mut app);
        let screen = text(&buffer);
        assert!(screen.contains("Eve\\e[2J"), "{screen}");
        assert!(screen.contains("\\e[31m"), "{screen}");
        assert!(
            screen
                .chars()
                .all(|c| c == '\n' || !mergeproof_core::sanitize::needs_escape(c)),
            "{screen:?}"
        );
        snapshot("preview_escapes", &mut app);
    }
}

/// The personalized spans are highlighted in the drawn preview.
#[test]
fn personalized_text_is_highlighted() {
    let mut app = app(160, 48);
    // welcome's rows: escape-name, ann-gold, ...
    run(&mut app, &[Action::End, Action::Open, Action::Down]);
    let buffer = draw(&mut app);
    let screen = text(&buffer);
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Subject") && l.contains("Ann,"))
        .expect("the subject is shown");
    let x = line[..line.find("Ann,").unwrap()].chars().count();
    let cell = &buffer[(x as u16, y as u16)];
    assert_eq!(cell.symbol(), "A");
    assert_eq!(cell.bg, mergeproof::tui::text::personalized().bg.unwrap());
    let after = &buffer[(x as u16 + 4, y as u16)];
    assert_ne!(after.bg, cell.bg, "only the name is highlighted");
}

/// The preview reads an HTML body as a text browser: link numbers in the text,
/// the numbered URLs under it, what only Outlook shows.
#[test]
fn preview_lists_links_and_outlook_only_text() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/email-shapes");
    let mut app = App::loaded(
        "email-shapes",
        tui::load(Path::new(fixture)),
        Rect::new(0, 0, 160, 48),
    );
    // order-shipped's matrix; the first row is the profile `complete`.
    run(&mut app, &[Action::Open]);
    let screen = text(&draw(&mut app));
    assert!(screen.contains("Preview: shipped × complete"), "{screen}");
    assert!(screen.contains("Track your order [1]"), "{screen}");
    assert!(screen.contains("Links"), "{screen}");
    // A URL longer than the pane wraps below its number.
    assert!(screen.contains("  [1]"), "{screen}");
    assert!(
        screen.contains("https://harborpine.example/orders/HP-20417/track"),
        "{screen}"
    );
    assert!(
        screen.contains("[5] https://harborpine.example/privacy"),
        "{screen}"
    );
    assert!(screen.contains("Outlook only"), "{screen}");
    assert!(screen.contains("Inbox"), "{screen}");
    // The MSO settings never reach the text.
    assert!(!screen.contains("96"), "{screen}");
}

/// A campaign with more variants than the matrix has room for says how
/// many are off-screen, on either side.
#[test]
fn the_matrix_says_when_variant_columns_are_off_screen() {
    let dir = common::examples();
    let mut app = App::loaded("examples", tui::load(dir.path()), Rect::new(0, 0, 80, 24));
    // device-launch has five variants.
    open_campaign(&mut app, "device-launch");
    let title = |screen: &str| -> String {
        screen
            .lines()
            .find(|l| l.contains("Matrix: device-launch"))
            .unwrap_or_else(|| panic!("{screen}"))
            .to_string()
    };
    let screen = text(&draw(&mut app));
    assert!(title(&screen).contains("· → "), "{screen}");
    assert!(title(&screen).contains(" more"), "{screen}");
    run(
        &mut app,
        &[Action::Right, Action::Right, Action::Right, Action::Right],
    );
    let screen = text(&draw(&mut app));
    assert!(title(&screen).contains("· ← "), "{screen}");
}

/// `lint` and the TUI count the same findings and problems on the examples.
#[test]
fn lint_and_the_tui_count_the_same() {
    use mergeproof_core::finding::Severity;
    let dir = common::examples();
    let app = App::loaded("examples", tui::load(dir.path()), Rect::new(0, 0, 160, 48));
    let totals = app.totals();
    let (_, summary, _) = common::run_in(dir.path(), &["lint", "--quiet", "--color", "never"]);
    let expected = format!(
        "{} errors, {} warnings, {} info in {} problems, {} accepted",
        totals.active(Severity::Error),
        totals.active(Severity::Warning),
        totals.active(Severity::Info),
        app.problems(),
        totals.total_accepted()
    );
    assert!(
        summary.contains(&expected),
        "lint: {summary}tui: {expected}"
    );
}

/// An SMS campaign's matrix shows the parts each received message takes.
#[test]
fn the_matrix_shows_the_parts_of_an_sms() {
    let dir = common::examples();
    let mut app = App::loaded("examples", tui::load(dir.path()), Rect::new(0, 0, 160, 48));
    open_campaign(&mut app, "orders-ready");
    let screen = text(&draw(&mut app));
    let row = |id: &str| {
        screen
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("no {id} in {screen}"))
            .to_string()
    };
    assert!(row("zoe-obrien-nunez").contains("● 2p"), "{screen}");
    assert!(row("walter-retiree").contains("● 1p"), "{screen}");
}

/// A cell the template cancels on purpose (Braze's `abort_message`) shows
/// as aborted in the matrix, with no finding.
#[test]
fn the_matrix_shows_an_aborted_send() {
    let dir = common::examples();
    let mut app = App::loaded("examples", tui::load(dir.path()), Rect::new(0, 0, 160, 48));
    open_campaign(&mut app, "braze-name-day");
    let screen = text(&draw(&mut app));
    let row = screen
        .lines()
        .find(|l| l.contains("card-import-no-name"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains('⊘'), "{screen}");
    assert!(!row.contains('✗'), "{screen}");
    // Its preview says so instead of showing a message.
    for _ in 0..20 {
        let screen = text(&draw(&mut app));
        if screen.contains("× card-import-no-name") {
            break;
        }
        run(&mut app, &[Action::Down]);
    }
    run(&mut app, &[Action::Received]);
    let screen = text(&draw(&mut app));
    assert!(screen.contains("members × card-import-no-name"), "{screen}");
    assert!(
        screen.contains(
            "⊘ NOT SENT  the template cancels this send (aborted by abort_message: no first name)"
        ),
        "{screen}"
    );
}

/// Finds the campaign by its id with `/` and opens its matrix.
fn open_campaign(app: &mut App, id: &str) {
    run(app, &[Action::Search]);
    for c in id.chars() {
        app.handle(Action::Input(c));
    }
    run(app, &[Action::InputSubmit, Action::Open]);
}
