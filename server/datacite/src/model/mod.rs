//! A typed DataCite 4.7 record.
//!
//! Text is kept exactly as read (no trimming, coordinates as their lexical form) because
//! the record must write back to the XML it came from; helpers give the trimmed or numeric
//! view where a caller needs one. Mandatory properties are `Option`/possibly empty so that a
//! draft can be held and [`crate::readiness`] can say what is still missing.

mod agent;
mod descriptive;
mod geo;
mod related;

pub use agent::{
    Affiliation, Contributor, Creator, ItemContributor, ItemCreator, Name, NameIdentifier,
};
pub use descriptive::{
    AlternateIdentifier, Date, Description, DescriptionPart, Identifier, Publisher, ResourceType,
    Rights, Subject, Title,
};
pub use geo::{GeoBox, GeoLocation, GeoPoint, GeoPolygon};
pub use related::{
    AwardNumber, FunderIdentifier, FundingReference, RelatedIdentifier, RelatedItem,
    RelatedItemIdentifier, RelatedItemNumber,
};

use serde::{Deserialize, Serialize};

/// Collapses whitespace runs (XML pretty-printing leaves newlines and indentation inside
/// names and titles) to single spaces, for display and citation formats.
pub(crate) fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One DataCite record: every property of kernel-4.7, plus the landing page URL that the
/// DataCite REST API carries beside the XML.
///
/// The serde derives give the model's own JSON form (for storing a draft, e.g. in a
/// catalog column); DataCite's JSON is [`crate::to_datacite_json`], a different shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub identifier: Option<Identifier>,
    pub creators: Vec<Creator>,
    pub titles: Vec<Title>,
    pub publisher: Option<Publisher>,
    /// `YYYY`; a string so that a malformed year survives to be reported by readiness.
    pub publication_year: Option<String>,
    pub resource_type: Option<ResourceType>,
    pub subjects: Vec<Subject>,
    pub contributors: Vec<Contributor>,
    pub dates: Vec<Date>,
    pub language: Option<String>,
    pub alternate_identifiers: Vec<AlternateIdentifier>,
    pub related_identifiers: Vec<RelatedIdentifier>,
    pub sizes: Vec<String>,
    pub formats: Vec<String>,
    pub version: Option<String>,
    pub rights_list: Vec<Rights>,
    pub descriptions: Vec<Description>,
    pub geo_locations: Vec<GeoLocation>,
    pub funding_references: Vec<FundingReference>,
    pub related_items: Vec<RelatedItem>,
    /// Landing page. Not part of the XML kernel (it is never written there); DataCite JSON
    /// and the citation exports carry it.
    pub url: Option<String>,
}

impl Resource {
    /// The DOI (trimmed, without resolver prefix) when the identifier is a DOI.
    pub fn doi(&self) -> Option<&str> {
        let id = self.identifier.as_ref()?;
        if !id.identifier_type.trim().eq_ignore_ascii_case("DOI") {
            return None;
        }
        let v = id.value.trim();
        let v = v
            .strip_prefix("https://doi.org/")
            .or_else(|| v.strip_prefix("http://doi.org/"))
            .or_else(|| v.strip_prefix("doi:"))
            .unwrap_or(v);
        Some(v)
    }

    /// `https://doi.org/…` for the DOI, which is what citations and schema.org want.
    pub fn doi_url(&self) -> Option<String> {
        self.doi().map(|d| format!("https://doi.org/{d}"))
    }

    /// The main title: the first one without a `titleType`, else the first one.
    pub fn main_title(&self) -> Option<&str> {
        self.titles
            .iter()
            .find(|t| t.title_type.is_none())
            .or_else(|| self.titles.first())
            .map(|t| t.value.trim())
    }

    /// The first description of the given kind, as plain text (line breaks as `\n`).
    pub fn description_text(&self, kind: crate::DescriptionType) -> Option<String> {
        self.descriptions
            .iter()
            .find(|d| d.description_type == kind)
            .map(Description::plain_text)
    }
}
