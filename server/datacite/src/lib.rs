//! DataCite Metadata Schema 4.7 records for strata: one typed [`Resource`] and the formats
//! it travels in — DataCite XML (lossless both ways), DataCite JSON (the REST API's
//! `attributes`), schema.org `Dataset` JSON-LD, BibTeX, RIS and CSL-JSON — plus a
//! [`readiness`] check that says what a record still needs before a DOI can be minted.
//!
//! Pure: no I/O, no database, no HTTP. The catalog builds a `Resource`; the DataCite
//! client sends [`to_xml`] or [`to_datacite_json`].

pub mod citation;
pub mod json;
pub mod model;
pub mod readiness;
pub mod schema_org;
pub mod vocabulary;
pub mod xml;

pub use citation::{to_bibtex, to_csl_json, to_ris};
pub use json::{JsonReadError, from_datacite_json, to_datacite_json};
pub use model::*;
pub use readiness::{Finding, Obligation, Readiness, readiness};
pub use schema_org::to_schema_org;
pub use vocabulary::{
    ContributorType, DateType, DescriptionType, FunderIdentifierType, NameType, NumberType,
    RelatedIdentifierType, RelationType, ResourceTypeGeneral, TitleType, UnknownTerm,
};
pub use xml::{XmlReadError, from_xml, to_xml};
