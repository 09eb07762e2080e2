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
      frames(first: 100) { t c z sha256 parameters { name value } } } } }
  jobs { uid title jobType category status parameters isFinal isAncestorOfFinal inputsUnavailable
    sizeBytes inputs workspaces results { name path intermediate sizeBytes } }
  sessions { uid title workspace status parameters sizeBytes createdAt completedAt compactedAt
    results { name path kind state sizeBytes } }
  publications { doi state title version datasets releaseAt createdAt updatedAt datacite
    readiness { publishable missing { property } } } } }";

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

const REPORT_JOB: &str =
    "mutation($input: ReportJobInput!) { reportJob(project: \"ML\", input: $input) { uid } }";
const RESULTS: &str = "mutation($uid: String!, $results: [JobResultInput!]!) {
  recordJobResults(project: \"ML\", uid: $uid, results: $results) { uid } }";

/// Writes `bytes` into `<project>/<kind>/<uid>/<path>`.
fn write_output(app: &TestApp, kind: &str, uid: &str, path: &str, bytes: usize) {
    let file = app
        .data_dir
        .path()
        .join("projects/ST-membranes")
        .join(kind)
        .join(uid)
        .join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, vec![5u8; bytes]).unwrap();
}

/// Processing as pipelines report it: an import, a motion correction with an
/// intermediate result, a final refinement in two workspaces, a cleared CTF
/// job whose child lost its inputs; and a Live session, compacted.
async fn process(app: &TestApp) {
    let admin = Some(app.admin.as_str());
    let jobs = [
        json!({ "title": "import movies", "jobType": "import_movies", "category": "IMPORT",
                "parameters": { "path": "/raw/ML/*.tif" }, "workspaces": ["W1"] }),
        json!({ "jobType": "patch_motion", "category": "MOTION_CORRECTION",
                "inputs": [{ "job": "J1" }], "workspaces": ["W1"] }),
        json!({ "jobType": "patch_ctf", "category": "CTF_ESTIMATION",
                "inputs": [{ "job": "J2", "results": ["aligned"] }], "workspaces": ["W1"] }),
        json!({ "jobType": "homo_refine", "inputs": [{ "job": "J3" }, { "job": "J2" }],
                "parameters": { "symmetry": "C1" }, "workspaces": ["W1", "W2"] }),
    ];
    for input in jobs {
        app.ok(admin, REPORT_JOB, json!({ "input": input })).await;
    }
    for (uid, results) in [
        ("J1", vec![("movies", "movies.star", 10, false)]),
        (
            "J2",
            vec![
                ("aligned", "aligned", 4000, false),
                ("iter_000", "iter_000.mrc", 700, true),
            ],
        ),
        ("J3", vec![("ctf", "ctf.cs", 300, false)]),
        ("J4", vec![("map", "map.mrc", 900, false)]),
    ] {
        let results: Vec<Value> = results
            .into_iter()
            .map(|(name, path, bytes, intermediate)| {
                write_output(app, "jobs", uid, path, bytes);
                json!({ "name": name, "path": path, "intermediate": intermediate })
            })
            .collect();
        app.ok(admin, RESULTS, json!({ "uid": uid, "results": results }))
            .await;
        app.ok(
            admin,
            "mutation($uid: String!) { setJobStatus(project: \"ML\", uid: $uid, status: COMPLETED) { uid } }",
            json!({ "uid": uid }),
        )
        .await;
    }
    app.ok(
        admin,
        "mutation { markJobFinal(project: \"ML\", uid: \"J4\", final: true) { uid } }",
        json!({}),
    )
    .await;
    app.ok(
        admin,
        "mutation { clearJob(project: \"ML\", uid: \"J3\") { uid } }",
        json!({}),
    )
    .await;

    app.ok(
        admin,
        "mutation { reportSession(project: \"ML\", input: { title: \"grid 3\", workspace: \"W2\",
           parameters: { box_size: 256 } }) { uid } }",
        json!({}),
    )
    .await;
    for (path, bytes) in [("mics/m1.mrc", 800), ("picks.cs", 60)] {
        write_output(app, "sessions", "S1", path, bytes);
    }
    app.ok(
        admin,
        "mutation { recordSessionResults(project: \"ML\", uid: \"S1\", results: [
           { name: \"micrographs\", path: \"mics\", kind: MICROGRAPHS },
           { name: \"locations\", path: \"picks.cs\", kind: PARTICLE_LOCATIONS }]) { uid } }",
        json!({}),
    )
    .await;
    app.ok(
        admin,
        "mutation { completeSession(project: \"ML\", uid: \"S1\") { uid } }",
        json!({}),
    )
    .await;
    // A DOI draft, half filled in.
    app.ok(
        admin,
        "mutation($input: PublicationInput!) { createPublication(project: \"ML\", input: $input) { doi } }",
        json!({ "input": { "datasets": [RAW, PROCESSED], "releaseAt": "2030-01-01T00:00:00Z",
                "metadata": { "titles": [{ "title": "Membranes, October 2022" }],
                              "creators": [{ "name": "Lovelace, Ada", "nameType": "Personal" }] } } }),
    )
    .await;
    app.ok(
        admin,
        "mutation { compactSession(project: \"ML\", uid: \"S1\") { bytesFreed } }",
        json!({}),
    )
    .await;
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
    process(&first).await;
    let before = snapshot(&first).await;
    assert_eq!(before["project"]["datasets"]["totalCount"], 3, "{before:#}");
    let jobs = &before["project"]["jobs"];
    assert_eq!(jobs.as_array().unwrap().len(), 4, "{jobs:#}");
    assert_eq!(jobs[1]["isAncestorOfFinal"], true, "{jobs:#}");
    assert_eq!(jobs[2]["status"], "BUILDING", "J3 was cleared: {jobs:#}");
    assert_eq!(jobs[3]["inputsUnavailable"], true, "{jobs:#}");
    assert_eq!(
        before["project"]["sessions"][0]["status"], "COMPACTED",
        "{before:#}"
    );
    assert_eq!(
        before["project"]["publications"][0]["doi"], "10.80000/ml.1",
        "{before:#}"
    );
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

    // Uids continue where the first instance stopped, and the rescued
    // session restores.
    let next = third
        .ok(
            Some(&third.admin),
            REPORT_JOB,
            json!({ "input": { "jobType": "select_2d" } }),
        )
        .await;
    assert_eq!(next["reportJob"]["uid"], "J5");
    let restored = third
        .ok(
            Some(&third.admin),
            "mutation { restoreSession(project: \"ML\", uid: \"S1\") { status results { name state } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        restored["restoreSession"]["status"], "RESTORING",
        "{restored:#}"
    );
}
