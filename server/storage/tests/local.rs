//! Local-store behaviour the S3 backend does not share: failing sources, a full disk,
//! cancellation, symlink registration, and keys that name directories.

mod common;

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use common::{MIB, random_bytes, sha256_hex};
use strata_storage::{LocalStore, ObjectKey, ObjectStore, StorageError, verify};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

fn key(s: &str) -> ObjectKey {
    ObjectKey::parse(s).unwrap()
}

fn staging_entries(store: &LocalStore) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(store.root().join(".strata-tmp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

/// Yields `good` bytes, then either fails or never answers again.
struct BreakingReader {
    left: usize,
    hang: bool,
}

impl AsyncRead for BreakingReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.left == 0 {
            if self.hang {
                return Poll::Pending; // never woken: the caller has to give up
            }
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "client went away",
            )));
        }
        let n = self.left.min(buf.remaining()).min(64 * 1024);
        buf.put_slice(&vec![0xAB; n]);
        self.left -= n;
        Poll::Ready(Ok(()))
    }
}

/// A source that fails after 3 MiB: the put fails naming the key and the cause, no object
/// and no staging file remain, and an object previously under the key is untouched.
#[tokio::test]
async fn failing_source_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).await.unwrap();
    let k = key("uploads/broken.tif");
    let mut reader = BreakingReader {
        left: 3 * MIB,
        hang: false,
    };
    let err = store.put_stream(&k, &mut reader).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StorageError::Io { .. }), "{err:?}");
    assert!(
        msg.contains("uploads/broken.tif")
            && msg.contains("client went away")
            && msg.contains("reading the source"),
        "{msg}"
    );
    assert_eq!(store.head(&k).await.unwrap(), None);
    assert!(staging_entries(&store).is_empty());

    let previous = random_bytes(1000, 9);
    store
        .put_bytes(&k, Bytes::from(previous.clone()))
        .await
        .unwrap();
    let mut reader = BreakingReader {
        left: MIB + 1,
        hang: false,
    };
    assert!(store.put_stream(&k, &mut reader).await.is_err());
    let mut now = Vec::new();
    store
        .get(&k)
        .await
        .unwrap()
        .read_to_end(&mut now)
        .await
        .unwrap();
    assert_eq!(now, previous, "a failed overwrite keeps the old object");
    assert!(staging_entries(&store).is_empty());
}

/// A put whose future is dropped mid-stream (a cancelled request) removes its staging file.
#[tokio::test]
async fn cancelled_put_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).await.unwrap();
    let k = key("uploads/cancelled.bin");
    let mut reader = BreakingReader {
        left: 2 * MIB,
        hang: true,
    };
    let put = store.put_stream(&k, &mut reader);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), put)
            .await
            .is_err(),
        "put should hang"
    );
    assert_eq!(store.head(&k).await.unwrap(), None);
    assert!(
        staging_entries(&store).is_empty(),
        "{:?}",
        staging_entries(&store)
    );
}

/// Unmounts the tmpfs even if the test panics.
struct Mount<'a>(&'a Path);

impl Drop for Mount<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0).status();
    }
}

/// A full disk (a 1 MiB tmpfs) gives an Io error naming the key and ENOSPC, leaves neither
/// object nor staging file, and the space is free again for the next put.
#[tokio::test]
async fn full_disk_is_a_clear_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(dir.path())
        .output();
    match mounted {
        Ok(out) if out.status.success() => {}
        other => {
            eprintln!("SKIPPED full_disk test: cannot mount a tmpfs here ({other:?})");
            return;
        }
    }
    let _mount = Mount(dir.path());
    let store = LocalStore::open(dir.path()).await.unwrap();
    let k = key("projects/ST-1/too-big.tif");
    let data = random_bytes(3 * MIB, 10);
    let err = store.put_bytes(&k, Bytes::from(data)).await.unwrap_err();
    let msg = err.to_string();
    assert!(err.is_storage_full(), "{err:?}");
    assert!(
        msg.contains("projects/ST-1/too-big.tif") && msg.contains("No space left on device"),
        "{msg}"
    );
    assert_eq!(store.head(&k).await.unwrap(), None);
    assert!(staging_entries(&store).is_empty());

    // Only possible if the failed upload's 1 MiB of staging data was removed.
    let small = random_bytes(700 * 1024, 11);
    let stored = store
        .put_bytes(&key("fits.bin"), Bytes::from(small.clone()))
        .await
        .unwrap();
    assert_eq!(stored.sha256, sha256_hex(&small));
}

/// link_file registers a file in place: the key is a symlink, the digest is the target's,
/// reads return the target's bytes, and deleting the key leaves the raw data alone.
#[tokio::test]
async fn symlink_registration_hashes_and_reads_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path().join("store")).await.unwrap();
    let raw_dir = dir.path().join("instrument/session-7");
    std::fs::create_dir_all(&raw_dir).unwrap();
    let raw = raw_dir.join("movie_0001.tif");
    let data = random_bytes(3 * MIB + 1, 12);
    std::fs::write(&raw, &data).unwrap();

    let k = key("projects/ST-1/raw/movie_0001.tif");
    let stored = store.link_file(&k, &raw).await.unwrap();
    assert_eq!(
        (stored.size, stored.sha256.clone()),
        (data.len() as u64, sha256_hex(&data))
    );
    let link = store.path_of(&k);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        raw.canonicalize().unwrap()
    );

    let mut read = Vec::new();
    store
        .get(&k)
        .await
        .unwrap()
        .read_to_end(&mut read)
        .await
        .unwrap();
    assert_eq!(read, data);
    assert_eq!(
        &store.get_range(&k, 10..20).await.unwrap()[..],
        &data[10..20]
    );
    assert_eq!(
        store.head(&k).await.unwrap().unwrap().size,
        data.len() as u64
    );
    let listed = store.list("projects/ST-1/raw/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, data.len() as u64);
    verify(&store, &k, &stored.sha256).await.unwrap();

    // The raw file changing behind the link is caught by verification.
    std::fs::write(&raw, b"overwritten by the instrument").unwrap();
    assert!(matches!(
        verify(&store, &k, &stored.sha256).await,
        Err(StorageError::Corrupt { .. })
    ));

    store.delete(&k).await.unwrap();
    assert_eq!(store.head(&k).await.unwrap(), None);
    assert!(
        raw.exists(),
        "deleting the object must not delete the registered raw file"
    );

    // A missing target: an Io error naming key and path, and no object.
    let gone = raw_dir.join("missing.tif");
    let err = store.link_file(&k, &gone).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("projects/ST-1/raw/movie_0001.tif") && msg.contains("missing.tif"),
        "{msg}"
    );
    assert_eq!(store.head(&k).await.unwrap(), None);
    assert!(staging_entries(&store).is_empty());
}

/// put_file of a source that does not exist names the key and the path.
#[tokio::test]
async fn put_file_missing_source_names_path() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path().join("store")).await.unwrap();
    let src = dir.path().join("nope.tif");
    let err = store.put_file(&key("a/b.tif"), &src).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("a/b.tif") && msg.contains("nope.tif"), "{msg}");
}

/// A key that names a directory (a prefix of other keys) is not an object; deleting it is a
/// no-op that leaves the objects below alone.
#[tokio::test]
async fn directory_is_not_an_object() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).await.unwrap();
    store
        .put_bytes(&key("d/e/f"), Bytes::from_static(b"x"))
        .await
        .unwrap();
    let d = key("d/e");
    assert_eq!(store.head(&d).await.unwrap(), None);
    assert!(matches!(
        store.get(&d).await,
        Err(StorageError::Missing { .. })
    ));
    assert!(matches!(
        store.get_range(&d, 0..0).await,
        Err(StorageError::Missing { .. })
    ));
    store.delete(&d).await.unwrap();
    assert!(store.head(&key("d/e/f")).await.unwrap().is_some());
    // The staging directory never shows up as objects.
    assert_eq!(store.list("").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_moved_file_is_hashed_and_moved_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path().join("store")).await.unwrap();
    let source = dir.path().join("staged.bin");
    let bytes = random_bytes(3 * MIB + 7, 42);
    std::fs::write(&source, &bytes).unwrap();
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&source).unwrap());
    let key = ObjectKey::parse("a/b/staged.bin").unwrap();
    let stored = store.put_file_moving(&key, &source).await.unwrap();
    assert_eq!(
        (stored.size, stored.sha256.clone()),
        (bytes.len() as u64, sha256_hex(&bytes))
    );
    assert!(!source.exists(), "the source is consumed");
    let dest = store.path_of(&key);
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&dest).unwrap()),
        inode,
        "moved, not copied"
    );
    verify(&store, &key, &stored.sha256).await.unwrap();
}
