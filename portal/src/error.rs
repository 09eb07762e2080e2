//! What can go wrong while building the portal.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The data server could not be reached, or answered with an HTTP error.
    #[error("GraphQL request to {url} failed: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server answered the query with errors.
    #[error("query {operation} failed: {messages}")]
    Graphql { operation: String, messages: String },
    /// An answer did not have the shape the portal's queries ask for.
    #[error("unexpected answer to {operation}: {source}")]
    Answer {
        operation: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("rendering {page}: {source}")]
    Template {
        page: String,
        #[source]
        source: askama::Error,
    },
    /// Building the search index failed.
    #[error("search index: {0}")]
    Search(String),
    /// The output directory cannot be used.
    #[error("output directory {path}: {reason}")]
    Output { path: PathBuf, reason: String },
}

impl PortalError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> PortalError {
        let path = path.into();
        move |source| PortalError::Io { path, source }
    }
}

pub type Result<T, E = PortalError> = std::result::Result<T, E>;
