//! Where a download lands, never half-written: everything is written into
//! `dest/.<identifier>.partial-<pid>/`, which is renamed to
//! `dest/<identifier>/` once complete and removed on any error (or when the
//! download is dropped mid-way).

use std::path::{Path, PathBuf};

use crate::error::DownloadError;

/// The folder being written; removed on drop unless committed.
pub(crate) struct Partial {
    dir: PathBuf,
    target: PathBuf,
    armed: bool,
}

fn is_empty_dir(path: &Path) -> Result<bool, DownloadError> {
    match std::fs::read_dir(path) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(false),
        Err(e) => Err(DownloadError::io(path, e)),
    }
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    if path.symlink_metadata()?.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

impl Partial {
    /// Checks the target and creates the partial folder. Refuses an existing,
    /// non-empty target unless `overwrite`.
    pub fn create(dest: &Path, identifier: &str, overwrite: bool) -> Result<Self, DownloadError> {
        let target = dest.join(identifier);
        if target.symlink_metadata().is_ok() && !overwrite && !is_empty_dir(&target)? {
            return Err(DownloadError::Exists { path: target });
        }
        std::fs::create_dir_all(dest).map_err(|e| DownloadError::io(dest, e))?;
        let dir = dest.join(format!(".{identifier}.partial-{}", std::process::id()));
        if dir.symlink_metadata().is_ok() {
            // Left by an earlier run of a process with the same id.
            remove_any(&dir).map_err(|e| DownloadError::io(&dir, e))?;
        }
        std::fs::create_dir(&dir).map_err(|e| DownloadError::io(&dir, e))?;
        Ok(Partial {
            dir,
            target,
            armed: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves the finished folder into place, replacing an existing target
    /// (only reached when it is empty or `overwrite` was asked).
    pub fn commit(mut self) -> Result<PathBuf, DownloadError> {
        let target = self.target.clone();
        let mut replaced = None;
        if target.symlink_metadata().is_ok() {
            let old = self.dir.with_file_name(format!(
                ".{}.replaced-{}",
                file_name(&target),
                std::process::id()
            ));
            std::fs::rename(&target, &old).map_err(|e| DownloadError::io(&target, e))?;
            replaced = Some(old);
        }
        if let Err(e) = std::fs::rename(&self.dir, &target) {
            if let Some(old) = &replaced {
                // Put the previous download back.
                let _ = std::fs::rename(old, &target);
            }
            return Err(DownloadError::io(&target, e));
        }
        self.armed = false;
        if let Some(old) = replaced
            && let Err(e) = remove_any(&old)
        {
            tracing::warn!(path = %old.display(), error = %e, "could not remove the replaced download");
        }
        Ok(target)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Drop for Partial {
    fn drop(&mut self) {
        if self.armed
            && let Err(e) = std::fs::remove_dir_all(&self.dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.dir.display(), error = %e, "could not remove a partial download");
        }
    }
}

/// The folder fetched Zarr objects are staged in: the caller's, or a hidden
/// temporary one beside the download (same file system), removed on drop.
pub(crate) enum Scratch {
    Given(PathBuf),
    Temp(tempfile::TempDir),
}

impl Scratch {
    pub fn new(given: Option<&Path>, dest: &Path, identifier: &str) -> Result<Self, DownloadError> {
        match given {
            Some(dir) => {
                let dir = dir.join(format!(".{identifier}.fetch-{}", std::process::id()));
                std::fs::create_dir_all(&dir).map_err(|e| DownloadError::io(&dir, e))?;
                Ok(Scratch::Given(dir))
            }
            None => tempfile::Builder::new()
                .prefix(&format!(".{identifier}.fetch-"))
                .tempdir_in(dest)
                .map(Scratch::Temp)
                .map_err(|e| DownloadError::io(dest, e)),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Scratch::Given(dir) => dir,
            Scratch::Temp(dir) => dir.path(),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Scratch::Given(dir) = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
