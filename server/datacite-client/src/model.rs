//! The JSON:API shapes DataCite's `dois` resource sends and accepts.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON:API media type; DataCite expects it as `Content-Type` on writes.
pub const JSONAPI_MEDIA_TYPE: &str = "application/vnd.api+json";

/// The JSON:API resource type of a DOI.
pub(crate) const DOIS_TYPE: &str = "dois";

/// DataCite's DOI states. Only `Draft` can be deleted or returned to; a registered
/// DOI resolves but is not indexed, a findable one resolves and is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DoiState {
    Draft,
    Registered,
    Findable,
}

impl DoiState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Registered => "registered",
            Self::Findable => "findable",
        }
    }
}

impl fmt::Display for DoiState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state change, sent as the `event` attribute. DataCite silently ignores an event
/// that does not apply to the current state, which is why the client compares the
/// state it gets back with [`Event::target_state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// draft → registered
    Register,
    /// draft or registered → findable
    Publish,
    /// findable → registered
    Hide,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Publish => "publish",
            Self::Hide => "hide",
        }
    }

    pub fn target_state(self) -> DoiState {
        match self {
            Self::Register | Self::Hide => DoiState::Registered,
            Self::Publish => DoiState::Findable,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A DOI as DataCite reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct DoiRecord {
    /// As DataCite spells it (DataCite answers in lower case; DOIs compare
    /// case-insensitively).
    pub doi: String,
    pub state: DoiState,
    /// The landing page the DOI resolves to; drafts may have none.
    pub url: Option<String>,
    /// All DataCite-JSON attributes, `doi`, `state` and `url` included.
    pub attributes: Value,
}

/// `{"data": {"type": "dois", "attributes": {...}}}`
#[derive(Debug, Serialize)]
pub(crate) struct RequestDocument {
    pub data: RequestResource,
}

#[derive(Debug, Serialize)]
pub(crate) struct RequestResource {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub attributes: Map<String, Value>,
}

impl RequestDocument {
    pub fn dois(attributes: Map<String, Value>) -> Self {
        Self {
            data: RequestResource {
                kind: DOIS_TYPE,
                attributes,
            },
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResponseDocument {
    pub data: ResponseResource,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResponseResource {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

impl ResponseResource {
    /// Reads the fields the client relies on; `None` names what is missing.
    pub fn into_record(self) -> Result<DoiRecord, String> {
        if self.kind != DOIS_TYPE {
            return Err(format!("resource type is {:?}, not \"dois\"", self.kind));
        }
        let state = match self.attributes.get("state") {
            Some(v) => serde_json::from_value::<DoiState>(v.clone())
                .map_err(|_| format!("unknown state {v}"))?,
            None => return Err("no state attribute".into()),
        };
        let doi = self
            .attributes
            .get("doi")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or(self.id);
        let url = self
            .attributes
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(DoiRecord {
            doi,
            state,
            url,
            attributes: Value::Object(self.attributes),
        })
    }
}
