//! An in-process fake of DataCite's REST API `dois` resource, served over real
//! HTTP on 127.0.0.1, that checks each request the way DataCite documents it and
//! can be told to fail. The rules live in [`store`]; this module is the HTTP side:
//! Basic auth (401), `Accept` and `Content-Type: application/vnd.api+json` (406,
//! 415), JSON:API bodies with `data.type == "dois"` (422), and fault injection.

#![allow(dead_code)] // each test binary uses a different part of it

pub mod store;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use poem::http::{StatusCode, header};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Path};
use poem::{
    Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server, get, handler, post,
};
use serde_json::{Map, Value, json};
use strata_datacite_client::{ClientConfig, RetryPolicy};

pub use store::{Fault, Seen, State};
use store::{Refusal, Store, document};

pub const REPOSITORY_ID: &str = "STRATA.TEST";
pub const PASSWORD: &str = "correct horse battery staple";
pub const PREFIX: &str = "10.80000";
const JSONAPI: &str = "application/vnd.api+json";
/// How long a hanging request hangs: far past [`TestServer::config`]'s timeout.
const HANG: Duration = Duration::from_secs(30);

type Shared = Arc<Mutex<Store>>;

pub struct TestServer {
    pub base_url: String,
    store: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start() -> Self {
        let store: Shared = Arc::new(Mutex::new(Store::new(REPOSITORY_ID, PASSWORD, &[PREFIX])));
        let gate_store = store.clone();
        let app = Route::new()
            .at("/dois", post(create))
            .at("/dois/*doi", get(show).put(update).delete(destroy))
            .data(store.clone())
            .around(move |ep, req| gate(gate_store.clone(), ep, req));
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind 127.0.0.1:0");
        let addr = *acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a TCP address");
        let task = tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
        Self {
            base_url: format!("http://{addr}"),
            store,
            task,
        }
    }

    /// The right credentials, short timeouts and fast backoff, so fault tests take
    /// milliseconds unless a `Retry-After` says otherwise.
    pub fn config(&self) -> ClientConfig {
        let mut config = ClientConfig::new(&self.base_url, REPOSITORY_ID, PASSWORD, PREFIX);
        config.connect_timeout = Duration::from_secs(2);
        config.request_timeout = Duration::from_millis(400);
        config.retry = RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        };
        config
    }

    /// The next `times` requests get `fault` instead of an answer.
    pub fn inject(&self, fault: Fault, times: usize) {
        self.store.lock().unwrap().inject(fault, times);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.store.lock().unwrap().seen.clone()
    }

    pub fn count(&self, method: &str) -> usize {
        self.seen().iter().filter(|s| s.method == method).count()
    }

    /// The metadata DataCite holds for a DOI, bypassing the client.
    pub fn attributes_of(&self, doi: &str) -> Option<Map<String, Value>> {
        self.store
            .lock()
            .unwrap()
            .get(doi)
            .map(|d| d.attributes.clone())
    }

    /// The server's own view of a DOI's state, bypassing the client.
    pub fn state_of(&self, doi: &str) -> Option<State> {
        self.store.lock().unwrap().get(doi).map(|d| d.state)
    }
}

fn jsonapi(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).expect("a valid status"))
        .content_type(JSONAPI)
        .body(body.to_string())
}

fn refused(refusal: Refusal) -> Response {
    let mut response = jsonapi(refusal.status, &json!({ "errors": refusal.errors }));
    if refusal.status == 405 {
        response.headers_mut().insert(
            header::ALLOW,
            "HEAD, GET, POST, PATCH, PUT, OPTIONS"
                .parse()
                .expect("a header value"),
        );
    }
    response
}

fn error(status: u16, title: &str) -> Response {
    jsonapi(
        status,
        &json!({"errors": [{"status": status.to_string(), "title": title}]}),
    )
}

/// Runs before every route: records the request, plays injected faults, then
/// checks authentication and content negotiation.
async fn gate<E: Endpoint>(store: Shared, ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let fault = {
        let mut store = store.lock().unwrap();
        store.seen.push(Seen {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
        });
        store.take_fault()
    };
    match fault {
        Some(Fault::ServerError) => return Ok(error(500, "Internal server error")),
        Some(Fault::TooManyRequests) => {
            let mut response = error(429, "Too many requests");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, "1".parse().expect("a header value"));
            return Ok(response);
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(HANG).await;
            return Ok(error(500, "Hung"));
        }
        Some(Fault::LoseAnswer) => {
            let _ = checked(&store, ep, req).await?;
            return Ok(error(502, "Bad gateway"));
        }
        None => {}
    }
    checked(&store, ep, req).await
}

/// Authentication and content negotiation, then the route.
async fn checked<E: Endpoint>(store: &Shared, ep: Arc<E>, req: Request) -> poem::Result<Response> {
    if !authorized(store, &req) {
        return Ok(error(401, "Bad credentials."));
    }
    let accept = req.header(header::ACCEPT).unwrap_or_default();
    if !accept.split(',').any(|m| m.trim() == JSONAPI) {
        return Ok(error(406, "Accept must include application/vnd.api+json"));
    }
    if matches!(req.method().as_str(), "POST" | "PUT" | "PATCH") {
        // JSON:API: the media type, with no parameters.
        if req.header(header::CONTENT_TYPE).map(str::trim) != Some(JSONAPI) {
            return Ok(error(415, "Content-Type must be application/vnd.api+json"));
        }
    }
    Ok(ep.call(req).await?.into_response())
}

fn authorized(store: &Shared, req: &Request) -> bool {
    let Some(credentials) = req
        .header(header::AUTHORIZATION)
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return false;
    };
    let store = store.lock().unwrap();
    credentials.split_once(':') == Some((store.repository_id.as_str(), store.password.as_str()))
}

/// The `data.attributes` of a JSON:API `dois` document, or a 422 saying what is wrong.
async fn attributes(body: Body) -> Result<Map<String, Value>, Response> {
    let bytes = body
        .into_vec()
        .await
        .map_err(|_| error(400, "Unreadable body"))?;
    let unprocessable = |source: &str, title: &str| {
        jsonapi(
            422,
            &json!({"errors": [{"status": "422", "source": source, "title": title}]}),
        )
    };
    let document: Value = serde_json::from_slice(&bytes).map_err(|_| {
        unprocessable(
            "data",
            "You need to provide a payload following the JSONAPI spec",
        )
    })?;
    let Some(data) = document.get("data").and_then(Value::as_object) else {
        return Err(unprocessable(
            "data",
            "You need to provide a payload following the JSONAPI spec",
        ));
    };
    if data.get("type").and_then(Value::as_str) != Some("dois") {
        return Err(unprocessable("type", "Type must be dois"));
    }
    match data.get("attributes") {
        Some(Value::Object(attrs)) => Ok(attrs.clone()),
        None => Ok(Map::new()),
        Some(_) => Err(unprocessable("attributes", "Attributes must be an object")),
    }
}

#[handler]
async fn create(Data(store): Data<&Shared>, body: Body) -> Response {
    let attrs = match attributes(body).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    match store.lock().unwrap().create(attrs) {
        Ok(doi) => jsonapi(201, &document(&doi)),
        Err(refusal) => refused(refusal),
    }
}

#[handler]
async fn show(Data(store): Data<&Shared>, Path(doi): Path<String>) -> Response {
    match store.lock().unwrap().get(&doi) {
        Some(stored) => jsonapi(200, &document(stored)),
        None => refused(Refusal::not_found()),
    }
}

#[handler]
async fn update(Data(store): Data<&Shared>, Path(doi): Path<String>, body: Body) -> Response {
    let attrs = match attributes(body).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    match store.lock().unwrap().update(&doi, attrs) {
        Ok((stored, created)) => jsonapi(if created { 201 } else { 200 }, &document(&stored)),
        Err(refusal) => refused(refusal),
    }
}

#[handler]
async fn destroy(Data(store): Data<&Shared>, Path(doi): Path<String>) -> Response {
    match store.lock().unwrap().delete(&doi) {
        Ok(()) => Response::builder().status(StatusCode::NO_CONTENT).finish(),
        Err(refusal) => refused(refusal),
    }
}

/// Complete metadata: enough to register or publish.
pub fn full_metadata(title: &str) -> Value {
    json!({
        "url": "https://strata.example.org/datasets/1",
        "creators": [{"name": "Curie, Marie", "nameType": "Personal"}],
        "titles": [{"title": title}],
        "publisher": {"name": "Strata Imaging Facility"},
        "publicationYear": 2026,
        "types": {"resourceTypeGeneral": "Dataset"}
    })
}
