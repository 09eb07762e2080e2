//! The DOI lifecycle against the fake DataCite: create, update, state changes, get,
//! delete.

mod common;

use common::{PREFIX, State, TestServer, full_metadata};
use serde_json::json;
use strata_datacite_client::{DataCiteClient, DoiState, Error, Event};

fn client(server: &TestServer) -> DataCiteClient {
    DataCiteClient::new(server.config()).expect("valid config")
}

#[tokio::test]
async fn draft_is_registered_then_published_then_hidden() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/strata-ds-1";

    let created = client.create_draft(doi, json!({})).await.unwrap();
    assert_eq!(created.doi, doi);
    assert_eq!(created.state, DoiState::Draft);
    let got = client.get(doi).await.unwrap();
    assert_eq!((got.state, got.url), (DoiState::Draft, None));

    client
        .update(doi, full_metadata("Cryo-EM of X"))
        .await
        .unwrap();
    let got = client.get(doi).await.unwrap();
    assert_eq!(got.state, DoiState::Draft);
    assert_eq!(
        got.url.as_deref(),
        Some("https://strata.example.org/datasets/1")
    );

    assert_eq!(
        client.register(doi, json!(null)).await.unwrap(),
        DoiState::Registered
    );
    assert_eq!(client.get(doi).await.unwrap().state, DoiState::Registered);

    assert_eq!(
        client.publish(doi, json!(null)).await.unwrap(),
        DoiState::Findable
    );
    assert_eq!(client.get(doi).await.unwrap().state, DoiState::Findable);

    assert_eq!(client.hide(doi).await.unwrap(), DoiState::Registered);
    let got = client.get(doi).await.unwrap();
    assert_eq!(got.state, DoiState::Registered);
    assert_eq!(got.attributes["titles"][0]["title"], "Cryo-EM of X");
    assert_eq!(server.state_of(doi), Some(State::Registered));
}

#[tokio::test]
async fn the_doi_travels_as_one_percent_encoded_path_segment() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/a/b;c";
    client.create_draft(doi, json!({})).await.unwrap();
    client.get(doi).await.unwrap();
    let get = server
        .seen()
        .into_iter()
        .find(|s| s.method == "GET")
        .unwrap();
    assert_eq!(get.path, "/dois/10.80000%2Fa%2Fb;c");
}

#[tokio::test]
async fn generated_suffix_comes_back_in_the_record() {
    let server = TestServer::start().await;
    let client = client(&server);
    let record = client
        .create_draft_with_generated_suffix(json!({"titles": [{"title": "T"}]}))
        .await
        .unwrap();
    let suffix = record
        .doi
        .strip_prefix(&format!("{PREFIX}/"))
        .expect("the configured prefix");
    assert!(!suffix.is_empty());
    assert_eq!(record.state, DoiState::Draft);
    let got = client.get(&record.doi).await.unwrap();
    assert_eq!(got.attributes["titles"][0]["title"], "T");

    let second = client
        .create_draft_with_generated_suffix(json!(null))
        .await
        .unwrap();
    assert_ne!(second.doi, record.doi);
}

#[tokio::test]
async fn update_changes_metadata_but_never_the_state() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/strata-ds-2";
    client
        .create_draft(doi, json!({"titles": [{"title": "Old"}]}))
        .await
        .unwrap();

    let mut attrs = full_metadata("New");
    // An event smuggled into an update must not publish.
    attrs["event"] = json!("publish");
    let updated = client.update(doi, attrs).await.unwrap();
    assert_eq!(updated.state, DoiState::Draft);

    let got = client.get(doi).await.unwrap();
    assert_eq!(got.attributes["titles"][0]["title"], "New");
    assert_eq!(got.state, DoiState::Draft);
}

#[tokio::test]
async fn publish_can_carry_the_metadata_in_the_same_request() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/strata-ds-3";
    client.create_draft(doi, json!({})).await.unwrap();
    assert_eq!(
        client
            .publish(doi, full_metadata("One shot"))
            .await
            .unwrap(),
        DoiState::Findable
    );
    assert_eq!(server.state_of(doi), Some(State::Findable));
}

#[tokio::test]
async fn an_event_datacite_ignores_is_an_error() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/strata-ds-4";
    client.create_draft(doi, full_metadata("T")).await.unwrap();

    // hide applies only to findable DOIs; DataCite answers 200 and changes nothing.
    let err = client.hide(doi).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::EventNotApplied {
                event: Event::Hide,
                state: DoiState::Draft,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("did not apply the hide event"),
        "{err}"
    );

    // A findable DOI cannot be taken back to registered by `register`.
    client.publish(doi, json!(null)).await.unwrap();
    let err = client.register(doi, json!(null)).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::EventNotApplied {
                state: DoiState::Findable,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.state_of(doi), Some(State::Findable));
}

#[tokio::test]
async fn deleting_a_draft_removes_it() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/strata-ds-5";
    client.create_draft(doi, json!({})).await.unwrap();

    client.delete_draft(doi).await.unwrap();
    assert_eq!(server.count("DELETE"), 1);
    assert_eq!(server.state_of(doi), None);
    let err = client.get(doi).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("does not know this DOI (HTTP 404)"),
        "{err}"
    );
}

#[tokio::test]
async fn deleting_a_findable_doi_is_refused_before_anything_is_sent() {
    let server = TestServer::start().await;
    let client = client(&server);
    let doi = "10.80000/strata-ds-6";
    client.create_draft(doi, full_metadata("T")).await.unwrap();
    client.publish(doi, json!(null)).await.unwrap();

    let err = client.delete_draft(doi).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotDeletable {
                state: DoiState::Findable,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("only draft DOIs can be deleted"),
        "{err}"
    );
    assert_eq!(server.count("DELETE"), 0);
    assert_eq!(server.state_of(doi), Some(State::Findable));
}

#[tokio::test]
async fn deleting_an_unknown_doi_says_it_is_unknown() {
    let server = TestServer::start().await;
    let err = client(&server)
        .delete_draft("10.80000/nope")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("cannot delete 10.80000/nope"),
        "{err}"
    );
    assert_eq!(server.count("DELETE"), 0);
}
