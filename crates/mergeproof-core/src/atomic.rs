//! Writes that are never seen half done: a temporary file in the same folder,
//! flushed to disk, then renamed over the target.
//!
//! A target that is not a file (`--output /dev/null`, a named pipe,
//! `/dev/stdout`) is written to in place: renaming a file over a device would
//! replace the device itself with a regular file.

use std::io::{BufWriter, Write};
use std::path::Path;

#[cfg(test)]
pub(crate) fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_then(path, bytes, |_| Ok(()))
}

/// [`write`] of what `fill` writes, through a buffer: a large report is
/// never held whole in memory.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_then_with(path, fill, |_| Ok(()))
}

/// [`write`], calling `before_rename` with the temporary file once it is
/// complete on disk and before it replaces `path`. An error from it abandons
/// the write (the temporary file is removed, `path` is untouched); tests use it
/// to show that an interrupted write never leaves a half-written file behind.
pub(crate) fn write_then(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_then_with(path, |w| w.write_all(bytes), before_rename)
}

fn write_then_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut out = BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
        fill(&mut out)?;
        return out.flush();
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let existing = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file);
    if existing
        .as_ref()
        .is_some_and(|m| m.permissions().readonly())
    {
        // Renaming would replace it all the same: a read-only file says
        // "do not change me", and is left as it is.
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is read-only; make it writable to replace it",
                path.display()
            ),
        ));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".mergeproof-").suffix(".tmp");
    // A new file gets the mode any program's new file gets (0666 less the
    // umask, applied by the system), not the temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    // A replaced file keeps its own mode.
    if let Some(meta) = &existing {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    let mut out = BufWriter::new(tmp.as_file_mut());
    fill(&mut out)?;
    out.flush()?;
    drop(out);
    tmp.as_file().sync_all()?;
    before_rename(tmp.path())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes a new file at `path` whole or not at all: `Ok(false)`, and nothing
/// written, when a file is already there (even one that appeared a moment
/// ago). On a full disk the temporary file is removed, so no empty or half
/// written file is left for a later run to take as the user's.
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Ok(false);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".mergeproof-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.as_file_mut().write_all(bytes)?;
    tmp.as_file().sync_all()?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn create_new_never_replaces_and_leaves_nothing_half_written() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("welcome.yaml");
        assert!(super::create_new(&p, b"first").unwrap());
        assert!(!super::create_new(&p, b"second").unwrap());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "first");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("welcome.yaml")]);
    }

    #[cfg(unix)]
    #[test]
    fn modes_follow_the_umask_or_the_replaced_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.json");
        super::write(&new, b"x").unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        // Whatever the umask, more than the owner may read it unless the
        // umask says otherwise; and never the 0600 of a temporary file when
        // the umask is the usual 022.
        let probe = dir.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        let usual = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, usual);
        let kept = dir.path().join("kept.yaml");
        std::fs::write(&kept, "old").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
        super::write(&kept, b"new").unwrap();
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_not_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("mergeproof-reviews.yaml");
        std::fs::write(&locked, "decisions: []\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
        let error = super::write(&locked, b"replaced").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(error.to_string().contains("read-only"), "{error}");
        assert_eq!(std::fs::read_to_string(&locked).unwrap(), "decisions: []\n");
    }

    #[test]
    fn replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        std::fs::write(&p, "old").unwrap();
        super::write(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    /// A named pipe stands for a device here: written to, never replaced.
    #[cfg(unix)]
    #[test]
    fn a_pipe_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        super::write_with(&fifo, |w| w.write_all(b"report\n")).unwrap();
        assert_eq!(reader.join().unwrap(), b"report\n");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "{kind:?}");
    }
}
