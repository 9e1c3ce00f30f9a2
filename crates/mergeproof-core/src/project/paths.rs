//! Paths named in project files may not leave the project folder: a campaign
//! from another team must not be able to read `~/.ssh` through `body_file`.

use std::path::{Component, Path, PathBuf};

/// Largest file the loader reads; anything bigger is refused with a message
/// instead of being held in memory.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Resolves `relative` against the folder of `from` (both inside `root`) without
/// touching the file system, and refuses anything that would leave `root`.
/// Returns the path relative to `root`.
pub fn resolve_inside(root_relative_from: &Path, relative: &str) -> Result<PathBuf, String> {
    let candidate = Path::new(relative);
    if candidate.is_absolute() || relative.starts_with('~') {
        return Err(format!(
            "`{relative}` is an absolute path; paths are relative to the file that names them and stay inside the project folder"
        ));
    }
    let base = root_relative_from.parent().unwrap_or(Path::new(""));
    let mut parts: Vec<Component> = Vec::new();
    for component in base.components().chain(candidate.components()) {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("`{relative}` leaves the project folder"));
                }
            }
            Component::Normal(_) => parts.push(component),
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("`{relative}` is an absolute path"));
            }
        }
    }
    if parts.is_empty() {
        return Err(format!("`{relative}` names the project folder, not a file"));
    }
    Ok(parts.iter().collect())
}

/// Reads a project file after checking that, with links followed, it is still
/// inside the project folder and not too large.
pub fn read_inside(root: &Path, relative: &Path) -> Result<String, String> {
    let full = root.join(relative);
    let canonical_root = root
        .canonicalize()
        .map_err(|e| format!("cannot open the project folder: {e}"))?;
    let canonical = full
        .canonicalize()
        .map_err(|e| format!("cannot open `{}`: {}", display(relative), plain_io(&e)))?;
    if !canonical.starts_with(&canonical_root) {
        return Err(format!(
            "`{}` links to a file outside the project folder",
            display(relative)
        ));
    }
    let meta = std::fs::metadata(&canonical)
        .map_err(|e| format!("cannot open `{}`: {}", display(relative), plain_io(&e)))?;
    if !meta.is_file() {
        return Err(format!("`{}` is not a file", display(relative)));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "`{}` is {} bytes; files over {} bytes are not read",
            display(relative),
            meta.len(),
            MAX_FILE_BYTES
        ));
    }
    let bytes = std::fs::read(&canonical)
        .map_err(|e| format!("cannot read `{}`: {}", display(relative), plain_io(&e)))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{}` is not UTF-8 text (invalid byte at offset {})",
            display(relative),
            e.utf8_error().valid_up_to()
        )
    })
}

/// A project-relative path as shown to people and in reports: forward slashes.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn plain_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_naming_file() {
        let p = resolve_inside(Path::new("campaigns/sale.yaml"), "templates/gold.html.hbs");
        assert_eq!(
            p.unwrap(),
            PathBuf::from("campaigns/templates/gold.html.hbs")
        );
        let up = resolve_inside(Path::new("campaigns/sale.yaml"), "../shared/x.hbs");
        assert_eq!(up.unwrap(), PathBuf::from("shared/x.hbs"));
    }

    #[test]
    fn paths_that_leave_the_project_are_refused() {
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            "../..",
            "~/x",
            "a/../../../b",
        ] {
            assert!(
                resolve_inside(Path::new("campaigns/sale.yaml"), bad).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn links_out_of_the_project_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let root = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                outside.path().join("secret.txt"),
                root.path().join("link.hbs"),
            )
            .unwrap();
            let err = read_inside(root.path(), Path::new("link.hbs")).unwrap_err();
            assert!(err.contains("outside the project"), "{err}");
        }
        std::fs::write(root.path().join("ok.hbs"), "hi").unwrap();
        assert_eq!(read_inside(root.path(), Path::new("ok.hbs")).unwrap(), "hi");
    }
}
