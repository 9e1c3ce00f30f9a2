//! Where a project's files come from: a folder on disk, or texts held in
//! memory (a test, an editor plugin or another program that has the sources
//! already). The loader reads both the same way, and neither lets a path
//! leave the project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::paths::{PathError, display, read_inside};

/// A project's files.
#[derive(Clone, Copy, Debug)]
pub enum ProjectFiles<'a> {
    /// The folder at this path.
    Folder(&'a Path),
    /// Texts by their path in the project (`campaigns/welcome.yaml`).
    Memory(&'a BTreeMap<String, String>),
}

impl ProjectFiles<'_> {
    /// Whether `dir` (a folder of the project, "" for its top) is there.
    pub(crate) fn has_dir(&self, dir: &str) -> bool {
        match self {
            ProjectFiles::Folder(root) => root.join(dir).is_dir(),
            ProjectFiles::Memory(files) => {
                dir.is_empty() || files.keys().any(|f| f.starts_with(&format!("{dir}/")))
            }
        }
    }

    pub(crate) fn has_file(&self, file: &str) -> bool {
        match self {
            ProjectFiles::Folder(root) => root.join(file).exists(),
            ProjectFiles::Memory(files) => files.contains_key(file),
        }
    }

    /// The text of a project file, without the byte-order mark some editors
    /// write first (it would be rendered into the email).
    pub(crate) fn read(&self, file: &Path) -> Result<String, PathError> {
        self.read_as_written(file)
            .map(|text| match text.strip_prefix('\u{FEFF}') {
                Some(rest) => rest.to_string(),
                None => text,
            })
    }

    fn read_as_written(&self, file: &Path) -> Result<String, PathError> {
        match self {
            ProjectFiles::Folder(root) => read_inside(root, file),
            ProjectFiles::Memory(files) => files
                .get(&display(file))
                .cloned()
                .ok_or_else(|| PathError::Open(display(file), "no such file".into())),
        }
    }

    /// The files directly in `dir` with one of `extensions`, sorted by name.
    pub(crate) fn files_in(&self, dir: &str, extensions: &[&str]) -> Result<Vec<PathBuf>, String> {
        let wanted = |p: &Path| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| extensions.contains(&x))
        };
        let mut files: Vec<PathBuf> = match self {
            ProjectFiles::Folder(root) => {
                let full = root.join(dir);
                if !full.exists() {
                    return Ok(Vec::new());
                }
                // A folder that links outside the project is not listed: its
                // names would show another folder's files in the report.
                let inside = match (full.canonicalize(), root.canonicalize()) {
                    (Ok(folder), Ok(root)) => folder.starts_with(root),
                    _ => false,
                };
                if !inside {
                    return Err(format!(
                        "`{dir}` links to a folder outside the project; make it a folder of the project"
                    ));
                }
                let entries =
                    std::fs::read_dir(&full).map_err(|e| format!("cannot list `{dir}`: {e}"))?;
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(false))
                    .map(|e| Path::new(dir).join(e.file_name()))
                    .filter(|p| wanted(p))
                    .collect()
            }
            ProjectFiles::Memory(files) => {
                let prefix = format!("{dir}/");
                files
                    .keys()
                    .filter_map(|f| f.strip_prefix(&prefix))
                    .filter(|name| !name.contains('/'))
                    .map(|name| Path::new(dir).join(name))
                    .filter(|p| wanted(p))
                    .collect()
            }
        };
        files.sort();
        Ok(files)
    }

    /// The folder on disk, when there is one.
    pub(crate) fn folder(&self) -> Option<&Path> {
        match self {
            ProjectFiles::Folder(root) => Some(root),
            ProjectFiles::Memory(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_lists_one_folder_and_reads_its_files() {
        let files: BTreeMap<String, String> = [
            ("campaigns/b.yaml", "b"),
            ("campaigns/a.yml", "a"),
            ("campaigns/partials/footer.hbs", "f"),
            ("campaigns/notes.txt", "n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let project = ProjectFiles::Memory(&files);
        assert_eq!(
            project.files_in("campaigns", &["yaml", "yml"]).unwrap(),
            vec![
                PathBuf::from("campaigns/a.yml"),
                PathBuf::from("campaigns/b.yaml")
            ]
        );
        assert!(project.has_dir("campaigns") && !project.has_dir("sample-profiles"));
        assert_eq!(project.read(Path::new("campaigns/b.yaml")).unwrap(), "b");
        assert!(project.read(Path::new("campaigns/c.yaml")).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_linked_outside_is_refused_unlisted() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret-name.yaml"), "id: x\n").unwrap();
        let project = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), project.path().join("campaigns")).unwrap();
        let files = ProjectFiles::Folder(project.path());
        let error = files.files_in("campaigns", &["yaml"]).unwrap_err();
        assert!(
            error.contains("links to a folder outside the project"),
            "{error}"
        );
        assert!(!error.contains("secret-name"), "{error}");
        // A link to a folder inside the project is fine.
        let inner = tempfile::tempdir_in(project.path()).unwrap();
        std::fs::write(inner.path().join("a.yaml"), "x").unwrap();
        std::os::unix::fs::symlink(inner.path(), project.path().join("sample-profiles")).unwrap();
        assert_eq!(
            files.files_in("sample-profiles", &["yaml"]).unwrap().len(),
            1
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_text() {
        let files: BTreeMap<String, String> = [(
            "campaigns/partials/footer.hbs".to_string(),
            "\u{FEFF}Harbor & Pine".to_string(),
        )]
        .into_iter()
        .collect();
        let project = ProjectFiles::Memory(&files);
        let text = project
            .read(Path::new("campaigns/partials/footer.hbs"))
            .unwrap();
        assert_eq!(text, "Harbor & Pine");
    }
}
