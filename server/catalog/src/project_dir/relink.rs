//! Raw data linked in place (symlinks in dataset folders) follows the raw
//! data when it moves: links under an old prefix are repointed to a new one,
//! and links whose target is gone are listed. Nothing here dereferences a
//! link to copy what it names.

use std::path::{Path, PathBuf};

use super::blocking;
use crate::{Catalog, CatalogError, Result, Scope};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelinkReport {
    /// (link, old target, new target).
    pub repointed: Vec<(PathBuf, PathBuf, PathBuf)>,
    /// Links whose target does not exist (after repointing).
    pub dangling: Vec<(PathBuf, PathBuf)>,
}

/// Every symlink under `dir`, not following any.
fn symlinks(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            out.push(entry.path());
        } else if kind.is_dir() {
            symlinks(&entry.path(), out)?;
        }
    }
    Ok(())
}

/// Replaces the link at `link` by one to `target`, atomically (a new link
/// beside it renamed over it).
fn repoint(link: &Path, target: &Path) -> std::io::Result<()> {
    let tmp = link.with_file_name(format!(
        ".{}.relink-{}",
        link.file_name().unwrap_or_default().to_string_lossy(),
        uuid::Uuid::new_v4()
    ));
    std::os::unix::fs::symlink(target, &tmp)?;
    std::fs::rename(&tmp, link).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn relink_dir(dir: &Path, from: &Path, to: &Path, dry_run: bool) -> std::io::Result<RelinkReport> {
    let mut links = Vec::new();
    symlinks(dir, &mut links)?;
    links.sort();
    let mut report = RelinkReport::default();
    for link in links {
        let target = std::fs::read_link(&link)?;
        let target = match target.strip_prefix(from) {
            Ok(rest) => {
                let new = to.join(rest);
                if !dry_run {
                    repoint(&link, &new)?;
                }
                report.repointed.push((link.clone(), target, new.clone()));
                new
            }
            Err(_) => target,
        };
        // A relative target is relative to the link's folder.
        let resolved = link.parent().unwrap_or(dir).join(&target);
        if !resolved.exists() {
            report.dangling.push((link, target));
        }
    }
    Ok(report)
}

impl Catalog {
    /// Repoints the project's links under `from` to `to` (raw data moved) and
    /// lists the links left dangling. `dry_run` only reports.
    pub async fn relink_project(
        &self,
        scope: &Scope,
        code: &str,
        from: &Path,
        to: &Path,
        dry_run: bool,
    ) -> Result<RelinkReport> {
        scope.require_admin("relinking a project's raw data")?;
        let project = self.project_model(scope, "project", code).await?;
        self.require_attached_project(&project)?;
        if !from.is_absolute() || !to.is_absolute() {
            return Err(CatalogError::invalid(
                "from",
                "both prefixes must be absolute paths",
            ));
        }
        let (dir, from, to) = (
            PathBuf::from(&project.directory),
            from.to_owned(),
            to.to_owned(),
        );
        blocking(move || relink_dir(&dir, &from, &to, dry_run))
            .await
            .map_err(|e| CatalogError::Filesystem(format!("relinking {code}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_under_the_old_prefix_follow_and_dangling_ones_are_named() {
        let root = tempfile::tempdir().unwrap();
        let (old, new, project) = (
            root.path().join("old"),
            root.path().join("new"),
            root.path().join("project"),
        );
        for d in [&old, &new, &project.join("ML-1")] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(new.join("movie.tif"), b"raw").unwrap();
        std::os::unix::fs::symlink(old.join("movie.tif"), project.join("ML-1/movie.tif")).unwrap();
        std::os::unix::fs::symlink(root.path().join("gone.tif"), project.join("ML-1/gone.tif"))
            .unwrap();

        let preview = relink_dir(&project, &old, &new, true).unwrap();
        assert_eq!(preview.repointed.len(), 1);
        assert_eq!(
            std::fs::read_link(project.join("ML-1/movie.tif")).unwrap(),
            old.join("movie.tif"),
            "a dry run changes nothing"
        );

        let done = relink_dir(&project, &old, &new, false).unwrap();
        assert_eq!(done.repointed[0].2, new.join("movie.tif"));
        assert_eq!(
            std::fs::read(project.join("ML-1/movie.tif")).unwrap(),
            b"raw"
        );
        assert_eq!(
            done.dangling,
            vec![(project.join("ML-1/gone.tif"), root.path().join("gone.tif"))]
        );
        // The link is still a link: nothing was copied.
        assert!(
            std::fs::symlink_metadata(project.join("ML-1/movie.tif"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
