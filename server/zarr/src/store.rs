//! The store the writer appends shards through.
//!
//! zarrs' `FilesystemStore` calls `fsync` after every write. Appending each
//! frame to its shard that way costs a disk flush per frame per level (600
//! for a 300-frame stack), which bounded ingest by the disk, not the CPU. This
//! store writes through the page cache and keeps the shard files it appends
//! to open; durability is taken once, at [`ImageWriter::finish`](crate::ImageWriter::finish),
//! which syncs every object before reporting them. Reads (the partial encoder
//! reads the shard index back) go to a plain `FilesystemStore`.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zarrs::filesystem::FilesystemStore;
use zarrs::storage::byte_range::ByteRangeIterator;
use zarrs::storage::{
    Bytes, MaybeBytesIterator, OffsetBytesIterator, ReadableStorageTraits, StorageError, StoreKey,
    StorePrefix, WritableStorageTraits,
};

/// Most shard files kept open at once; past this the cache starts afresh.
const OPEN_FILES: usize = 256;

pub(crate) struct AppendStore {
    reads: FilesystemStore,
    open: Mutex<HashMap<StoreKey, Arc<File>>>,
}

impl AppendStore {
    pub(crate) fn new(root: &Path) -> Result<Self, String> {
        let reads = FilesystemStore::new(root).map_err(|e| e.to_string())?;
        Ok(AppendStore {
            reads,
            open: Mutex::new(HashMap::new()),
        })
    }

    fn path(&self, key: &StoreKey) -> PathBuf {
        self.reads.key_to_fspath(key)
    }

    fn file(&self, key: &StoreKey) -> Result<Arc<File>, StorageError> {
        let mut open = self.open.lock().expect("store lock");
        if let Some(file) = open.get(key) {
            return Ok(file.clone());
        }
        let path = self.path(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = Arc::new(
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?,
        );
        if open.len() >= OPEN_FILES {
            open.clear();
        }
        open.insert(key.clone(), file.clone());
        Ok(file)
    }

    fn forget(&self, key: &StoreKey) {
        self.open.lock().expect("store lock").remove(key);
    }
}

impl ReadableStorageTraits for AppendStore {
    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> Result<MaybeBytesIterator<'a>, StorageError> {
        self.reads.get_partial_many(key, byte_ranges)
    }

    fn size_key(&self, key: &StoreKey) -> Result<Option<u64>, StorageError> {
        self.reads.size_key(key)
    }

    fn supports_get_partial(&self) -> bool {
        true
    }
}

impl WritableStorageTraits for AppendStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        self.forget(key);
        let path = self.path(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &value)?;
        Ok(())
    }

    fn set_partial_many(
        &self,
        key: &StoreKey,
        offset_values: OffsetBytesIterator,
    ) -> Result<(), StorageError> {
        let file = self.file(key)?;
        for (offset, value) in offset_values {
            file.write_all_at(&value, offset)?;
        }
        Ok(())
    }

    fn erase(&self, key: &StoreKey) -> Result<(), StorageError> {
        self.forget(key);
        match std::fs::remove_file(self.path(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        self.open.lock().expect("store lock").clear();
        match std::fs::remove_dir_all(self.path(&StoreKey::from(prefix))) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn supports_set_partial(&self) -> bool {
        true
    }
}
