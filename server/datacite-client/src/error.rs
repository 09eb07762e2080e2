use std::fmt;

use serde_json::Value;

use crate::model::{DoiState, Event};

/// What the client was doing; named in every error so a log line is self-contained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    CreateDraft,
    Update,
    Register,
    Publish,
    Hide,
    Get,
    Delete,
}

impl Operation {
    pub(crate) fn for_event(event: Event) -> Self {
        match event {
            Event::Register => Self::Register,
            Event::Publish => Self::Publish,
            Event::Hide => Self::Hide,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CreateDraft => "create draft",
            Self::Update => "update metadata of",
            Self::Register => "register",
            Self::Publish => "publish",
            Self::Hide => "hide",
            Self::Get => "get",
            Self::Delete => "delete",
        })
    }
}

/// One entry of DataCite's JSON:API `errors[]`. DataCite puts the offending
/// attribute in `source` as a plain name (`"creators"`); JSON:API's
/// `{"pointer": "/data/attributes/creators"}` form is accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    pub title: Option<String>,
    pub source: Option<String>,
}

impl ApiError {
    fn from_json(v: &Value) -> Self {
        let text = |key: &str| match v.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let source = match v.get("source") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(o)) => o
                .get("pointer")
                .or_else(|| o.get("parameter"))
                .and_then(Value::as_str)
                .map(|p| p.trim_start_matches("/data/attributes/").to_owned()),
            _ => None,
        };
        Self {
            title: text("title").or_else(|| text("detail")),
            source,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = self.title.as_deref().unwrap_or("(no title)");
        match &self.source {
            Some(source) => write!(f, "{source}: {title}"),
            None => f.write_str(title),
        }
    }
}

/// DataCite's `errors[]`, displayed as `: a: x; b: y` (empty when there are none)
/// so it can follow a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiErrors(pub Vec<ApiError>);

impl ApiErrors {
    /// Reads an error body. Besides the JSON:API array, DataCite sometimes answers
    /// with a single error object, and proxies in front of it with plain text or HTML.
    pub(crate) fn from_body(body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => match v.get("errors") {
                Some(Value::Array(items)) => Self(items.iter().map(ApiError::from_json).collect()),
                Some(obj @ Value::Object(_)) => Self(vec![ApiError::from_json(obj)]),
                _ => Self::default(),
            },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if text.is_empty() {
                    return Self::default();
                }
                let title: String = text.chars().take(200).collect();
                Self(vec![ApiError {
                    title: Some(title),
                    source: None,
                }])
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The attributes DataCite complained about, in order.
    pub fn sources(&self) -> Vec<&str> {
        self.0.iter().filter_map(|e| e.source.as_deref()).collect()
    }
}

impl fmt::Display for ApiErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Every error names the operation and the DOI (for an auto-generated suffix,
/// `PREFIX/<generated>`), and, where DataCite answered, the HTTP status and its
/// `errors[]`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid DataCite client configuration: {0}")]
    Config(String),

    #[error("cannot {operation} {doi}: {reason}")]
    InvalidRequest {
        operation: Operation,
        doi: String,
        reason: String,
    },

    #[error(
        "cannot {operation} {doi}: DataCite rejected the credentials of repository \
         {repository_id} (HTTP 401); check the repository ID and password{errors}"
    )]
    Unauthorized {
        operation: Operation,
        doi: String,
        repository_id: String,
        errors: ApiErrors,
    },

    #[error(
        "cannot {operation} {doi}: DataCite forbids it for repository {repository_id} \
         (HTTP 403); check the credentials and that the DOI's prefix belongs to the \
         repository (configured prefix {prefix}){errors}"
    )]
    Forbidden {
        operation: Operation,
        doi: String,
        repository_id: String,
        prefix: String,
        errors: ApiErrors,
    },

    #[error("cannot {operation} {doi}: DataCite does not know this DOI (HTTP 404)")]
    NotFound { operation: Operation, doi: String },

    #[error("cannot {operation} {doi}: DataCite answered HTTP {status}{errors}")]
    Rejected {
        operation: Operation,
        doi: String,
        status: u16,
        errors: ApiErrors,
    },

    #[error(
        "refusing to delete {doi}: it is {state}, and only draft DOIs can be deleted \
         (registered and findable DOIs are permanent; hide a findable one instead)"
    )]
    NotDeletable { doi: String, state: DoiState },

    #[error(
        "cannot {} {doi}: DataCite did not apply the {event} event; the DOI is {state}",
        Operation::for_event(*event)
    )]
    EventNotApplied {
        doi: String,
        event: Event,
        state: DoiState,
    },

    #[error("cannot {operation} {doi}: gave up after {attempts} attempts; last failure: {last}")]
    GaveUp {
        operation: Operation,
        doi: String,
        attempts: u32,
        last: Box<Error>,
    },

    #[error("cannot {operation} {doi}: {source}")]
    Transport {
        operation: Operation,
        doi: String,
        #[source]
        source: reqwest::Error,
    },

    #[error("cannot {operation} {doi}: unexpected answer from DataCite (HTTP {status}): {reason}")]
    InvalidResponse {
        operation: Operation,
        doi: String,
        status: u16,
        reason: String,
    },
}

impl Error {
    /// The HTTP status DataCite answered with, if it answered (the last attempt's
    /// for [`Error::GaveUp`]).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::Rejected { status, .. } | Self::InvalidResponse { status, .. } => Some(*status),
            Self::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }

    /// DataCite's `errors[]`, empty when it sent none.
    pub fn api_errors(&self) -> &[ApiError] {
        match self {
            Self::Unauthorized { errors, .. }
            | Self::Forbidden { errors, .. }
            | Self::Rejected { errors, .. } => &errors.0,
            Self::GaveUp { last, .. } => last.api_errors(),
            _ => &[],
        }
    }
}
