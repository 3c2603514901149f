//! Files only their owner may read: the key file and the folder that holds it.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Creates `path` with mode 0600 and writes `contents`, syncing both the file and its folder
/// entry: losing a key file loses the data. `create_new` (`O_EXCL`) means an existing file,
/// or a symlink planted in its place, is never written through (`AlreadyExists`).
pub(crate) fn create_new(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    if let Err(e) = file.write_all(contents).and_then(|()| file.sync_all()) {
        // A half-written key file would fail every later start; better none at all.
        drop(file);
        if let Err(remove) = fs::remove_file(path) {
            tracing::warn!(path = %path.display(), error = %remove, "cannot remove a partial key file");
        }
        return Err(e);
    }
    sync_parent(path)
}

/// Opens a new file (0600) for writing; an existing one is never written through.
pub(crate) fn create(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates a folder (and its parents) readable by its owner only, as `app` does.
pub(crate) fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

pub(super) fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "key file is readable by other users; run chmod 600");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Makes the new folder entry durable, not only the file's contents.
fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        fs::File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
