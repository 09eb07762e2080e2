//! Where an ingest may read from. A manifest names files; a manifest row must
//! not reach outside the directories the operator allowed, whether by `..`,
//! an absolute path or a symlink.

use std::path::{Path, PathBuf};

use crate::IngestError;

#[derive(Debug, Clone)]
pub struct SourceRoots {
    roots: Vec<PathBuf>,
}

impl SourceRoots {
    /// The allowed directories, resolved (symlinks followed) once.
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Result<Self, IngestError> {
        let roots = roots
            .into_iter()
            .map(|r| {
                r.canonicalize().map_err(|e| IngestError::Source {
                    path: r.clone(),
                    reason: format!("cannot be an ingest root: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { roots })
    }

    /// The source, resolved, if it lies inside an allowed directory.
    pub fn check(&self, path: &Path) -> Result<PathBuf, IngestError> {
        let resolved = path.canonicalize().map_err(|e| IngestError::Source {
            path: path.to_owned(),
            reason: format!("cannot be read: {e}"),
        })?;
        if self.roots.iter().any(|root| resolved.starts_with(root)) {
            Ok(resolved)
        } else {
            Err(IngestError::Source {
                path: path.to_owned(),
                reason: format!(
                    "is outside the directories this ingest may read ({}); allow its directory explicitly",
                    self.roots
                        .iter()
                        .map(|r| r.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_outside_the_roots_are_refused() {
        let allowed = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(allowed.path().join("ok.tif"), b"x").unwrap();
        std::fs::write(elsewhere.path().join("secret"), b"x").unwrap();
        std::os::unix::fs::symlink(
            elsewhere.path().join("secret"),
            allowed.path().join("sneaky"),
        )
        .unwrap();
        let roots = SourceRoots::new([allowed.path().to_owned()]).unwrap();
        assert!(roots.check(&allowed.path().join("ok.tif")).is_ok());
        for bad in [
            allowed
                .path()
                .join("../")
                .join(elsewhere.path().file_name().unwrap())
                .join("secret"),
            elsewhere.path().join("secret"),
            allowed.path().join("sneaky"),
        ] {
            let err = roots.check(&bad).unwrap_err().to_string();
            assert!(
                err.contains("outside the directories"),
                "{}: {err}",
                bad.display()
            );
        }
        assert!(
            roots
                .check(&allowed.path().join("missing"))
                .unwrap_err()
                .to_string()
                .contains("cannot be read")
        );
    }
}
