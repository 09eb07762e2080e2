//! Datasets uploaded as files: delivered byte for byte, checked, or not.

mod common;

use common::{ID, flip_byte, world};
use strata_download::{DownloadError, DownloadOptions};
use strata_ingest::UploadType;
use strata_storage::StorageError;

fn noisy(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_dataset_round_trips_byte_for_byte_with_its_metadata() {
    let w = world().await;
    let bytes = noisy(3 << 20, 7);
    std::fs::write(w.sources.join("movie.mrc"), &bytes).unwrap();
    w.ingest(ID, "movie.mrc", UploadType::File).await;

    let progress = indicatif::ProgressBar::hidden();
    let report = strata_download::download(
        &w.catalog,
        w.store.as_ref(),
        &strata_catalog::Scope::system(),
        ID,
        &w.dest,
        &DownloadOptions::default(),
        &progress,
    )
    .await
    .unwrap();
    assert_eq!(report.path, w.dest.join(ID));
    assert_eq!(
        (report.objects, report.bytes, report.frames),
        (1, 3 << 20, 0)
    );
    assert_eq!(std::fs::read(report.path.join("movie.mrc")).unwrap(), bytes);
    assert_eq!(
        progress.position(),
        3 << 20,
        "progress counts the bytes fetched"
    );
    assert_eq!(progress.length(), Some(3 << 20));

    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.path.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["dataset"]["identifier"], ID);
    assert_eq!(meta["files"][0]["path"], "movie.mrc");
    assert_eq!(meta["files"][0]["size_bytes"], 3 << 20);
    // Only the download: no partial or staging folder left beside it.
    assert_eq!(
        w.dest_entries(),
        vec![
            ID.to_owned(),
            format!("{ID}/metadata.json"),
            format!("{ID}/movie.mrc")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_file_is_delivered_too() {
    let w = world().await;
    let bytes = noisy(10_000, 8);
    std::fs::write(w.sources.join("raw.tif"), &bytes).unwrap();
    w.ingest(ID, "raw.tif", UploadType::Link).await;
    let options = DownloadOptions {
        metadata: false,
        ..DownloadOptions::default()
    };
    let report = w.download(ID, &options).await.unwrap();
    assert_eq!(std::fs::read(report.path.join("raw.tif")).unwrap(), bytes);
    assert_eq!(
        w.dest_entries(),
        vec![ID.to_owned(), format!("{ID}/raw.tif")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_fails_the_download_naming_the_object_and_leaves_nothing() {
    let w = world().await;
    std::fs::write(w.sources.join("movie.mrc"), noisy(100_000, 9)).unwrap();
    w.ingest(ID, "movie.mrc", UploadType::File).await;
    let (_, key, file) = w.objects(ID).await.remove(0);
    flip_byte(&file, 5_000);

    let err = w
        .download(ID, &DownloadOptions::default())
        .await
        .unwrap_err();
    match &err {
        DownloadError::Storage {
            source:
                StorageError::Corrupt {
                    key: k,
                    expected,
                    actual,
                },
            ..
        } => {
            assert_eq!(k, &key);
            assert_ne!(expected, actual);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(err.to_string().contains(&key), "{err}");
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_verify_delivers_what_is_stored_despite_a_flipped_byte() {
    let w = world().await;
    std::fs::write(w.sources.join("movie.mrc"), noisy(100_000, 10)).unwrap();
    w.ingest(ID, "movie.mrc", UploadType::File).await;
    let (_, _, file) = w.objects(ID).await.remove(0);
    flip_byte(&file, 5_000);
    let damaged = std::fs::read(&file).unwrap();

    let options = DownloadOptions {
        verify: false,
        ..DownloadOptions::default()
    };
    let report = w.download(ID, &options).await.unwrap();
    assert_eq!(
        std::fs::read(report.path.join("movie.mrc")).unwrap(),
        damaged
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_object_is_missing_naming_its_key() {
    let w = world().await;
    std::fs::write(w.sources.join("movie.mrc"), noisy(1000, 11)).unwrap();
    w.ingest(ID, "movie.mrc", UploadType::File).await;
    let (_, key, _) = w.objects(ID).await.remove(0);
    w.delete_all(ID).await;

    let err = w
        .download(ID, &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::Storage { source: StorageError::Missing { key: k }, .. } if *k == key),
        "{err:?}"
    );
    assert!(err.to_string().contains(&key), "{err}");
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_download_is_kept_unless_overwrite_is_asked() {
    let w = world().await;
    std::fs::write(w.sources.join("notes.txt"), b"grid 3").unwrap();
    w.ingest(ID, "notes.txt", UploadType::File).await;
    let target = w.dest.join(ID);
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("mine.txt"), b"keep me").unwrap();

    let err = w
        .download(ID, &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::Exists { path } if *path == target),
        "{err:?}"
    );
    assert_eq!(std::fs::read(target.join("mine.txt")).unwrap(), b"keep me");

    let options = DownloadOptions {
        overwrite: true,
        ..DownloadOptions::default()
    };
    w.download(ID, &options).await.unwrap();
    assert_eq!(std::fs::read(target.join("notes.txt")).unwrap(), b"grid 3");
    assert!(
        !target.join("mine.txt").exists(),
        "the old folder was replaced"
    );
    assert_eq!(
        w.dest_entries(),
        vec![
            ID.to_owned(),
            format!("{ID}/metadata.json"),
            format!("{ID}/notes.txt")
        ]
    );
}
