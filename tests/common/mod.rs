//! What several test files need.

use std::path::Path;

/// Copies a folder and everything in it.
#[allow(dead_code)] // Not every test file copies folders.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs the mergeproof binary in `folder` (with colour left to it):
/// (exit status, standard output, standard error).
#[allow(dead_code)] // Not every test file runs the binary this way.
pub fn run_in(folder: &Path, args: &[&str]) -> (i32, String, String) {
    let output = assert_cmd::Command::cargo_bin("mergeproof")
        .unwrap()
        .current_dir(folder)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The shipped example project (campaigns, sample profiles, the export and
/// `mergeproof.yaml`) copied to a folder of its own, so that files a user
/// leaves at the top level by trying it (a `mergeproof-reviews.yaml` written
/// from the TUI) never change what a test sees.
#[allow(dead_code)] // Not every test file lints the examples.
pub fn examples() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for folder in ["campaigns", "sample-profiles", "exports"] {
        copy_tree(&repo.join(folder), &dir.path().join(folder));
    }
    std::fs::copy(
        repo.join("mergeproof.yaml"),
        dir.path().join("mergeproof.yaml"),
    )
    .unwrap();
    dir
}
