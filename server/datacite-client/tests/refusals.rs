//! DataCite saying no: missing metadata, duplicates, credentials, prefixes — and
//! the fake DataCite's own request checks, exercised with a raw HTTP client since
//! the real client never sends such requests.

mod common;

use common::{PASSWORD, REPOSITORY_ID, State, TestServer, full_metadata};
use serde_json::json;
use strata_datacite_client::{DataCiteClient, DoiState, Error};

fn client(server: &TestServer) -> DataCiteClient {
    DataCiteClient::new(server.config()).expect("valid config")
}

#[tokio::test]
async fn publish_without_mandatory_metadata_names_each_missing_attribute() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/incomplete";
    client
        .create_draft(doi, json!({"titles": [{"title": "Only a title"}]}))
        .await
        .unwrap();

    let err = client
        .publish(doi, json!({"url": "https://strata.example.org/datasets/2"}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422), "{err:?}");
    let sources: Vec<_> = err
        .api_errors()
        .iter()
        .filter_map(|e| e.source.clone())
        .collect();
    assert_eq!(
        sources,
        [
            "creators",
            "publisher",
            "publicationYear",
            "types.resourceTypeGeneral"
        ]
    );
    let message = err.to_string();
    assert!(
        message.starts_with("cannot publish 10.80000/incomplete"),
        "{message}"
    );
    assert!(message.contains("HTTP 422"), "{message}");
    assert!(message.contains("creators: Can't be blank"), "{message}");
    assert!(
        message.contains("types.resourceTypeGeneral: Can't be blank"),
        "{message}"
    );
    // A refused publish changes nothing, not even the url sent with it.
    let got = client.get(doi).await.unwrap();
    assert_eq!((got.state, got.url), (DoiState::Draft, None));
}

#[tokio::test]
async fn register_without_url_is_refused() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/no-url";
    let mut metadata = full_metadata("T");
    metadata.as_object_mut().unwrap().remove("url");
    client.create_draft(doi, metadata).await.unwrap();

    let err = client.register(doi, json!(null)).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.api_errors().len(), 1, "{err}");
    assert_eq!(err.api_errors()[0].source.as_deref(), Some("url"));
    assert_eq!(server.state_of(doi), Some(State::Draft));
}

#[tokio::test]
async fn a_taken_doi_is_refused_once_and_not_retried() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/twice";
    client.create_draft(doi, json!({})).await.unwrap();

    // DOIs are case-insensitive: the upper-case spelling is the same DOI.
    let err = client
        .create_draft("10.80000/TWICE", json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 422, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("doi: This DOI has already been taken"),
        "{err}"
    );
    assert_eq!(
        server.count("POST"),
        2,
        "one POST per create: a 422 is not retried"
    );
}

#[tokio::test]
async fn a_wrong_password_is_reported_as_bad_credentials() {
    let server = TestServer::start().await;
    let mut config = server.config();
    config.password = "wrong".into();
    let client = DataCiteClient::new(config).unwrap();

    let err = client
        .create_draft("10.80000/x", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("rejected the credentials of repository STRATA.TEST (HTTP 401)"),
        "{message}"
    );
    assert!(
        !message.contains("wrong"),
        "the password must not leak: {message}"
    );
    assert!(!format!("{:?}", client.config()).contains("wrong"));
    assert_eq!(server.count("POST"), 1, "a 401 is not retried");
    assert_eq!(server.state_of("10.80000/x"), None);
}

#[tokio::test]
async fn a_prefix_the_repository_does_not_own_is_forbidden() {
    let server = TestServer::start().await;

    let mut config = server.config();
    config.prefix = "10.99999".into();
    let err = DataCiteClient::new(config)
        .unwrap()
        .create_draft_with_generated_suffix(json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("cannot create draft 10.99999/<generated>"),
        "{message}"
    );
    assert!(message.contains("HTTP 403"), "{message}");
    assert!(message.contains("configured prefix 10.99999"), "{message}");

    let err = client(&server)
        .create_draft("10.99999/x", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err:?}");
}

#[tokio::test]
async fn unusable_input_is_refused_without_a_request() {
    let server = TestServer::start().await;
    let client = client(&server);
    let err = client
        .update("10.80000/x", json!(["not", "an object"]))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("attributes must be a JSON object, not an array"),
        "{err}"
    );
    let err = client.get("not-a-doi").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(server.seen().is_empty());
}

#[test]
fn bad_configuration_is_refused() {
    let ok = || {
        strata_datacite_client::ClientConfig::new(
            "https://api.test.datacite.org",
            "A.B",
            "p",
            "10.80000",
        )
    };
    assert!(DataCiteClient::new(ok()).is_ok());
    let mut c = ok();
    c.endpoint = "ftp://example.org".into();
    assert!(matches!(DataCiteClient::new(c), Err(Error::Config(_))));
    let mut c = ok();
    c.prefix = "80000".into();
    assert!(matches!(DataCiteClient::new(c), Err(Error::Config(_))));
    let mut c = ok();
    c.retry.max_attempts = 0;
    assert!(matches!(DataCiteClient::new(c), Err(Error::Config(_))));
}

/// The fake must hold every client to DataCite's rules, or the tests above prove
/// nothing. These requests are ones the client never makes.
#[tokio::test]
async fn the_fake_datacite_enforces_the_documented_request_rules() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/dois", server.base_url);
    let jsonapi = "application/vnd.api+json";
    let body = json!({"data": {"type": "dois", "attributes": {"doi": "10.80000/raw"}}}).to_string();

    let no_auth = http
        .post(&url)
        .header("Content-Type", jsonapi)
        .header("Accept", jsonapi)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), 401);

    let plain_json = http
        .post(&url)
        .basic_auth(REPOSITORY_ID, Some(PASSWORD))
        .header("Content-Type", "application/json")
        .header("Accept", jsonapi)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(plain_json.status(), 415);

    let wrong_type = http
        .post(&url)
        .basic_auth(REPOSITORY_ID, Some(PASSWORD))
        .header("Content-Type", jsonapi)
        .header("Accept", jsonapi)
        .body(
            json!({"data": {"type": "datasets", "attributes": {"doi": "10.80000/raw"}}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 422);

    let not_jsonapi = http
        .post(&url)
        .basic_auth(REPOSITORY_ID, Some(PASSWORD))
        .header("Content-Type", jsonapi)
        .header("Accept", jsonapi)
        .body(json!({"doi": "10.80000/raw"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(not_jsonapi.status(), 422);
    assert_eq!(server.state_of("10.80000/raw"), None);

    // A findable DOI: DataCite answers DELETE with 405 Method not allowed.
    let client = client(&server);
    client
        .create_draft("10.80000/kept", full_metadata("T"))
        .await
        .unwrap();
    client.publish("10.80000/kept", json!(null)).await.unwrap();
    let delete = http
        .delete(format!("{url}/10.80000%2Fkept"))
        .basic_auth(REPOSITORY_ID, Some(PASSWORD))
        .header("Accept", jsonapi)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 405);
    assert!(delete.headers().contains_key("allow"));
    assert_eq!(server.state_of("10.80000/kept"), Some(State::Findable));
}
