use serde_json::json;
use strata_tests::TestApp;

const DATASET: &str = "query($id: String!) {
  dataset(identifier: $id) {
    identifier kind technique instrument sample acquiredAt description status sizeBytes fileCount
    project { code title }
    parameters { name value unit }
    datafiles { path sizeBytes sha256 format location }
  }
}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_dataset_reads_back_with_its_parameters_files_and_project() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membrane transporters, October 2022")
        .await;
    app.create_instrument("Krios-G4", "cryo-em").await;
    let registered = app
        .register(
            "ML-2022-10-01-14-03-22-0001",
            json!({
                "instrument": "Krios-G4",
                "sample": "LmrP nanodisc",
                "description": "Grid 3, square 12",
                "parameters": [
                    { "name": "EM_voltage", "value": 300000, "unit": "V" },
                    { "name": "EM_grid_name", "value": "Quantifoil R1.2/1.3" },
                    { "name": "EM_dose_per_frame", "value": 1.25 },
                    { "name": "EM_images_count", "value": 40 },
                ],
            }),
        )
        .await;
    assert_eq!(
        registered["acquiredAt"], "2022-10-01T14:03:22+00:00",
        "the timestamp comes from the identifier"
    );

    let sha = "a".repeat(64);
    let files = app
        .ok(
            Some(&app.admin),
            "mutation($input: AddDatafilesInput!) { addDatafiles(input: $input) { path } }",
            json!({ "input": { "dataset": "ML-2022-10-01-14-03-22-0001", "files": [
                { "path": "movies/0001.tiff", "sizeBytes": 1000, "sha256": sha, "format": "tiff" },
                { "path": "movies/0002.tiff", "sizeBytes": 24, "sha256": sha, "format": "tiff", "location": "symlink" },
            ] } }),
        )
        .await;
    assert_eq!(files["addDatafiles"].as_array().unwrap().len(), 2);

    let d = app
        .ok(
            Some(&app.admin),
            DATASET,
            json!({ "id": "ML-2022-10-01-14-03-22-0001" }),
        )
        .await["dataset"]
        .clone();
    assert_eq!(d["kind"], "RAW");
    assert_eq!(d["technique"], "CRYO_EM");
    assert_eq!(d["instrument"], "Krios-G4");
    assert_eq!(d["sample"], "LmrP nanodisc");
    assert_eq!(d["status"], "COMPLETE");
    assert_eq!(d["sizeBytes"], 1024);
    assert_eq!(d["fileCount"], 2);
    assert_eq!(d["project"]["code"], "ML");
    assert_eq!(
        d["parameters"],
        json!([
            { "name": "EM_dose_per_frame", "value": 1.25, "unit": "e/A^2" },
            { "name": "EM_grid_name", "value": "Quantifoil R1.2/1.3", "unit": null },
            { "name": "EM_images_count", "value": 40, "unit": null },
            { "name": "EM_voltage", "value": 300000, "unit": "V" },
        ])
    );
    assert_eq!(d["datafiles"][1]["location"], "symlink");

    let changed = app
        .ok(
            Some(&app.admin),
            "mutation { updateDatasetDescription(identifier: \"ML-2022-10-01-14-03-22-0001\", description: \"Grid 3, re-screened\") { description } }",
            json!({}),
        )
        .await;
    assert_eq!(
        changed["updateDatasetDescription"]["description"],
        "Grid 3, re-screened"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_in_the_event_log_with_who_made_it() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    let depositor = app.user("pipeline").await;
    app.add_member("ML", "pipeline", "DEPOSITOR").await;
    app.ok(
        Some(&depositor),
        strata_tests::REGISTER,
        json!({ "input": { "identifier": "ML-2022-10-01-14-03-22-0001", "kind": "RAW", "technique": "CRYO_EM" } }),
    )
    .await;
    let db = app.catalog.connection();
    use sea_orm::{EntityTrait, QueryOrder};
    let events = strata_catalog::entity::event::Entity::find()
        .order_by_asc(strata_catalog::entity::event::Column::Id)
        .all(db)
        .await
        .unwrap();
    let summary: Vec<(String, String, String)> = events
        .iter()
        .map(|e| (e.actor.clone(), e.action.clone(), e.entity_key.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("system".into(), "token.create".into(), "admin".into()),
            ("admin".into(), "project.create".into(), "ML".into()),
            ("system".into(), "token.create".into(), "pipeline".into()),
            ("admin".into(), "project.member".into(), "ML".into()),
            (
                "pipeline".into(),
                "dataset.register".into(),
                "ML-2022-10-01-14-03-22-0001".into()
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_read_but_only_depositors_write() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    let viewer = app.user("viewer").await;
    app.add_member("ML", "viewer", "VIEWER").await;
    app.register("ML-2022-10-01-14-03-22-0001", json!({})).await;

    let seen = app
        .ok(
            Some(&viewer),
            DATASET,
            json!({ "id": "ML-2022-10-01-14-03-22-0001" }),
        )
        .await;
    assert_eq!(seen["dataset"]["identifier"], "ML-2022-10-01-14-03-22-0001");

    let answer = app
        .graphql(
            Some(&viewer),
            strata_tests::REGISTER,
            json!({ "input": { "identifier": "ML-2022-10-01-14-03-22-0002", "kind": "RAW", "technique": "CRYO_EM" } }),
        )
        .await;
    let (code, _, message) = strata_tests::error_of(&answer);
    assert_eq!(code, "FORBIDDEN");
    assert!(message.contains("depositor"), "{message}");
    assert_eq!(app.rows("dataset").await, 1);

    let anonymous = app
        .graphql(
            None,
            "mutation { createProject(input: {code: \"XX\", title: \"x\"}) { code } }",
            json!({}),
        )
        .await;
    assert_eq!(strata_tests::error_of(&anonymous).0, "UNAUTHENTICATED");
}
