//! Transient failures are retried with backoff (honouring Retry-After); final
//! answers are not; the client gives up after the configured attempts.

mod common;

use std::time::{Duration, Instant};

use common::{Fault, State, TestServer};
use serde_json::json;
use strata_datacite_client::{DataCiteClient, DoiState, Error};

fn client(server: &TestServer) -> DataCiteClient {
    DataCiteClient::new(server.config()).expect("valid config")
}

#[tokio::test]
async fn succeeds_after_two_server_errors() {
    let server = TestServer::start().await;
    server.inject(Fault::ServerError, 2);
    let record = client(&server)
        .create_draft("10.80000/after-500s", json!({}))
        .await
        .unwrap();
    assert_eq!(record.state, DoiState::Draft);
    assert_eq!(server.count("POST"), 3);
    assert_eq!(server.state_of("10.80000/after-500s"), Some(State::Draft));
}

#[tokio::test]
async fn waits_as_long_as_retry_after_says() {
    let server = TestServer::start().await;
    let client = client(&server);
    client
        .create_draft("10.80000/busy", json!({}))
        .await
        .unwrap();
    server.inject(Fault::TooManyRequests, 1);

    let started = Instant::now();
    let record = client.get("10.80000/busy").await.unwrap();
    let waited = started.elapsed();
    assert_eq!(record.state, DoiState::Draft);
    assert_eq!(server.count("GET"), 2);
    // The configured backoff is 10-50 ms; only Retry-After: 1 explains a second.
    assert!(
        waited >= Duration::from_millis(950),
        "retried after {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "retried after {waited:?}");
}

#[tokio::test]
async fn a_hanging_request_times_out_and_is_retried() {
    let server = TestServer::start().await;
    server.inject(Fault::Hang, 1);
    let started = Instant::now();
    client(&server)
        .create_draft("10.80000/after-hang", json!({}))
        .await
        .unwrap();
    assert_eq!(server.count("POST"), 2);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the 400 ms timeout did not cut the hang"
    );
}

#[tokio::test]
async fn gives_up_after_the_configured_attempts() {
    let server = TestServer::start().await;
    server.inject(Fault::ServerError, 10);
    let mut config = server.config();
    config.retry.max_attempts = 3;
    let err = DataCiteClient::new(config)
        .unwrap()
        .create_draft("10.80000/never", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::GaveUp { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.status(), Some(500));
    let message = err.to_string();
    assert!(
        message.starts_with("cannot create draft 10.80000/never: gave up after 3 attempts"),
        "{message}"
    );
    assert!(message.contains("HTTP 500"), "{message}");
    assert_eq!(server.count("POST"), 3);
}

#[tokio::test]
async fn one_attempt_means_no_retry() {
    let server = TestServer::start().await;
    server.inject(Fault::ServerError, 1);
    let mut config = server.config();
    config.retry.max_attempts = 1;
    let err = DataCiteClient::new(config)
        .unwrap()
        .get("10.80000/x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(server.count("GET"), 1);
}

#[tokio::test]
async fn a_422_is_final() {
    let server = TestServer::start().await;
    let client = client(&server);
    client
        .create_draft("10.80000/bare", json!({}))
        .await
        .unwrap();
    let err = client
        .publish("10.80000/bare", json!(null))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 422, .. }),
        "{err:?}"
    );
    assert_eq!(server.count("PUT"), 1);
}

#[tokio::test]
async fn an_unreachable_server_is_retried_then_reported() {
    // A port that was free a moment ago: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = TestServer::start().await;
    let mut config = server.config();
    config.endpoint = format!("http://127.0.0.1:{port}");
    config.retry.max_attempts = 2;
    let err = DataCiteClient::new(config)
        .unwrap()
        .get("10.80000/x")
        .await
        .unwrap_err();
    match &err {
        Error::GaveUp {
            attempts: 2, last, ..
        } => {
            assert!(matches!(**last, Error::Transport { .. }), "{last:?}")
        }
        other => panic!("expected GaveUp after 2 attempts, got {other:?}"),
    }
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_not_reported_as_a_duplicate() {
    let server = TestServer::start().await;
    server.inject(Fault::LoseAnswer, 1);
    let record = client(&server)
        .create_draft("10.80000/lost-answer", json!({"titles": [{"title": "T"}]}))
        .await
        .unwrap();
    assert_eq!(record.state, DoiState::Draft);
    assert_eq!(record.attributes["titles"][0]["title"], "T");
    // The retried POST met "already taken"; the client then looked the draft up.
    assert_eq!(server.count("POST"), 2);
    assert_eq!(server.count("GET"), 1);
}

#[tokio::test]
async fn a_taken_doi_on_the_first_attempt_stays_an_error() {
    let server = TestServer::start().await;
    let client = client(&server);
    client
        .create_draft("10.80000/mine", json!({}))
        .await
        .unwrap();
    let err = client
        .create_draft("10.80000/mine", json!({}))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("This DOI has already been taken"),
        "{err}"
    );
    assert_eq!(server.count("GET"), 0);
}
