//! Reads checked against the SHA-256 recorded at write time.
//!
//! Three ways, by how much the caller can tolerate seeing bytes of a corrupt object:
//! - [`verify`] only hashes (scrubbing, or checking before serving);
//! - [`fetch_verified`] hashes into a temp file and renames it to the destination only if the
//!   digest matches: the destination never holds corrupt bytes;
//! - [`copy_verified`] / [`VerifyingReader`] stream while hashing, so the verdict can only come
//!   at the end: the bytes have been delivered by then and the error arrives *instead of* the
//!   end of stream. Use them where the receiver can discard a failed transfer (an HTTP response
//!   cut short without its final chunk is seen by the client as failed, not as complete).

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::error::{Result, StorageError};
use crate::key::ObjectKey;
use crate::local::{Staged, sync_dir};
use crate::store::{ObjectReader, ObjectStore, StoredObject, hash_reader, hex_digest};

fn corrupt(key: &ObjectKey, expected: &str, actual: String) -> StorageError {
    StorageError::Corrupt {
        key: key.to_string(),
        expected: expected.to_owned(),
        actual,
    }
}

/// Hashes the whole object without delivering it: `Corrupt` if it does not match `expected`
/// (lowercase or uppercase hex), else its size and digest.
pub async fn verify(
    store: &dyn ObjectStore,
    key: &ObjectKey,
    expected_sha256: &str,
) -> Result<StoredObject> {
    let mut reader = store.get(key).await?;
    let (size, actual) = hash_reader(&mut reader)
        .await
        .map_err(|e| StorageError::from_io(key, "reading", None, e))?;
    if !actual.eq_ignore_ascii_case(expected_sha256) {
        return Err(corrupt(key, expected_sha256, actual));
    }
    Ok(StoredObject {
        key: key.clone(),
        size,
        sha256: actual,
    })
}

/// Writes the object to `dest` only if it hashes to `expected`: the bytes go to a temp file
/// beside `dest`, are hashed on the way, and are renamed onto `dest` after the check. On any
/// error `dest` is untouched and the temp file removed.
pub async fn fetch_verified(
    store: &dyn ObjectStore,
    key: &ObjectKey,
    expected_sha256: &str,
    dest: &Path,
) -> Result<StoredObject> {
    let dir = match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut staged = Staged {
        path: dir.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4())),
        armed: true,
    };
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&staged.path)
        .await
        .map_err(|e| StorageError::io(key, "creating a temp file for", Some(&staged.path), e))?;
    let mut reader = VerifyingReader::new(store.get(key).await?, key.clone(), expected_sha256);
    let size = tokio::io::copy(&mut reader, &mut file)
        .await
        .map_err(|e| StorageError::from_io(key, "copying", Some(&staged.path), e))?;
    file.flush()
        .await
        .map_err(|e| StorageError::io(key, "writing", Some(&staged.path), e))?;
    file.sync_all()
        .await
        .map_err(|e| StorageError::io(key, "syncing", Some(&staged.path), e))?;
    drop(file);
    tokio::fs::rename(&staged.path, dest)
        .await
        .map_err(|e| StorageError::io(key, "moving the verified copy to", Some(dest), e))?;
    staged.armed = false;
    sync_dir(&dir)
        .await
        .map_err(|e| StorageError::io(key, "syncing the directory of", Some(dest), e))?;
    Ok(StoredObject {
        key: key.clone(),
        size,
        sha256: expected_sha256.to_ascii_lowercase(),
    })
}

/// Streams the object into `writer` while hashing; `Corrupt` comes after the last byte was
/// written (see the module docs for when that is acceptable).
pub async fn copy_verified(
    store: &dyn ObjectStore,
    key: &ObjectKey,
    expected_sha256: &str,
    writer: &mut (dyn AsyncWrite + Send + Unpin),
) -> Result<StoredObject> {
    let mut reader = VerifyingReader::new(store.get(key).await?, key.clone(), expected_sha256);
    let size = tokio::io::copy(&mut reader, writer)
        .await
        .map_err(|e| StorageError::from_io(key, "copying", None, e))?;
    Ok(StoredObject {
        key: key.clone(),
        size,
        sha256: expected_sha256.to_ascii_lowercase(),
    })
}

/// Opens the object as a [`VerifyingReader`].
pub async fn open_verified(
    store: &dyn ObjectStore,
    key: &ObjectKey,
    expected_sha256: &str,
) -> Result<VerifyingReader<ObjectReader>> {
    Ok(VerifyingReader::new(
        store.get(key).await?,
        key.clone(),
        expected_sha256,
    ))
}

/// An `AsyncRead` that hashes what passes through and, at the end of the input, returns an
/// `io::Error` wrapping [`StorageError::Corrupt`] instead of end-of-file if the digest differs
/// (recover it with `err.into_inner()` and `downcast::<StorageError>()`).
pub struct VerifyingReader<R> {
    inner: R,
    key: ObjectKey,
    expected: String,
    hasher: Option<Sha256>,
    /// Set once a mismatch was found, so every later read fails too.
    actual_on_mismatch: Option<String>,
}

impl<R> VerifyingReader<R> {
    pub fn new(inner: R, key: ObjectKey, expected_sha256: &str) -> Self {
        VerifyingReader {
            inner,
            key,
            expected: expected_sha256.to_ascii_lowercase(),
            hasher: Some(Sha256::new()),
            actual_on_mismatch: None,
        }
    }

    fn error(&self, actual: &str) -> io::Error {
        corrupt(&self.key, &self.expected, actual.to_owned()).into_io()
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for VerifyingReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(actual) = &this.actual_on_mismatch {
            return Poll::Ready(Err(this.error(actual)));
        }
        let before = buf.filled().len();
        let asked = buf.remaining() > 0;
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let new = &buf.filled()[before..];
        if !new.is_empty() {
            if let Some(hasher) = &mut this.hasher {
                hasher.update(new);
            }
        } else if asked && let Some(hasher) = this.hasher.take() {
            // End of input: the only point where the verdict is known.
            let actual = hex_digest(hasher);
            if actual != this.expected {
                let err = this.error(&actual);
                this.actual_on_mismatch = Some(actual);
                return Poll::Ready(Err(err));
            }
        }
        Poll::Ready(Ok(()))
    }
}
