//! Paths named in project files may not leave the project folder: a campaign
//! from another team must not be able to read `~/.ssh` through `body_file`.

use std::path::{Component, Path, PathBuf};

/// Whether two paths name the same existing file (through links, `..` and
/// hard links alike): an output must never replace an input.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(x), Ok(y)) => {
            use std::os::unix::fs::MetadataExt;
            x.dev() == y.dev() && x.ino() == y.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

/// Largest file the loader reads; anything bigger is refused with a message
/// instead of being held in memory.
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a path named in a project file, or the file it names, was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PathError {
    #[error(
        "`{0}` is an absolute path; paths are relative to the file that names them and stay inside the project folder"
    )]
    Absolute(String),
    #[error("`{0}` leaves the project folder")]
    LeavesProject(String),
    #[error("`{0}` names the project folder, not a file")]
    NamesTheFolder(String),
    #[error("cannot open the project folder: {0}")]
    OpenProject(String),
    #[error("cannot open `{0}`: {1}")]
    Open(String, String),
    #[error("`{0}` links to a file outside the project folder")]
    LinksOutside(String),
    #[error("`{0}` is not a file")]
    NotAFile(String),
    #[error("`{0}` is {1} bytes; files over {MAX_FILE_BYTES} bytes are not read")]
    TooLarge(String, u64),
    #[error("cannot read `{0}`: {1}")]
    Read(String, String),
    #[error("`{0}` is not UTF-8 text (invalid byte at offset {1})")]
    NotUtf8(String, usize),
}

/// Resolves `relative` against the folder of `from` (both inside `root`) without
/// touching the file system, and refuses anything that would leave `root`.
/// Returns the path relative to `root`.
pub(crate) fn resolve_inside(
    root_relative_from: &Path,
    relative: &str,
) -> Result<PathBuf, PathError> {
    let candidate = Path::new(relative);
    if candidate.is_absolute() || relative.starts_with('~') {
        return Err(PathError::Absolute(relative.to_string()));
    }
    let base = root_relative_from.parent().unwrap_or(Path::new(""));
    let mut parts: Vec<Component> = Vec::new();
    for component in base.components().chain(candidate.components()) {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(PathError::LeavesProject(relative.to_string()));
                }
            }
            Component::Normal(_) => parts.push(component),
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathError::Absolute(relative.to_string()));
            }
        }
    }
    if parts.is_empty() {
        return Err(PathError::NamesTheFolder(relative.to_string()));
    }
    Ok(parts.iter().collect())
}

/// Reads a project file after checking that, with links followed, it is still
/// inside the project folder and not too large.
pub(crate) fn read_inside(root: &Path, relative: &Path) -> Result<String, PathError> {
    let full = root.join(relative);
    let name = || display(relative);
    let canonical_root = root
        .canonicalize()
        .map_err(|e| PathError::OpenProject(plain_io(&e)))?;
    let canonical = full
        .canonicalize()
        .map_err(|e| PathError::Open(name(), plain_io(&e)))?;
    if !canonical.starts_with(&canonical_root) {
        return Err(PathError::LinksOutside(name()));
    }
    let meta = std::fs::metadata(&canonical).map_err(|e| PathError::Open(name(), plain_io(&e)))?;
    if !meta.is_file() {
        return Err(PathError::NotAFile(name()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(PathError::TooLarge(name(), meta.len()));
    }
    let bytes = std::fs::read(&canonical).map_err(|e| PathError::Read(name(), plain_io(&e)))?;
    String::from_utf8(bytes).map_err(|e| PathError::NotUtf8(name(), e.utf8_error().valid_up_to()))
}

/// A project-relative path as shown to people and in reports: forward slashes.
pub(crate) fn display(path: &Path) -> String {
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
            assert_eq!(err, PathError::LinksOutside("link.hbs".into()), "{err}");
        }
        std::fs::write(root.path().join("ok.hbs"), "hi").unwrap();
        assert_eq!(read_inside(root.path(), Path::new("ok.hbs")).unwrap(), "hi");
    }
}
