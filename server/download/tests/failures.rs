//! Frame datasets that cannot be delivered as asked: damaged or missing
//! objects, bad selections, datasets the caller may not see. Each fails
//! naming what is wrong, and leaves nothing in the destination.

mod common;

use common::{ID, OTHER, Stack, World, flip_byte, world, write_ome_tiff};
use strata_catalog::Scope;
use strata_download::{ChannelRef, DownloadError, DownloadOptions};
use strata_ingest::UploadType;
use strata_storage::{ObjectStore, StorageError};

async fn frames_world() -> World {
    let w = world().await;
    write_ome_tiff(&w.sources.join("stack.ome.tif"), &Stack::small());
    w.ingest(ID, "stack.ome.tif", UploadType::Frames).await;
    w
}

/// The (path, key, file) of the one level-0 shard of the small stack.
async fn shard(w: &World) -> (String, String, std::path::PathBuf) {
    w.objects(ID)
        .await
        .into_iter()
        .find(|(path, _, _)| path.starts_with("0.ome.zarr/0/c/"))
        .expect("a level-0 shard")
}

/// Offset and length of inner chunk `i` of a shard with `n` chunks (index at the end).
fn chunk_range(file: &std::path::Path, n: usize, i: usize) -> (u64, u64) {
    let bytes = std::fs::read(file).unwrap();
    let index = &bytes[bytes.len() - (n * 16 + 4)..];
    let entry = &index[i * 16..i * 16 + 16];
    (
        u64::from_le_bytes(entry[..8].try_into().unwrap()),
        u64::from_le_bytes(entry[8..].try_into().unwrap()),
    )
}

fn names_key(err: &DownloadError, key: &str) -> bool {
    match err {
        DownloadError::Storage {
            source: StorageError::Corrupt { key: k, .. },
            ..
        } => k == key,
        DownloadError::Integrity { key: k, .. } => k.contains(key),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_in_a_shard_fails_a_whole_download_as_corrupt() {
    let w = frames_world().await;
    let (_, key, file) = shard(&w).await;
    flip_byte(&file, 1000);
    let err = w
        .download(ID, &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::Storage { source: StorageError::Corrupt { key: k, .. }, .. } if *k == key),
        "{err:?}"
    );
    assert!(err.to_string().contains(&key), "{err}");
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_in_a_selected_chunk_fails_a_partial_download_naming_the_shard() {
    let w = frames_world().await;
    let (_, key, file) = shard(&w).await;
    // Shard [2,3,4,256,512] of tiles [1,1,1,256,256]: 48 chunks; (t0, c1, z1, y0, x0) is chunk 10.
    let (offset, len) = chunk_range(&file, 48, 10);
    flip_byte(&file, (offset + len / 2) as i64);
    let options = DownloadOptions {
        channels: Some(vec![ChannelRef::Name("GFP".into())]),
        z: Some(1..2),
        ..DownloadOptions::default()
    };
    let err = w.download(ID, &options).await.unwrap_err();
    assert!(names_key(&err, &key), "{err:?}");
    if let DownloadError::Integrity {
        identifier,
        position,
        t,
        c,
        z,
        expected,
        actual,
        ..
    } = &err
    {
        assert_eq!(
            (identifier.as_str(), *position, *t, *c, *z),
            (ID, 0, 0, 1, 1)
        );
        assert_ne!(expected, actual);
    }
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());

    // The damage is outside what another selection needs: that one is delivered.
    let options = DownloadOptions {
        channels: Some(vec![ChannelRef::Name("DAPI".into())]),
        ..DownloadOptions::default()
    };
    let report = w.download(ID, &options).await.unwrap();
    assert_eq!(report.frames, 8);
}

fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_pointing_a_plane_at_another_planes_pixels_fails_the_frame_check() {
    let w = frames_world().await;
    let (_, key, file) = shard(&w).await;
    // A well-formed shard (valid index CRC, every chunk decodes) whose index
    // swaps the tiles of (t0, c1, z1) with those of (t0, c1, z2): only the
    // frame digests can tell.
    let mut bytes = std::fs::read(&file).unwrap();
    let n = 48;
    let start = bytes.len() - (n * 16 + 4);
    for (a, b) in [(10, 12), (11, 13)] {
        for k in 0..16 {
            bytes.swap(start + a * 16 + k, start + b * 16 + k);
        }
    }
    let crc = crc32c(&bytes[start..start + n * 16]);
    let at = bytes.len() - 4;
    bytes[at..].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&file, bytes).unwrap();

    let options = DownloadOptions {
        channels: Some(vec![ChannelRef::Name("GFP".into())]),
        z: Some(1..2),
        ..DownloadOptions::default()
    };
    let err = w.download(ID, &options).await.unwrap_err();
    match &err {
        DownloadError::Integrity {
            identifier,
            position,
            t,
            c,
            z,
            key: k,
            expected,
            actual,
        } => {
            assert_eq!(
                (identifier.as_str(), *position, *t, *c, *z),
                (ID, 0, 0, 1, 1)
            );
            assert_eq!(k, &key);
            assert_ne!(expected, actual);
            let sets = w.catalog.frame_sets(&Scope::system(), ID).await.unwrap();
            let row = sets[0]
                .1
                .iter()
                .find(|f| (f.t, f.c, f.z) == (0, 1, 1))
                .unwrap();
            assert_eq!(expected, &row.sha256);
            let swapped = sets[0]
                .1
                .iter()
                .find(|f| (f.t, f.c, f.z) == (0, 1, 2))
                .unwrap();
            assert_eq!(actual, &swapped.sha256, "the pixels delivered were z=2's");
        }
        other => panic!("expected Integrity, got {other:?}"),
    }
    let message = err.to_string();
    for needle in [ID, "position 0", "t=0 c=1 z=1", key.as_str()] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());

    // With verify off, the swap is delivered silently (that is the opt-out).
    let options = DownloadOptions {
        verify: false,
        ..options
    };
    let report = w.download(ID, &options).await.unwrap();
    assert_eq!(report.frames, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_in_the_image_metadata_is_corrupt() {
    let w = frames_world().await;
    let (_, key, file) = w
        .objects(ID)
        .await
        .into_iter()
        .find(|(path, _, _)| path == "0.ome.zarr/zarr.json")
        .unwrap();
    flip_byte(&file, 40);
    let options = DownloadOptions {
        z: Some(0..1),
        ..DownloadOptions::default()
    };
    let err = w.download(ID, &options).await.unwrap_err();
    assert!(names_key(&err, &key), "{err:?}");
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_shard_is_missing_naming_its_key() {
    let w = frames_world().await;
    let (_, key, _) = shard(&w).await;
    w.store.delete(&key.parse().unwrap()).await.unwrap();
    let options = DownloadOptions {
        t: Some(1..2),
        ..DownloadOptions::default()
    };
    let err = w.download(ID, &options).await.unwrap_err();
    assert!(
        matches!(&err, DownloadError::Storage { source: StorageError::Missing { key: k }, .. } if *k == key),
        "{err:?}"
    );
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_selections_are_refused_before_any_byte_is_fetched() {
    let w = frames_world().await;
    std::fs::write(w.sources.join("notes.txt"), b"grid 3").unwrap();
    w.ingest(OTHER, "notes.txt", UploadType::File).await;
    // With every object gone, any fetch would fail as Missing: a Selection
    // error proves the selection was refused first.
    w.delete_all(ID).await;
    w.delete_all(OTHER).await;

    let cases: Vec<(&str, DownloadOptions, &str, &[&str])> = vec![
        (
            ID,
            DownloadOptions {
                channels: Some(vec![ChannelRef::Name("Cy5".into())]),
                ..Default::default()
            },
            "channels",
            &["\"Cy5\"", "DAPI, GFP, mCherry"],
        ),
        (
            ID,
            DownloadOptions {
                channels: Some(vec![ChannelRef::Index(3)]),
                ..Default::default()
            },
            "channels",
            &["index 3", "0..3"],
        ),
        (
            ID,
            DownloadOptions {
                z: Some(2..9),
                ..Default::default()
            },
            "z",
            &["2..9", "0..4"],
        ),
        (
            ID,
            DownloadOptions {
                t: Some(1..1),
                ..Default::default()
            },
            "t",
            &["empty", "0..2"],
        ),
        (
            ID,
            DownloadOptions {
                positions: Some(vec![1]),
                ..Default::default()
            },
            "positions",
            &["position 1", "positions: 0"],
        ),
        (
            OTHER,
            DownloadOptions {
                z: Some(0..1),
                ..Default::default()
            },
            "z",
            &["no frames"],
        ),
    ];
    for (id, options, option, needles) in cases {
        let err = w.download(id, &options).await.unwrap_err();
        match &err {
            DownloadError::Selection { option: o, reason } => {
                assert_eq!(*o, option, "{err}");
                for needle in needles {
                    assert!(reason.contains(needle), "{needle:?} not in {reason:?}");
                }
            }
            other => panic!("{option}: expected a Selection error, got {other:?}"),
        }
        assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dataset_the_caller_may_not_see_is_not_found() {
    let w = frames_world().await;
    let err = w
        .download_as(&Scope::anonymous(), ID, &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    // Indistinguishable from a dataset that does not exist.
    let absent = w
        .download_as(&Scope::system(), OTHER, &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(absent.is_not_found(), "{absent:?}");
    assert!(w.dest_entries().is_empty(), "{:?}", w.dest_entries());
}
