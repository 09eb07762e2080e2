use serde_json::json;
use strata_tests::{TestApp, error_of};

/// The checked-in SDL is what the server serves: regenerate it with
/// `cargo run -- export-schema --out schema/strata.graphql`.
#[test]
fn the_checked_in_sdl_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/strata.graphql");
    let checked_in = std::fs::read_to_string(path).expect("schema/strata.graphql");
    assert!(
        checked_in == strata_api::sdl(),
        "schema/strata.graphql is stale: run `cargo run -- export-schema --out schema/strata.graphql`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_complexity_alias_batch_and_size_limits_hold() {
    let app = TestApp::spawn().await;

    let mut deep = String::from("identifier");
    for _ in 0..8 {
        deep = format!("identifier links {{ toDataset {{ {deep} }} }}");
    }
    let answer = app
        .graphql(
            None,
            &format!("{{ datasets {{ edges {{ node {{ {deep} }} }} }} }}"),
            json!({}),
        )
        .await;
    assert!(
        error_of(&answer).2.contains("nested too deep"),
        "depth: {answer}"
    );

    let aliases: String = (0..31)
        .map(|i| format!("a{i}: instruments {{ name }} "))
        .collect();
    let answer = app
        .graphql(None, &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert!(
        error_of(&answer).2.contains("31 aliases"),
        "aliases: {answer}"
    );

    let answer = app.graphql(None, "{ datasets(first: 500) { edges { node { identifier project { datasets(first: 500) { edges { node { identifier } } } } } } } }", json!({})).await;
    assert!(
        error_of(&answer).2.contains("too complex"),
        "complexity: {answer}"
    );

    let batch = app
        .client
        .post(app.url("/graphql"))
        .json(&json!([{ "query": "{ instruments { name } }" }, { "query": "{ instruments { name } }" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 400, "batches are refused");

    let huge = "x".repeat(2 << 20);
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ instruments { name } }", "variables": { "pad": huge } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "a body over 1 MiB is refused");
}
