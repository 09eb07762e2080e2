//! The HTTP data endpoints, under the same access rules as GraphQL:
//!
//! - `GET /files/{identifier}/{path}`: a stored object of a dataset, with
//!   Range requests and its SHA-256 in `x-strata-sha256` and `Repr-Digest`;
//! - `GET /zarr/{identifier}/{image}.ome.zarr/…`: the dataset's OME-Zarr
//!   images as a read-only Zarr store (zarr-python, napari or zarrita open
//!   `…/zarr/{identifier}/0.ome.zarr` directly; the group's consolidated
//!   metadata spares them a listing);
//! - `POST /datasets/{identifier}/upload?file_name=…&kind=…&technique=…`: a
//!   single-file ingest, streamed into storage.
//!
//! Paths are looked up among the dataset's recorded objects, never joined
//! onto a filesystem path, so `..` or an absolute path can only be "not found".
//! Every byte served is checked against its recorded SHA-256: a whole object
//! as it streams (a mismatch cuts the response short, so the client sees an
//! error, never silently wrong bytes), a range after its object was hashed
//! whole (remembered for a few minutes, since Zarr readers ask for many ranges
//! of one shard).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{Body, IntoResponse, Request, Response, handler};
use serde::Deserialize;
use strata_catalog::{CatalogError, NewDataset, StoredRecord};
use strata_storage::{ObjectKey, StorageError, VerifyingReader};
use tokio_util::io::ReaderStream;

use crate::AppState;

/// How long a whole-object check vouches for later range reads of it.
const VERIFIED_FOR: Duration = Duration::from_secs(300);

/// Objects hashed whole recently: (key, digest) → when.
#[derive(Default)]
pub struct VerifiedObjects(Mutex<HashMap<(String, String), Instant>>);

impl VerifiedObjects {
    fn fresh(&self, key: &str, sha256: &str) -> bool {
        let map = self.0.lock().expect("not poisoned");
        map.get(&(key.to_owned(), sha256.to_owned()))
            .is_some_and(|at| at.elapsed() < VERIFIED_FOR)
    }

    fn remember(&self, key: &str, sha256: &str) {
        let mut map = self.0.lock().expect("not poisoned");
        if map.len() > 100_000 {
            map.retain(|_, at| at.elapsed() < VERIFIED_FOR);
        }
        map.insert((key.to_owned(), sha256.to_owned()), Instant::now());
    }
}

fn status(code: StatusCode, message: impl Into<String>) -> Response {
    Response::builder()
        .status(code)
        .content_type("text/plain; charset=utf-8")
        .body(message.into() + "\n")
}

fn storage_failure(err: StorageError) -> Response {
    match err {
        StorageError::Missing { key } => {
            tracing::error!(%key, "a recorded object is missing from storage");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the stored object {key} is missing; `strata verify` reports it"),
            )
        }
        StorageError::Corrupt {
            key,
            expected,
            actual,
        } => {
            tracing::error!(%key, %expected, %actual, "a stored object failed its SHA-256 check");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "the stored object {key} is corrupt (SHA-256 {actual}, recorded {expected}); not delivered"
                ),
            )
        }
        other => {
            tracing::error!(error = %other, "storage failure");
            status(
                StatusCode::BAD_GATEWAY,
                "storage failure; the server log has the details",
            )
        }
    }
}

/// The recorded object at `path` of a dataset the caller may see.
async fn find(
    state: &AppState,
    req: &Request,
    identifier: &str,
    path: &str,
) -> Result<StoredRecord, Response> {
    let scope = crate::scope_of(&state.catalog, req)
        .await
        .map_err(|e| crate::error::http(e).into_response())?;
    let (_, objects) = state
        .catalog
        .stored_objects(&scope, identifier)
        .await
        .map_err(|e| match e {
            CatalogError::NotFound { .. } => {
                status(StatusCode::NOT_FOUND, format!("no dataset {identifier:?}"))
            }
            other => crate::error::http(other).into_response(),
        })?;
    objects.into_iter().find(|o| o.path == path).ok_or_else(|| {
        status(
            StatusCode::NOT_FOUND,
            format!("{identifier} has no object {path:?}"),
        )
    })
}

async fn serve(state: &AppState, req: &Request, identifier: &str, path: &str) -> Response {
    let record = match find(state, req, identifier, path).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let Some(key) = record
        .storage_key
        .as_deref()
        .and_then(|k| ObjectKey::parse(k).ok())
    else {
        return status(
            StatusCode::NOT_FOUND,
            format!("{identifier}/{path} is recorded without stored bytes"),
        );
    };
    let size = record.size_bytes.max(0) as u64;
    let digest_b64 = hex::decode(&record.sha256)
        .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
        .unwrap_or_default();
    let headers = |builder: poem::ResponseBuilder| {
        builder
            .header("x-strata-sha256", record.sha256.as_str())
            .header("repr-digest", format!("sha-256=:{digest_b64}:"))
            .header(header::ETAG, format!("\"{}\"", record.sha256))
            .header(header::ACCEPT_RANGES, "bytes")
            .content_type(content_type(path))
    };
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    match range {
        None => {
            let reader = match state.store.get(&key).await {
                Ok(r) => VerifyingReader::new(r, key.clone(), &record.sha256),
                Err(e) => return storage_failure(e),
            };
            headers(Response::builder())
                .header(header::CONTENT_LENGTH, size)
                .body(Body::from_bytes_stream(hold_back_last(ReaderStream::new(
                    reader,
                ))))
        }
        Some(text) => {
            let ranges =
                match http_range_header::parse_range_header(text).and_then(|r| r.validate(size)) {
                    Ok(r) if r.len() == 1 => r,
                    _ => {
                        return Response::builder()
                            .status(StatusCode::RANGE_NOT_SATISFIABLE)
                            .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                            .body("one satisfiable byte range, please\n");
                    }
                };
            if !state.verified.fresh(key.as_str(), &record.sha256) {
                if let Err(e) =
                    strata_storage::verify(state.store.as_ref(), &key, &record.sha256).await
                {
                    return storage_failure(e);
                }
                state.verified.remember(key.as_str(), &record.sha256);
            }
            let range = &ranges[0];
            let (start, end) = (*range.start(), *range.end());
            match state.store.get_range(&key, start..end + 1).await {
                Ok(bytes) => headers(Response::builder())
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"))
                    .body(bytes),
                Err(e) => storage_failure(e),
            }
        }
    }
}

/// Passes chunks on one step late, so the last one leaves only after the
/// stream ended cleanly. A digest mismatch surfaces as an error on the final
/// read: the last chunk is then never sent, the response falls short of its
/// Content-Length, and the client sees a failed transfer, never a whole
/// corrupt object (an error after the last byte would come too late to tell).
fn hold_back_last(
    stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures::stream::unfold(
        (Box::pin(stream), None::<Bytes>, false),
        |(mut stream, mut held, done)| async move {
            if done {
                return None;
            }
            loop {
                match stream.next().await {
                    Some(Ok(chunk)) => {
                        if let Some(previous) = held.replace(chunk) {
                            return Some((Ok(previous), (stream, held, false)));
                        }
                    }
                    Some(Err(e)) => {
                        tracing::error!(error = %e, "a stored object failed its check while being served; the response is cut short");
                        return Some((Err(e), (stream, None, true)));
                    }
                    None => return held.take().map(|last| (Ok(last), (stream, None, true))),
                }
            }
        },
    )
}

fn content_type(path: &str) -> &'static str {
    if path.ends_with(".json") {
        "application/json"
    } else if path.ends_with(".tif") || path.ends_with(".tiff") {
        "image/tiff"
    } else {
        "application/octet-stream"
    }
}

#[handler]
pub async fn file(
    state: Data<&AppState>,
    req: &Request,
    Path((identifier, path)): Path<(String, String)>,
) -> Response {
    serve(&state, req, &identifier, &path).await
}

/// Zarr objects only; anything else under `/zarr` does not exist. Zarr readers
/// take a 404 for a chunk as "not written": every chunk strata writes is recorded.
#[handler]
pub async fn zarr(
    state: Data<&AppState>,
    req: &Request,
    Path((identifier, path)): Path<(String, String)>,
) -> Response {
    let Some((image, _)) = path.split_once('/') else {
        return status(
            StatusCode::NOT_FOUND,
            "a Zarr path looks like <position>.ome.zarr/…",
        );
    };
    if !image.ends_with(".ome.zarr") {
        return status(
            StatusCode::NOT_FOUND,
            "a Zarr path looks like <position>.ome.zarr/…",
        );
    }
    serve(&state, req, &identifier, &path).await
}

#[derive(Deserialize)]
pub struct UploadParams {
    file_name: String,
    kind: String,
    technique: String,
    instrument: Option<String>,
    #[serde(default)]
    description: String,
}

/// A single-file ingest over HTTP, streamed into storage.
#[handler]
pub async fn upload(
    state: Data<&AppState>,
    req: &Request,
    Path(identifier): Path<String>,
    Query(params): Query<UploadParams>,
    body: Body,
) -> Response {
    let scope = match crate::scope_of(&state.catalog, req).await {
        Ok(s) => s,
        Err(e) => return crate::error::http(e).into_response(),
    };
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        status(StatusCode::BAD_REQUEST, format!("{what}: {e}"))
    };
    let new = NewDataset {
        identifier: match identifier.parse() {
            Ok(i) => i,
            Err(e) => return bad("identifier", &e),
        },
        kind: match params.kind.parse() {
            Ok(k) => k,
            Err(e) => return bad("kind", &e),
        },
        technique: match params.technique.parse() {
            Ok(t) => t,
            Err(e) => return bad("technique", &e),
        },
        instrument: params.instrument,
        sample: None,
        description: params.description,
        parameters: Vec::new(),
        links: Vec::new(),
    };
    let mut reader = body.into_async_read();
    match state
        .ingestor
        .ingest_stream(&scope, new, &params.file_name, &mut reader)
        .await
    {
        Ok(report) => {
            let mut response = poem::web::Json(serde_json::json!({
                "identifier": report.identifier, "objects": report.objects, "bytes": report.bytes,
            }))
            .into_response();
            response.set_status(StatusCode::CREATED);
            response
        }
        Err(strata_ingest::IngestError::Catalog { source, .. }) => {
            crate::error::http(source).into_response()
        }
        Err(strata_ingest::IngestError::Source { path, reason }) => {
            bad(&path.display().to_string(), &reason)
        }
        Err(other) => {
            tracing::error!(error = %other, "upload failed");
            status(StatusCode::INTERNAL_SERVER_ERROR, other.to_string())
        }
    }
}
