use serde_json::json;
use strata_tests::{TestApp, error_of};

const LINEAGE: &str = "query($id: String!, $depth: Int) {
  lineage(identifier: $id, depth: $depth) {
    dataset { identifier }
    ancestors { depth link { kind from to resolved } dataset { identifier } }
    descendants { depth link { kind from to resolved } dataset { identifier } }
  }
}";

const RAW: &str = "ML-2022-10-01-10-00-00-0001";
const MOTION: &str = "ML-2022-10-01-11-00-00-0002";
const CTF: &str = "ML-2022-10-01-12-00-00-0003";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processed_data_may_arrive_before_its_raw_data() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.register(
        CTF,
        json!({ "kind": "PROCESSED", "links": [{ "target": MOTION }] }),
    )
    .await;
    app.register(
        MOTION,
        json!({ "kind": "PROCESSED", "links": [{ "target": RAW }] }),
    )
    .await;

    let pending = app
        .ok(Some(&app.admin), LINEAGE, json!({ "id": CTF, "depth": 5 }))
        .await;
    assert_eq!(
        pending["lineage"]["ancestors"],
        json!([
            { "depth": 1, "link": { "kind": "DERIVED_FROM", "from": CTF, "to": MOTION, "resolved": true }, "dataset": { "identifier": MOTION } },
            { "depth": 2, "link": { "kind": "DERIVED_FROM", "from": MOTION, "to": RAW, "resolved": false }, "dataset": null },
        ])
    );

    app.register(RAW, json!({})).await;
    let resolved = app
        .ok(Some(&app.admin), LINEAGE, json!({ "id": CTF, "depth": 5 }))
        .await;
    assert_eq!(
        resolved["lineage"]["ancestors"][1]["link"]["resolved"], true,
        "the raw data's arrival resolves the link"
    );
    assert_eq!(
        resolved["lineage"]["ancestors"][1]["dataset"]["identifier"],
        RAW
    );

    let down = app
        .ok(Some(&app.admin), LINEAGE, json!({ "id": RAW, "depth": 1 }))
        .await;
    assert_eq!(
        down["lineage"]["descendants"],
        json!([
            { "depth": 1, "link": { "kind": "DERIVED_FROM", "from": MOTION, "to": RAW, "resolved": true }, "dataset": { "identifier": MOTION } },
        ]),
        "depth 1 stops after one link"
    );
    let all = app
        .ok(Some(&app.admin), LINEAGE, json!({ "id": RAW, "depth": 5 }))
        .await;
    assert_eq!(all["lineage"]["descendants"].as_array().unwrap().len(), 2);

    let links = app
        .ok(
            Some(&app.admin),
            "query($id: String!) { dataset(identifier: $id) { links { to } linkedFrom { from } } }",
            json!({ "id": MOTION }),
        )
        .await;
    assert_eq!(links["dataset"]["links"], json!([{ "to": RAW }]));
    assert_eq!(links["dataset"]["linkedFrom"], json!([{ "from": CTF }]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycles_are_refused_whenever_they_would_close() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.register(RAW, json!({})).await;
    app.register(
        MOTION,
        json!({ "kind": "PROCESSED", "links": [{ "target": RAW }] }),
    )
    .await;
    app.register(
        CTF,
        json!({ "kind": "PROCESSED", "links": [{ "target": MOTION }] }),
    )
    .await;
    let link =
        "mutation($input: LinkDatasetsInput!) { linkDatasets(input: $input) { from to resolved } }";

    let links_before = app.rows("dataset_link").await;
    let answer = app
        .graphql(
            Some(&app.admin),
            link,
            json!({ "input": { "dataset": RAW, "target": CTF } }),
        )
        .await;
    let (code, field, message) = error_of(&answer);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("input.target"))
    );
    assert!(message.contains("cycle"), "{message}");
    let answer = app
        .graphql(
            Some(&app.admin),
            link,
            json!({ "input": { "dataset": RAW, "target": RAW } }),
        )
        .await;
    assert!(error_of(&answer).2.contains("itself"));
    assert_eq!(app.rows("dataset_link").await, links_before);

    // A cycle that closes when a pending link resolves is refused too.
    const LATE: &str = "ML-2022-10-02-10-00-00-0009";
    let ok = app
        .ok(
            Some(&app.admin),
            link,
            json!({ "input": { "dataset": RAW, "target": LATE, "kind": "PARENT" } }),
        )
        .await;
    assert_eq!(ok["linkDatasets"]["resolved"], false);
    let answer = app
        .graphql(Some(&app.admin), strata_tests::REGISTER, json!({ "input": { "identifier": LATE, "kind": "PROCESSED", "technique": "CRYO_EM", "links": [{ "target": CTF }] } }))
        .await;
    let (code, field, _) = error_of(&answer);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("input.links"))
    );
    assert_eq!(
        app.rows("dataset").await,
        3,
        "the dataset that would close the cycle is not written"
    );

    let duplicate = app
        .graphql(
            Some(&app.admin),
            link,
            json!({ "input": { "dataset": CTF, "target": MOTION } }),
        )
        .await;
    assert_eq!(error_of(&duplicate).0, "CONFLICT");
    let deep = app
        .graphql(Some(&app.admin), LINEAGE, json!({ "id": RAW, "depth": 21 }))
        .await;
    assert_eq!(error_of(&deep).1.as_deref(), Some("depth"));
}
