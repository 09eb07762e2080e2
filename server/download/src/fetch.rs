//! Bytes out of the store: whole objects checked against their SHA-256, and
//! the Zarr objects of one position's image, placed in a local folder the
//! Zarr reader can open.
//!
//! A shard is fetched whole (and its SHA-256 checked) when the selection
//! needs at least half of it; otherwise only its index and the inner chunks
//! the selection needs are read, with ranged requests, into a sparse copy of
//! the same size. A partial fetch cannot check the shard's SHA-256 (that
//! takes every byte); what it delivers is checked instead frame by frame
//! against the catalog's frame digests, and the index by its CRC32C.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use futures::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use strata_catalog::StoredRecord;
use strata_storage::{ObjectKey, ObjectStore, StorageError, fetch_verified};
use tokio::io::AsyncReadExt;

use crate::error::DownloadError;
use crate::plan::PositionPlan;
use crate::shard::{ShardGrid, coalesce, parse_index};

/// Ranged requests in flight at once.
const CONCURRENT: usize = 8;
/// Gaps between needed chunks up to this size are read rather than skipped.
const GAP: u64 = 64 << 10;

/// Reads from one store for one dataset, counting objects and bytes.
pub(crate) struct Fetcher<'a> {
    pub store: &'a dyn ObjectStore,
    pub identifier: &'a str,
    pub verify: bool,
    pub progress: &'a ProgressBar,
    /// Keys of the objects read from (wholly or partly).
    pub objects: HashSet<String>,
    /// Bytes read from the store.
    pub bytes: u64,
}

impl<'a> Fetcher<'a> {
    pub fn storage(&self, source: StorageError) -> DownloadError {
        DownloadError::Storage {
            identifier: self.identifier.to_owned(),
            source,
        }
    }

    /// The storage key of a recorded object.
    pub fn key(&self, record: &StoredRecord) -> Result<ObjectKey, DownloadError> {
        let key = record.storage_key.as_deref().ok_or_else(|| {
            DownloadError::inconsistent(
                self.identifier,
                format!("{} has no storage key recorded", record.path),
            )
        })?;
        ObjectKey::parse(key).map_err(|e| self.storage(e))
    }

    fn count(&mut self, bytes: u64) {
        self.bytes += bytes;
        self.progress.inc(bytes);
    }

    /// A small object (metadata) into memory, checked against its digest.
    pub async fn read_small(&mut self, record: &StoredRecord) -> Result<Vec<u8>, DownloadError> {
        let key = self.key(record)?;
        let mut reader = self.store.get(&key).await.map_err(|e| self.storage(e))?;
        let mut bytes = Vec::with_capacity(usize::try_from(record.size_bytes).unwrap_or(0));
        reader.read_to_end(&mut bytes).await.map_err(|source| {
            self.storage(StorageError::Io {
                key: key.to_string(),
                op: "reading",
                path: None,
                source,
            })
        })?;
        if self.verify {
            let actual = hex::encode(Sha256::digest(&bytes));
            if !actual.eq_ignore_ascii_case(&record.sha256) {
                return Err(self.storage(StorageError::Corrupt {
                    key: key.to_string(),
                    expected: record.sha256.to_ascii_lowercase(),
                    actual,
                }));
            }
        }
        self.objects.insert(key.to_string());
        self.count(bytes.len() as u64);
        Ok(bytes)
    }

    /// A whole object to `dest`: through [`fetch_verified`] (the destination
    /// never holds bytes that fail the check), or copied as is without `verify`.
    pub async fn whole(&mut self, record: &StoredRecord, dest: &Path) -> Result<(), DownloadError> {
        let key = self.key(record)?;
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| DownloadError::io(parent, e))?;
        }
        let size = if self.verify {
            fetch_verified(self.store, &key, &record.sha256, dest)
                .await
                .map_err(|e| self.storage(e))?
                .size
        } else {
            let mut reader = self.store.get(&key).await.map_err(|e| self.storage(e))?;
            let mut file = tokio::fs::File::create(dest)
                .await
                .map_err(|e| DownloadError::io(dest, e))?;
            tokio::io::copy(&mut reader, &mut file)
                .await
                .map_err(|e| DownloadError::io(dest, e))?
        };
        self.objects.insert(key.to_string());
        self.count(size);
        Ok(())
    }

    /// Ranges of one object, `CONCURRENT` requests at a time, in order.
    async fn ranges(
        &mut self,
        key: &ObjectKey,
        ranges: Vec<Range<u64>>,
    ) -> Result<Vec<(u64, Vec<u8>)>, DownloadError> {
        let store = self.store;
        let parts: Vec<(u64, Vec<u8>)> = futures::stream::iter(ranges)
            .map(|r| async move {
                let start = r.start;
                store.get_range(key, r).await.map(|b| (start, b.to_vec()))
            })
            .buffered(CONCURRENT)
            .try_collect()
            .await
            .map_err(|e| self.storage(e))?;
        let bytes: u64 = parts.iter().map(|(_, b)| b.len() as u64).sum();
        self.objects.insert(key.to_string());
        self.count(bytes);
        Ok(parts)
    }
}

/// One shard to bring over, decided once its index is known.
enum ShardFetch {
    Whole(StoredRecord),
    Ranged {
        record: StoredRecord,
        index: Vec<u8>,
        ranges: Vec<Range<u64>>,
    },
}

/// One position's image, fetched into a local folder.
pub(crate) struct FetchedImage {
    /// The image folder (its group `zarr.json` and the needed shards).
    pub dir: PathBuf,
    pub grid: ShardGrid,
    /// Storage key by path relative to the image, for naming objects in errors.
    pub keys: HashMap<String, String>,
    /// Shards of which only part was fetched (their SHA-256 is unchecked).
    pub ranged: Vec<StoredRecord>,
    /// The image's path in the dataset, with a trailing `/`.
    prefix: String,
}

impl FetchedImage {
    /// The path of one of the image's objects relative to the image folder
    /// (`0.ome.zarr/0/c/0/0/0/0/0` → `0/c/0/0/0/0/0`).
    fn relative<'p>(&self, path: &'p str) -> &'p str {
        path.strip_prefix(self.prefix.as_str()).unwrap_or(path)
    }

    /// The storage keys of the objects holding the plane (t, c, z).
    pub fn keys_of_plane(&self, t: usize, c: usize, z: usize) -> String {
        self.grid
            .plane_paths(t, c, z)
            .into_iter()
            .map(|p| self.keys.get(&p).cloned().unwrap_or(p))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An image whose metadata and shard indexes are read, and whose shards are
/// still to fetch.
pub(crate) struct ImageFetch {
    image: FetchedImage,
    pending: Vec<ShardFetch>,
}

impl ImageFetch {
    /// Bytes the pending shard fetches will read.
    pub fn pending_bytes(&self) -> u64 {
        self.pending
            .iter()
            .map(|f| match f {
                ShardFetch::Whole(r) => r.size_bytes.max(0) as u64,
                ShardFetch::Ranged { ranges, .. } => ranges.iter().map(|r| r.end - r.start).sum(),
            })
            .sum()
    }
}

/// Reads the image's group `zarr.json` and the index of every shard the
/// selection touches, and decides how each shard is fetched.
pub(crate) async fn prepare_image(
    fetcher: &mut Fetcher<'_>,
    plan: &PositionPlan,
    records: &[StoredRecord],
    scratch: &Path,
) -> Result<ImageFetch, DownloadError> {
    let identifier = fetcher.identifier;
    let array_path = plan.set.array_path.trim_end_matches('/');
    let prefix = format!("{array_path}/");
    let by_path: HashMap<&str, &StoredRecord> = records
        .iter()
        .filter_map(|r| Some((r.path.strip_prefix(&prefix)?, r)))
        .collect();
    let group_record = by_path.get("zarr.json").ok_or_else(|| {
        DownloadError::inconsistent(
            identifier,
            format!(
                "no object {prefix}zarr.json is recorded for position {}",
                plan.position()
            ),
        )
    })?;
    let dir = scratch.join(array_path);
    std::fs::create_dir_all(&dir).map_err(|e| DownloadError::io(&dir, e))?;
    let group_bytes = fetcher.read_small(group_record).await?;
    let group_file = dir.join("zarr.json");
    std::fs::write(&group_file, &group_bytes).map_err(|e| DownloadError::io(&group_file, e))?;
    let bad = |reason: String| {
        DownloadError::inconsistent(identifier, format!("{prefix}zarr.json: {reason}"))
    };
    let group: serde_json::Value =
        serde_json::from_slice(&group_bytes).map_err(|e| bad(e.to_string()))?;
    let grid = ShardGrid::from_group(&group).map_err(bad)?;
    let d = plan.dims;
    let expected = [d.t, d.c, d.z, d.y, d.x].map(|n| n as u64);
    if grid.level.shape != expected {
        return Err(bad(format!(
            "level 0 has shape {:?}, the catalog records {expected:?}",
            grid.level.shape
        )));
    }

    let mut pending = Vec::new();
    for shard in grid.shards(&plan.selection) {
        let path = grid.shard_path(shard);
        // A shard never written holds only fill values; the reader supplies them.
        let Some(record) = by_path.get(path.as_str()).copied() else {
            continue;
        };
        pending.push(plan_shard(fetcher, &grid, shard, record, &plan.selection).await?);
    }
    let keys = by_path
        .iter()
        .filter_map(|(p, r)| Some((p.to_string(), r.storage_key.clone()?)))
        .collect();
    Ok(ImageFetch {
        image: FetchedImage {
            dir,
            grid,
            keys,
            ranged: Vec::new(),
            prefix,
        },
        pending,
    })
}

async fn plan_shard(
    fetcher: &mut Fetcher<'_>,
    grid: &ShardGrid,
    shard: [u64; 5],
    record: &StoredRecord,
    selection: &strata_zarr::Selection,
) -> Result<ShardFetch, DownloadError> {
    let size = record.size_bytes.max(0) as u64;
    let index_len = grid.index_len();
    if !grid.rangeable || size <= index_len {
        return Ok(ShardFetch::Whole(record.clone()));
    }
    let key = fetcher.key(record)?;
    let index = match fetcher.store.get_range(&key, size - index_len..size).await {
        Ok(bytes) => bytes.to_vec(),
        // Shorter than recorded: the whole fetch reports it as corrupt.
        Err(StorageError::InvalidRange { .. }) => return Ok(ShardFetch::Whole(record.clone())),
        Err(e) => return Err(fetcher.storage(e)),
    };
    fetcher.objects.insert(key.to_string());
    fetcher.count(index.len() as u64);
    let Some(entries) = parse_index(&index, grid.chunk_count()) else {
        // A damaged index: the whole fetch checks the object's SHA-256.
        return Ok(ShardFetch::Whole(record.clone()));
    };
    let data_end = size - index_len;
    let mut needed = Vec::new();
    for i in grid.chunks(shard, selection) {
        match entries.get(i) {
            Some(Some(r)) if r.end <= data_end => needed.push(r.clone()),
            Some(Some(_)) => return Ok(ShardFetch::Whole(record.clone())),
            _ => {}
        }
    }
    let needed_bytes: u64 = needed.iter().map(|r| r.end - r.start).sum();
    if needed_bytes * 2 >= data_end {
        // Most of the shard anyway: one read, and its SHA-256 checked.
        return Ok(ShardFetch::Whole(record.clone()));
    }
    Ok(ShardFetch::Ranged {
        record: record.clone(),
        index,
        ranges: coalesce(needed, GAP),
    })
}

/// Fetches the pending shards into the image folder.
pub(crate) async fn complete_image(
    fetcher: &mut Fetcher<'_>,
    fetch: ImageFetch,
) -> Result<FetchedImage, DownloadError> {
    let ImageFetch { mut image, pending } = fetch;
    for shard in pending {
        match shard {
            ShardFetch::Whole(record) => {
                let dest = image.dir.join(image.relative(&record.path));
                fetcher.whole(&record, &dest).await?;
            }
            ShardFetch::Ranged {
                record,
                index,
                ranges,
            } => {
                let dest = image.dir.join(image.relative(&record.path));
                let key = fetcher.key(&record)?;
                let parts = fetcher.ranges(&key, ranges).await?;
                write_sparse(&dest, record.size_bytes.max(0) as u64, &index, &parts)?;
                image.ranged.push(record);
            }
        }
    }
    Ok(image)
}

/// A sparse file of `size` bytes holding `index` at its end and each part at its offset.
fn write_sparse(
    dest: &Path,
    size: u64,
    index: &[u8],
    parts: &[(u64, Vec<u8>)],
) -> Result<(), DownloadError> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| DownloadError::io(parent, e))?;
    }
    let io = |e| DownloadError::io(dest, e);
    let mut file = std::fs::File::create(dest).map_err(io)?;
    file.set_len(size).map_err(io)?;
    for (offset, bytes) in parts {
        file.write_all_at(bytes, *offset).map_err(io)?;
    }
    file.write_all_at(index, size - index.len() as u64)
        .map_err(io)?;
    file.flush().map_err(io)
}
