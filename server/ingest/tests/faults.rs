//! Ingests that must fail: each ends in a clear error and leaves nothing behind.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_is_refused_before_any_byte_is_written() {
    let w = world().await;
    std::fs::write(w.sources.join("first.bin"), noisy(1000, 3)).unwrap();
    std::fs::write(w.sources.join("second.bin"), noisy(1000, 4)).unwrap();
    w.ingest(&w.manifest(&[(A, "first.bin")]), &UploadConfig::default())
        .await
        .remove(0)
        .unwrap();
    let objects = w.objects().await;
    let (datasets, files) = (w.rows("dataset").await, w.rows("datafile").await);
    let err = w
        .ingest(&w.manifest(&[(A, "second.bin")]), &UploadConfig::default())
        .await
        .remove(0)
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(w.objects().await, objects);
    assert_eq!(
        (w.rows("dataset").await, w.rows("datafile").await),
        (datasets, files)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_outside_the_allowed_directories_are_refused() {
    let w = world().await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"x").unwrap();
    let manifest = w.manifest(&[
        (A, outside.path().join("secret").to_str().unwrap()),
        (B, "../catalog.sqlite"),
    ]);
    for result in w.ingest(&manifest, &UploadConfig::default()).await {
        let err = result.unwrap_err();
        assert!(
            matches!(err, IngestError::Source { .. }) && err.to_string().contains("outside"),
            "{err}"
        );
    }
    assert_eq!((w.rows("dataset").await, w.objects().await.len()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lying_or_truncated_stack_leaves_nothing_behind() {
    let w = world().await;
    imagej(&w.sources.join("lying.tif"), 2, 3, 6, 4);
    let config = UploadConfig {
        upload_type: UploadType::Frames,
        ..UploadConfig::default()
    };
    let err = w
        .ingest(&w.manifest(&[(A, "lying.tif")]), &config)
        .await
        .remove(0)
        .unwrap_err();
    assert!(matches!(err, IngestError::Frames { .. }), "{err}");
    assert!(err.to_string().contains("lying.tif"), "{err}");

    imagej(&w.sources.join("cut.tif"), 2, 3, 6, 6);
    let full = std::fs::read(w.sources.join("cut.tif")).unwrap();
    std::fs::write(w.sources.join("cut.tif"), &full[..full.len() / 2]).unwrap();
    let err = w
        .ingest(&w.manifest(&[(B, "cut.tif")]), &config)
        .await
        .remove(0)
        .unwrap_err();
    assert!(err.to_string().contains("cut.tif"), "{err}");

    assert_eq!(
        (
            w.rows("dataset").await,
            w.rows("frame").await,
            w.rows("datafile").await
        ),
        (0, 0, 0)
    );
    assert!(w.objects().await.is_empty());
    assert_eq!(
        std::fs::read_dir(w.root.join("staging"))
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_ingest_is_invisible_and_simply_rerun() {
    let w = world().await;
    // What a process killed mid-ingest leaves: a claim and some bytes.
    let claim = w
        .catalog
        .begin_ingest(
            &Scope::system(),
            NewDataset {
                identifier: A.parse().unwrap(),
                kind: DatasetKind::Raw,
                technique: Technique::LightMicroscopy,
                instrument: None,
                sample: None,
                description: String::new(),
                parameters: vec![],
                links: vec![],
            },
        )
        .await
        .unwrap();
    let leftover = ObjectKey::parse(format!("projects/ST-membranes/{A}/half.bin")).unwrap();
    w.store
        .put_bytes(&leftover, noisy(10, 5).into())
        .await
        .unwrap();
    assert!(
        w.catalog.dataset(&Scope::system(), A).await.is_err(),
        "an unfinished ingest is visible to nobody"
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
        report.problems,
        vec![Problem::Unfinished {
            identifier: A.into()
        }]
    );
    drop(claim);

    std::fs::write(w.sources.join("whole.bin"), noisy(5000, 6)).unwrap();
    w.ingest(&w.manifest(&[(A, "whole.bin")]), &UploadConfig::default())
        .await
        .remove(0)
        .unwrap();
    assert_eq!(
        w.objects().await,
        vec![format!("projects/ST-membranes/{A}/whole.bin")],
        "the leftover is gone"
    );
    assert!(w.catalog.dataset(&Scope::system(), A).await.is_ok());
    let report = verify(
        &w.catalog,
        w.store.as_ref(),
        &Scope::system(),
        &VerifyTarget::default(),
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_s3_server_fails_the_ingest_cleanly() {
    let w = world().await;
    let mut config = S3Config::new("bucket", "us-east-1", "key", "secret");
    config.endpoint_url = Some("http://127.0.0.1:9".into());
    config.force_path_style = true;
    config.max_attempts = 2;
    let s3: Arc<dyn ObjectStore> = Arc::new(S3Store::new(config).unwrap());
    let ingestor = Ingestor::new(w.catalog.clone(), s3, w.root.join("staging"));
    std::fs::write(w.sources.join("a.bin"), noisy(1000, 9)).unwrap();
    let roots = SourceRoots::new([w.sources.clone()]).unwrap();
    let row = read_manifest(&w.manifest(&[(A, "a.bin")]))
        .unwrap()
        .remove(0);
    let err = ingestor
        .ingest_row(
            &Scope::system(),
            &row,
            &UploadConfig::default(),
            &roots,
            &ProgressBar::hidden(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, IngestError::Storage { .. }), "{err}");
    assert!(err.to_string().contains(A), "{err}");
    assert_eq!(w.rows("dataset").await, 0, "the claim is given up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_clear_error_and_leaves_nothing() {
    let w = world().await;
    let small = w.root.join("small");
    std::fs::create_dir_all(&small).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&small)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("SKIPPED: cannot mount a 1 MiB tmpfs here (needs root)");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(small.clone());
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::open(&small).await.unwrap());
    let ingestor = Ingestor::new(w.catalog.clone(), store.clone(), w.root.join("staging"));
    std::fs::write(w.sources.join("big.bin"), noisy(3 << 20, 10)).unwrap();
    let roots = SourceRoots::new([w.sources.clone()]).unwrap();
    let row = read_manifest(&w.manifest(&[(A, "big.bin")]))
        .unwrap()
        .remove(0);
    let err = ingestor
        .ingest_row(
            &Scope::system(),
            &row,
            &UploadConfig::default(),
            &roots,
            &ProgressBar::hidden(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert_eq!(w.rows("dataset").await, 0);
    assert!(store.list("").await.unwrap().is_empty());
    let used: u64 = walk(&small);
    assert_eq!(used, 0, "no temporary file is left on the full disk");
}
