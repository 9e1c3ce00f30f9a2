//! The engine's layers, enforced: each module imports only the modules below
//! it in the data flow (DESIGN.md "Architecture"), and the engine depends on
//! no UI crate. A back-edge fails this test, naming the file and the import.

use std::path::{Path, PathBuf};

/// Lowest first. `select` is a pure function of a campaign and a profile that
/// synthesis uses to find each variant's base profiles, so it sits below
/// `edge`; `run` is what the check stage hands to review and the reports;
/// `engine` drives the pipeline and sits on top.
const LAYERS: &[&str] = &[
    "limits", "source", "rule_id", "markers", "sanitize", "atomic", "finding", "decision",
    "audience", "dialect", "config", "project", "template", "select", "edge", "rules", "run",
    "review", "report", "baseline", "engine", "audit",
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

#[test]
fn no_module_imports_a_later_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut back_edges = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || module == "testkit" || relative.ends_with("tests.rs") {
            continue;
        }
        let own = rank(&module).unwrap_or_else(|| panic!("{module} is not in LAYERS"));
        let text = code(&std::fs::read_to_string(file).unwrap());
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            let Some(theirs) = rank(&name) else { continue };
            if theirs > own {
                back_edges.push(format!("{} imports crate::{name}", relative.display()));
            }
        }
    }
    assert!(
        back_edges.is_empty(),
        "imports against the data flow:\n{}",
        back_edges.join("\n")
    );
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
