//! Publications: datasets grouped for a DOI, their DataCite record, and
//! DataCite's lifecycle (draft → registered → findable, findable → registered
//! to hide; a registered or findable DOI is never deleted, a withdrawal
//! leaves a tombstone).
//!
//! A publication's DOI is made when the draft is: the facility's prefix and
//! `<project code>.<number>` (`10.80000/ml.3`), numbers never reused in the
//! project. What the depositor writes is kept as given; what strata knows
//! better is derived on read — the identifier, the landing page, sizes and
//! formats from the datasets, IsDerivedFrom / IsSourceOf from lineage,
//! IsNewVersionOf / IsPreviousVersionOf between versions, defaults for the
//! publisher, year and resource type. At registration the derived record is
//! frozen: the published version stays exactly as published, and a change
//! to its datasets is a new version with a new DOI.

mod derive;
mod harvest;
mod lifecycle;
mod record;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strata_datacite::{Readiness, Resource};

pub use lifecycle::Deposited;

/// DataCite's DOI states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicationState {
    /// Only in strata: editable, deletable, visible to the project's members.
    Draft,
    /// The DOI resolves; the record is not in DataCite's search.
    Registered,
    /// The DOI resolves and the record is discoverable.
    Findable,
}

impl PublicationState {
    pub const ALL: &'static [PublicationState] = &[Self::Draft, Self::Registered, Self::Findable];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Registered => "registered",
            Self::Findable => "findable",
        }
    }
}

impl std::fmt::Display for PublicationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PublicationState {
    type Err = crate::jobs::plan::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| crate::jobs::plan::UnknownName {
                kind: "publication state",
                name: s.to_owned(),
                expected: Self::ALL.iter().map(|v| v.as_str()).collect(),
            })
    }
}

/// How this instance makes DOIs.
#[derive(Clone)]
pub struct DoiSettings {
    /// The facility's DataCite prefix (`10.80000`).
    pub prefix: String,
    /// The publisher named when a record names none (the facility).
    pub publisher: String,
    /// Landing pages are `<landing_base><doi>` (the portal's DOI pages).
    pub landing_base: String,
    /// DataCite's REST API; without it, registering and publishing write the
    /// DataCite XML and JSON for deposit by hand.
    pub registrar: Option<strata_datacite_client::DataCiteClient>,
}

impl std::fmt::Debug for DoiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoiSettings")
            .field("prefix", &self.prefix)
            .field("publisher", &self.publisher)
            .field("landing_base", &self.landing_base)
            .field("registrar", &self.registrar.is_some())
            .finish()
    }
}

/// Which datasets a publication covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    /// Every complete dataset of the project, as it is when the draft is made.
    Project,
    /// These datasets (identifiers), all of the project.
    Datasets(Vec<String>),
}

/// A draft as a depositor starts it.
#[derive(Debug, Clone)]
pub struct NewPublication {
    pub coverage: Coverage,
    /// The DataCite metadata as far as the depositor has it; a draft may be
    /// incomplete.
    pub record: Resource,
    /// Data and frames stay private until then; the metadata is public once
    /// the DOI is registered (DataCite requires it).
    pub release_at: Option<DateTime<Utc>>,
}

/// A withdrawal's tombstone: the DOI keeps resolving to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A publication as the catalog knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub doi: String,
    pub project: String,
    pub number: i32,
    pub state: PublicationState,
    pub title: String,
    pub version: String,
    /// The full record: as given, with what strata derives (frozen once
    /// registered).
    pub record: Resource,
    pub readiness: Readiness,
    /// The identifiers of the datasets covered.
    pub datasets: Vec<String>,
    pub release_at: Option<DateTime<Utc>>,
    pub previous_version: Option<String>,
    pub next_version: Option<String>,
    pub landing_page: String,
    pub registered_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    /// `datacite` or `manual`, once registered.
    pub deposit: Option<String>,
    pub withdrawal: Option<Withdrawal>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
