//! Show: the terminal UI.

use std::path::Path;

pub fn run(_path: &Path) -> Result<(), String> {
    Err("the terminal UI is not available in this build; use `mergeproof lint`".into())
}
