//! DataCite JSON: the `attributes` object of the DataCite REST API `dois` resource.
//!
//! Key names follow the API (`schemeUri`, `affiliation`, `types`, `identifiers` for
//! alternate identifiers, `doi`, `url`). Where the API is loose, this writer picks the
//! form that keeps every XML detail:
//! - `publisher` and `affiliation` entries are objects (the API's `?publisher=true` /
//!   `?affiliation=true` forms); the reader also accepts plain strings;
//! - coordinates are JSON numbers when that spelling survives (`49.2827`), else strings
//!   (`"41.090"`); the reader accepts both;
//! - a `<br/>` inside a description is written as the text `<br/>`;
//! - `geoLocationPolygon` is an array of `{polygonPoint}`/`{inPolygonPoint}` objects, or an
//!   array of such arrays when a location has several polygons;
//! - a primary identifier that is not a DOI (never the case for DataCite DOIs) goes in an
//!   `identifier` object, which the API does not define.

mod read;
mod write;

pub use read::{JsonReadError, from_datacite_json};
pub use write::to_datacite_json;

/// How a description's line break is spelt inside DataCite JSON text.
pub(crate) const LINE_BREAK: &str = "<br/>";
