//! `mergeproof init [PATH]`: a small project that works, to start from. Its
//! files live in `src/init/` and are built into the binary; `lint` on them
//! shows one deliberate finding (explained in the template) and how to fix
//! it. A file already there is never replaced.

use std::path::Path;

/// Every file of the starter project, by its path in the project.
pub const FILES: &[(&str, &str)] = &[
    ("mergeproof.yaml", include_str!("init/mergeproof.yaml")),
    (
        "campaigns/welcome.yaml",
        include_str!("init/campaigns/welcome.yaml"),
    ),
    (
        "campaigns/templates/members.hbs",
        include_str!("init/campaigns/templates/members.hbs"),
    ),
    (
        "campaigns/points-reminder.yaml",
        include_str!("init/campaigns/points-reminder.yaml"),
    ),
    (
        "campaigns/partials/footer.hbs",
        include_str!("init/campaigns/partials/footer.hbs"),
    ),
    (
        "sample-profiles/customers.yaml",
        include_str!("init/sample-profiles/customers.yaml"),
    ),
];

/// What `init` did.
pub struct Outcome {
    pub created: Vec<&'static str>,
    /// Already there: left as they were.
    pub kept: Vec<&'static str>,
}

/// Writes the starter project into `root` (made if missing), leaving every
/// file that exists alone. Each file is written whole or not at all, and
/// never through a link: a `campaigns` that links elsewhere is refused.
pub fn init(root: &Path) -> std::io::Result<Outcome> {
    let mut outcome = Outcome {
        created: Vec::new(),
        kept: Vec::new(),
    };
    for (path, text) in FILES {
        let target = root.join(path);
        if let Some(folder) = Path::new(path).parent() {
            refuse_links(root, folder)?;
        }
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder)?;
        }
        if mergeproof_core::atomic::create_new(&target, text.as_bytes())? {
            outcome.created.push(path);
        } else {
            outcome.kept.push(path);
        }
    }
    Ok(outcome)
}

/// Fails when a folder on the way from `root` to `folder` (relative to it)
/// is a symbolic link: writing through it would write outside the project.
fn refuse_links(root: &Path, folder: &Path) -> std::io::Result<()> {
    let mut at = root.to_path_buf();
    for part in folder.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(std::io::Error::other(format!(
                "{} is a link, and init writes only into the project's own folders; remove the link or init another folder",
                at.display()
            )));
        }
    }
    Ok(())
}
