//! Reading each HTML body from the reading of its skeleton (customers who
//! took the same branches share one) finds exactly what reading every body
//! whole finds: lint's JSON on the shipped examples, edge cases included,
//! is the same byte for byte. (`properties.rs` holds the same for generated
//! templates and profiles.)

use std::collections::BTreeMap;
use std::path::Path;

use mergeproof_core::engine::{self, Options};
use mergeproof_core::review::Decisions;

/// Every file under `folder` (relative to `root`), by its path there.
fn files_under(root: &Path, folder: &str, into: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(root.join(folder)).unwrap() {
        let entry = entry.unwrap();
        let path = format!("{folder}/{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            files_under(root, &path, into);
        } else if let Ok(text) = std::fs::read_to_string(entry.path()) {
            into.insert(path, text);
        }
    }
}

#[test]
fn the_examples_read_from_skeletons_give_lints_json_byte_for_byte() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Only the shipped files, read into memory: nothing a user leaves in
    // the working tree is read.
    let mut files = BTreeMap::new();
    for folder in ["campaigns", "sample-profiles"] {
        files_under(&repo, folder, &mut files);
    }
    let config = std::fs::read_to_string(repo.join("mergeproof.yaml")).unwrap();
    files.insert("mergeproof.yaml".into(), config);
    let project = mergeproof_core::project::load_project_from_memory(&files);
    assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
    let json = |whole: bool| {
        let options = Options {
            read_bodies_whole: whole,
            ..Options::default()
        };
        let run = engine::run(&project, &options, &Decisions::default());
        assert!(run.findings().count() > 100, "the examples have defects");
        mergeproof_core::report::render(&run, mergeproof_core::report::Format::Json, false).unwrap()
    };
    assert!(
        json(true) == json(false),
        "reading from skeletons changed lint's JSON"
    );
}
