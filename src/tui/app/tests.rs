use super::*;
use mergeproof_core::finding::{Field, ProfileKind, Severity};
use mergeproof_core::project::Profile;
use mergeproof_core::source::SourceLoc;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui-project")
}

fn app_on(path: &Path) -> App {
    App::loaded("test", load(path), Rect::new(0, 0, 160, 48))
}

fn app() -> App {
    app_on(&fixture())
}

fn run(app: &mut App, actions: &[Action]) -> Vec<Effect> {
    actions
        .iter()
        .filter_map(|a| app.handle(a.clone()))
        .collect()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle(Action::Input(c));
    }
}

/// Selects the welcome campaign (pickup, typo, welcome) and the matrix.
fn open_welcome(app: &mut App) {
    run(app, &[Action::End, Action::Open]);
    assert_eq!(app.entry().unwrap().id, "welcome");
}

fn select_profile(app: &mut App, id: &str) {
    // `/` looks for profiles outside the campaigns pane.
    if app.focus() == Pane::Campaigns {
        app.handle(Action::Open);
    }
    app.handle(Action::Search);
    type_text(app, id);
    app.handle(Action::InputSubmit);
    assert_eq!(app.profile_id(), Some(id));
}

/// A project holding the fixture's profiles and the given campaigns.
fn project_with(campaigns: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["campaigns", "sample-profiles"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
    }
    for name in ["members.yaml", "escape-name.yaml"] {
        let profiles = Path::new("sample-profiles").join(name);
        std::fs::copy(fixture().join(&profiles), dir.path().join(&profiles)).unwrap();
    }
    for name in campaigns {
        let campaign = Path::new("campaigns").join(name);
        std::fs::copy(fixture().join(&campaign), dir.path().join(&campaign)).unwrap();
    }
    dir
}

#[test]
fn panes_follow_tab_enter_and_esc() {
    let mut app = app();
    assert_eq!(app.focus(), Pane::Campaigns);
    run(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus(), Pane::Matrix);
    run(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus(), Pane::Preview);
    run(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus(), Pane::Campaigns);
    run(&mut app, &[Action::PreviousPane]);
    assert_eq!(app.focus(), Pane::Preview);
    run(&mut app, &[Action::Back, Action::Back]);
    assert_eq!(app.focus(), Pane::Campaigns);
    run(&mut app, &[Action::Open, Action::Open]);
    assert_eq!(app.focus(), Pane::Preview);
}

#[test]
fn moving_between_campaigns_rebuilds_the_matrix() {
    let mut app = app();
    assert_eq!(app.entry().unwrap().id, "pickup");
    assert_eq!(app.variant_id(), Some("standard"));
    run(&mut app, &[Action::Down, Action::Down]);
    assert_eq!(app.entry().unwrap().id, "welcome");
    // The selected profile stays; its received variant is selected.
    assert_eq!(app.profile_id(), Some("escape-name"));
    assert_eq!(app.variant_id(), Some("gold"));
    run(&mut app, &[Action::Down]);
    assert_eq!(app.entry().unwrap().id, "welcome", "stops at the last");
    run(&mut app, &[Action::Home]);
    assert_eq!(app.entry().unwrap().id, "pickup");
}

#[test]
fn any_variant_can_be_previewed_with_any_profile() {
    let mut app = app();
    open_welcome(&mut app);
    select_profile(&mut app, "ann-gold");
    assert_eq!(app.variant_id(), Some("gold"));
    assert_eq!(app.received(), Some(Some(0)));
    run(&mut app, &[Action::Right]);
    assert_eq!(app.variant_id(), Some("generic"));
    let cell = app.cell().expect("the selected cell is rendered");
    assert_eq!(cell.variant, 1);
    assert_eq!(
        cell.subject.as_ref().unwrap().plain.text,
        "Your welcome gift is waiting"
    );
    run(&mut app, &[Action::Right]);
    assert_eq!(app.variant_id(), Some("generic"), "stops at the last");
    run(&mut app, &[Action::Received]);
    assert_eq!(app.variant_id(), Some("gold"));
    run(&mut app, &[Action::Left, Action::Left]);
    assert_eq!(app.variant_id(), Some("gold"));
}

#[test]
fn n_and_shift_n_walk_every_flag() {
    let mut app = app();
    run(&mut app, &[Action::NextFlag]);
    // The fixture's only campaign with findings.
    assert_eq!(app.entry().unwrap().id, "welcome");
    let count = app.flags().len();
    assert!(count > 4, "{count}");
    let mut seen: Vec<Finding> = Vec::new();
    for _ in 0..count {
        let f = app.selected_finding().unwrap().clone();
        // The selection is on the flag's cell.
        if let Some(p) = &f.profile {
            assert_eq!(app.profile_id(), Some(p.as_str()));
        }
        if let Some(v) = &f.variant {
            assert_eq!(app.variant_id(), Some(&**v));
        }
        assert!(!seen.contains(&f), "{f:?} visited twice");
        seen.push(f);
        run(&mut app, &[Action::NextFlag]);
    }
    assert_eq!(app.selected_finding(), Some(&seen[0]), "wraps around");
    run(&mut app, &[Action::PreviousFlag]);
    assert_eq!(app.selected_finding(), seen.last());
    run(&mut app, &[Action::PreviousFlag]);
    assert_eq!(app.selected_finding(), seen.get(count - 2));
    assert!(seen.iter().any(|f| f.rule == "missing-fallback"
        && f.profile.as_deref() == Some("nameless-gold")
        && f.field == Field::Subject));
    // From a selected row, `n` goes to that row's first flag.
    select_profile(&mut app, "nameless-gold");
    run(&mut app, &[Action::NextFlag]);
    assert_eq!(app.profile_id(), Some("nameless-gold"));
    assert_eq!(
        app.selected_finding().unwrap().profile.as_deref(),
        Some("nameless-gold")
    );
}

#[test]
fn n_says_so_when_there_is_nothing_to_review() {
    let dir = project_with(&["pickup.yaml", "typo.yaml"]);
    let mut app = app_on(dir.path());
    run(&mut app, &[Action::NextFlag]);
    assert_eq!(app.message(), Some("no flags"));
    assert!(app.selected_finding().is_none());
}

#[test]
fn flagged_only_keeps_the_selection_and_hides_clean_rows() {
    let mut app = app();
    open_welcome(&mut app);
    select_profile(&mut app, "nameless-gold");
    let all_rows = app.rows().len();
    let shown_ids = |app: &App| -> Vec<String> {
        let checked = app.checked().unwrap();
        app.rows()
            .iter()
            .filter_map(|r| match r {
                Row::Profile(p) => Some(checked.run.profiles[*p].id.clone()),
                Row::EdgeDivider => None,
            })
            .collect()
    };
    run(&mut app, &[Action::ToggleFlaggedOnly]);
    assert!(app.flagged_only());
    assert_eq!(app.profile_id(), Some("nameless-gold"));
    let shown = shown_ids(&app);
    assert!(shown.contains(&"nameless-gold".to_string()));
    assert!(!shown.contains(&"bo-silver".to_string()), "{shown:?}");
    let checked = app.checked().unwrap();
    for row in app.rows() {
        if let Row::Profile(p) = row {
            assert!(!checked.by_profile[*p].is_empty(), "only flagged rows");
        }
    }
    assert!(app.rows().len() < all_rows);
    run(&mut app, &[Action::ToggleFlaggedOnly]);
    assert_eq!(app.rows().len(), all_rows);
    assert_eq!(app.profile_id(), Some("nameless-gold"));
}

/// Adds an edge-case profile with one finding to the `welcome` run, as
/// the edge-case synthesis would.
fn with_edge_case(mut loaded: Loaded) -> Loaded {
    let run = loaded
        .run
        .campaigns
        .iter_mut()
        .find(|c| c.id() == "welcome")
        .unwrap();
    let mut profile = Profile::from_data(
        "edge:first_name=missing".into(),
        serde_json::json!({ "tier": "gold" }),
        ProfileKind::Edge,
        SourceLoc::default(),
    );
    profile.edge = Some(mergeproof_core::project::EdgeOrigin {
        base: "ann-gold".into(),
        change: "first_name=missing".into(),
    });
    run.profiles.push(Arc::new(profile));
    run.selection.push(Some(0));
    run.edge_profiles += 1;
    let mut finding = run.findings[0].clone();
    finding.profile = Some("edge:first_name=missing".into());
    finding.profile_kind = Some(ProfileKind::Edge);
    finding.field = Field::Subject;
    finding.severity = Severity::Warning;
    run.findings.push(finding);
    loaded
}

#[test]
fn edge_cases_sit_below_a_divider_and_can_be_switched_off() {
    let mut app = App::loaded(
        "test",
        with_edge_case(load(&fixture())),
        Rect::new(0, 0, 160, 48),
    );
    open_welcome(&mut app);
    let divider = app
        .rows()
        .iter()
        .position(|r| *r == Row::EdgeDivider)
        .expect("a divider before the edge cases");
    let checked = app.checked().unwrap();
    for (i, row) in app.rows().iter().enumerate() {
        if let Row::Profile(p) = row {
            let edge = checked.run.profiles[*p].kind == ProfileKind::Edge;
            assert_eq!(edge, i > divider, "samples first, then edge cases");
        }
    }
    let with_edge = app.totals();
    run(&mut app, &[Action::End]);
    assert_eq!(app.profile_id(), Some("edge:first_name=missing"));
    // Moving up never rests on the divider.
    for _ in 0..app.rows().len() {
        run(&mut app, &[Action::Up]);
        assert_ne!(app.rows()[app.selected_row()], Row::EdgeDivider);
    }
    run(&mut app, &[Action::ToggleEdgeCases]);
    assert!(!app.edge_cases());
    assert!(!app.rows().contains(&Row::EdgeDivider));
    let samples_only = app
        .entries()
        .iter()
        .filter_map(|e| e.checked.as_ref())
        .fold(Counts::default(), |acc, c| acc + c.counts_samples);
    assert_eq!(app.totals(), samples_only);
    assert!(with_edge.total() > samples_only.total());
    assert!(app.flags().iter().all(|f| {
        let f = &app.checked().unwrap().run.findings[f.finding];
        f.profile_kind != Some(ProfileKind::Edge)
    }));
}

#[test]
fn search_jumps_to_the_first_match_and_esc_goes_back() {
    let mut app = app();
    open_welcome(&mut app);
    let start = app.profile_id().map(str::to_string);
    app.handle(Action::Search);
    assert!(app.overlay().is_prompt());
    type_text(&mut app, "SILV");
    assert_eq!(app.profile_id(), Some("bo-silver"));
    app.handle(Action::Back);
    assert_eq!(app.profile_id().map(str::to_string), start);
    app.handle(Action::Search);
    type_text(&mut app, "zzz");
    assert_eq!(app.message(), Some("no match"));
    app.handle(Action::InputSubmit);
    assert_eq!(*app.overlay(), Overlay::None);
    // In the campaigns pane, `/` looks for campaigns.
    run(&mut app, &[Action::Back]);
    assert_eq!(app.focus(), Pane::Campaigns);
    app.handle(Action::Search);
    type_text(&mut app, "pick");
    app.handle(Action::InputSubmit);
    assert_eq!(app.entry().unwrap().id, "pickup");
}

#[test]
fn decisions_come_out_as_effects_and_a_waiver_needs_a_reason() {
    let mut app = app();
    run(&mut app, &[Action::NextFlag]);
    let finding = app.selected_finding().unwrap().clone();
    match app.handle(Action::Approve) {
        Some(Effect::Decide {
            findings: f,
            decision: Decision::Approved,
            ..
        }) => assert_eq!(f, std::slice::from_ref(&finding)),
        other => panic!("{other:?}"),
    }
    assert!(app.handle(Action::Waive).is_none());
    assert!(matches!(app.overlay(), Overlay::Reason { .. }));
    // Letters are the reason's text here, not commands.
    assert!(app.handle(Action::Input('q')).is_none());
    app.handle(Action::InputBackspace);
    assert!(app.handle(Action::InputSubmit).is_none());
    assert!(app.message().unwrap().contains("needs a reason"));
    type_text(&mut app, "  imported list, fixed upstream ");
    match app.handle(Action::InputSubmit) {
        Some(Effect::Decide {
            findings: f,
            decision: Decision::Waived,
            reason,
        }) => {
            assert_eq!(f, std::slice::from_ref(&finding));
            assert_eq!(reason, "imported list, fixed upstream");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(*app.overlay(), Overlay::None);
    assert!(matches!(
        app.handle(Action::Undo),
        Some(Effect::Undo { .. })
    ));
    // Esc cancels a waiver.
    app.handle(Action::Waive);
    app.handle(Action::Back);
    assert_eq!(*app.overlay(), Overlay::None);
}

#[test]
fn no_decision_without_a_finding() {
    let mut app = app();
    assert!(app.selected_finding().is_none());
    for action in [
        Action::Approve,
        Action::Waive,
        Action::Undo,
        Action::Explain,
    ] {
        assert!(app.handle(action).is_none());
        assert_eq!(*app.overlay(), Overlay::None);
        assert!(app.message().unwrap().contains("no finding"));
    }
}

#[test]
fn explain_and_help_open_and_close() {
    let mut app = app();
    run(&mut app, &[Action::NextFlag]);
    let rule = app.selected_finding().unwrap().rule;
    run(&mut app, &[Action::Explain]);
    assert!(
        matches!(app.overlay(), Overlay::Explain { rule: r, scroll: 0, fix: Some(_), .. } if *r == rule),
        "{:?}",
        app.overlay()
    );
    run(&mut app, &[Action::Down, Action::Down]);
    assert!(matches!(app.overlay(), Overlay::Explain { scroll: 2, .. }));
    run(&mut app, &[Action::Back, Action::Help]);
    assert!(matches!(app.overlay(), Overlay::Help { .. }));
    // q closes what is open before it quits.
    assert!(app.handle(Action::Quit).is_none());
    assert_eq!(*app.overlay(), Overlay::None);
    assert_eq!(app.handle(Action::Quit), Some(Effect::Quit));
    // Ctrl-C quits from anywhere, a prompt included.
    app.handle(Action::Waive);
    app.handle(Action::Search);
    assert_eq!(app.handle(Action::Interrupt), Some(Effect::Quit));
}

#[test]
fn c_cycles_the_clients_and_wraps() {
    let mut app = app();
    let names: Vec<String> = app.clients.iter().map(|(n, _)| n.clone()).collect();
    assert!(names.len() >= 2);
    assert_eq!(app.client().unwrap().0, names[0]);
    run(&mut app, &[Action::CycleClient]);
    assert_eq!(app.client().unwrap().0, names[1]);
    for _ in 1..names.len() {
        run(&mut app, &[Action::CycleClient]);
    }
    assert_eq!(app.client().unwrap().0, names[0]);
}

#[test]
fn clicks_select_a_campaign_and_a_cell() {
    let mut app = app();
    let areas = app.areas();
    let campaigns = areas.campaigns.unwrap();
    // The third campaign row: welcome.
    app.handle(Action::Click(Position::new(
        campaigns.x + 3,
        campaigns.y + 3,
    )));
    assert_eq!(app.entry().unwrap().id, "welcome");
    assert_eq!(app.focus(), Pane::Campaigns);
    let matrix = app.areas().matrix.unwrap();
    let inner = layout::inner(matrix);
    let cols = crate::tui::panes::matrix::columns(app.checked().unwrap(), inner.width, 0);
    let (generic, x, _) = cols.variants[1];
    // Profile rows follow the notes and the column header.
    let top = crate::tui::panes::matrix::table_top(&app.matrix_view(), matrix);
    let at = Position::new(inner.x + x + 1, top + 2);
    app.handle(Action::Click(at));
    assert_eq!(app.focus(), Pane::Matrix);
    assert_eq!(app.variant_index(), generic);
    assert_eq!(app.profile_id(), Some("nameless-gold"));
    let preview = app.areas().preview.unwrap();
    app.handle(Action::Click(Position::new(preview.x + 2, preview.y + 2)));
    assert_eq!(app.focus(), Pane::Preview);
    // A click on a border or the status bar changes nothing.
    let status = app.areas().status;
    app.handle(Action::Click(Position::new(status.x, status.y)));
    assert_eq!(app.focus(), Pane::Preview);
}

#[test]
fn a_reload_keeps_the_selection_by_id() {
    let mut app = app();
    open_welcome(&mut app);
    select_profile(&mut app, "bo-silver");
    run(&mut app, &[Action::Left, Action::CycleClient]);
    let client = app.client().unwrap().0.to_string();
    app.apply(load(&fixture()));
    assert_eq!(app.entry().unwrap().id, "welcome");
    assert_eq!(app.profile_id(), Some("bo-silver"));
    assert_eq!(app.variant_id(), Some("gold"));
    assert_eq!(app.client().unwrap().0, client);
}

#[test]
fn a_broken_file_keeps_its_last_good_state_until_fixed() {
    let dir = project_with(&["pickup.yaml", "typo.yaml", "welcome.yaml"]);
    let file = dir.path().join("campaigns/welcome.yaml");
    let good = std::fs::read_to_string(&file).unwrap();
    let mut app = app_on(dir.path());
    open_welcome(&mut app);
    select_profile(&mut app, "nameless-gold");
    std::fs::write(&file, good.replace("variants:", "variants: [")).unwrap();
    app.apply(load(dir.path()));
    let entry = app.entry().unwrap();
    assert_eq!(entry.id, "welcome");
    assert!(entry.is_broken());
    let error = &entry.errors[0];
    assert_eq!(error.file, "campaigns/welcome.yaml");
    assert!(error.line > 1 && error.column >= 1, "{error:?}");
    assert!(entry.checked.is_some(), "the last good state stays");
    assert_eq!(app.profile_id(), Some("nameless-gold"));
    assert!(app.cell().is_some());
    std::fs::write(&file, good.replace("waiting inside", "inside now")).unwrap();
    app.apply(load(dir.path()));
    let entry = app.entry().unwrap();
    assert!(!entry.is_broken());
    assert!(
        app.cell()
            .unwrap()
            .subject
            .as_ref()
            .unwrap()
            .plain
            .text
            .contains("inside now")
    );
}

#[test]
fn nothing_panics_before_the_first_load_or_on_tiny_screens() {
    let every = [
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::PageUp,
        Action::PageDown,
        Action::Home,
        Action::End,
        Action::NextPane,
        Action::Open,
        Action::Back,
        Action::NextFlag,
        Action::PreviousFlag,
        Action::ToggleFlaggedOnly,
        Action::ToggleEdgeCases,
        Action::CycleClient,
        Action::Received,
        Action::Explain,
        Action::Approve,
        Action::Undo,
        Action::Click(Position::new(5, 5)),
        Action::ScrollDown(Position::new(5, 5)),
        Action::Search,
        Action::Input('x'),
        Action::InputBackspace,
        Action::InputSubmit,
        Action::Waive,
        Action::Back,
        Action::Help,
        Action::Back,
    ];
    let mut empty = App::new("empty");
    for a in &every {
        empty.handle(a.clone());
    }
    for (w, h) in [(1, 1), (20, 5), (80, 24)] {
        let mut app = App::loaded("t", load(&fixture()), Rect::new(0, 0, w, h));
        for a in &every {
            app.handle(a.clone());
            let mut terminal =
                ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
            terminal.draw(|f| crate::tui::draw(f, &mut app)).unwrap();
        }
    }
}

#[test]
fn a_defect_is_decided_across_all_its_profiles_after_saying_how_many() {
    let mut app = app();
    // The first flag whose defect meets several profiles.
    for _ in 0..60 {
        run(&mut app, &[Action::NextFlag]);
        if app.selected_defect().is_some_and(|d| d.len() > 1) {
            break;
        }
    }
    let selected = app.selected_finding().unwrap().clone();
    let defect = app.selected_defect().unwrap();
    assert!(
        defect.len() > 1,
        "a defect of several profiles in the fixture"
    );
    assert!(
        defect
            .iter()
            .all(|f| f.defect_key() == selected.defect_key())
    );
    assert!(defect.contains(&selected));
    // `A` asks first; Esc approves nothing.
    assert!(app.handle(Action::ApproveDefect).is_none());
    assert!(
        matches!(app.overlay(), Overlay::Confirm { findings } if findings.len() == defect.len())
    );
    assert!(app.handle(Action::Back).is_none());
    assert_eq!(app.message(), Some("nothing approved"));
    // Enter approves every one of them.
    app.handle(Action::ApproveDefect);
    match app.handle(Action::InputSubmit) {
        Some(Effect::Decide {
            findings,
            decision: Decision::Approved,
            ..
        }) => assert_eq!(findings, defect),
        other => panic!("{other:?}"),
    }
    // `W` asks for one reason for all of them.
    app.handle(Action::WaiveDefect);
    type_text(&mut app, "known gap");
    match app.handle(Action::InputSubmit) {
        Some(Effect::Decide {
            findings,
            decision: Decision::Waived,
            reason,
        }) => {
            assert_eq!(findings.len(), defect.len());
            assert_eq!(reason, "known gap");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn n_visits_unreviewed_errors_before_warnings() {
    use mergeproof_core::finding::Severity;
    let mut app = app();
    run(&mut app, &[Action::NextFlag]);
    let campaign = app.entry().unwrap().id.clone();
    let mut seen = Vec::new();
    // One round: the fixture has one campaign with flags, so `n` wraps to it.
    let flags = app.totals().total();
    for _ in 0..flags {
        if app.entry().unwrap().id != campaign {
            break;
        }
        let f = app.selected_finding().unwrap();
        seen.push((f.waived, f.severity));
        run(&mut app, &[Action::NextFlag]);
    }
    assert!(seen.len() > 2, "{seen:?}");
    let tier = |(waived, severity): &(bool, Severity)| match (waived, severity) {
        (true, _) => 3,
        (false, Severity::Error) => 0,
        (false, Severity::Warning) => 1,
        (false, Severity::Info) => 2,
    };
    let tiers: Vec<u8> = seen.iter().map(tier).collect();
    assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(tiers.contains(&0) && tiers.contains(&1), "{seen:?}");
}

#[test]
fn a_paste_is_one_step_and_a_huge_one_is_refused_with_a_message() {
    let mut app = app();
    run(&mut app, &[Action::NextFlag, Action::Waive]);
    let started = std::time::Instant::now();
    let megabyte = "x".repeat(1 << 20);
    assert!(app.handle(Action::Paste(megabyte)).is_none());
    assert!(started.elapsed() < std::time::Duration::from_millis(100));
    assert!(
        app.message().unwrap().contains("paste refused"),
        "{:?}",
        app.message()
    );
    assert!(matches!(app.overlay(), Overlay::Reason { input, .. } if input.is_empty()));
    // A paste that fits is taken whole, its line breaks as spaces.
    app.handle(Action::Paste("imported list,\nfixed upstream".into()));
    match app.handle(Action::InputSubmit) {
        Some(Effect::Decide { reason, .. }) => {
            assert_eq!(reason, "imported list, fixed upstream")
        }
        other => panic!("{other:?}"),
    }
    // Typed past the limit: ignored, with a message; the search runs once a
    // key, never on more than the limit.
    run(&mut app, &[Action::Search]);
    type_text(&mut app, &"y".repeat(super::overlays::MAX_INPUT + 20));
    assert!(
        matches!(app.overlay(), Overlay::Search { input, .. } if input.len() == super::overlays::MAX_INPUT)
    );
    assert!(app.message().unwrap().contains("at most"));
}
