//! Opaque Relay cursors: the sort key and the dataset id of a row, so that
//! pages are found by seeking an index, never by counting an offset.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::CatalogError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The value of the ordering column, as JSON.
    #[serde(rename = "k")]
    pub key: serde_json::Value,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor always serialises"))
    }

    pub fn decode(field: &str, text: &str) -> Result<Self, CatalogError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| CatalogError::invalid(field, "is not a cursor this server handed out"))
    }
}
