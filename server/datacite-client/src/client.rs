use reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value};

use crate::config::ClientConfig;
use crate::error::{Error, Operation};
use crate::model::{DoiRecord, DoiState, Event, RequestDocument};
use crate::retry::Reply;

mod transport;

use transport::parse_record;

/// A DataCite REST API client for one repository account. Cheap to clone: clones
/// share the connection pool.
#[derive(Clone, Debug)]
pub struct DataCiteClient {
    http: reqwest::Client,
    config: ClientConfig,
    /// `{endpoint}/dois`, parsed once.
    dois_url: Url,
}

impl DataCiteClient {
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let mut dois_url = Url::parse(&config.endpoint)
            .map_err(|e| Error::Config(format!("endpoint {:?}: {e}", config.endpoint)))?;
        if !matches!(dois_url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "endpoint {:?} is not an http(s) URL",
                config.endpoint
            )));
        }
        dois_url
            .path_segments_mut()
            .map_err(|()| {
                Error::Config(format!(
                    "endpoint {:?} cannot be a base URL",
                    config.endpoint
                ))
            })?
            .pop_if_empty()
            .push("dois");
        if config.repository_id.trim().is_empty() {
            return Err(Error::Config("repository_id is empty".into()));
        }
        if !config.prefix.starts_with("10.") || config.prefix.contains('/') {
            return Err(Error::Config(format!(
                "prefix {:?} is not a DOI prefix like 10.12345",
                config.prefix
            )));
        }
        if config.retry.max_attempts == 0 {
            return Err(Error::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!(
                "strata-datacite-client/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            config,
            dois_url,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Creates a draft with the given DOI. Drafts are private and can still be
    /// deleted; an `event` in `attributes` is dropped, so this never publishes.
    pub async fn create_draft(&self, doi: &str, attributes: Value) -> Result<DoiRecord, Error> {
        let op = Operation::CreateDraft;
        check_doi(op, doi)?;
        let mut attrs = attributes_object(op, doi, attributes)?;
        attrs.remove("event");
        attrs.remove("prefix");
        attrs.insert("doi".into(), Value::String(doi.to_owned()));
        self.create(doi, true, attrs).await
    }

    /// Creates a draft under the configured prefix and lets DataCite pick a random
    /// suffix; the returned record carries the new DOI.
    pub async fn create_draft_with_generated_suffix(
        &self,
        attributes: Value,
    ) -> Result<DoiRecord, Error> {
        let op = Operation::CreateDraft;
        let label = format!("{}/<generated>", self.config.prefix);
        let mut attrs = attributes_object(op, &label, attributes)?;
        attrs.remove("event");
        attrs.remove("doi");
        attrs.insert("prefix".into(), Value::String(self.config.prefix.clone()));
        self.create(&label, false, attrs).await
    }

    /// `explicit`: the DOI was named by the caller (`label` is the DOI), so a
    /// retried POST whose first answer was lost can be recognised.
    async fn create(
        &self,
        label: &str,
        explicit: bool,
        attrs: Map<String, Value>,
    ) -> Result<DoiRecord, Error> {
        let op = Operation::CreateDraft;
        let body = RequestDocument::dois(attrs);
        let (result, attempts) = self
            .send_counted(op, label, Method::POST, self.dois_url.clone(), Some(&body))
            .await;
        let reply = match result {
            Ok(reply) => reply,
            // A POST is not idempotent: if an earlier attempt reached DataCite but its
            // answer was lost (timeout, 5xx from a proxy), the retry finds the DOI
            // taken. The name is ours and the prefix is the repository's, so a draft
            // under it is the one we just made.
            Err(error) if explicit && attempts > 1 && is_taken(&error) => {
                return match self.get(label).await {
                    Ok(existing) if existing.state == DoiState::Draft => {
                        tracing::warn!(
                            doi = label,
                            attempts,
                            "an earlier attempt had created the draft; using it"
                        );
                        Ok(existing)
                    }
                    _ => Err(error),
                };
            }
            Err(error) => return Err(error),
        };
        let record = parse_record(op, label, &reply)?;
        if record.state != DoiState::Draft {
            // Only possible if DataCite changed its defaults; better to say so than
            // to let a caller believe it can still delete this DOI.
            tracing::warn!(doi = %record.doi, state = %record.state, "DataCite created a DOI that is not a draft");
        }
        Ok(record)
    }

    /// Replaces the given metadata attributes (DataCite merges them into the
    /// record). Does not change the state: an `event` in `attributes` is dropped.
    /// Note that DataCite answers a PUT for an unknown DOI by creating it.
    pub async fn update(&self, doi: &str, attributes: Value) -> Result<DoiRecord, Error> {
        let op = Operation::Update;
        check_doi(op, doi)?;
        let mut attrs = attributes_object(op, doi, attributes)?;
        attrs.remove("event");
        let reply = self.put(op, doi, attrs).await?;
        if reply.status == StatusCode::CREATED {
            tracing::warn!(
                doi,
                "DataCite did not know this DOI and created it as a draft on update"
            );
        }
        parse_record(op, doi, &reply)
    }

    /// draft → registered: the DOI resolves to its `url` but is not indexed.
    /// `attributes` (may be `Value::Null`) are sent along; DataCite requires `url`
    /// and the mandatory metadata to be set by now.
    pub async fn register(&self, doi: &str, attributes: Value) -> Result<DoiState, Error> {
        self.apply_event(doi, Event::Register, attributes).await
    }

    /// draft or registered → findable: the DOI resolves and is indexed in DataCite
    /// search. Same requirements as [`Self::register`].
    pub async fn publish(&self, doi: &str, attributes: Value) -> Result<DoiState, Error> {
        self.apply_event(doi, Event::Publish, attributes).await
    }

    /// findable → registered: withdraws the DOI from search; it keeps resolving.
    pub async fn hide(&self, doi: &str) -> Result<DoiState, Error> {
        self.apply_event(doi, Event::Hide, Value::Null).await
    }

    /// Sends `event` with `attributes` and returns the state DataCite reports.
    /// DataCite ignores an event that does not apply to the DOI's state and still
    /// answers 200, so a state other than the event's target is an error here.
    pub async fn apply_event(
        &self,
        doi: &str,
        event: Event,
        attributes: Value,
    ) -> Result<DoiState, Error> {
        let op = Operation::for_event(event);
        check_doi(op, doi)?;
        let mut attrs = attributes_object(op, doi, attributes)?;
        attrs.insert("event".into(), Value::String(event.as_str().to_owned()));
        let reply = self.put(op, doi, attrs).await?;
        let record = parse_record(op, doi, &reply)?;
        if record.state != event.target_state() {
            return Err(Error::EventNotApplied {
                doi: doi.to_owned(),
                event,
                state: record.state,
            });
        }
        tracing::info!(doi, %event, state = %record.state, "DataCite DOI state changed");
        Ok(record.state)
    }

    pub async fn get(&self, doi: &str) -> Result<DoiRecord, Error> {
        let op = Operation::Get;
        check_doi(op, doi)?;
        let reply = self
            .send(op, doi, Method::GET, self.doi_url(doi), None)
            .await?;
        parse_record(op, doi, &reply)
    }

    /// Deletes a draft. Registered and findable DOIs are permanent, so the client
    /// looks the DOI up first and refuses with [`Error::NotDeletable`] without
    /// sending a DELETE.
    pub async fn delete_draft(&self, doi: &str) -> Result<(), Error> {
        let op = Operation::Delete;
        check_doi(op, doi)?;
        let current = self.get(doi).await.map_err(|e| match e {
            Error::NotFound { doi, .. } => Error::NotFound { operation: op, doi },
            other => other,
        })?;
        if current.state != DoiState::Draft {
            return Err(Error::NotDeletable {
                doi: doi.to_owned(),
                state: current.state,
            });
        }
        self.send(op, doi, Method::DELETE, self.doi_url(doi), None)
            .await?;
        tracing::info!(doi, "DataCite draft DOI deleted");
        Ok(())
    }

    async fn put(
        &self,
        op: Operation,
        doi: &str,
        attrs: Map<String, Value>,
    ) -> Result<Reply, Error> {
        let body = RequestDocument::dois(attrs);
        self.send(op, doi, Method::PUT, self.doi_url(doi), Some(&body))
            .await
    }
}

/// DataCite's answer to creating a DOI that exists.
fn is_taken(error: &Error) -> bool {
    matches!(error, Error::Rejected { status: 422, .. })
        && error.api_errors().iter().any(|e| {
            e.title
                .as_deref()
                .is_some_and(|t| t.contains("already been taken"))
        })
}

fn check_doi(operation: Operation, doi: &str) -> Result<(), Error> {
    match doi.split_once('/') {
        Some((prefix, suffix)) if prefix.starts_with("10.") && !suffix.is_empty() => Ok(()),
        _ => Err(Error::InvalidRequest {
            operation,
            doi: doi.to_owned(),
            reason: "not a DOI of the form 10.PREFIX/SUFFIX".into(),
        }),
    }
}

/// DataCite attributes are a JSON object; `null` stands for "none".
fn attributes_object(
    operation: Operation,
    doi: &str,
    attributes: Value,
) -> Result<Map<String, Value>, Error> {
    match attributes {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(Error::InvalidRequest {
            operation,
            doi: doi.to_owned(),
            reason: format!(
                "attributes must be a JSON object, not {}",
                json_kind(&other)
            ),
        }),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
