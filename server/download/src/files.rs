//! Plain files (datasets uploaded as files or links): each object fetched
//! whole to its recorded path, checked against its SHA-256 on the way.

use std::path::{Path, PathBuf};

use strata_catalog::StoredRecord;

use crate::error::DownloadError;
use crate::fetch::Fetcher;

/// The recorded path as a relative path that cannot leave the download folder.
pub(crate) fn safe_relative(identifier: &str, path: &str) -> Result<PathBuf, DownloadError> {
    let mut out = PathBuf::new();
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains('\\') {
            return Err(DownloadError::inconsistent(
                identifier,
                format!("recorded file path {path:?} is not a plain relative path"),
            ));
        }
        out.push(segment);
    }
    Ok(out)
}

/// Fetches every file into `dir`, each at its recorded relative path.
pub(crate) async fn download(
    fetcher: &mut Fetcher<'_>,
    files: &[&StoredRecord],
    dir: &Path,
) -> Result<(), DownloadError> {
    for file in files {
        let dest = dir.join(safe_relative(fetcher.identifier, &file.path)?);
        fetcher.whole(file, &dest).await?;
    }
    Ok(())
}
