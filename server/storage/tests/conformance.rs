//! One suite, every backend: each case runs against `LocalStore` on a temp dir and against
//! `S3Store` talking to a real S3 protocol server (s3s-fs) over HTTP with signed requests.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use common::{MIB, RequestLog, S3Server, flip_byte, random_bytes, sha256_hex};
use strata_storage::{
    LocalStore, ObjectKey, ObjectStore, StorageError, copy_verified, fetch_verified, verify,
};
use tokio::io::AsyncReadExt;

/// A store plus what the cases need to reach behind it.
struct Fixture {
    store: Arc<dyn ObjectStore>,
    /// The file that holds an object's bytes, for corrupting it.
    backing: Box<dyn Fn(&ObjectKey) -> PathBuf + Send + Sync>,
    /// Requests the S3 server saw (None for local).
    log: Option<Arc<RequestLog>>,
    /// Everything at the local root (for "no I/O happened" checks).
    root: Option<PathBuf>,
    _keep: Box<dyn std::any::Any + Send>,
}

async fn local_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path().join("store")).await.unwrap();
    let for_backing = store.clone();
    Fixture {
        root: Some(store.root().to_path_buf()),
        store: Arc::new(store),
        backing: Box::new(move |key| for_backing.path_of(key)),
        log: None,
        _keep: Box::new(dir),
    }
}

async fn s3_fixture() -> Fixture {
    let server = Arc::new(S3Server::start(None).await);
    let for_backing = server.clone();
    Fixture {
        store: Arc::new(server.store()),
        backing: Box::new(move |key| for_backing.object_path(key.as_str())),
        log: Some(server.log.clone()),
        root: None,
        _keep: Box::new(server),
    }
}

fn key(s: &str) -> ObjectKey {
    ObjectKey::parse(s).unwrap()
}

async fn read_all(store: &dyn ObjectStore, key: &ObjectKey) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .get(key)
        .await
        .unwrap()
        .read_to_end(&mut out)
        .await
        .unwrap();
    out
}

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

mod cases {
    use super::*;

    /// put_bytes and put_stream (from a Stream of Bytes, as an HTTP body arrives) report the
    /// size and SHA-256 of the source, and get returns the same bytes.
    pub async fn round_trip(fx: Fixture) {
        let store = &*fx.store;
        let data = random_bytes(MIB + 17, 1);
        let k = key("projects/ST-1/ML-2022-001/raw/file.tif");
        let stored = store
            .put_bytes(&k, Bytes::from(data.clone()))
            .await
            .unwrap();
        assert_eq!(stored.key, k);
        assert_eq!(stored.size, data.len() as u64);
        assert_eq!(stored.sha256, sha256_hex(&data));
        assert_eq!(read_all(store, &k).await, data);
        assert_eq!(
            store.head(&k).await.unwrap().unwrap().size,
            data.len() as u64
        );

        // A stream of uneven chunks, as an HTTP upload delivers them.
        let data2 = random_bytes(3 * MIB + 5, 2);
        let chunks: Vec<std::io::Result<Bytes>> = data2
            .chunks(100_003)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut reader = tokio_util::io::StreamReader::new(futures::stream::iter(chunks));
        let k2 = key("projects/ST-1/streamed.bin");
        let stored = store.put_stream(&k2, &mut reader).await.unwrap();
        assert_eq!(
            (stored.size, stored.sha256.as_str()),
            (data2.len() as u64, sha256_hex(&data2).as_str())
        );
        assert_eq!(read_all(store, &k2).await, data2);

        // The empty object is an object.
        let empty = key("projects/ST-1/empty");
        let stored = store.put_bytes(&empty, Bytes::new()).await.unwrap();
        assert_eq!(stored.sha256, sha256_hex(b""));
        assert_eq!(store.head(&empty).await.unwrap().unwrap().size, 0);
        assert!(read_all(store, &empty).await.is_empty());
    }

    /// Objects larger than one part (20 MiB in 5 MiB parts on S3) round-trip through
    /// put_stream and put_file; on S3 they really went up as a multipart upload.
    pub async fn multipart_round_trip(fx: Fixture) {
        let store = &*fx.store;
        let data = random_bytes(20 * MIB + 123, 3);
        let k = key("big/stream.bin");
        let mut reader: &[u8] = &data;
        let stored = store.put_stream(&k, &mut reader).await.unwrap();
        assert_eq!(stored.size, data.len() as u64);
        assert_eq!(stored.sha256, sha256_hex(&data));
        if let Some(log) = &fx.log {
            assert_eq!(
                log.upload_parts(),
                5,
                "20 MiB + 123 B in 5 MiB parts is 5 parts"
            );
        }
        assert_eq!(read_all(store, &k).await, data);

        // Exactly two parts' worth: the last part is full and the next read finds the end.
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("source.bin");
        let data = random_bytes(10 * MIB, 4);
        std::fs::write(&src, &data).unwrap();
        let k = key("big/file.bin");
        let stored = store.put_file(&k, &src).await.unwrap();
        assert_eq!(
            (stored.size, stored.sha256.clone()),
            (data.len() as u64, sha256_hex(&data))
        );
        assert_eq!(read_all(store, &k).await, data);
        assert!(verify(store, &k, &stored.sha256).await.is_ok());
    }

    /// Ranged reads return exactly the bytes asked for and refuse ranges past the end.
    pub async fn ranged_get(fx: Fixture) {
        let store = &*fx.store;
        let data = random_bytes(100_000, 5);
        let k = key("ranges/obj");
        store
            .put_bytes(&k, Bytes::from(data.clone()))
            .await
            .unwrap();
        for range in [0..10u64, 1234..56_789, 99_990..100_000, 0..100_000] {
            let got = store.get_range(&k, range.clone()).await.unwrap();
            assert_eq!(
                &got[..],
                &data[range.start as usize..range.end as usize],
                "{range:?}"
            );
        }
        assert!(store.get_range(&k, 500..500).await.unwrap().is_empty());
        for bad in [99_990..100_001, 100_000..100_010, 200_000..200_001] {
            let err = store.get_range(&k, bad.clone()).await.unwrap_err();
            assert!(
                matches!(err, StorageError::InvalidRange { .. }),
                "{bad:?}: {err:?}"
            );
            assert!(err.to_string().contains("ranges/obj"), "{err}");
        }
        let err = store
            .get_range(&key("ranges/none"), 0..1)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StorageError::Missing { key } if key == "ranges/none"),
            "{err:?}"
        );
    }

    /// A missing object: head is None, get and verify are `Missing` naming the key.
    pub async fn missing(fx: Fixture) {
        let store = &*fx.store;
        let k = key("nothing/here.tif");
        assert_eq!(store.head(&k).await.unwrap(), None);
        let err = store
            .get(&k)
            .await
            .err()
            .expect("get of a missing key must fail");
        assert!(
            matches!(&err, StorageError::Missing { key } if key == "nothing/here.tif"),
            "{err:?}"
        );
        assert!(err.to_string().contains("nothing/here.tif"));
        let err = verify(store, &k, &sha256_hex(b"")).await.unwrap_err();
        assert!(matches!(err, StorageError::Missing { .. }), "{err:?}");
    }

    /// list returns every object under a string prefix with its size, sorted, across pages
    /// (S3 is configured with 2 keys per page here).
    pub async fn list_prefix(fx: Fixture) {
        let store = &*fx.store;
        let names = ["a/1", "a/2", "a/3", "a/sub/6", "ab/4", "b/5"];
        for (i, name) in names.iter().enumerate() {
            store
                .put_bytes(&key(name), Bytes::from(vec![7u8; i + 1]))
                .await
                .unwrap();
        }
        let listed = |v: Vec<strata_storage::ObjectMeta>| {
            v.into_iter()
                .map(|m| (m.key.to_string(), m.size))
                .collect::<Vec<_>>()
        };
        let under_a = listed(store.list("a/").await.unwrap());
        assert_eq!(
            under_a,
            vec![
                ("a/1".into(), 1),
                ("a/2".into(), 2),
                ("a/3".into(), 3),
                ("a/sub/6".into(), 4)
            ]
        );
        if let Some(log) = &fx.log {
            assert!(
                log.list_pages() >= 2,
                "4 keys at 2 per page need 2 pages, saw {}",
                log.list_pages()
            );
        }
        let bare_a: Vec<String> = listed(store.list("a").await.unwrap())
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(bare_a, ["a/1", "a/2", "a/3", "a/sub/6", "ab/4"]);
        assert_eq!(store.list("").await.unwrap().len(), names.len());
        assert_eq!(
            listed(store.list("a/s").await.unwrap()),
            vec![("a/sub/6".into(), 4)]
        );
        assert!(store.list("zzz/").await.unwrap().is_empty());
    }

    /// delete removes the object from head, get and list; deleting again succeeds.
    pub async fn delete(fx: Fixture) {
        let store = &*fx.store;
        let k = key("del/me");
        let keep = key("del/keep");
        store
            .put_bytes(&k, Bytes::from_static(b"bye"))
            .await
            .unwrap();
        store
            .put_bytes(&keep, Bytes::from_static(b"stay"))
            .await
            .unwrap();
        store.delete(&k).await.unwrap();
        assert_eq!(store.head(&k).await.unwrap(), None);
        assert!(matches!(
            store.get(&k).await,
            Err(StorageError::Missing { .. })
        ));
        let left: Vec<String> = store
            .list("del/")
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.key.to_string())
            .collect();
        assert_eq!(left, ["del/keep"]);
        store.delete(&k).await.unwrap();
        assert_eq!(read_all(store, &keep).await, b"stay");
    }

    /// A second put to the same key replaces the object whole.
    pub async fn overwrite(fx: Fixture) {
        let store = &*fx.store;
        let k = key("over/write");
        let first = random_bytes(300_000, 6);
        let second = random_bytes(1000, 7);
        store.put_bytes(&k, Bytes::from(first)).await.unwrap();
        let stored = store
            .put_bytes(&k, Bytes::from(second.clone()))
            .await
            .unwrap();
        assert_eq!(stored.sha256, sha256_hex(&second));
        assert_eq!(read_all(store, &k).await, second);
        assert_eq!(store.head(&k).await.unwrap().unwrap().size, 1000);
        assert_eq!(store.list("over/").await.unwrap().len(), 1);
    }

    /// A flipped byte in the stored bytes is caught by every verified read, with both
    /// digests; fetch_verified leaves nothing at the destination.
    pub async fn verified_read_detects_corruption(fx: Fixture) {
        let store = &*fx.store;
        let data = random_bytes(2 * MIB + 3, 8);
        let k = key("verify/obj.mrc");
        let stored = store
            .put_bytes(&k, Bytes::from(data.clone()))
            .await
            .unwrap();

        // Intact: all three paths succeed and deliver the right bytes.
        let out_dir = tempfile::tempdir().unwrap();
        let good = out_dir.path().join("good.mrc");
        assert_eq!(
            verify(store, &k, &stored.sha256).await.unwrap().size,
            data.len() as u64
        );
        fetch_verified(store, &k, &stored.sha256, &good)
            .await
            .unwrap();
        assert_eq!(std::fs::read(&good).unwrap(), data);
        let mut sink = Vec::new();
        copy_verified(store, &k, &stored.sha256.to_uppercase(), &mut sink)
            .await
            .unwrap();
        assert_eq!(sink, data);

        let corrupted_sha = flip_byte(&(fx.backing)(&k), 1_000_000);
        let expect_corrupt = |err: StorageError| match err {
            StorageError::Corrupt {
                key,
                expected,
                actual,
            } => {
                assert_eq!(key, "verify/obj.mrc");
                assert_eq!(expected, stored.sha256);
                assert_eq!(actual, corrupted_sha);
            }
            other => panic!("expected Corrupt, got {other:?}"),
        };
        expect_corrupt(verify(store, &k, &stored.sha256).await.unwrap_err());

        let bad = out_dir.path().join("bad.mrc");
        expect_corrupt(
            fetch_verified(store, &k, &stored.sha256, &bad)
                .await
                .unwrap_err(),
        );
        assert!(
            !bad.exists(),
            "a corrupt object must not reach the destination"
        );
        assert_eq!(
            dir_listing(out_dir.path()),
            ["good.mrc"],
            "no temp file left behind"
        );

        let mut sink = Vec::new();
        expect_corrupt(
            copy_verified(store, &k, &stored.sha256, &mut sink)
                .await
                .unwrap_err(),
        );
    }

    /// Bad keys and prefixes are refused by parsing, before the store is touched.
    pub async fn invalid_keys_refused(fx: Fixture) {
        let store = &*fx.store;
        for bad in ["../x", "/abs", "a//b", "a\\b", "a/./b", "", "a/\0"] {
            let err = ObjectKey::parse(bad).unwrap_err();
            assert!(matches!(err, StorageError::InvalidKey { .. }), "{bad:?}");
        }
        let requests_before = fx.log.as_ref().map(|l| l.total());
        let root_before = fx.root.as_ref().map(|r| dir_listing(r));
        for bad in ["../", "/abs", "a//", "a\\b"] {
            let err = store.list(bad).await.unwrap_err();
            assert!(
                matches!(&err, StorageError::InvalidKey { key, .. } if key == bad),
                "{bad:?}: {err:?}"
            );
        }
        assert_eq!(
            fx.log.as_ref().map(|l| l.total()),
            requests_before,
            "no request may reach S3"
        );
        assert_eq!(fx.root.as_ref().map(|r| dir_listing(r)), root_before);
    }
}

macro_rules! conformance {
    ($backend:ident, $fixture:path) => {
        mod $backend {
            use super::*;

            #[tokio::test]
            async fn round_trip() {
                cases::round_trip($fixture().await).await
            }
            #[tokio::test]
            async fn multipart_round_trip() {
                cases::multipart_round_trip($fixture().await).await
            }
            #[tokio::test]
            async fn ranged_get() {
                cases::ranged_get($fixture().await).await
            }
            #[tokio::test]
            async fn missing() {
                cases::missing($fixture().await).await
            }
            #[tokio::test]
            async fn list_prefix() {
                cases::list_prefix($fixture().await).await
            }
            #[tokio::test]
            async fn delete() {
                cases::delete($fixture().await).await
            }
            #[tokio::test]
            async fn overwrite() {
                cases::overwrite($fixture().await).await
            }
            #[tokio::test]
            async fn verified_read_detects_corruption() {
                cases::verified_read_detects_corruption($fixture().await).await
            }
            #[tokio::test]
            async fn invalid_keys_refused() {
                cases::invalid_keys_refused($fixture().await).await
            }
        }
    };
}

conformance!(local, local_fixture);
conformance!(s3, s3_fixture);
