//! Ingests through the real catalog (SQLite) and a real store: what lands, and how it is checked.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_stored_with_their_digest_and_recorded_once_durable() {
    let w = world().await;
    let bytes = noisy(3 << 20, 1);
    std::fs::write(w.sources.join("movie.mrc"), &bytes).unwrap();
    std::fs::write(w.sources.join("notes.txt"), b"grid 3").unwrap();
    let manifest = w.manifest(&[(A, "movie.mrc"), (B, "notes.txt")]);
    let reports = w.ingest(&manifest, &UploadConfig::default()).await;
    let report = reports[0].as_ref().unwrap();
    assert_eq!((report.objects, report.bytes), (1, 3 << 20));

    let (dataset, files) = w.catalog.stored_objects(&Scope::system(), A).await.unwrap();
    assert_eq!(dataset.size_bytes, 3 << 20);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, "movie.mrc");
    assert_eq!(files[0].sha256, sha256(&bytes));
    assert_eq!(files[0].location, "local");
    let key = files[0].storage_key.clone().unwrap();
    assert_eq!(key, format!("projects/ST-membranes/{A}/movie.mrc"));
    assert_eq!(
        std::fs::read(w.root.join("store").join(&key)).unwrap(),
        bytes
    );

    let report = verify(
        &w.catalog,
        w.store.as_ref(),
        &Scope::system(),
        &VerifyTarget::default(),
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.datasets, report.objects, report.problems.len()),
        (2, 2, 0),
        "{:?}",
        report.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_register_raw_data_in_place_without_copying() {
    let w = world().await;
    let bytes = noisy(100_000, 2);
    std::fs::write(w.sources.join("raw.tif"), &bytes).unwrap();
    let manifest = w.manifest(&[(A, "raw.tif")]);
    let config = UploadConfig {
        upload_type: UploadType::Link,
        ..UploadConfig::default()
    };
    w.ingest(&manifest, &config).await.remove(0).unwrap();
    let (_, files) = w.catalog.stored_objects(&Scope::system(), A).await.unwrap();
    assert_eq!(
        (files[0].location.as_str(), files[0].sha256.clone()),
        ("symlink", sha256(&bytes))
    );
    let stored = w
        .root
        .join("store")
        .join(files[0].storage_key.as_ref().unwrap());
    assert!(
        std::fs::symlink_metadata(&stored)
            .unwrap()
            .file_type()
            .is_symlink(),
        "a link, not a copy"
    );
    assert_eq!(
        std::fs::read_link(&stored).unwrap(),
        w.sources.join("raw.tif").canonicalize().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_become_an_ome_zarr_image_with_a_digest_per_frame() {
    let w = world().await;
    let planes = imagej(&w.sources.join("stack.tif"), 2, 3, 6, 6);
    let manifest = w.manifest(&[(A, "stack.tif")]);
    let config = UploadConfig {
        upload_type: UploadType::Frames,
        ..UploadConfig::default()
    };
    let report = w.ingest(&manifest, &config).await.remove(0).unwrap();
    assert_eq!(report.frames, 6);

    let sets = w.catalog.frame_sets(&Scope::system(), A).await.unwrap();
    assert_eq!(sets.len(), 1);
    let (set, frames) = &sets[0];
    assert_eq!(set.shape, serde_json::json!([1, 2, 3, 24, 40]));
    assert_eq!(set.dtype, "uint16");
    assert_eq!(set.array_path, "0.ome.zarr");
    // ImageJ order is c fastest: page i is (c = i % 2, z = i / 2).
    for f in frames {
        let page = (f.z as usize) * 2 + f.c as usize;
        let bytes: Vec<u8> = planes[page].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            f.sha256,
            sha256(&bytes),
            "frame t={} c={} z={}",
            f.t,
            f.c,
            f.z
        );
    }
    let (_, files) = w.catalog.stored_objects(&Scope::system(), A).await.unwrap();
    assert!(
        files.iter().any(|f| f.path == "0.ome.zarr/zarr.json"),
        "{files:?}"
    );
    assert!(
        files.len() <= 8,
        "a handful of objects, not one per frame: {}",
        files.len()
    );
    assert!(
        std::fs::read_dir(w.root.join("staging"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 0,
        "staging is cleaned up"
    );

    // The stored image reads back, frame for frame.
    let image = w
        .root
        .join("store")
        .join(format!("projects/ST-membranes/{A}/0.ome.zarr"));
    let selection = strata_zarr::Selection {
        t: 0..1,
        c: vec![1],
        z: 0..3,
    };
    let read: Vec<_> = strata_zarr::read_frames(&image, &selection, 0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for frame in read {
        let page = frame.z * 2 + frame.c;
        let expected: Vec<u8> = planes[page].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(frame.pixels, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_flipped_bytes_missing_objects_and_unrecorded_ones() {
    let w = world().await;
    std::fs::write(w.sources.join("a.bin"), noisy(4096, 7)).unwrap();
    std::fs::write(w.sources.join("b.bin"), noisy(4096, 8)).unwrap();
    w.ingest(
        &w.manifest(&[(A, "a.bin"), (B, "b.bin")]),
        &UploadConfig::default(),
    )
    .await;
    let store = w.root.join("store");
    let a = store.join(format!("projects/ST-membranes/{A}/a.bin"));
    let mut bytes = std::fs::read(&a).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&a, bytes).unwrap();
    std::fs::remove_file(store.join(format!("projects/ST-membranes/{B}/b.bin"))).unwrap();
    std::fs::write(
        store.join(format!("projects/ST-membranes/{B}/stray.bin")),
        b"?",
    )
    .unwrap();

    let report = verify(
        &w.catalog,
        w.store.as_ref(),
        &Scope::system(),
        &VerifyTarget::default(),
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    let text: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(report.problems.len(), 3, "{text:#?}");
    assert!(
        text.iter()
            .any(|p| p.starts_with("CORRUPT") && p.contains("a.bin")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|p| p.starts_with("MISSING") && p.contains("b.bin")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|p| p.starts_with("UNRECORDED") && p.contains("stray.bin")),
        "{text:#?}"
    );
    let one = verify(
        &w.catalog,
        w.store.as_ref(),
        &Scope::system(),
        &VerifyTarget {
            identifier: Some(A.into()),
            project: None,
        },
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(one.problems.len(), 1);
}
