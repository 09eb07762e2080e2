//! The storage trait and the values it deals in.

use std::ops::Range;
use std::path::Path;
use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Result, StorageError};
use crate::key::ObjectKey;

/// What a put or link produced: the key, the byte count and the SHA-256 of exactly the bytes
/// that were stored, computed in the same pass that stored them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: ObjectKey,
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// What `head` and `list` know about an object without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub key: ObjectKey,
    pub size: u64,
}

/// A streaming read of one object. Boxed so that both backends (and `dyn ObjectStore`) can
/// return one type.
pub type ObjectReader = Pin<Box<dyn AsyncRead + Send>>;

/// Object storage addressed by [`ObjectKey`]. See the crate documentation for the guarantees
/// every implementation gives (atomic visibility, hashing in the same pass, bounded memory).
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// A short name for messages ("local", "s3").
    fn backend(&self) -> &'static str;

    /// Streams `reader` to the end into the object `key`, hashing as it goes. The object is
    /// visible under `key` only once every byte is durably stored; if the reader fails, the
    /// put fails and nothing is left behind. Memory use is bounded by the part size, not by
    /// the object size. To upload a `Stream` of `Bytes` (an HTTP body), wrap it in
    /// `tokio_util::io::StreamReader`.
    async fn put_stream(
        &self,
        key: &ObjectKey,
        reader: &mut (dyn AsyncRead + Send + Unpin),
    ) -> Result<StoredObject>;

    /// Stores the file at `path` under `key` (see [`ObjectStore::put_stream`]).
    async fn put_file(&self, key: &ObjectKey, path: &Path) -> Result<StoredObject> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| StorageError::io(key, "opening the source file for", Some(path), e))?;
        self.put_stream(key, &mut file).await
    }

    /// Stores a file the caller owns and will not use again (a staged Zarr object) under
    /// `key`, hashing it, and consumes it. Local storage moves it into place when it is on
    /// the same file system instead of copying it; other stores copy and remove it.
    async fn put_file_moving(&self, key: &ObjectKey, path: &Path) -> Result<StoredObject> {
        let stored = self.put_file(key, path).await?;
        let _ = tokio::fs::remove_file(path).await;
        Ok(stored)
    }

    /// Stores a small in-memory object (metadata, manifests).
    async fn put_bytes(&self, key: &ObjectKey, bytes: Bytes) -> Result<StoredObject> {
        let mut reader: &[u8] = &bytes;
        self.put_stream(key, &mut reader).await
    }

    /// Opens the object for streaming. `Missing` if it does not exist.
    async fn get(&self, key: &ObjectKey) -> Result<ObjectReader>;

    /// Reads `range` (end exclusive) of the object into memory; the range must lie within
    /// the object (`InvalidRange` otherwise). Meant for headers and tiles, not whole objects.
    async fn get_range(&self, key: &ObjectKey, range: Range<u64>) -> Result<Bytes>;

    /// Size of the object, or `None` if it does not exist.
    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>>;

    /// Every object whose key starts with `prefix` (a plain string prefix, as on S3: `a/b`
    /// matches `a/b/c` and `a/bc`), sorted by key. All pages are fetched.
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>>;

    /// Removes the object. Deleting a missing object succeeds (as on S3), so retries are safe.
    async fn delete(&self, key: &ObjectKey) -> Result<()>;

    /// Registers the file at `target` in place under `key` (a symlink on local storage; raw
    /// data is not copied), hashing the target. Reads of `key` then return the target's bytes.
    async fn link_file(&self, key: &ObjectKey, target: &Path) -> Result<StoredObject>;
}

/// Size of the read buffer used when streaming into a store or a hash.
pub(crate) const CHUNK: usize = 1 << 20;

/// Hex SHA-256 of a finished hasher.
pub(crate) fn hex_digest(hasher: Sha256) -> String {
    hex::encode(hasher.finalize())
}

/// Reads from `reader` until `buf` holds `limit` bytes or the reader ends, hashing what was
/// read. Returns the bytes read in this call (0 means end of input).
pub(crate) async fn fill_hashing(
    reader: &mut (dyn AsyncRead + Send + Unpin),
    buf: &mut bytes::BytesMut,
    limit: usize,
    hasher: &mut Sha256,
) -> std::io::Result<usize> {
    let start = buf.len();
    while buf.len() < limit {
        let before = buf.len();
        // read_buf may grow past `limit` if capacity allows, so bound it with `take`.
        let want = (limit - buf.len()) as u64;
        let n = (&mut *reader).take(want).read_buf(buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[before..]);
    }
    Ok(buf.len() - start)
}

/// Hashes `reader` to the end: (size, hex SHA-256). Used to hash link targets and by verify.
pub(crate) async fn hash_reader(
    reader: &mut (dyn AsyncRead + Send + Unpin),
) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = bytes::BytesMut::with_capacity(CHUNK);
    let mut size = 0u64;
    loop {
        buf.clear();
        let n = fill_hashing(reader, &mut buf, CHUNK, &mut hasher).await?;
        if n == 0 {
            return Ok((size, hex_digest(hasher)));
        }
        size += n as u64;
    }
}
