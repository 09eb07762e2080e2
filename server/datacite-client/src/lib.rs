//! A client for the DataCite REST API's `dois` resource (JSON:API).
//!
//! strata mints DOIs for published datasets. DataCite keeps a DOI in one of three
//! states, and only a draft can be changed freely or deleted: once a DOI is
//! registered or findable it is permanent. The client therefore exposes each
//! state change as its own call ([`DataCiteClient::register`],
//! [`DataCiteClient::publish`], [`DataCiteClient::hide`]), checks the state DataCite
//! reports afterwards, and refuses locally to delete anything but a draft.
//!
//! Metadata is passed as DataCite-JSON `attributes` (a `serde_json::Value`), so this
//! crate does not depend on the record model in `strata-datacite`.
//!
//! Transient failures (connection errors, timeouts, HTTP 429 and 5xx) are retried
//! with exponential backoff, honouring `Retry-After`; other 4xx answers are final.
//!
//! ```no_run
//! # async fn example() -> Result<(), strata_datacite_client::Error> {
//! use strata_datacite_client::{ClientConfig, DataCiteClient, DoiState, TEST_ENDPOINT};
//!
//! let client = DataCiteClient::new(ClientConfig::new(TEST_ENDPOINT, "STRATA.TEST", "secret", "10.80000"))?;
//! let draft = client.create_draft_with_generated_suffix(serde_json::json!({})).await?;
//! let attributes = serde_json::json!({
//!     "url": "https://strata.example.org/datasets/1",
//!     "creators": [{"name": "Curie, Marie"}],
//!     "titles": [{"title": "A dataset"}],
//!     "publisher": {"name": "Strata"},
//!     "publicationYear": 2026,
//!     "types": {"resourceTypeGeneral": "Dataset"},
//! });
//! assert_eq!(client.publish(&draft.doi, attributes).await?, DoiState::Findable);
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod error;
mod model;
mod retry;

pub use client::DataCiteClient;
pub use config::{ClientConfig, PRODUCTION_ENDPOINT, RetryPolicy, TEST_ENDPOINT};
pub use error::{ApiError, ApiErrors, Error, Operation};
pub use model::{DoiRecord, DoiState, Event, JSONAPI_MEDIA_TYPE};
