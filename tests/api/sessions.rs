//! Sessions over GraphQL: who may compact, what a refusal says, and what the
//! cleanup preview's header counts.

use serde_json::json;
use strata_tests::{TestApp, error_of};

const COMPACT: &str = "mutation($uid: String!) { compactSession(project: \"LV\", uid: $uid) {
  bytesFreed removed session { status results { name state sizeBytes } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depositors_compact_completed_sessions_and_refusals_name_the_session() {
    let app = TestApp::spawn().await;
    app.create_project("LV", "Live").await;
    let depositor = app.user("depositor").await;
    app.add_member("LV", "depositor", "DEPOSITOR").await;
    let viewer = app.user("viewer").await;
    app.add_member("LV", "viewer", "VIEWER").await;
    let reported = app
        .ok(
            Some(&depositor),
            "mutation { reportSession(project: \"LV\", input: { title: \"grid 1\" }) { uid status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reported["reportSession"],
        json!({ "uid": "S1", "status": "ACTIVE" })
    );
    let dir = app.data_dir.path().join("projects/ST-live/sessions/S1");
    std::fs::write(dir.join("particles.mrcs"), vec![1u8; 5000]).unwrap();
    std::fs::write(dir.join("picks.cs"), vec![1u8; 70]).unwrap();
    app.ok(
        Some(&depositor),
        "mutation { recordSessionResults(project: \"LV\", uid: \"S1\", results: [
           { name: \"particles\", path: \"particles.mrcs\", kind: PARTICLES },
           { name: \"picks\", path: \"picks.cs\", kind: PARTICLE_LOCATIONS }]) { sizeBytes } }",
        json!({}),
    )
    .await;

    // Active: refused, naming the argument and saying what to do.
    let refused = app
        .graphql(Some(&depositor), COMPACT, json!({ "uid": "S1" }))
        .await;
    let (code, field, message) = error_of(&refused);
    assert_eq!(code, "CONFLICT");
    assert_eq!(field.as_deref(), Some("uid"));
    assert!(message.contains("mark it completed"), "{message}");
    let missing = app
        .graphql(Some(&depositor), COMPACT, json!({ "uid": "S7" }))
        .await;
    assert_eq!(error_of(&missing).0, "NOT_FOUND");

    app.ok(
        Some(&depositor),
        "mutation { completeSession(project: \"LV\", uid: \"S1\") { status } }",
        json!({}),
    )
    .await;
    // A viewer may look, not compact.
    let forbidden = app
        .graphql(Some(&viewer), COMPACT, json!({ "uid": "S1" }))
        .await;
    assert_eq!(error_of(&forbidden).0, "FORBIDDEN");
    let header = "query { cleanupPreview(project: \"LV\", options: {}) { scopeSessions scopeSessionBytes } }";
    let before = app.ok(Some(&viewer), header, json!({})).await;
    assert_eq!(
        before["cleanupPreview"],
        json!({ "scopeSessions": 1, "scopeSessionBytes": 5070 })
    );

    let done = app
        .ok(Some(&depositor), COMPACT, json!({ "uid": "S1" }))
        .await;
    assert_eq!(
        done["compactSession"],
        json!({ "bytesFreed": 5000, "removed": ["particles"], "session": { "status": "COMPACTED",
          "results": [{ "name": "particles", "state": "COMPACTED", "sizeBytes": 0 },
                      { "name": "picks", "state": "PRESENT", "sizeBytes": 70 }] } })
    );
    assert!(!dir.join("particles.mrcs").exists());
    assert!(dir.join("picks.cs").exists());
    let after = app.ok(Some(&viewer), header, json!({})).await;
    assert_eq!(after["cleanupPreview"]["scopeSessionBytes"], 70);
}
