//! Restack over GraphQL (seed 001, "Restack particles"): a depositor keeps a
//! selection of frames as a new dataset with its job, clears the extraction,
//! and the restacked frames still read back with their digests.

use std::sync::Arc;

use indicatif::ProgressBar;
use serde_json::{Value, json};
use strata_catalog::Scope;
use strata_download::{DownloadOptions, download};
use strata_ingest::{Ingestor, SourceRoots, UploadConfig, UploadType, read_manifest};
use strata_storage::LocalStore;
use strata_tests::{TestApp, error_of};
use tiff::encoder::{TiffEncoder, colortype};

const SOURCE: &str = "RS-2022-10-02-09-00-00-0001";
const RESTACKED: &str = "RS-2022-10-02-09-00-00-0002";

const RESTACK: &str = "mutation($input: RestackInput!) {
  restack(project: \"RS\", input: $input) { identifier job frameCount }
}";

const FRAMES: &str = "query($id: String!) { dataset(identifier: $id) {
  kind frameSets { shape frames(first: 100) { t c z sha256 } } } }";

/// Project RS with a particle stack of 8 single-channel planes (a z stack)
/// ingested as SOURCE, and its extraction job J1, completed.
async fn world() -> (TestApp, Arc<LocalStore>) {
    let app = TestApp::spawn().await;
    app.create_project("RS", "Restacks").await;
    let sources = app.data_dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    let mut encoder =
        TiffEncoder::new(std::fs::File::create(sources.join("particles.tif")).unwrap()).unwrap();
    for i in 0..8u32 {
        let plane: Vec<u16> = (0..32 * 32u32)
            .map(|p| ((p * 7 + i * 311) % 4096) as u16)
            .collect();
        encoder
            .write_image::<colortype::Gray16>(32, 32, &plane)
            .unwrap();
    }
    std::fs::write(
        sources.join("m.csv"),
        format!("dataset_id,file_name\n{SOURCE},particles.tif\n"),
    )
    .unwrap();
    let store = Arc::new(LocalStore::open(app.data_dir.path()).await.unwrap());
    let ingestor = Ingestor::new(
        app.catalog.clone(),
        store.clone(),
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
            &SourceRoots::new([sources]).unwrap(),
            &ProgressBar::hidden(),
        )
        .await
        .unwrap();
    app.ok(
        Some(&app.admin),
        "mutation { reportJob(project: \"RS\", input: { title: \"Extract\", jobType: \"extract\", category: EXTRACTION }) { uid } }",
        json!({}),
    )
    .await;
    app.ok(
        Some(&app.admin),
        "mutation { setJobStatus(project: \"RS\", uid: \"J1\", status: COMPLETED) { status } }",
        json!({}),
    )
    .await;
    (app, store)
}

fn input(frames: Value) -> Value {
    json!({ "input": { "source": SOURCE, "frames": frames, "identifier": RESTACKED,
                       "description": "good particles", "job": "J1" } })
}

/// Digests by "t,c,z".
async fn digests(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let data = app.ok(Some(&app.admin), FRAMES, json!({ "id": id })).await;
    data["dataset"]["frameSets"][0]["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                format!("{},{},{}", f["t"], f["c"], f["z"]),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restack_survives_clearing_its_extraction_and_reads_back() {
    let (app, store) = world().await;
    let made = app
        .ok(Some(&app.admin), RESTACK, input(json!([6, 1, 3])))
        .await;
    assert_eq!(
        made["restack"],
        json!({ "identifier": RESTACKED, "job": "J2", "frameCount": 3 })
    );
    let source = digests(&app, SOURCE).await;
    let restacked = digests(&app, RESTACKED).await;
    let picked: Vec<String> = [1, 3, 6]
        .iter()
        .map(|z| {
            source
                .iter()
                .find(|(k, _)| *k == format!("0,0,{z}"))
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert_eq!(
        restacked,
        (0..3)
            .map(|z| (format!("0,0,{z}"), picked[z].clone()))
            .collect::<Vec<_>>(),
        "the same pixels, in the source's order"
    );
    let jobs = app
        .ok(
            Some(&app.admin),
            "{ project(code: \"RS\") { jobs { uid category status inputs } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        jobs["project"]["jobs"][1],
        json!({ "uid": "J2", "category": "RESTACK", "status": "COMPLETED", "inputs": ["J1"] })
    );

    app.ok(
        Some(&app.admin),
        "mutation { clearJob(project: \"RS\", uid: \"J1\") { uid } }",
        json!({}),
    )
    .await;
    // Through /zarr: the restacked image is served.
    let group = app
        .client
        .get(app.url(&format!("/zarr/{RESTACKED}/0.ome.zarr/zarr.json")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(group.status(), 200);
    // Through the download crate: every frame checked against its digest.
    let dest = tempfile::tempdir().unwrap();
    let report = download(
        &app.catalog,
        store.as_ref(),
        &Scope::system(),
        RESTACKED,
        dest.path(),
        &DownloadOptions {
            metadata: true,
            ..DownloadOptions::default()
        },
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(report.frames, 3);
    let csv = std::fs::read_to_string(report.path.join(strata_download::FRAMES_CSV)).unwrap();
    for (_, sha) in &restacked {
        assert!(csv.contains(sha.as_str()), "{csv}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_indices_are_named_and_leave_nothing() {
    let (app, _) = world().await;
    let (datasets, jobs) = (app.rows("dataset").await, app.rows("job").await);
    let answer = app
        .graphql(Some(&app.admin), RESTACK, input(json!([0, 2, 5, 8])))
        .await;
    let (code, field, message) = error_of(&answer);
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field.as_deref(), Some("input.frames[3]"));
    assert!(message.contains("frame 8 is out of range"), "{message}");
    let answer = app
        .graphql(Some(&app.admin), RESTACK, input(json!([0, -1])))
        .await;
    assert_eq!(error_of(&answer).1.as_deref(), Some("input.frames[1]"));
    assert_eq!(
        (app.rows("dataset").await, app.rows("job").await),
        (datasets, jobs)
    );
    assert!(
        !app.data_dir
            .path()
            .join("projects")
            .join("RS")
            .join(RESTACKED)
            .exists()
    );
    let stored = walk(app.data_dir.path());
    assert!(!stored.iter().any(|p| p.contains(RESTACKED)), "{stored:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_may_not_restack() {
    let (app, _) = world().await;
    let viewer = app.user("viewer").await;
    app.add_member("RS", "viewer", "VIEWER").await;
    let answer = app.graphql(Some(&viewer), RESTACK, input(json!([0]))).await;
    assert_eq!(error_of(&answer).0, "FORBIDDEN");
    assert_eq!(app.rows("job").await, 1);
    assert_eq!(app.rows("dataset").await, 1);
}

/// Every file path under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk(&path));
            }
            out.push(path.to_string_lossy().into_owned());
        }
    }
    out
}
