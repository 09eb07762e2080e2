//! S3-only behaviour: server failures after the SDK's retries, signing, and what S3 cannot do.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::{FailWhen, MIB, S3Server, random_bytes};
use hyper::Method;
use strata_storage::{ObjectKey, ObjectStore, S3Store, StorageError};

fn key(s: &str) -> ObjectKey {
    ObjectKey::parse(s).unwrap()
}

/// Every UploadPart answers 500: the put fails with a Backend error carrying the service's
/// code and message after exactly `max_attempts` tries of the part, the multipart upload is
/// aborted (s3s-fs holds no parts), and no object is visible.
#[tokio::test]
async fn upload_part_500_is_a_backend_error_and_leaves_nothing() {
    let fail: FailWhen = Arc::new(|m, q| m == Method::PUT && q.contains("partNumber="));
    let server = S3Server::start(Some(fail)).await;
    let store = server.store();
    let k = key("projects/ST-1/big.tif");
    let data = random_bytes(12 * MIB, 13);
    let mut reader: &[u8] = &data;
    let err = store.put_stream(&k, &mut reader).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            &err,
            StorageError::Backend {
                op: "UploadPart",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        msg.contains("projects/ST-1/big.tif")
            && msg.contains("InternalError")
            && msg.contains("injected failure")
            && msg.contains("HTTP 500"),
        "{msg}"
    );
    assert_eq!(
        server.log.upload_parts(),
        server.config().max_attempts as usize,
        "the SDK retries, we do not"
    );
    assert_eq!(server.log.aborts(), 1, "the failed upload must be aborted");
    assert!(
        server.leftover_parts().is_empty(),
        "{:?}",
        server.leftover_parts()
    );
    assert_eq!(store.head(&k).await.unwrap(), None);
    assert!(store.list("projects/").await.unwrap().is_empty());
}

/// A single-request PutObject that keeps failing: Backend error, retried, nothing visible.
#[tokio::test]
async fn put_object_500_is_a_backend_error() {
    let fail: FailWhen = Arc::new(|m, q| m == Method::PUT && !q.contains("uploadId="));
    let server = S3Server::start(Some(fail)).await;
    let store = server.store();
    let k = key("meta/manifest.json");
    let err = store
        .put_bytes(&k, Bytes::from_static(b"{}"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StorageError::Backend {
                op: "PutObject",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.log.count(|m, _| m == Method::PUT), 3);
    assert_eq!(store.head(&k).await.unwrap(), None);
}

/// One failure, then success: the SDK's retry makes the put succeed without our help.
#[tokio::test]
async fn transient_500_is_retried_by_the_sdk() {
    let failed_once = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = failed_once.clone();
    let fail: FailWhen = Arc::new(move |m, q| {
        m == Method::PUT
            && q.contains("partNumber=2")
            && !flag.swap(true, std::sync::atomic::Ordering::SeqCst)
    });
    let server = S3Server::start(Some(fail)).await;
    let store = server.store();
    let data = random_bytes(11 * MIB, 14);
    let mut reader: &[u8] = &data;
    let stored = store
        .put_stream(&key("retry/ok.bin"), &mut reader)
        .await
        .unwrap();
    assert_eq!(stored.size, data.len() as u64);
    assert_eq!(server.log.upload_parts(), 4, "3 parts, one of them twice");
    assert_eq!(
        store
            .head(&key("retry/ok.bin"))
            .await
            .unwrap()
            .unwrap()
            .size,
        data.len() as u64
    );
}

/// Requests are signed and checked: a wrong secret is refused with the service's error code.
#[tokio::test]
async fn wrong_secret_is_refused() {
    let server = S3Server::start(None).await;
    let mut config = server.config();
    config.secret_access_key = "not-the-secret".into();
    let store = S3Store::new(config).unwrap();
    let err = store
        .put_bytes(&key("x"), Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert!(matches!(&err, StorageError::Backend { .. }), "{err:?}");
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    assert!(server.store().head(&key("x")).await.unwrap().is_none());
}

/// Symlink registration is a local-disk notion: S3 says so plainly.
#[tokio::test]
async fn link_file_is_unsupported() {
    let server = S3Server::start(None).await;
    let err = server
        .store()
        .link_file(&key("a/b"), std::path::Path::new("/etc/hostname"))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("a/b"));
}

/// Configurations S3 would reject later are refused up front.
#[tokio::test]
async fn bad_config_is_refused() {
    let server = S3Server::start(None).await;
    let mut config = server.config();
    config.part_size = MIB;
    let err = S3Store::new(config).unwrap_err();
    assert!(
        matches!(err, StorageError::Config(_)) && err.to_string().contains("part size"),
        "{err}"
    );
    let mut config = server.config();
    config.max_attempts = 0;
    assert!(S3Store::new(config).is_err());
}
