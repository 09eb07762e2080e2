//! Project directories' lifecycle over GraphQL: who may, what a detach and an
//! attach keep, and what an archived project refuses.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use strata_catalog::Scope;
use strata_tests::{REGISTER, TestApp, error_of};

const RAW: &str = "RT-2022-10-01-14-03-22-0001";
const PROCESSED: &str = "RT-2022-10-02-09-00-00-0002";

const PROJECT: &str = "query($code: String!) {
  project(code: $code) {
    uid uuid title state embargoEnd
    datasets(first: 50) { nodes {
      identifier kind description sample
      parameters { name value unit }
      links { kind to resolved }
    } }
  }
}";

const STORAGE: &str = "query($code: String!) {
  project(code: $code) { storage { totalBytes datasetsBytes otherBytes computedAt stale } }
}";

const DETACH: &str = "mutation($code: String!) {
  detachProject(code: $code) { project { code state } directory datasets }
}";

const ATTACH: &str = "mutation($path: String!, $rescue: Boolean! = false) {
  attachProject(path: $path, rescue: $rescue) { project { code state uid } directory datasets rescuedLock }
}";

/// The project's directory on the server, as the catalog knows it.
async fn directory(app: &TestApp, code: &str) -> PathBuf {
    PathBuf::from(
        app.catalog
            .project(&Scope::system(), code)
            .await
            .unwrap()
            .directory,
    )
}

fn lock(dir: &Path) -> PathBuf {
    dir.join("strata.lock")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_mutations_are_for_facility_admins_only() {
    let app = TestApp::spawn().await;
    app.create_project("LC", "Lifecycle").await;
    // A manager of the project itself: the strongest caller short of an admin.
    let manager = app.user("manager").await;
    app.add_member("LC", "manager", "MANAGER").await;
    let dir = directory(&app, "LC").await;
    let path = dir.to_string_lossy().into_owned();
    let mutations = [
        (
            "detachProject",
            "mutation { detachProject(code: \"LC\") { directory } }".to_owned(),
        ),
        (
            "attachProject",
            format!("mutation {{ attachProject(path: {path:?}) {{ directory }} }}"),
        ),
        (
            "archiveProject",
            "mutation { archiveProject(code: \"LC\") { state } }".to_owned(),
        ),
        (
            "unarchiveProject",
            format!("mutation {{ unarchiveProject(code: \"LC\", path: {path:?}) {{ state }} }}"),
        ),
        (
            "exportProject",
            "mutation { exportProject(code: \"LC\") { datasets } }".to_owned(),
        ),
        (
            "refreshProjectStorage",
            "mutation { refreshProjectStorage(code: \"LC\") { totalBytes } }".to_owned(),
        ),
    ];
    for (name, mutation) in &mutations {
        let answer = app.graphql(Some(&manager), mutation, json!({})).await;
        let (code, _, message) = error_of(&answer);
        assert_eq!(code, "FORBIDDEN", "{name}: {answer:#}");
        assert!(message.contains("facility admins"), "{name}: {message}");
        assert!(answer["data"].is_null(), "{name}: {answer:#}");

        // Anonymous: a token would help.
        let answer = app.graphql(None, mutation, json!({})).await;
        assert_eq!(error_of(&answer).0, "UNAUTHENTICATED", "{name}: {answer:#}");
    }
    // Nothing of it happened.
    let project = app
        .ok(
            Some(&app.admin),
            "{ project(code: \"LC\") { state storage { totalBytes } } }",
            json!({}),
        )
        .await;
    assert_eq!(project["project"]["state"], "ATTACHED");
    assert!(project["project"]["storage"].is_null(), "never measured");
    assert!(lock(&dir).is_file(), "the lock is still there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detach_then_attach_of_the_same_directory_keeps_the_project_whole() {
    let app = TestApp::spawn().await;
    app.create_project("RT", "Round trip").await;
    app.register(
        RAW,
        json!({
            "description": "Grid 3, square 12",
            "sample": "LmrP nanodisc",
            "parameters": [
                { "name": "EM_voltage", "value": 300, "unit": "kV" },
                { "name": "EM_dose_per_frame", "value": 1.25 },
                { "name": "EM_grid_name", "value": "Quantifoil R1.2/1.3" },
            ],
        }),
    )
    .await;
    app.register(
        PROCESSED,
        json!({
            "kind": "PROCESSED",
            "description": "motion corrected",
            "links": [{ "target": RAW }],
        }),
    )
    .await;
    let vars = json!({ "code": "RT" });
    let before = app.ok(Some(&app.admin), PROJECT, vars.clone()).await;
    assert_eq!(
        before["project"]["datasets"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let storage = app.ok(Some(&app.admin), STORAGE, vars.clone()).await;
    assert!(
        storage["project"]["storage"].is_null(),
        "never measured yet"
    );

    let detached = app.ok(Some(&app.admin), DETACH, vars.clone()).await["detachProject"].clone();
    assert_eq!(
        detached["project"],
        json!({ "code": "RT", "state": "DETACHED" })
    );
    assert_eq!(detached["datasets"], 2);
    let dir = PathBuf::from(detached["directory"].as_str().unwrap());
    assert_eq!(dir, directory(&app, "RT").await);
    assert!(!lock(&dir).exists(), "the lock is removed");
    assert!(dir.join(".strata/project.json").is_file());
    for id in [RAW, PROCESSED] {
        assert!(
            dir.join(format!(".strata/datasets/{id}.json")).is_file(),
            "{id}"
        );
    }

    // Detached: no longer usable here.
    let answer = app
        .graphql(
            Some(&app.admin),
            REGISTER,
            json!({ "input": { "identifier": "RT-2022-10-03-10-00-00-0003", "kind": "RAW", "technique": "CRYO_EM" } }),
        )
        .await;
    let (code, _, message) = error_of(&answer);
    assert_eq!(code, "CONFLICT", "{answer:#}");
    assert!(message.contains("detached"), "{message}");

    let attached = app
        .ok(
            Some(&app.admin),
            ATTACH,
            json!({ "path": dir.to_string_lossy() }),
        )
        .await["attachProject"]
        .clone();
    assert_eq!(attached["project"]["code"], "RT");
    assert_eq!(attached["project"]["state"], "ATTACHED");
    assert_eq!(attached["datasets"], 2);
    assert!(attached["rescuedLock"].is_null());
    assert!(lock(&dir).is_file(), "attached again: locked again");

    let after = app.ok(Some(&app.admin), PROJECT, vars.clone()).await;
    assert_eq!(after["project"]["uid"], attached["project"]["uid"]);
    let without_uid = |mut v: Value| {
        v["project"].as_object_mut().unwrap().remove("uid");
        v
    };
    assert_eq!(
        without_uid(after.clone()),
        without_uid(before.clone()),
        "the same project apart from its uid"
    );

    // Measured at attach.
    let storage =
        app.ok(Some(&app.admin), STORAGE, vars.clone()).await["project"]["storage"].clone();
    assert_eq!(storage["stale"], false, "{storage:#}");
    assert!(storage["totalBytes"].as_i64().unwrap() > 0, "{storage:#}");
    assert_eq!(
        storage["totalBytes"].as_i64(),
        Some(storage["datasetsBytes"].as_i64().unwrap() + storage["otherBytes"].as_i64().unwrap())
    );

    // Attached here: attaching it again is a conflict naming why.
    let answer = app
        .graphql(
            Some(&app.admin),
            ATTACH,
            json!({ "path": dir.to_string_lossy() }),
        )
        .await;
    let (code, field, message) = error_of(&answer);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("CONFLICT", Some("path")),
        "{answer:#}"
    );
    assert!(
        message.contains("already attached to this instance"),
        "{message}"
    );
    // Not under the projects directory: refused before anything is read.
    let answer = app
        .graphql(
            Some(&app.admin),
            ATTACH,
            json!({ "path": app.data_dir.path().to_string_lossy() }),
        )
        .await;
    let (code, field, message) = error_of(&answer);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("path")),
        "{answer:#}"
    );
    assert!(message.contains("is not inside"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_project_refuses_changes_until_unarchived_from_its_new_path() {
    let app = TestApp::spawn().await;
    app.create_project("AR", "Archive me").await;
    app.register(
        "AR-2022-10-01-10-00-00-0001",
        json!({ "description": "first" }),
    )
    .await;
    let archived = app
        .ok(
            Some(&app.admin),
            "mutation { archiveProject(code: \"AR\") { code state } }",
            json!({}),
        )
        .await;
    assert_eq!(
        archived["archiveProject"],
        json!({ "code": "AR", "state": "ARCHIVED" })
    );

    let second = json!({ "input": { "identifier": "AR-2022-10-02-10-00-00-0002", "kind": "RAW", "technique": "CRYO_EM" } });
    let answer = app
        .graphql(Some(&app.admin), REGISTER, second.clone())
        .await;
    let (code, _, message) = error_of(&answer);
    assert_eq!(code, "CONFLICT", "{answer:#}");
    assert!(message.contains("AR is archived"), "{message}");
    let answer = app
        .graphql(
            Some(&app.admin),
            "mutation { exportProject(code: \"AR\") { datasets } }",
            json!({}),
        )
        .await;
    let (code, field, message) = error_of(&answer);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("CONFLICT", Some("code")),
        "{answer:#}"
    );
    assert!(message.contains("archived"), "{message}");

    // Moved (renamed) while archived, then brought back from there.
    let old = directory(&app, "AR").await;
    let new = old.with_file_name("ST-archive-me-renamed");
    std::fs::rename(&old, &new).unwrap();
    let unarchived = app
        .ok(
            Some(&app.admin),
            "mutation($path: String!) { unarchiveProject(code: \"AR\", path: $path) { state } }",
            json!({ "path": new.to_string_lossy() }),
        )
        .await;
    assert_eq!(unarchived["unarchiveProject"]["state"], "ATTACHED");
    assert_eq!(directory(&app, "AR").await, new.canonicalize().unwrap());
    app.ok(Some(&app.admin), REGISTER, second).await;
    assert!(
        new.join(".strata/datasets/AR-2022-10-02-10-00-00-0002.json")
            .is_file(),
        "the continuous export follows the new directory"
    );

    let exported = app
        .ok(
            Some(&app.admin),
            "mutation { exportProject(code: \"AR\") { project { code } datasets } }",
            json!({}),
        )
        .await;
    assert_eq!(exported["exportProject"]["datasets"], 2);
    let refreshed = app
        .ok(
            Some(&app.admin),
            "mutation { refreshProjectStorage(code: \"AR\") { totalBytes otherBytes stale } }",
            json!({}),
        )
        .await;
    assert_eq!(refreshed["refreshProjectStorage"]["stale"], false);
    assert!(
        refreshed["refreshProjectStorage"]["otherBytes"]
            .as_i64()
            .unwrap()
            > 0
    );

    let missing = app
        .graphql(
            Some(&app.admin),
            "mutation { archiveProject(code: \"NOPE\") { state } }",
            json!({}),
        )
        .await;
    let (code, field, _) = error_of(&missing);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("NOT_FOUND", Some("code")),
        "{missing:#}"
    );
}
