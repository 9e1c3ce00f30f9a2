use std::path::Path;

use super::store::REVIEWS_FILE;
use super::*;
use crate::finding::{Field, Finding};
use crate::finding::{ProfileKind, Severity};
use crate::rule_id::RuleId;

fn finding(variant: &str, profile: &str, field: Field, message: &str, text: &str) -> Finding {
    Finding {
        rule: crate::rule_id::RuleId::MissingFallback,
        severity: Severity::Error,
        campaign: "spring".into(),
        variant: Some(variant.into()),
        profile: Some(profile.into()),
        profile_kind: Some(ProfileKind::Sample),
        field,
        message: message.into(),
        file: "campaigns/spring.yaml".into(),
        line: 3,
        column: 5,
        excerpt: String::new(),
        waived: false,
        waiver: None,
        reviewed_text: text.into(),
        fix: None,
    }
}

fn subject(profile: &str, text: &str) -> Finding {
    finding(
        "gold",
        profile,
        Field::Subject,
        "`first_name` is missing",
        text,
    )
}

fn file_text(root: &Path) -> String {
    std::fs::read_to_string(root.join(REVIEWS_FILE)).unwrap()
}

#[test]
fn a_decision_is_written_at_once_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    let f = subject("ana", ", your gold picks");
    store
        .decide(
            &f,
            Decision::Waived,
            "  Imported cards get a name first ",
            "Ana",
        )
        .unwrap();
    let text = file_text(dir.path());
    assert!(text.starts_with("# mergeproof review decisions"), "{text}");
    assert!(text.contains("decision: waived"), "{text}");
    let reopened = ReviewStore::open(dir.path()).unwrap();
    let entry = reopened.decisions().on(&f).unwrap();
    assert_eq!(entry.reason, "Imported cards get a name first");
    assert_eq!(entry.reviewer, "Ana");
    assert_eq!(entry.fingerprint, fingerprint(&f));
    assert_eq!(entry.fingerprint.len(), 16);
    assert!(entry.at.ends_with('Z'), "{}", entry.at);
    assert_eq!(reopened.decisions(), store.decisions());
}

#[test]
fn a_waiver_needs_a_reason_and_an_approval_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    let f = subject("ana", "x");
    assert!(store.decide(&f, Decision::Waived, "  ", "Ana").is_err());
    assert!(!dir.path().join(REVIEWS_FILE).exists());
    store.decide(&f, Decision::Approved, "", "").unwrap();
    assert_eq!(store.decisions().on(&f).unwrap().reviewer, "unknown");
}

#[test]
fn the_file_is_sorted_by_campaign_variant_profile_rule_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    let findings = [
        finding("silver", "ben", Field::Body, "m", "t"),
        finding("gold", "zoe", Field::Subject, "m", "t"),
        finding("gold", "ana", Field::Body, "m", "t"),
        finding("gold", "ana", Field::Subject, "m", "t"),
    ];
    for f in &findings {
        store.decide(f, Decision::Approved, "", "Ana").unwrap();
    }
    let order: Vec<(String, String, Field)> = load(dir.path())
        .unwrap()
        .entries()
        .iter()
        .map(|e| {
            (
                e.variant.clone().unwrap(),
                e.profile.clone().unwrap(),
                e.field,
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("gold".into(), "ana".into(), Field::Subject),
            ("gold".into(), "ana".into(), Field::Body),
            ("gold".into(), "zoe".into(), Field::Subject),
            ("silver".into(), "ben".into(), Field::Body),
        ]
    );
    // Writing the same decisions again in another order changes nothing.
    let before = file_text(dir.path());
    let other = tempfile::tempdir().unwrap();
    let mut again = ReviewStore::open(other.path()).unwrap();
    for f in findings.iter().rev() {
        let e = store.decisions().on(f).unwrap().clone();
        again
            .decide_at(f, e.decision, &e.reason, &e.reviewer, e.at)
            .unwrap();
    }
    assert_eq!(file_text(other.path()), before);
}

#[test]
fn two_stores_on_one_project_keep_both_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = ReviewStore::open(dir.path()).unwrap();
    let mut second = ReviewStore::open(dir.path()).unwrap();
    let a = subject("ana", "a");
    let b = subject("ben", "b");
    first.decide(&a, Decision::Approved, "", "Ana").unwrap();
    // `second` has not seen `a`, and must not drop it when it writes `b`.
    second.decide(&b, Decision::Waived, "Known", "Ben").unwrap();
    let on_disk = load(dir.path()).unwrap();
    assert!(on_disk.on(&a).is_some() && on_disk.on(&b).is_some());
    assert_eq!(second.decisions(), &on_disk);
    // And `first` picks `b` up at its next change.
    first.undo(&a).unwrap();
    assert!(first.decisions().on(&b).is_some());
    assert_eq!(load(dir.path()).unwrap().len(), 1);
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let writers: Vec<_> = ["ana", "ben", "cy"]
        .into_iter()
        .map(|who| {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut store = ReviewStore::open(&root).unwrap();
                for i in 0..15 {
                    let f = subject(&format!("{who}-{i}"), "t");
                    store.decide(&f, Decision::Approved, "", who).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(load(&root).unwrap().len(), 45);
}

#[test]
fn undo_removes_the_decision_and_says_when_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    let f = subject("ana", "a");
    assert!(store.undo(&f).is_err());
    store.decide(&f, Decision::Approved, "", "Ana").unwrap();
    store.undo(&f).unwrap();
    assert!(store.decisions().is_empty());
    assert!(load(dir.path()).unwrap().is_empty());
}

#[test]
fn deciding_again_replaces_the_earlier_decision() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    let f = subject("ana", "a");
    store.decide(&f, Decision::Approved, "", "Ana").unwrap();
    store
        .decide(&f, Decision::Waived, "On second thought", "Ben")
        .unwrap();
    assert_eq!(store.decisions().len(), 1);
    assert_eq!(store.decisions().on(&f).unwrap().reviewer, "Ben");
}

#[test]
fn an_interrupted_write_leaves_the_previous_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    let a = subject("ana", "a");
    store.decide(&a, Decision::Approved, "", "Ana").unwrap();
    let before = file_text(dir.path());

    let b = subject("ben", "b");
    let entry = DecisionEntry::new(&b, Decision::Approved, "", "Ben", "t".into());
    let mut seen_temp = None;
    let result = store.change(
        |entries| {
            entries.push(entry);
            Ok(())
        },
        |temp| {
            // The new content is complete in the temporary file...
            let written = std::fs::read_to_string(temp).unwrap();
            assert!(written.contains("ben"));
            seen_temp = Some(temp.to_path_buf());
            // ...and the process stops before the rename.
            Err(std::io::Error::other("interrupted"))
        },
    );
    assert!(result.is_err());
    assert_eq!(file_text(dir.path()), before);
    assert!(store.decisions().on(&b).is_none());
    let temp = seen_temp.unwrap();
    assert_eq!(
        temp.parent(),
        Some(dir.path()),
        "temp file in the same folder"
    );
    assert!(!temp.exists(), "the temporary file is cleaned up");
}

#[test]
fn a_broken_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    std::fs::write(dir.path().join(REVIEWS_FILE), "decisions: [\n").unwrap();
    let error = store
        .decide(&subject("ana", "a"), Decision::Approved, "", "Ana")
        .unwrap_err();
    assert!(error.to_string().contains(REVIEWS_FILE), "{error}");
    assert_eq!(file_text(dir.path()), "decisions: [\n");
}

#[test]
fn fingerprints_cover_the_rule_message_and_rendered_text() {
    let base = subject("ana", ", your picks");
    let same = subject("ana", ", your picks");
    assert_eq!(fingerprint(&base), fingerprint(&same));
    let mut other_text = base.clone();
    other_text.reviewed_text = ", your gold picks".into();
    let mut other_message = base.clone();
    other_message.message = "`last_name` is missing".into();
    let mut other_rule = base.clone();
    other_rule.rule = crate::rule_id::RuleId::RenderArtifact;
    for changed in [other_text, other_message, other_rule] {
        assert_ne!(fingerprint(&base), fingerprint(&changed));
    }
    // Where the finding sits is its key, not its fingerprint.
    let mut moved = base.clone();
    moved.line = 40;
    assert_eq!(fingerprint(&base), fingerprint(&moved));
    assert_ne!(digest(&["ab", "c"]), digest(&["a", "bc"]));
}

/// A project whose `gold` subject misses `first_name` for `ana`.
fn project() -> tempfile::TempDir {
    crate::testkit::project_dir(&[
        (
            "campaigns/spring.yaml",
            "variants:\n  - id: gold\n    subject: \"{{first_name}}, your picks\"\n    body: \"Hi {{first_name}} {{last_name}}\"\n",
        ),
        ("sample-profiles/ana.yaml", "last_name: Ng\n"),
        (
            "sample-profiles/ben.yaml",
            "first_name: Ben\nlast_name: Ode\n",
        ),
    ])
}

fn run(root: &Path) -> Run {
    let project = crate::project::load_project(root);
    crate::engine::run_with_reviews_file(
        &project,
        &crate::engine::Options {
            edge_cases: false,
            ..Default::default()
        },
    )
}

#[test]
fn decisions_waive_matching_findings_and_go_stale_when_content_changes() {
    let dir = project();
    let first = run(dir.path());
    assert!(first.load_errors.is_empty(), "{:?}", first.load_errors);
    let target = first
        .findings()
        .find(|f| f.field == Field::Subject)
        .unwrap()
        .clone();
    assert_eq!(first.summary().waived, 0);

    let mut store = ReviewStore::open(dir.path()).unwrap();
    store
        .decide(&target, Decision::Waived, "Names arrive later", "Ana")
        .unwrap();
    let second = run(dir.path());
    let waived: Vec<&Finding> = second.findings().filter(|f| f.waived).collect();
    assert_eq!(waived.len(), 1);
    let w = waived[0].waiver.as_ref().unwrap();
    assert_eq!(
        (w.kind.as_str(), w.reason.as_str()),
        ("waived", "Names arrive later")
    );
    assert_eq!(w.reviewer.as_deref(), Some("Ana"));
    assert_eq!(second.summary().waived, 1);
    assert!(second.obsolete_decisions.is_empty());

    // The subject changes: the decision no longer covers what is sent.
    std::fs::write(
        dir.path().join("campaigns/spring.yaml"),
        "variants:\n  - id: gold\n    subject: \"{{first_name}}, your new picks\"\n    body: \"Hi {{first_name}} {{last_name}}\"\n",
    )
    .unwrap();
    let third = run(dir.path());
    assert_eq!(third.summary().waived, 0);
    let stale: Vec<&Finding> = third
        .findings()
        .filter(|f| f.waiver.as_ref().is_some_and(|w| w.kind == STALE))
        .collect();
    assert_eq!(stale.len(), 1);
    assert!(stale[0].is_active());
    assert_eq!(stale[0].field, Field::Subject);
    assert_eq!(
        stale[0].waiver.as_ref().unwrap().reviewer.as_deref(),
        Some("Ana")
    );

    // Undo on the stale finding removes the stale decision.
    store.undo(stale[0]).unwrap();
    assert!(load(dir.path()).unwrap().is_empty());
}

#[test]
fn a_report_keeps_the_reviewed_text_only_where_a_decision_is_and_decides_the_same() {
    let dir = project();
    std::fs::write(
        dir.path().join("sample-profiles/cy.yaml"),
        "last_name: Ro\n",
    )
    .unwrap();
    let report = |root: &Path| {
        let project = crate::project::load_project(root);
        crate::engine::run_with_reviews_file(
            &project,
            &crate::engine::Options {
                edge_cases: false,
                for_review: false,
                ..Default::default()
            },
        )
    };
    let first = run(dir.path());
    let on_ana = |f: &&Finding| f.field == Field::Subject && f.profile.as_deref() == Some("ana");
    let target = first.findings().find(on_ana).unwrap().clone();
    ReviewStore::open(dir.path())
        .unwrap()
        .decide(&target, Decision::Waived, "Names arrive later", "Ana")
        .unwrap();
    for subject in ["your picks", "your new picks"] {
        std::fs::write(
            dir.path().join("campaigns/spring.yaml"),
            format!("variants:\n  - id: gold\n    subject: \"{{{{first_name}}}}, {subject}\"\n    body: \"Hi {{{{first_name}}}} {{{{last_name}}}}\"\n"),
        )
        .unwrap();
        let (session, reported) = (run(dir.path()), report(dir.path()));
        let outcome = |r: &Run| -> Vec<(Option<String>, Field, bool, Option<String>)> {
            r.findings()
                .map(|f| {
                    let kind = f.waiver.as_ref().map(|w| w.kind.clone());
                    (f.profile.clone(), f.field, f.waived, kind)
                })
                .collect()
        };
        assert_eq!(outcome(&session), outcome(&reported), "{subject}");
        assert!(reported.findings().any(|f| f.waiver.is_some()), "{subject}");
        // A campaign's own findings hold their statement either way.
        for f in reported.findings().filter(|f| f.field != Field::Campaign) {
            let decided = f.profile.as_deref() == Some("ana");
            assert_eq!(!f.reviewed_text.is_empty(), decided, "{f:?}");
        }
        assert!(session.findings().all(|f| !f.reviewed_text.is_empty()));
    }
}

#[test]
fn a_decision_on_one_finding_does_not_mark_its_neighbour_stale() {
    // `first_name` is missing in the body too; both body findings share a place.
    let dir = crate::testkit::project_dir(&[
        (
            "campaigns/spring.yaml",
            "variants:\n  - id: gold\n    subject: \"Picks\"\n    body: \"Hi {{first_name}}, {{nickname}}\"\n",
        ),
        ("sample-profiles/ana.yaml", "last_name: Ng\n"),
    ]);
    let before = run(dir.path());
    let body: Vec<&Finding> = before
        .findings()
        .filter(|f| f.rule == "missing-fallback")
        .collect();
    assert_eq!(body.len(), 2, "{body:?}");
    let mut store = ReviewStore::open(dir.path()).unwrap();
    store
        .decide(body[0], Decision::Approved, "", "Ana")
        .unwrap();
    let after = run(dir.path());
    let kinds: Vec<Option<&str>> = after
        .findings()
        .map(|f| f.waiver.as_ref().map(|w| w.kind.as_str()))
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == Some("approved")).count(), 1);
    assert!(!kinds.contains(&Some(STALE)), "{kinds:?}");
}

#[test]
fn decisions_whose_finding_is_gone_are_obsolete_notes() {
    let dir = project();
    let first = run(dir.path());
    let target = first.findings().next().unwrap().clone();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    store
        .decide(&target, Decision::Approved, "", "Ana")
        .unwrap();
    // The fallback is added: no finding on that place any more.
    std::fs::write(
        dir.path().join("campaigns/spring.yaml"),
        "variants:\n  - id: gold\n    subject: \"{{default first_name 'Hi'}}, your picks\"\n    body: \"Hi {{default first_name 'there'}} {{last_name}}\"\n",
    )
    .unwrap();
    let second = run(dir.path());
    assert_eq!(second.obsolete_decisions.len(), 1);
    assert!(crate::report::outcome(&second, None) == crate::report::Outcome::Pass);
}

#[test]
fn applying_again_replaces_the_previous_outcome() {
    let dir = project();
    let mut first = run(dir.path());
    let target = first.findings().next().unwrap().clone();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    store
        .decide(&target, Decision::Approved, "", "Ana")
        .unwrap();
    apply(&mut first, store.decisions());
    apply(&mut first, store.decisions());
    assert_eq!(first.summary().waived, 1);
    store.undo(&target).unwrap();
    apply(&mut first, store.decisions());
    assert_eq!(first.summary().waived, 0);
    assert!(first.findings().all(|f| f.waiver.is_none()));
}

#[test]
fn a_broken_reviews_file_is_a_load_error_of_the_run() {
    let dir = project();
    std::fs::write(
        dir.path().join(REVIEWS_FILE),
        "version: 1\ndecisions:\n  - rule: missing-fallback\n    campaign: spring\n    field: nowhere\n    fingerprint: ab\n    decision: approved\n",
    )
    .unwrap();
    let r = run(dir.path());
    let e = r
        .load_errors
        .iter()
        .find(|e| e.file == REVIEWS_FILE)
        .unwrap();
    assert_eq!(e.line, 5, "{e}");
    assert_eq!(
        crate::report::outcome(&r, None),
        crate::report::Outcome::LoadError
    );
}

#[test]
fn allow_entries_take_precedence_over_decisions() {
    let dir = crate::testkit::project_dir(&[
        (
            "campaigns/spring.yaml",
            "variants:\n  - id: gold\n    subject: \"{{first_name}}, your picks\"\n    body: \"Hi\"\n    allow:\n      - { rule: missing-fallback, reason: \"Names are optional here\" }\n",
        ),
        ("sample-profiles/ana.yaml", "last_name: Ng\n"),
    ]);
    let first = run(dir.path());
    let target = first.findings().next().unwrap().clone();
    assert_eq!(target.waiver.as_ref().unwrap().kind, ALLOW);
    let mut store = ReviewStore::open(dir.path()).unwrap();
    store
        .decide(&target, Decision::Approved, "", "Ana")
        .unwrap();
    let second = run(dir.path());
    let f = second.findings().next().unwrap();
    assert_eq!(f.waiver.as_ref().unwrap().kind, ALLOW);
    assert_eq!(second.summary().waived, 1);
    assert!(second.obsolete_decisions.is_empty());
}

#[test]
fn a_file_of_thirty_thousand_decisions_loads_at_once() {
    // One look-up per decision for a second decision on the same finding:
    // before, each decision was compared with every earlier one.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("version: 1\ndecisions:\n");
    for i in 0..30_000 {
        text.push_str(&format!(
            "- rule: missing-fallback\n  campaign: c\n  variant: v\n  profile: p{i}\n  field: subject\n  fingerprint: f{i}\n  decision: approved\n"
        ));
    }
    std::fs::write(dir.path().join(REVIEWS_FILE), text).unwrap();
    let started = std::time::Instant::now();
    let decisions = load(dir.path()).unwrap();
    assert_eq!(decisions.len(), 30_000);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_decision_on_a_stale_finding_replaces_one_decision_not_every_one_at_its_place() {
    // Two findings at one place (the same rule, variant, profile and field),
    // each decided by the same reviewer at the same moment with the same
    // reason; the content then changed, so the run marks one finding stale.
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    let first = subject("ana", "one");
    let second = subject("ana", "two");
    let at = "2026-12-01T00:00:00Z".to_string();
    store
        .decide_at(&first, Decision::Waived, "known", "qa", at.clone())
        .unwrap();
    store
        .decide_at(&second, Decision::Waived, "known", "qa", at.clone())
        .unwrap();
    let mut changed = subject("ana", "three");
    changed.waiver = Some(Box::new(crate::finding::Waiver {
        kind: STALE.into(),
        reason: "known".into(),
        reviewer: Some("qa".into()),
        at: Some(at),
    }));
    store
        .decide(&changed, Decision::Approved, "", "qa")
        .unwrap();
    // The stale one is replaced; the other decision stays.
    assert_eq!(store.decisions().len(), 2, "{:?}", store.decisions());
    assert!(store.decisions().on(&changed).is_some());
    store.undo(&changed).unwrap();
    assert_eq!(store.decisions().len(), 1);
}

/// A run narrowed to other rules or campaigns (`--select`, `--ignore`,
/// `--campaign`) does not check a decision's finding: the decision is not
/// obsolete, and the rules and campaigns left out report nothing.
#[test]
fn a_narrowed_run_leaves_decisions_it_did_not_check_alone() {
    let dir = project();
    let first = run(dir.path());
    let target = first
        .findings()
        .find(|f| f.rule == RuleId::MissingFallback)
        .unwrap()
        .clone();
    let mut store = ReviewStore::open(dir.path()).unwrap();
    store
        .decide(&target, Decision::Approved, "", "Ana")
        .unwrap();
    let project = crate::project::load_project(dir.path());
    let narrowed = |options: crate::engine::Options| {
        crate::engine::run_with_reviews_file(
            &project,
            &crate::engine::Options {
                edge_cases: false,
                ..options
            },
        )
    };
    let ignored = narrowed(crate::engine::Options {
        ignore: vec![RuleId::MissingFallback],
        ..Default::default()
    });
    assert!(
        ignored
            .findings()
            .all(|f| f.rule != RuleId::MissingFallback)
    );
    assert!(ignored.obsolete_decisions.is_empty());
    let selected = narrowed(crate::engine::Options {
        select: vec![RuleId::RenderArtifact],
        ..Default::default()
    });
    assert!(selected.findings().count() > 0);
    assert!(
        selected
            .findings()
            .all(|f| f.rule == RuleId::RenderArtifact)
    );
    assert!(selected.obsolete_decisions.is_empty());
    let elsewhere = narrowed(crate::engine::Options {
        campaigns: vec!["autumn".into()],
        ..Default::default()
    });
    assert!(elsewhere.campaigns.is_empty());
    assert!(elsewhere.obsolete_decisions.is_empty());
    // The whole run still finds the decision's finding and applies it.
    let whole = narrowed(crate::engine::Options::default());
    assert!(whole.findings().any(|f| f.waiver.is_some()));
    assert!(whole.obsolete_decisions.is_empty());
}
