//! `sync` against a real S3 protocol server (s3s, in-process, signed requests).

mod common;
#[path = "../../storage/tests/common/mod.rs"]
mod s3;

use std::sync::Arc;

use indicatif::ProgressBar;
use strata_catalog::Scope;
use strata_ingest::{
    Ingestor, Problem, SourceRoots, UploadConfig, VerifyTarget, read_manifest, sync,
};
use strata_storage::ObjectStore;

const A: &str = "ML-2022-10-01-14-03-22-0001";
const B: &str = "ML-2022-10-01-15-00-00-0002";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mirror_is_kept_in_step_and_checked() {
    let w = common::world().await;
    let (root, catalog, local, ingestor, sources) = (
        w.root.as_path(),
        &w.catalog,
        &w.store,
        &w.ingestor,
        &w.sources,
    );
    let (a, b) = (
        s3::random_bytes(6 * s3::MIB + 5, 1),
        s3::random_bytes(1000, 2),
    );
    std::fs::write(sources.join("a.bin"), &a).unwrap();
    std::fs::write(sources.join("b.bin"), &b).unwrap();
    std::fs::write(
        sources.join("m.csv"),
        format!("dataset_id,file_name\n{A},a.bin\n{B},b.bin\n"),
    )
    .unwrap();
    let roots = SourceRoots::new([sources.clone()]).unwrap();
    for row in read_manifest(&sources.join("m.csv")).unwrap() {
        ingestor
            .ingest_row(
                &Scope::system(),
                &row,
                &UploadConfig::default(),
                &roots,
                &ProgressBar::hidden(),
            )
            .await
            .unwrap();
    }

    let server = s3::S3Server::start(None).await;
    let mirror = server.store();
    let (scope, target, staging, bar) = (
        Scope::system(),
        VerifyTarget::default(),
        root.join("staging"),
        ProgressBar::hidden(),
    );
    let run = || {
        sync(
            catalog,
            local.as_ref(),
            &mirror,
            &scope,
            &target,
            &staging,
            &bar,
        )
    };
    let first = run().await.unwrap();
    assert_eq!(
        (
            first.objects,
            first.copied,
            first.bytes_copied,
            first.problems.len()
        ),
        (2, 2, (a.len() + b.len()) as u64, 0)
    );
    let key_a = format!("projects/ST-membranes/{A}/a.bin");
    assert_eq!(std::fs::read(server.object_path(&key_a)).unwrap(), a);

    let again = run().await.unwrap();
    assert_eq!(
        (again.copied, again.repaired),
        (0, 0),
        "an up-to-date mirror is only checked"
    );

    s3::flip_byte(&server.object_path(&key_a), 4096);
    let repaired = run().await.unwrap();
    assert_eq!(
        (repaired.copied, repaired.repaired),
        (1, 1),
        "a damaged copy is replaced"
    );
    assert_eq!(std::fs::read(server.object_path(&key_a)).unwrap(), a);

    // Corrupt bytes at the source are reported, never mirrored.
    let key_b = format!("projects/ST-membranes/{B}/b.bin");
    mirror.delete(&key_b.parse().unwrap()).await.unwrap();
    s3::flip_byte(&root.join("store").join(&key_b), 10);
    let report = run().await.unwrap();
    assert_eq!(report.copied, 0);
    assert!(
        matches!(&report.problems[..], [Problem::Corrupt { identifier, .. }] if identifier == B),
        "{:?}",
        report.problems
    );
    assert!(
        mirror
            .head(&key_b.parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

/// S3 as the primary store: a frames ingest lands in the bucket, whole, and verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_ingest_into_s3_as_the_primary_store() {
    use tiff::encoder::{TiffEncoder, colortype};
    let w = common::world().await;
    let (root, catalog) = (w.root.as_path(), &w.catalog);
    let server = s3::S3Server::start(None).await;
    let bucket: Arc<dyn ObjectStore> = Arc::new(server.store());
    let ingestor = Ingestor::new(catalog.clone(), bucket.clone(), root.join("staging"));
    let sources = w.sources.clone();
    let mut encoder =
        TiffEncoder::new(std::fs::File::create(sources.join("z.tif")).unwrap()).unwrap();
    for z in 0..4u16 {
        let plane: Vec<u16> = (0..64 * 64)
            .map(|p| (p as u16).wrapping_mul(z + 3))
            .collect();
        encoder
            .write_image::<colortype::Gray16>(64, 64, &plane)
            .unwrap();
    }
    std::fs::write(
        sources.join("m.csv"),
        format!("dataset_id,file_name\n{A},z.tif\n"),
    )
    .unwrap();
    let row = read_manifest(&sources.join("m.csv")).unwrap().remove(0);
    let config = UploadConfig {
        upload_type: strata_ingest::UploadType::Frames,
        ..UploadConfig::default()
    };
    let report = ingestor
        .ingest_row(
            &Scope::system(),
            &row,
            &config,
            &SourceRoots::new([sources]).unwrap(),
            &ProgressBar::hidden(),
        )
        .await
        .unwrap();
    assert_eq!(report.frames, 4);
    let (_, files) = catalog.stored_objects(&Scope::system(), A).await.unwrap();
    assert!(files.iter().all(|f| f.location == "s3"), "{files:?}");
    for f in &files {
        let key = f.storage_key.as_ref().unwrap();
        let bytes = std::fs::read(server.object_path(key)).unwrap();
        assert_eq!(s3::sha256_hex(&bytes), f.sha256, "{key}");
    }
    let report = strata_ingest::verify(
        catalog,
        bucket.as_ref(),
        &Scope::system(),
        &VerifyTarget::default(),
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
