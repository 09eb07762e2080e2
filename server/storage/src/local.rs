//! Objects as files under a root directory.
//!
//! Layout: the object `a/b/c` is the file `<root>/a/b/c`; uploads are staged in
//! `<root>/.strata-tmp/<uuid>` (same file system, so the final rename is atomic) and renamed
//! into place after an fsync, then the parent directory is fsynced so the rename survives a
//! crash. A linked object is a symlink at `<root>/<key>` pointing at the registered file.
//!
//! Differences from S3 that callers may notice: a key cannot be both an object and a
//! "directory" (`a` and `a/b`), and empty directories left by deletes are not pruned.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio::fs;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::error::{Result, StorageError};
use crate::key::{ObjectKey, TMP_DIR, check_prefix};
use crate::store::{
    CHUNK, ObjectMeta, ObjectReader, ObjectStore, StoredObject, fill_hashing, hash_reader,
    hex_digest,
};

/// A store rooted at a local directory.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    tmp: PathBuf,
}

/// Removes staging files left by processes that are gone (a `kill -9` mid-write):
/// they were never visible as objects, and nobody will finish them.
async fn remove_dead_writers_files(tmp: &Path) {
    let Ok(mut entries) = fs::read_dir(tmp).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists();
        if !alive {
            match fs::remove_file(entry.path()).await {
                Ok(()) => {
                    tracing::info!(path = %entry.path().display(), "removed the staging file of a process that is gone")
                }
                Err(e) => {
                    tracing::warn!(path = %entry.path().display(), error = %e, "could not remove a stale staging file")
                }
            }
        }
    }
}

impl LocalStore {
    /// Opens (creating if needed) a store at `root`, including its staging directory.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let tmp = root.join(TMP_DIR);
        fs::create_dir_all(&tmp).await.map_err(|e| {
            StorageError::io(
                "<store root>",
                "creating the staging directory for",
                Some(&tmp),
                e,
            )
        })?;
        remove_dead_writers_files(&tmp).await;
        Ok(LocalStore { root, tmp })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file that holds (or would hold) the object `key`.
    pub fn path_of(&self, key: &ObjectKey) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(key.segments());
        path
    }

    fn staging_path(&self) -> Staged {
        Staged {
            // The writer's pid leads the name, so that a later open can tell
            // the leftovers of a killed process from files being written now.
            path: self
                .tmp
                .join(format!("{}-{}", std::process::id(), uuid::Uuid::new_v4())),
            armed: true,
        }
    }

    /// Moves a finished staging entry to the key's path and makes the rename durable.
    async fn publish(&self, key: &ObjectKey, mut staged: Staged) -> Result<()> {
        let dest = self.path_of(key);
        let parent = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&parent)
            .await
            .map_err(|e| StorageError::io(key, "creating the directory for", Some(&parent), e))?;
        fs::rename(&staged.path, &dest)
            .await
            .map_err(|e| StorageError::io(key, "moving into place", Some(&dest), e))?;
        staged.armed = false;
        sync_dir(&parent)
            .await
            .map_err(|e| StorageError::io(key, "syncing the directory of", Some(&parent), e))
    }
}

/// A staging file that is removed when dropped unless it was published: covers errors and
/// cancelled futures alike, so no temp file outlives a failed put.
pub(crate) struct Staged {
    pub(crate) path: PathBuf,
    pub(crate) armed: bool,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: a leftover here is garbage in .strata-tmp, never a visible object.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

pub(crate) async fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir).await?.sync_all().await
}

/// "No such object" as the file system says it: the file, or a directory on its path, is absent.
fn is_absent(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

#[async_trait]
impl ObjectStore for LocalStore {
    fn backend(&self) -> &'static str {
        "local"
    }

    async fn put_stream(
        &self,
        key: &ObjectKey,
        reader: &mut (dyn AsyncRead + Send + Unpin),
    ) -> Result<StoredObject> {
        let staged = self.staging_path();
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&staged.path)
            .await
            .map_err(|e| {
                StorageError::io(key, "creating a staging file for", Some(&staged.path), e)
            })?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = BytesMut::with_capacity(CHUNK);
        loop {
            buf.clear();
            let n = fill_hashing(reader, &mut buf, CHUNK, &mut hasher)
                .await
                .map_err(|e| StorageError::from_io(key, "reading the source for", None, e))?;
            if n == 0 {
                break;
            }
            file.write_all(&buf)
                .await
                .map_err(|e| StorageError::io(key, "writing", Some(&staged.path), e))?;
            size += n as u64;
        }
        // flush hands tokio's buffered write to the OS (and reports its error); sync_all makes
        // it durable before the rename can expose it.
        file.flush()
            .await
            .map_err(|e| StorageError::io(key, "writing", Some(&staged.path), e))?;
        file.sync_all()
            .await
            .map_err(|e| StorageError::io(key, "syncing", Some(&staged.path), e))?;
        drop(file);
        self.publish(key, staged).await?;
        Ok(StoredObject {
            key: key.clone(),
            size,
            sha256: hex_digest(hasher),
        })
    }

    async fn get(&self, key: &ObjectKey) -> Result<ObjectReader> {
        let path = self.path_of(key);
        let file = match fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if is_absent(&e) => {
                return Err(StorageError::Missing {
                    key: key.to_string(),
                });
            }
            Err(e) => return Err(StorageError::io(key, "opening", Some(&path), e)),
        };
        let meta = file
            .metadata()
            .await
            .map_err(|e| StorageError::io(key, "inspecting", Some(&path), e))?;
        // A key that names a directory (a prefix of other keys) is not an object.
        if !meta.is_file() {
            return Err(StorageError::Missing {
                key: key.to_string(),
            });
        }
        Ok(Box::pin(file))
    }

    async fn get_range(&self, key: &ObjectKey, range: Range<u64>) -> Result<Bytes> {
        let path = self.path_of(key);
        let mut file = match fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if is_absent(&e) => {
                return Err(StorageError::Missing {
                    key: key.to_string(),
                });
            }
            Err(e) => return Err(StorageError::io(key, "opening", Some(&path), e)),
        };
        let meta = file
            .metadata()
            .await
            .map_err(|e| StorageError::io(key, "inspecting", Some(&path), e))?;
        if !meta.is_file() {
            return Err(StorageError::Missing {
                key: key.to_string(),
            });
        }
        if range.start > range.end || range.end > meta.len() {
            return Err(StorageError::InvalidRange {
                key: key.to_string(),
                start: range.start,
                end: range.end,
                size: Some(meta.len()),
            });
        }
        let len =
            usize::try_from(range.end - range.start).map_err(|_| StorageError::InvalidRange {
                key: key.to_string(),
                start: range.start,
                end: range.end,
                size: Some(meta.len()),
            })?;
        file.seek(io::SeekFrom::Start(range.start))
            .await
            .map_err(|e| StorageError::io(key, "seeking in", Some(&path), e))?;
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf)
            .await
            .map_err(|e| StorageError::io(key, "reading", Some(&path), e))?;
        Ok(Bytes::from(buf))
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>> {
        let path = self.path_of(key);
        match fs::metadata(&path).await {
            Ok(meta) if meta.is_file() => Ok(Some(ObjectMeta {
                key: key.clone(),
                size: meta.len(),
            })),
            Ok(_) => Ok(None),
            Err(e) if is_absent(&e) => Ok(None),
            Err(e) => Err(StorageError::io(key, "inspecting", Some(&path), e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        check_prefix(prefix)?;
        let root = self.root.clone();
        let prefix_owned = prefix.to_owned();
        // A directory walk is blocking work; keep it off the async workers.
        tokio::task::spawn_blocking(move || walk(&root, &prefix_owned))
            .await
            .map_err(|e| StorageError::io(prefix, "listing", None, io::Error::other(e)))?
    }

    async fn delete(&self, key: &ObjectKey) -> Result<()> {
        let path = self.path_of(key);
        match fs::remove_file(&path).await {
            Ok(()) => {}
            // Missing, or a directory (which is not an object): nothing to delete.
            Err(e) if is_absent(&e) || e.kind() == io::ErrorKind::IsADirectory => return Ok(()),
            Err(e) => return Err(StorageError::io(key, "deleting", Some(&path), e)),
        }
        if let Some(parent) = path.parent() {
            sync_dir(parent)
                .await
                .map_err(|e| StorageError::io(key, "syncing the directory of", Some(parent), e))?;
        }
        Ok(())
    }

    async fn put_file_moving(&self, key: &ObjectKey, path: &Path) -> Result<StoredObject> {
        // Hash what is there (the same bytes the move publishes), make it durable,
        // then move it in atomically; a file on another file system is copied.
        let mut file = fs::File::open(path)
            .await
            .map_err(|e| StorageError::io(key, "opening the source file for", Some(path), e))?;
        let (size, sha256) = hash_reader(&mut file)
            .await
            .map_err(|e| StorageError::io(key, "hashing", Some(path), e))?;
        file.sync_all()
            .await
            .map_err(|e| StorageError::io(key, "syncing", Some(path), e))?;
        drop(file);
        let dest = self.path_of(key);
        let parent = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&parent)
            .await
            .map_err(|e| StorageError::io(key, "creating the directory for", Some(&parent), e))?;
        match fs::rename(path, &dest).await {
            Ok(()) => {
                sync_dir(&parent).await.map_err(|e| {
                    StorageError::io(key, "syncing the directory of", Some(&parent), e)
                })?;
                Ok(StoredObject {
                    key: key.clone(),
                    size,
                    sha256,
                })
            }
            Err(e) if e.raw_os_error() == Some(18) => {
                // EXDEV: another file system; copy, then drop the source.
                let stored = self.put_file(key, path).await?;
                let _ = fs::remove_file(path).await;
                Ok(stored)
            }
            Err(e) => Err(StorageError::io(key, "moving into place", Some(&dest), e)),
        }
    }

    async fn link_file(&self, key: &ObjectKey, target: &Path) -> Result<StoredObject> {
        // Absolute, so the link stays valid whatever the working directory or link location.
        let target = fs::canonicalize(target)
            .await
            .map_err(|e| StorageError::io(key, "resolving the link target for", Some(target), e))?;
        let mut file = fs::File::open(&target)
            .await
            .map_err(|e| StorageError::io(key, "opening the link target for", Some(&target), e))?;
        let meta = file.metadata().await.map_err(|e| {
            StorageError::io(key, "inspecting the link target for", Some(&target), e)
        })?;
        if !meta.is_file() {
            let err = io::Error::new(
                io::ErrorKind::InvalidInput,
                "link target is not a regular file",
            );
            return Err(StorageError::io(key, "linking", Some(&target), err));
        }
        // Hash before linking, so a target that cannot be read leaves no object behind.
        let (size, sha256) = hash_reader(&mut file)
            .await
            .map_err(|e| StorageError::io(key, "hashing the link target for", Some(&target), e))?;
        let staged = self.staging_path();
        fs::symlink(&target, &staged.path)
            .await
            .map_err(|e| StorageError::io(key, "creating a symlink for", Some(&staged.path), e))?;
        self.publish(key, staged).await?;
        Ok(StoredObject {
            key: key.clone(),
            size,
            sha256,
        })
    }
}

/// Collects the objects under `root` whose key starts with `prefix`, sorted by key.
fn walk(root: &Path, prefix: &str) -> Result<Vec<ObjectMeta>> {
    // Start at the deepest directory the prefix names completely.
    let start_key = prefix.rfind('/').map_or("", |i| &prefix[..i]);
    let mut out = Vec::new();
    let mut stack = vec![start_key.to_owned()];
    while let Some(dir_key) = stack.pop() {
        let dir = if dir_key.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&dir_key)
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if is_absent(&e) => continue,
            Err(e) => return Err(StorageError::io(prefix, "listing", Some(&dir), e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| StorageError::io(prefix, "listing", Some(&dir), e))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if dir_key.is_empty() && name == TMP_DIR {
                continue;
            }
            let key = if dir_key.is_empty() {
                name
            } else {
                format!("{dir_key}/{name}")
            };
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|e| StorageError::io(prefix, "listing", Some(&path), e))?;
            if file_type.is_dir() {
                let as_dir = format!("{key}/");
                // Descend only where keys can still match the prefix.
                if as_dir.starts_with(prefix) || prefix.starts_with(&as_dir) {
                    stack.push(key);
                }
                continue;
            }
            if !key.starts_with(prefix) {
                continue;
            }
            // Follows symlinks: a linked object lists with its target's size; dangling links
            // and links to directories are not objects.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            if let Ok(key) = ObjectKey::parse(key) {
                out.push(ObjectMeta {
                    key,
                    size: meta.len(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}
