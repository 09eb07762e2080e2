//! Why a download failed. Every variant names what it concerns (dataset,
//! object key, option, path or frame), so the message alone is actionable.

use std::path::{Path, PathBuf};

use strata_catalog::CatalogError;
use strata_storage::StorageError;
use strata_zarr::ZarrError;

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The catalog refused or failed: a dataset the caller may not see is `NotFound`.
    #[error("{identifier}: {source}")]
    Catalog {
        identifier: String,
        #[source]
        source: CatalogError,
    },

    /// An object could not be read, or its bytes do not match its recorded
    /// SHA-256 (`Missing` / `Corrupt`, naming the key and both digests).
    #[error("{identifier}: {source}")]
    Storage {
        identifier: String,
        #[source]
        source: StorageError,
    },

    /// A selection option that does not fit the dataset; refused before any byte is fetched.
    #[error("{option}: {reason}")]
    Selection {
        option: &'static str,
        reason: String,
    },

    /// `dest/<identifier>` exists and is not empty (and `overwrite` was not asked).
    #[error("{path} exists and is not empty; choose another destination or overwrite it")]
    Exists { path: PathBuf },

    /// A local file-system failure while writing the download.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The fetched image could not be read or the Zarr output not written.
    #[error("{identifier} position {position}: {source}")]
    Zarr {
        identifier: String,
        position: i32,
        #[source]
        source: ZarrError,
    },

    /// The OME-TIFF output could not be encoded.
    #[error("{path}: writing OME-TIFF: {reason}")]
    Tiff { path: PathBuf, reason: String },

    /// A delivered frame's pixels do not hash to the digest the catalog recorded.
    #[error(
        "{identifier} position {position} frame t={t} c={c} z={z} (in object `{key}`): expected SHA-256 {expected}, found {actual}"
    )]
    Integrity {
        identifier: String,
        position: i32,
        t: usize,
        c: usize,
        z: usize,
        /// The stored object that holds the frame.
        key: String,
        expected: String,
        actual: String,
    },

    /// The catalog's records of the dataset contradict each other or the stored image.
    #[error("{identifier}: {reason}")]
    Inconsistent { identifier: String, reason: String },
}

impl DownloadError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DownloadError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn selection(option: &'static str, reason: impl Into<String>) -> Self {
        DownloadError::Selection {
            option,
            reason: reason.into(),
        }
    }

    pub(crate) fn inconsistent(identifier: &str, reason: impl Into<String>) -> Self {
        DownloadError::Inconsistent {
            identifier: identifier.to_owned(),
            reason: reason.into(),
        }
    }

    /// Whether the dataset does not exist or is not visible to the caller.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            DownloadError::Catalog {
                source: CatalogError::NotFound { .. },
                ..
            }
        )
    }

    /// The storage error behind this one, if any.
    pub fn storage(&self) -> Option<&StorageError> {
        match self {
            DownloadError::Storage { source, .. } => Some(source),
            _ => None,
        }
    }
}
