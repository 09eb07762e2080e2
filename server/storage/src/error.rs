//! The one error type of the crate. Every variant names the key it concerns, because an
//! operator reading a log line must be able to find the object without a debugger.

use std::io;
use std::path::{Path, PathBuf};

/// Everything a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A key (or list prefix) that is not a valid relative object key. Raised before any I/O.
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },

    /// The object does not exist.
    #[error("object `{key}` does not exist")]
    Missing { key: String },

    /// The object's bytes do not hash to the digest recorded for it.
    #[error("object `{key}` is corrupt: expected SHA-256 {expected}, found {actual}")]
    Corrupt {
        key: String,
        expected: String,
        actual: String,
    },

    /// A byte range that does not lie within the object.
    #[error("range {start}..{end} is outside object `{key}`{}", size.map(|s| format!(" ({s} bytes)")).unwrap_or_default())]
    InvalidRange {
        key: String,
        start: u64,
        end: u64,
        size: Option<u64>,
    },

    /// A local file-system failure. `op` says what we were doing ("writing", "reading the
    /// source", ...), `path` where; a full disk shows as "No space left on device".
    #[error("I/O error {op} object `{key}`{}: {source}", path.as_ref().map(|p| format!(" at {}", p.display())).unwrap_or_default())]
    Io {
        key: String,
        op: &'static str,
        path: Option<PathBuf>,
        #[source]
        source: io::Error,
    },

    /// The object-store service (S3) refused or failed the request, after the SDK's retries.
    /// `message` carries the service's own error code and message.
    #[error("S3 {op} of `{key}` failed: {message}")]
    Backend {
        key: String,
        op: &'static str,
        message: String,
    },

    /// The backend cannot do this (e.g. symlink registration on S3).
    #[error("{op} is not supported by the {backend} store (object `{key}`)")]
    Unsupported {
        key: String,
        op: &'static str,
        backend: &'static str,
    },

    /// The store's configuration is unusable (e.g. an S3 part size under 5 MiB).
    #[error("invalid storage configuration: {0}")]
    Config(String),
}

/// Shorthand for results of store operations.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

impl StorageError {
    pub(crate) fn io(
        key: impl ToString,
        op: &'static str,
        path: Option<&Path>,
        source: io::Error,
    ) -> Self {
        StorageError::Io {
            key: key.to_string(),
            op,
            path: path.map(Path::to_path_buf),
            source,
        }
    }

    /// True when the failure is a full disk (ENOSPC), so callers can alert differently.
    pub fn is_storage_full(&self) -> bool {
        matches!(self, StorageError::Io { source, .. } if source.kind() == io::ErrorKind::StorageFull)
    }

    /// Carries a storage error through an `io::Error` (for `AsyncRead` adapters), so that
    /// [`StorageError::from_io`] can recover it unchanged on the other side.
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// Recovers a `StorageError` smuggled by [`StorageError::into_io`], or wraps a plain
    /// I/O error with the key and operation.
    pub(crate) fn from_io(
        key: impl ToString,
        op: &'static str,
        path: Option<&Path>,
        err: io::Error,
    ) -> Self {
        if err
            .get_ref()
            .is_some_and(|inner| inner.is::<StorageError>())
        {
            let kind = err.kind();
            return match err
                .into_inner()
                .map(|inner| inner.downcast::<StorageError>())
            {
                Some(Ok(inner)) => *inner,
                // Not reachable (checked above); degrade to a plain I/O error rather than panic.
                Some(Err(other)) => StorageError::io(key, op, path, io::Error::new(kind, other)),
                None => StorageError::io(key, op, path, io::Error::from(kind)),
            };
        }
        StorageError::io(key, op, path, err)
    }
}
