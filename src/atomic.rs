//! Writes that are never seen half done: a temporary file in the same folder,
//! flushed to disk, then renamed over the target.

use std::io::Write;
use std::path::Path;

pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_then(path, bytes, |_| Ok(()))
}

/// Whether `path` is something other than a regular file that already exists:
/// a device (`/dev/null`, `/dev/stdout`), a pipe or a socket. Renaming a
/// temporary file over it would replace the device itself, so such targets are
/// written in place.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// [`write`], calling `before_rename` with the temporary file once it is
/// complete on disk and before it replaces `path`. An error from it abandons
/// the write (the temporary file is removed, `path` is untouched); tests use it
/// to show that an interrupted write never leaves a half-written file behind.
pub fn write_then(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if is_special(path) {
        let mut target = std::fs::OpenOptions::new().write(true).open(path)?;
        return target.write_all(bytes).and_then(|()| target.flush());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".mergeproof-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    before_rename(tmp.path())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
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

    #[cfg(unix)]
    #[test]
    fn devices_are_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let null = std::path::Path::new("/dev/null");
        super::write(null, b"report").unwrap();
        let meta = std::fs::metadata(null).unwrap();
        assert!(
            meta.file_type().is_char_device(),
            "/dev/null must stay a device"
        );
    }
}
