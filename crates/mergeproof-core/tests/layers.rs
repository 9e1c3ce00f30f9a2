//! The engine's layers, enforced: each module imports only the modules below
//! it in the data flow (DESIGN.md "Architecture"), and the engine depends on
//! no UI crate. A back-edge fails this test, naming the file and the import.

use std::path::{Path, PathBuf};

/// Lowest first. `select` is a pure function of a campaign and a profile that
/// synthesis uses to find each variant's base profiles, so it sits below
/// `edge`; `run` is what the check stage hands to review and the reports;
/// `engine` drives the pipeline and sits on top; `whitespace` is a leaf
/// every stage may trim with.
const LAYERS: &[&str] = &[
    "limits",
    "whitespace",
    "source",
    "rule_id",
    "markers",
    "sanitize",
    "atomic",
    "finding",
    "decision",
    "audience",
    "dialect",
    "config",
    "project",
    "template",
    "select",
    "edge",
    "rules",
    "run",
    "review",
    "report",
    "baseline",
    "engine",
    "audit",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file before its test module, without comments.
fn code(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or("");
    before_tests
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

/// The first name of each path `prefix` starts in `text`: `crate::edge::x`
/// names `edge`, and a grouped import `crate::{edge::x, rules}` names both.
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let name = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        // `super::super::x` is read once, at its first `super::`.
        if prefix.starts_with("super::") && text[..at].ends_with("super::") {
            continue;
        }
        let rest = &text[at + prefix.len()..];
        let Some(group) = rest.strip_prefix('{') else {
            names.push(name(rest));
            continue;
        };
        // The top level of the group: each part up to a comma outside
        // inner braces.
        let mut depth = 0;
        let mut start = true;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => start = true,
                c if start && !c.is_whitespace() => {
                    names.push(name(&group[i..]));
                    start = false;
                }
                _ => {}
            }
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Every import against the order of `layers` among the files under `src`:
/// a file's layer is its first path component, and it may name through
/// `crate::` only its own layer and those before it.
fn back_edges(src: &Path, layers: &[&str], skip: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let rank = |m: &str| layers.iter().position(|l| *l == m);
    let mut found = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if skip.contains(&module.as_str()) || relative.ends_with("tests.rs") {
            continue;
        }
        let own = rank(&module).unwrap_or_else(|| panic!("{module} is not in its layers"));
        let text = code(&std::fs::read_to_string(file).unwrap());
        for name in names_after(&text, "crate::") {
            if rank(&name).is_some_and(|theirs| theirs > own) {
                found.push(format!("{} imports crate::{name}", relative.display()));
            }
        }
    }
    found
}

/// Inside a folder module, the order of its files: a file may name a later
/// sibling neither through `crate::FOLDER::` nor through `super::`.
fn folder_back_edges(src: &Path, folder: &str, order: &[&str]) -> Vec<String> {
    let root = src.join(folder);
    let mut files = Vec::new();
    sources(&root, &mut files);
    let rank = |m: &str| order.iter().position(|l| *l == m);
    let mut found = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        // The module path inside the folder: `a.rs` and `a/mod.rs` are
        // [a], `a/b.rs` is [a, b]; the folder's own mod.rs is [].
        let mut path: Vec<String> = relative
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .collect();
        if path.last().is_some_and(|l| l == "mod") {
            path.pop();
        }
        if path.is_empty() || relative.ends_with("tests.rs") {
            continue;
        }
        let own =
            rank(&path[0]).unwrap_or_else(|| panic!("{folder}/{} is not in its order", path[0]));
        let text = code(&std::fs::read_to_string(file).unwrap());
        let to_folder = "super::".repeat(path.len());
        let mut names = names_after(&text, &format!("crate::{folder}::"));
        names.extend(names_after(&text, &to_folder));
        for name in names {
            if rank(&name).is_some_and(|theirs| theirs > own) {
                found.push(format!(
                    "{folder}/{} imports its later sibling {name}",
                    relative.display()
                ));
            }
        }
    }
    found
}

#[test]
fn grouped_imports_are_read_whole() {
    assert_eq!(
        names_after("use crate::{edge::x, rules::{a, b}, run};", "crate::"),
        ["edge", "rules", "run"]
    );
    assert_eq!(names_after("crate::engine::run(x)", "crate::"), ["engine"]);
    assert_eq!(
        names_after("use super::super::model::X;", "super::super::"),
        ["model"]
    );
}

#[test]
fn no_module_imports_a_later_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = back_edges(&src, LAYERS, &["lib", "testkit"]);
    assert!(
        found.is_empty(),
        "imports against the data flow:\n{}",
        found.join("\n")
    );
}

/// Within the template stage: the HTML reader and rendered text, then the
/// places and the model built on them, what one language wrote in another's
/// syntax (`across`), then the front ends that lower to the model (neither
/// front end names the other: `handlebars::` only in its own folder).
#[test]
fn the_template_model_sits_below_its_front_ends() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = folder_back_edges(
        &src,
        "template",
        &[
            "html",
            "render",
            "splice",
            "place",
            "model",
            "across",
            "handlebars",
            "liquid",
            "mailchimp",
            "django",
        ],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The binary: the starter project, the TUI, then the command line that
/// starts either; inside the TUI, what the panes share below the panes,
/// the panes below the app that routes to them, the app below drawing and
/// the event loop.
#[test]
fn the_binary_keeps_its_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src");
    let found = back_edges(&src, &["init", "tui", "cli"], &["lib", "main"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
    let found = folder_back_edges(
        &src,
        "tui",
        &[
            "text",
            "decisions",
            "actions",
            "keys",
            "model",
            "layout",
            "panes",
            "help",
            "prompt",
            "app",
            "status",
            "ui",
            "event",
        ],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn every_module_has_a_layer() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|l| l.strip_suffix(';'))
        {
            assert!(rank(name).is_some(), "module {name} is missing from LAYERS");
        }
    }
}

#[test]
fn the_engine_depends_on_no_interface_crate() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for forbidden in [
        "clap",
        "ratatui",
        "crossterm",
        "notify",
        "signal-hook",
        "anyhow",
    ] {
        assert!(
            !manifest
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{forbidden} "))
                    || l.trim_start().starts_with(&format!("{forbidden}="))),
            "mergeproof-core depends on {forbidden}"
        );
    }
}

/// The template model is the seam between template languages and the rest:
/// only a language's front end (`template/handlebars/`) names its engine's
/// crate, in the engine and in the binary alike. The front end's module is
/// named `self::handlebars::` where it is declared.
#[test]
fn only_the_handlebars_front_end_names_the_handlebars_crate() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let front_end = core.join("src/template/handlebars");
    let mut files = Vec::new();
    sources(&core.join("src"), &mut files);
    sources(&core.join("../../src"), &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(&front_end))
        .filter(|f| {
            let text = code(&std::fs::read_to_string(f).unwrap());
            text.match_indices("handlebars::")
                .any(|(at, _)| !text[..at].ends_with("self::"))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "the handlebars crate named outside template/handlebars/:\n{}",
        outside.join("\n")
    );
    // And the rule holds something: the front end does name it.
    assert!(files.iter().any(|f| {
        f.starts_with(&front_end)
            && std::fs::read_to_string(f)
                .unwrap()
                .contains("::handlebars::")
    }));
}
