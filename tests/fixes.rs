//! Every `fix` a finding carries on the examples, in every dialect, either is
//! a template change that loads and clears the finding (applied here to a
//! copy of the project, which is then linted again) or says that only the
//! data, the audience or a reason can help; and none recommends a helper
//! the campaign's dialect lacks.

use std::collections::BTreeSet;
use std::path::Path;

use mergeproof_core::engine::{Options, run};
use mergeproof_core::finding::Finding;
use mergeproof_core::project::load_project;

mod common;

fn lint(root: &Path) -> (Vec<Finding>, usize) {
    let project = load_project(root);
    let run = run(
        &project,
        &Options {
            edge_cases: true,
            ..Default::default()
        },
        &Default::default(),
    );
    (run.findings().cloned().collect(), run.load_errors.len())
}

/// The same defect for the same profile: what a fix must clear.
fn key(f: &Finding) -> (String, String, String, String, String, u32, u32) {
    (
        f.rule.to_string(),
        f.campaign.to_string(),
        f.variant.as_deref().unwrap_or_default().to_string(),
        f.profile.clone().unwrap_or_default(),
        f.file.to_string(),
        f.line,
        f.column,
    )
}

/// A finding without its column, which an edit earlier on its line moves.
fn on_line(f: &Finding) -> (String, String, String, String, String, u32) {
    let (rule, campaign, variant, profile, file, line, _) = key(f);
    (rule, campaign, variant, profile, file, line)
}

/// What a fix may not do: add a finding of the rule it fixes for a sample
/// profile that was not there before (a fallback that prints nothing for
/// those who have a value). Other rules may see what the fix now prints (a
/// fallback name makes a subject longer), and so may edge cases (a field
/// `{{this.title}}` now prints can be missing).
fn nothing_new(fixed: &Finding, before: &[Finding], after: &[Finding], what: &str) {
    let known: BTreeSet<_> = before.iter().map(on_line).collect();
    let new: Vec<&Finding> = after
        .iter()
        .filter(|a| a.rule == fixed.rule)
        .filter(|a| a.profile_kind != Some(mergeproof_core::finding::ProfileKind::Edge))
        .filter(|a| !known.contains(&on_line(a)))
        .collect();
    assert!(new.is_empty(), "{what} made new findings: {new:#?}");
}

/// `from` replaced by `to` at line and column of `file` (1-based columns in
/// characters); a token inside a YAML double-quoted scalar gets its quotes
/// escaped when `quoted`.
fn apply(root: &Path, f: &Finding, from: &str, to: &str, quoted: bool) -> bool {
    let path = root.join(&*f.file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let Some(line) = lines.get_mut(f.line as usize - 1) else {
        return false;
    };
    let at: usize = line
        .char_indices()
        .nth(f.column as usize - 1)
        .map_or(line.len(), |(i, _)| i);
    let Some(found) = line[at..].find(from).map(|i| at + i) else {
        return false;
    };
    let to = if quoted {
        to.replace('"', "\\\"")
    } else {
        to.to_string()
    };
    line.replace_range(found..found + from.len(), &to);
    std::fs::write(&path, lines.join("\n")).unwrap();
    true
}

#[test]
fn every_fix_on_the_examples_works_or_says_only_the_data_can() {
    let examples = common::examples();
    let (findings, errors) = lint(examples.path());
    assert_eq!(errors, 0);
    let dialect_of: std::collections::HashMap<String, String> = {
        let project = load_project(examples.path());
        let (compiled, _, _) = mergeproof_core::engine::compile_project(&project);
        compiled
            .iter()
            .map(|c| (c.campaign.id.clone(), c.dialect.name().to_string()))
            .collect()
    };

    let mut edits_tried = BTreeSet::new();
    let mut dialects_with_edits = BTreeSet::new();
    let mut advice = 0;
    for f in &findings {
        let Some(fix) = &f.fix else { continue };
        let dialect = &dialect_of[&*f.campaign];
        // Never a helper the dialect lacks.
        if dialect != "mergeproof" {
            assert!(
                !fix.text.contains("{{default ") && !fix.text.contains("(gt "),
                "{dialect} fix names a mergeproof helper: {}",
                fix.text
            );
        }
        let (Some(from), Some(to)) = (&fix.replace, &fix.replacement) else {
            advice += 1;
            let says_where = ["at the source", "audience", "a reason", "around it"]
                .iter()
                .any(|w| fix.text.contains(w));
            assert!(says_where, "advice without a way forward: {}", fix.text);
            continue;
        };
        let edit = (f.file.clone(), f.line, f.column, from.clone(), to.clone());
        if !edits_tried.insert(edit) {
            continue;
        }
        dialects_with_edits.insert(dialect.clone());
        // Applied to a fresh copy, raw or with its quotes escaped for a
        // double-quoted YAML scalar: one of them loads.
        let mut cleared = false;
        for quoted in [false, true] {
            let copy = common::examples();
            assert!(
                apply(copy.path(), f, from, to, quoted),
                "`{from}` not found at {}:{}:{}",
                f.file,
                f.line,
                f.column
            );
            let (after, errors) = lint(copy.path());
            if errors > 0 {
                continue;
            }
            nothing_new(
                f,
                &findings,
                &after,
                &format!("`{to}` at {}:{}", f.file, f.line),
            );
            let same: Vec<&Finding> = after.iter().filter(|a| key(a) == key(f)).collect();
            assert!(
                same.is_empty(),
                "the fix `{to}` for {} at {}:{}:{} ({}) left {same:#?}",
                f.rule,
                f.file,
                f.line,
                f.column,
                f.profile.as_deref().unwrap_or("")
            );
            cleared = true;
            break;
        }
        assert!(
            cleared,
            "the fix `{to}` at {}:{}:{} does not load",
            f.file, f.line, f.column
        );
    }
    // The examples hold edits in every dialect that can write one for their
    // defects (their Handlebars.js campaign's are balances, which
    // Handlebars.js cannot compare: advice), and advice where only the data
    // can help.
    assert_eq!(
        dialects_with_edits,
        BTreeSet::from(
            [
                "braze",
                "customerio",
                "iterable",
                "klaviyo",
                "liquid",
                "mailchimp",
                "mandrill",
                "mergeproof",
                "postmark",
                "sendgrid"
            ]
            .map(String::from)
        ),
        "{edits_tried:#?}"
    );
    assert!(advice > 0);
}

/// The same defect in each dialect: a name missing from the subject and the
/// body, a balance of zero, and a name of only spaces.
#[test]
fn each_dialect_s_fix_loads_and_clears_its_finding() {
    for dialect in mergeproof_core::dialect::Dialect::names() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("mergeproof.yaml", &format!("dialect: {dialect}\n"));
        write(
            "campaigns/hello.yaml",
            "control: plain\nvariants:\n  - id: hi\n    audience: { field: tier, eq: gold }\n    subject: Hello\n    body_file: templates/hi.hbs\n  - id: plain\n    subject: Hello\n    body: Hello\n",
        );
        // Customer.io names the person's attributes `customer.…`.
        let person = if dialect == "customerio" {
            "customer."
        } else {
            ""
        };
        let field = |name: &str| {
            if dialect == "mailchimp" {
                format!("*|{name}|*")
            } else {
                format!("{{{{{person}{name}}}}}")
            }
        };
        write(
            "campaigns/templates/hi.hbs",
            &format!(
                "<p>Hi {}, welcome back.</p>\n<p>You have {} points.</p>\n",
                field("first_name"),
                field("points")
            ),
        );
        write(
            "sample-profiles/p.yaml",
            "- { id: nameless, tier: gold, points: 0 }\n- { id: spaces, tier: gold, first_name: \"  \", points: 5 }\n- { id: named, tier: gold, first_name: Ana, points: 5 }\n",
        );
        write(
            "mergeproof.yaml",
            &format!(
                "dialect: {dialect}\nbalance_fields: [points]\nedge_cases: {{ enabled: false }}\n"
            ),
        );
        let (findings, errors) = lint(dir.path());
        assert_eq!(errors, 0, "{dialect}");
        let nameless: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.profile.as_deref() == Some("nameless") && f.fix.is_some())
            .collect();
        assert!(!nameless.is_empty(), "{dialect}: {findings:#?}");
        let mut applied = 0;
        for f in nameless {
            let fix = f.fix.as_ref().unwrap();
            let (Some(from), Some(to)) = (&fix.replace, &fix.replacement) else {
                // Handlebars.js and Postmark cannot compare numbers.
                assert!(
                    matches!(dialect, "handlebars" | "postmark") && fix.text.contains("audience"),
                    "{dialect}: {}",
                    fix.text
                );
                continue;
            };
            let copy = tempfile::tempdir().unwrap();
            common::copy_tree(dir.path(), copy.path());
            assert!(apply(copy.path(), f, from, to, false), "{dialect}: {from}");
            let (after, errors) = lint(copy.path());
            assert_eq!(errors, 0, "{dialect}: `{to}` does not load");
            nothing_new(f, &findings, &after, &format!("{dialect}: `{to}`"));
            // The profile with a name still reads it.
            let project = load_project(copy.path());
            let (compiled, _, _) = mergeproof_core::engine::compile_project(&project);
            let named = project.profiles.iter().find(|p| p.id == "named").unwrap();
            let body = compiled[0].render(0, named).body.plain.text;
            assert!(
                body.contains("Hi Ana, welcome back."),
                "{dialect}: `{to}` renders {body:?}"
            );
            assert!(
                !after.iter().any(|a| key(a) == key(f)),
                "{dialect}: `{to}` left {:?}",
                f.message
            );
            applied += 1;
        }
        // The missing name's fallback at least, in every dialect.
        assert!(applied >= 1, "{dialect}");
        // A name of only spaces: what the dialect's fallback catches, or the
        // data's to clean.
        let spaces = findings
            .iter()
            .find(|f| {
                f.profile.as_deref() == Some("spaces") && f.rule.as_str() == "missing-fallback"
            })
            .unwrap_or_else(|| panic!("{dialect}: {findings:#?}"));
        let text = &spaces.fix.as_ref().unwrap().text;
        if dialect == "mergeproof" {
            assert!(spaces.fix.as_ref().unwrap().replace.is_some(), "{text}");
        } else {
            assert!(text.contains("at the source"), "{dialect}: {text}");
        }
    }
}
