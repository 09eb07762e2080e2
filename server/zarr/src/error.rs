//! Why writing or reading an image failed; every variant names the path concerned.

use std::path::PathBuf;

/// An error of this crate. Each variant names the directory (or file) it concerns and what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum ZarrError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// zarrs refused or failed an operation (codec, store, metadata).
    #[error("{path}: zarr: {message}")]
    Zarr { path: PathBuf, message: String },

    #[error(
        "{path}: frame (t={t}, c={c}, z={z}) has {found} pixel bytes, expected {expected} ({y}×{x} pixels of {dtype})"
    )]
    PixelLength {
        path: PathBuf,
        t: usize,
        c: usize,
        z: usize,
        found: usize,
        expected: usize,
        y: usize,
        x: usize,
        dtype: &'static str,
    },

    #[error(
        "{path}: frame (t={t}, c={c}, z={z}) is outside the stack (t < {nt}, c < {nc}, z < {nz})"
    )]
    OutOfRange {
        path: PathBuf,
        t: usize,
        c: usize,
        z: usize,
        nt: usize,
        nc: usize,
        nz: usize,
    },

    #[error(
        "{path}: frame (t={t}, c={c}, z={z}) belongs to position {found}, this image is position {expected}"
    )]
    WrongPosition {
        path: PathBuf,
        t: usize,
        c: usize,
        z: usize,
        found: usize,
        expected: usize,
    },

    #[error("{path}: frame (t={t}, c={c}, z={z}) was already written")]
    Duplicate {
        path: PathBuf,
        t: usize,
        c: usize,
        z: usize,
    },

    #[error(
        "{path}: {missing} of {total} frames were never written (first missing: t={t}, c={c}, z={z})"
    )]
    MissingFrames {
        path: PathBuf,
        missing: usize,
        total: usize,
        t: usize,
        c: usize,
        z: usize,
    },

    /// The request itself is not acceptable (bad stack description, selection, level …).
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },

    /// The directory does not hold an image this crate wrote (or it is damaged).
    #[error("{path}: not a readable strata OME-Zarr image: {reason}")]
    Metadata { path: PathBuf, reason: String },
}

pub type Result<T, E = ZarrError> = std::result::Result<T, E>;

impl ZarrError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ZarrError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn zarr(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Self {
        ZarrError::Zarr {
            path: path.into(),
            message: err.to_string(),
        }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        ZarrError::Invalid {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn metadata(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        ZarrError::Metadata {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
