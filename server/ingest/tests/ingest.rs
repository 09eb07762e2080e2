//! Ingests through the real catalog (SQLite) and real stores, with faults.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;
use sea_orm::{ConnectionTrait, Statement};
use sha2::{Digest, Sha256};
use strata_catalog::{Catalog, NewDataset, NewProject, Scope};
use strata_domain::{DatasetKind, Technique};
use strata_ingest::{
    IngestError, Ingestor, Problem, SourceRoots, UploadConfig, UploadType, VerifyTarget,
    read_manifest, verify,
};
use strata_storage::{LocalStore, ObjectKey, ObjectStore, S3Config, S3Store};
use tiff::encoder::{TiffEncoder, colortype};
use tiff::tags::Tag;

struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    catalog: Catalog,
    store: Arc<LocalStore>,
    ingestor: Ingestor,
    sources: PathBuf,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let catalog = Catalog::open(
        &format!(
            "sqlite://{}?mode=rwc",
            root.join("catalog.sqlite").display()
        ),
        root.join("projects"),
    )
    .await
    .unwrap();
    let scope = Scope::system();
    catalog
        .create_project(
            &scope,
            NewProject {
                code: "ML".parse().unwrap(),
                title: "Membranes".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    let store = Arc::new(LocalStore::open(root.join("store")).await.unwrap());
    let ingestor = Ingestor::new(catalog.clone(), store.clone(), root.join("staging"));
    let sources = root.join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    World {
        _dir: dir,
        root,
        catalog,
        store,
        ingestor,
        sources,
    }
}

impl World {
    async fn rows(&self, table: &str) -> i64 {
        let db = self.catalog.connection();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    async fn objects(&self) -> Vec<String> {
        self.store
            .list("")
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.key.to_string())
            .collect()
    }

    fn manifest(&self, rows: &[(&str, &str)]) -> PathBuf {
        let path = self.sources.join("files_for_upload.csv");
        let mut text =
            String::from("dataset_id,file_name,description,parent_dataset_id,positions\n");
        for (id, file) in rows {
            text.push_str(&format!("{id},{file},test data,,\n"));
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    async fn ingest(
        &self,
        manifest: &Path,
        config: &UploadConfig,
    ) -> Vec<Result<strata_ingest::IngestReport, IngestError>> {
        let roots = SourceRoots::new([self.sources.clone()]).unwrap();
        let mut results = Vec::new();
        for row in read_manifest(manifest).unwrap() {
            results.push(
                self.ingestor
                    .ingest_row(
                        &Scope::system(),
                        &row,
                        config,
                        &roots,
                        &ProgressBar::hidden(),
                    )
                    .await,
            );
        }
        results
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

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

/// An ImageJ hyperstack claiming `declared` images but holding `pages` of them (c fastest).
fn imagej(
    path: &Path,
    channels: usize,
    slices: usize,
    declared: usize,
    pages: usize,
) -> Vec<Vec<u16>> {
    let (w, h) = (40u32, 24u32);
    let mut encoder = TiffEncoder::new(std::fs::File::create(path).unwrap()).unwrap();
    let mut planes = Vec::new();
    for i in 0..pages {
        let plane: Vec<u16> = (0..w * h)
            .map(|p| ((p as usize * 7 + i * 131) % 4096) as u16)
            .collect();
        let mut image = encoder.new_image::<colortype::Gray16>(w, h).unwrap();
        if i == 0 {
            let description = format!(
                "ImageJ=1.54f\nimages={declared}\nchannels={channels}\nslices={slices}\nhyperstack=true\n"
            );
            image
                .encoder()
                .write_tag(Tag::ImageDescription, description.as_str())
                .unwrap();
        }
        image.write_data(&plane).unwrap();
        planes.push(plane);
    }
    planes
}

const A: &str = "ML-2022-10-01-14-03-22-0001";
const B: &str = "ML-2022-10-01-15-00-00-0002";

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

fn walk(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
