//! A project leaves one instance and lands in another on the other database
//! engine, by its directory alone: detached, copied with tar (links kept as
//! links), attached; then the first instance's catalog is lost and the
//! project is rescued into a third. Every GraphQL answer about the project is
//! the same throughout, and the bytes arrive with the same SHA-256.

use std::process::Command;
use std::sync::Arc;

use indicatif::ProgressBar;
use serde_json::{Value, json};
use strata_catalog::Scope;
use strata_ingest::{Ingestor, SourceRoots, UploadConfig, UploadType, read_manifest};
use strata_storage::LocalStore;
use strata_tests::TestApp;
use tiff::encoder::{TiffEncoder, colortype};

const RAW: &str = "ML-2022-10-01-14-03-22-0001";
const PROCESSED: &str = "ML-2022-10-01-16-00-00-0002";
const FRAMES: &str = "ML-2022-10-02-09-00-00-0003";

const PROJECT: &str = "query { project(code: \"ML\") { code title state embargoEnd
  datasets(first: 50, orderBy: { field: IDENTIFIER, direction: ASC }) { totalCount nodes {
    identifier kind technique instrument sample acquiredAt description status sizeBytes fileCount
    parameters { name value unit canonicalValue }
    links { kind to resolved } linkedFrom { kind from }
    datafiles { path sizeBytes sha256 format location }
    frameSets { position shape dtype channelNames arrayPath
      frames(first: 100) { t c z sha256 parameters { name value } } } } } } }";

async fn snapshot(app: &TestApp) -> Value {
    app.ok(Some(&app.admin), PROJECT, json!({})).await
}

/// A raw dataset with parameters, a processed one derived from it, and a
/// frames dataset ingested from a TIFF stack.
async fn build(app: &TestApp) {
    app.create_project("ML", "Membranes").await;
    app.register(
        RAW,
        json!({ "sample": "grid-3", "description": "raw movies",
                "parameters": [{ "name": "EM_voltage", "value": 300, "unit": "kV" },
                               { "name": "EM_grid_name", "value": "Quantifoil R1.2/1.3" }] }),
    )
    .await;
    app.register(
        PROCESSED,
        json!({ "kind": "PROCESSED", "description": "motion corrected",
                "parameters": [{ "name": "EMMotionCorrection_total_motion", "value": 12.5 }],
                "links": [{ "kind": "DERIVED_FROM", "target": RAW }] }),
    )
    .await;
    let sources = app.data_dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    let mut tiff = TiffEncoder::new(std::fs::File::create(sources.join("s.tif")).unwrap()).unwrap();
    for i in 0..3u16 {
        let plane: Vec<u16> = (0..32 * 24).map(|p| (p * 7 + i * 1000) % 4096).collect();
        tiff.write_image::<colortype::Gray16>(32, 24, &plane)
            .unwrap();
    }
    std::fs::write(
        sources.join("m.csv"),
        format!("dataset_id,file_name\n{FRAMES},s.tif\n"),
    )
    .unwrap();
    let store = Arc::new(LocalStore::open(app.data_dir.path()).await.unwrap());
    let ingestor = Ingestor::new(
        app.catalog.clone(),
        store,
        app.data_dir.path().join("staging"),
    );
    ingestor
        .ingest_row(
            &Scope::system(),
            &read_manifest(&sources.join("m.csv")).unwrap().remove(0),
            &UploadConfig {
                upload_type: UploadType::Frames,
                ..UploadConfig::default()
            },
            &SourceRoots::new([sources.clone()]).unwrap(),
            &ProgressBar::hidden(),
        )
        .await
        .unwrap();
}

/// `tar` from one instance's projects directory into another's.
fn copy_project(from: &TestApp, to: &TestApp, name: &str) {
    let target = to.data_dir.path().join("projects");
    std::fs::create_dir_all(&target).unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -C '{}' -cf - '{name}' | tar -C '{}' -xf -",
            from.data_dir.path().join("projects").display(),
            target.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
}

async fn file_digest(app: &TestApp, identifier: &str, path: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/files/{identifier}/{path}")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{identifier}/{path}");
    let digest = response.headers()["x-strata-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = response.bytes().await.unwrap();
    assert_eq!(strata_tests::sha256_hex(&bytes), digest);
    digest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_moves_between_instances_and_engines_by_its_directory_alone() {
    let first = TestApp::spawn_on_the_other_engine().await;
    build(&first).await;
    let before = snapshot(&first).await;
    assert_eq!(before["project"]["datasets"]["totalCount"], 3, "{before:#}");
    let zarr_json = "0.ome.zarr/zarr.json";
    let digest = file_digest(&first, FRAMES, zarr_json).await;

    first
        .catalog
        .detach_project(&Scope::system(), "ML")
        .await
        .unwrap();
    let second = TestApp::spawn().await;
    copy_project(&first, &second, "ST-membranes");
    let dir = second.data_dir.path().join("projects/ST-membranes");
    second
        .catalog
        .attach_project(&Scope::system(), &dir, false)
        .await
        .unwrap();
    let mut after = snapshot(&second).await;
    // The state is the only difference: detached in the first, attached here.
    after["project"]["state"] = before["project"]["state"].clone();
    assert_eq!(after, before);
    assert_eq!(file_digest(&second, FRAMES, zarr_json).await, digest);

    // The second instance's catalog is lost; its lock stays in the directory.
    let third = TestApp::spawn_on_the_other_engine().await;
    copy_project(&second, &third, "ST-membranes");
    drop(second);
    let dir = third.data_dir.path().join("projects/ST-membranes");
    let refused = third
        .catalog
        .attach_project(&Scope::system(), &dir, false)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("rescue"), "{refused}");
    third
        .catalog
        .attach_project(&Scope::system(), &dir, true)
        .await
        .unwrap();
    let mut rescued = snapshot(&third).await;
    rescued["project"]["state"] = before["project"]["state"].clone();
    assert_eq!(rescued, before);
    assert_eq!(file_digest(&third, FRAMES, zarr_json).await, digest);
}
