use serde_json::{Value, json};
use strata_tests::{REGISTER, TestApp, error_of};

/// Rows that a refused write must leave as they were.
async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "dataset",
        "parameter",
        "dataset_link",
        "datafile",
        "sample",
        "event",
        "project",
        "membership",
    ] {
        counts.push(app.rows(table).await);
    }
    counts
}

async fn refused(app: &TestApp, input: Value) -> (String, Option<String>, String) {
    let before = footprint(app).await;
    let answer = app
        .graphql(Some(&app.admin), REGISTER, json!({ "input": input }))
        .await;
    assert!(
        answer["data"].is_null() || answer["data"]["registerDataset"].is_null(),
        "{answer:#}"
    );
    assert_eq!(
        footprint(app).await,
        before,
        "a refused registration wrote something: {answer:#}"
    );
    error_of(&answer)
}

fn dataset(identifier: &str, extra: Value) -> Value {
    let mut input = json!({ "identifier": identifier, "kind": "RAW", "technique": "CRYO_EM" });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    input
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_registrations_name_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.create_instrument("Krios-G4", "cryo-em").await;
    app.register("ML-2022-10-01-14-03-22-0001", json!({})).await;

    let cases: Vec<(Value, &str, &str, &str)> = vec![
        (
            dataset("ML-2022-10-01-14-03-22-1", json!({})),
            "BAD_USER_INPUT",
            "input.identifier",
            "<ID>-YYYY-MM-DD-HH-MM-SS-<NNNN>",
        ),
        (
            dataset("ML-2022-02-30-14-03-22-0001", json!({})),
            "BAD_USER_INPUT",
            "input.identifier",
            "impossible timestamp",
        ),
        (
            dataset("ZZ-2022-10-01-14-03-22-0001", json!({})),
            "NOT_FOUND",
            "input.identifier",
            "no project with code \"ZZ\"",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "instrument": "Titan" }),
            ),
            "NOT_FOUND",
            "input.instrument",
            "no instrument named \"Titan\"",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "links": [{ "target": "ML-2022-10-01-14-03-22-0002" }] }),
            ),
            "BAD_USER_INPUT",
            "input.links[0].target",
            "cannot link to itself",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "links": [{ "target": "ML-2022-10-01" }] }),
            ),
            "BAD_USER_INPUT",
            "input.links[0].target",
            "must look like",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EM_voltage", "value": 300 }, { "name": "EM_voltage", "value": "high" }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters[1].name",
            "given more than once",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EM_images_count", "value": "forty" }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters[0].value",
            "EM_images_count takes an integer; got a string (\"forty\")",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EM_tilt_angle", "value": 95 }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters[0].value",
            "EM_tilt_angle must be at most 90 deg; got 95",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EM_voltage", "value": 300, "unit": "s" }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters[0].unit",
            "EM_voltage is in V (or MV, kV, mV); got unit \"s\", a unit of time",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EM_voltage", "value": -0.3, "unit": "kV" }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters[0].value",
            "EM_voltage must be at least 0 V; got -0.3 kV (= -300 V)",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EM_detector_mode", "value": "integrating" }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters[0].value",
            "EM_detector_mode must be one of \"counting\", \"super-resolution\", \"linear\", \"electron-event\"; got \"integrating\"",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EMTS_tilt_min", "value": -60 }, { "name": "EMTS_tilt_step", "value": 3 }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters",
            "EMTS_tilt_max is required with the other Cryo-ET tilt series (NXem, ISPyB Tomogram, SerialEM .mdoc) parameters (given: EMTS_tilt_min, EMTS_tilt_step)",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "parameters": [{ "name": "EM_flux_capacitor", "value": 1 }] }),
            ),
            "BAD_USER_INPUT",
            "input.parameters[0].name",
            "unknown parameter",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "description": "x".repeat(10_001) }),
            ),
            "BAD_USER_INPUT",
            "input.description",
            "at most 10000 characters",
        ),
        (
            dataset(
                "ML-2022-10-01-14-03-22-0002",
                json!({ "sample": "s".repeat(201) }),
            ),
            "BAD_USER_INPUT",
            "input.sample",
            "1 to 200 characters",
        ),
        (
            dataset("ML-2022-10-01-14-03-22-0001", json!({})),
            "CONFLICT",
            "input.identifier",
            "already exists",
        ),
    ];
    for (input, code, field, message) in cases {
        let (got_code, got_field, got_message) = refused(&app, input.clone()).await;
        assert_eq!(got_code, code, "{input}: {got_message}");
        assert_eq!(got_field.as_deref(), Some(field), "{input}: {got_message}");
        assert!(
            got_message.contains(message),
            "{input}: {got_message:?} lacks {message:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_typed_graphql_values_are_refused_before_the_catalog() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    let before = footprint(&app).await;
    let answer = app
        .graphql(Some(&app.admin), REGISTER, json!({ "input": { "identifier": "ML-2022-10-01-14-03-22-0001", "kind": "COOKED", "technique": "CRYO_EM" } }))
        .await;
    assert!(error_of(&answer).2.contains("COOKED"), "{answer}");
    let answer = app
        .graphql(Some(&app.admin), REGISTER, json!({ "input": { "identifier": "ML-2022-10-01-14-03-22-0001", "kind": "RAW", "technique": "CRYO_EM",
            "parameters": [{ "name": "EM_voltage", "value": [1, 2] }] } }))
        .await;
    assert!(!answer["errors"].is_null(), "{answer}");
    assert_eq!(footprint(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_conditions_name_the_condition() {
    let app = TestApp::spawn().await;
    let search = "query($f: DatasetFilter) { datasets(filter: $f) { totalCount } }";
    let cases = [
        (
            json!({ "parameters": [{ "name": "EM_grid_name", "gt": 3 }] }),
            "filter.parameters[0].gt",
            "EM_grid_name is string; gt does not apply",
        ),
        (
            json!({ "parameters": [{ "name": "EM_voltage", "eq": "high" }] }),
            "filter.parameters[0].eq",
            "EM_voltage takes number values",
        ),
        (
            json!({ "parameters": [{ "name": "EM_voltage" }] }),
            "filter.parameters[0]",
            "give exactly one of",
        ),
        (
            json!({ "parameters": [{ "name": "EM_voltage", "lt": 1, "gt": 0 }] }),
            "filter.parameters[0]",
            "got 2",
        ),
        (
            json!({ "parameters": [{ "name": "EM_voltage", "between": { "min": 5, "max": 1 } }] }),
            "filter.parameters[0].between",
            "lower bound 5 is above",
        ),
        (
            json!({ "parameters": [{ "name": "nope", "eq": 1 }] }),
            "filter.parameters[0].name",
            "unknown parameter \"nope\"",
        ),
        (
            json!({ "acquiredFrom": "2022-10-02T00:00:00Z", "acquiredUntil": "2022-10-01T00:00:00Z" }),
            "filter.acquiredUntil",
            "must not be before",
        ),
    ];
    for (filter, field, message) in cases {
        let answer = app.graphql(None, search, json!({ "f": filter })).await;
        let (code, got_field, got_message) = error_of(&answer);
        assert_eq!(code, "BAD_USER_INPUT", "{filter}");
        assert_eq!(got_field.as_deref(), Some(field), "{filter}: {got_message}");
        assert!(got_message.contains(message), "{filter}: {got_message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_expired_and_revoked_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let me = "{ me { name } }";
    let (status, answer) = app.graphql_status(Some("strata_0000"), me, json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&answer).0, "UNAUTHENTICATED");
    assert!(error_of(&answer).2.contains("not valid"));

    let response = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic YWxpY2U6cHc=")
        .json(&json!({ "query": me }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    use strata_catalog::Scope;
    let expired = app
        .catalog
        .create_token(
            &Scope::system(),
            &"late".parse().unwrap(),
            false,
            "",
            Some(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .await
        .unwrap();
    let (status, answer) = app
        .graphql_status(Some(expired.secret.expose()), me, json!({}))
        .await;
    assert_eq!(status, 401);
    assert!(error_of(&answer).2.contains("expired"), "{answer}");

    let revoked = app
        .catalog
        .create_token(&Scope::system(), &"gone".parse().unwrap(), false, "", None)
        .await
        .unwrap();
    let ok = app.ok(Some(revoked.secret.expose()), me, json!({})).await;
    assert_eq!(ok["me"]["name"], "gone");
    app.catalog
        .revoke_token(&Scope::system(), revoked.id)
        .await
        .unwrap();
    let (status, answer) = app
        .graphql_status(Some(revoked.secret.expose()), me, json!({}))
        .await;
    assert_eq!(status, 401);
    assert!(error_of(&answer).2.contains("revoked"), "{answer}");

    let stored: Vec<String> = {
        use sea_orm::EntityTrait;
        strata_catalog::entity::api_token::Entity::find()
            .all(app.catalog.connection())
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.token_hash)
            .collect()
    };
    assert!(
        !stored
            .iter()
            .any(|h| h == revoked.secret.expose() || h.starts_with("strata_")),
        "secrets are stored hashed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_and_membership_mistakes_are_refused() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    let create = "mutation($input: CreateProjectInput!) { createProject(input: $input) { code } }";
    let cases = [
        (
            json!({ "code": "ml", "title": "x" }),
            "BAD_USER_INPUT",
            "input.code",
        ),
        (
            json!({ "code": "ML", "title": "again" }),
            "CONFLICT",
            "input.code",
        ),
        (
            json!({ "code": "NEW", "title": "" }),
            "BAD_USER_INPUT",
            "input.title",
        ),
        (
            json!({ "code": "NEW", "title": "t".repeat(501) }),
            "BAD_USER_INPUT",
            "input.title",
        ),
    ];
    for (input, code, field) in cases {
        let answer = app
            .graphql(Some(&app.admin), create, json!({ "input": input }))
            .await;
        let (got_code, got_field, message) = error_of(&answer);
        assert_eq!(
            (got_code.as_str(), got_field.as_deref()),
            (code, Some(field)),
            "{input}: {message}"
        );
    }
    assert_eq!(app.rows("project").await, 1);

    let add = "mutation($input: AddMemberInput!) { addMember(input: $input) { user } }";
    let answer = app
        .graphql(
            Some(&app.admin),
            add,
            json!({ "input": { "project": "ML", "user": "nobody", "role": "VIEWER" } }),
        )
        .await;
    assert_eq!(
        error_of(&answer),
        (
            "NOT_FOUND".into(),
            Some("input.user".into()),
            "no user named nobody".into()
        )
    );
    let answer = app
        .graphql(
            Some(&app.admin),
            add,
            json!({ "input": { "project": "QQ", "user": "admin", "role": "VIEWER" } }),
        )
        .await;
    assert_eq!(error_of(&answer).1.as_deref(), Some("input.project"));
    assert_eq!(app.rows("membership").await, 0);
}
