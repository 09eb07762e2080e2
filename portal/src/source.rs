//! Where the portal's queries go: a data server over HTTP, or (supplied by
//! the `strata` binary) the schema in-process. Either way the caller is an
//! anonymous visitor, so only public records come back.

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::error::{PortalError, Result};

/// Runs one GraphQL document with its variables and returns its `data`.
#[async_trait]
pub trait GraphqlSource: Send + Sync {
    /// `operation` names the query in errors and logs.
    async fn run(&self, operation: &str, query: &str, variables: Value) -> Result<Value>;
}

/// The `data` of a GraphQL answer, or its errors as a [`PortalError`].
pub fn data_of(operation: &str, answer: Value) -> Result<Value> {
    if let Some(errors) = answer.get("errors").and_then(Value::as_array)
        && !errors.is_empty()
    {
        let messages = errors
            .iter()
            .map(|e| {
                e.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)")
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(PortalError::Graphql {
            operation: operation.to_owned(),
            messages,
        });
    }
    match answer.get("data") {
        Some(data) if !data.is_null() => Ok(data.clone()),
        _ => Err(PortalError::Graphql {
            operation: operation.to_owned(),
            messages: "the answer has no data".into(),
        }),
    }
}

/// A strata server's `/graphql`, asked without a token.
pub struct HttpSource {
    client: reqwest::Client,
    endpoint: String,
}

impl HttpSource {
    /// `server` is the server's base URL (`http://host:8080`); `/graphql` is added.
    pub fn new(server: &str) -> Self {
        Self {
            client: reqwest::Client::new(),
            endpoint: format!("{}/graphql", server.trim_end_matches('/')),
        }
    }
}

#[async_trait]
impl GraphqlSource for HttpSource {
    async fn run(&self, operation: &str, query: &str, variables: Value) -> Result<Value> {
        let http = |source| PortalError::Http {
            url: self.endpoint.clone(),
            source,
        };
        let response = self
            .client
            .post(&self.endpoint)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(http)?;
        let status = response.status();
        let answer: Value = response.json().await.map_err(http)?;
        if !status.is_success() && answer.get("errors").is_none() {
            return Err(PortalError::Graphql {
                operation: operation.to_owned(),
                messages: format!("HTTP {status}"),
            });
        }
        data_of(operation, answer)
    }
}
