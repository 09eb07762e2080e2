//! Sending one request: headers, authentication, retries, and turning DataCite's
//! answer into a record or an [`Error`].

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};

use super::DataCiteClient;
use crate::error::{ApiErrors, Error, Operation};
use crate::model::{DoiRecord, JSONAPI_MEDIA_TYPE, RequestDocument, ResponseDocument};
use crate::retry::{self, Failure, Reply};

impl DataCiteClient {
    /// `/dois/{doi}` with the DOI as one path segment: its `/` (and any `%`, `?`,
    /// `#` a suffix may contain) percent-encoded.
    pub(super) fn doi_url(&self, doi: &str) -> Url {
        let mut url = self.dois_url.clone();
        url.path_segments_mut()
            .expect("checked in new(): the endpoint can be a base")
            .push(doi);
        url
    }

    /// One request with retries; maps the final failure to an [`Error`].
    pub(super) async fn send(
        &self,
        op: Operation,
        doi: &str,
        method: Method,
        url: Url,
        body: Option<&RequestDocument>,
    ) -> Result<Reply, Error> {
        self.send_counted(op, doi, method, url, body).await.0
    }

    /// [`Self::send`], also saying how many attempts it took.
    pub(super) async fn send_counted(
        &self,
        op: Operation,
        doi: &str,
        method: Method,
        url: Url,
        body: Option<&RequestDocument>,
    ) -> (Result<Reply, Error>, u32) {
        let body = match body {
            Some(doc) => match serde_json::to_vec(doc) {
                Ok(bytes) => Some(bytes),
                Err(e) => {
                    let error = Error::InvalidRequest {
                        operation: op,
                        doi: doi.to_owned(),
                        reason: format!("cannot serialise the attributes: {e}"),
                    };
                    return (Err(error), 0);
                }
            },
            None => None,
        };
        let attempt = || {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .basic_auth(&self.config.repository_id, Some(&self.config.password))
                .header(ACCEPT, JSONAPI_MEDIA_TYPE);
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, JSONAPI_MEDIA_TYPE)
                    .body(body.clone());
            }
            async move {
                let response = request.send().await.map_err(Failure::Transport)?;
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = response.bytes().await.map_err(Failure::Transport)?.to_vec();
                tracing::debug!(%status, "DataCite answered");
                if status.is_success() {
                    Ok(Reply {
                        status,
                        body: bytes,
                    })
                } else {
                    Err(Failure::from_status(status, &headers, bytes))
                }
            }
        };
        let (result, attempts) = retry::run(&self.config.retry, op, doi, attempt).await;
        let result = match result {
            Ok(reply) => Ok(reply),
            Err(failure) => {
                let gave_up = retry::exhausted(&failure) && attempts > 1;
                let error = self.to_error(op, doi, failure);
                if gave_up {
                    Err(Error::GaveUp {
                        operation: op,
                        doi: doi.to_owned(),
                        attempts,
                        last: Box::new(error),
                    })
                } else {
                    Err(error)
                }
            }
        };
        (result, attempts)
    }

    fn to_error(&self, operation: Operation, doi: &str, failure: Failure) -> Error {
        let doi = doi.to_owned();
        let (status, body) = match failure {
            Failure::Transport(source) => {
                return Error::Transport {
                    operation,
                    doi,
                    source,
                };
            }
            Failure::Status { status, body, .. } => (status, body),
        };
        let errors = ApiErrors::from_body(&body);
        match status {
            StatusCode::UNAUTHORIZED => Error::Unauthorized {
                operation,
                doi,
                repository_id: self.config.repository_id.clone(),
                errors,
            },
            StatusCode::FORBIDDEN => Error::Forbidden {
                operation,
                doi,
                repository_id: self.config.repository_id.clone(),
                prefix: self.config.prefix.clone(),
                errors,
            },
            StatusCode::NOT_FOUND => Error::NotFound { operation, doi },
            _ => Error::Rejected {
                operation,
                doi,
                status: status.as_u16(),
                errors,
            },
        }
    }
}

pub(super) fn parse_record(
    operation: Operation,
    doi: &str,
    reply: &Reply,
) -> Result<DoiRecord, Error> {
    let invalid = |reason: String| Error::InvalidResponse {
        operation,
        doi: doi.to_owned(),
        status: reply.status.as_u16(),
        reason,
    };
    let document: ResponseDocument = serde_json::from_slice(&reply.body)
        .map_err(|e| invalid(format!("not a JSON:API document: {e}")))?;
    document.data.into_record().map_err(invalid)
}
