//! `mergeproof init [PATH]`: a small project that works, to start from. Its
//! files live in `src/init/` and are built into the binary; `lint` on them
//! shows one deliberate finding (explained in the template) and how to fix
//! it. A file already there is never replaced.

use std::io::Write;
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
/// file that exists alone.
pub fn init(root: &Path) -> std::io::Result<Outcome> {
    let mut outcome = Outcome {
        created: Vec::new(),
        kept: Vec::new(),
    };
    for (path, text) in FILES {
        let target = root.join(path);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder)?;
        }
        // `create_new` fails when the file exists, even if it appeared
        // after any check: nothing of the user's is ever replaced.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                outcome.created.push(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => outcome.kept.push(path),
            Err(e) => return Err(e),
        }
    }
    Ok(outcome)
}
