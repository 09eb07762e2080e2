//! The continuous export's format: what a project directory says about
//! itself. Documented in `docs/project-directory.md`; readers refuse a newer
//! version rather than guess.
//!
//! Version 2 added workspaces, the uid counters, jobs and sessions; a
//! version-1 export reads as one without them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use strata_domain::records::ParameterValue;
use uuid::Uuid;

/// The version this strata writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 2;

/// `.strata/project.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    pub format_version: u32,
    /// Stable across instances (the numeric uid is not).
    pub uuid: Uuid,
    pub code: String,
    pub title: String,
    pub embargo_end: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub members: Vec<MemberEntry>,
    pub samples: Vec<SampleEntry>,
    #[serde(default)]
    pub workspaces: Vec<WorkspaceEntry>,
    /// Job uids issued so far: an attached project never reuses one.
    #[serde(default)]
    pub jobs_reported: i64,
    /// Session uids issued so far.
    #[serde(default)]
    pub sessions_reported: i64,
    /// Publication numbers issued so far (DOI suffixes are never reused).
    #[serde(default)]
    pub publications_reported: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceEntry {
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// `.strata/jobs/<uid>.json`: one job as its pipeline reported it. Whether
/// it is an ancestor of a final job follows from the graph and is recomputed
/// on attach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobFile {
    pub format_version: u32,
    pub uid: String,
    pub title: String,
    pub job_type: String,
    pub category: String,
    pub status: String,
    pub parameters: Value,
    pub is_final: bool,
    pub inputs_unavailable: bool,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub inputs: Vec<JobInputEntry>,
    pub workspaces: Vec<String>,
    pub results: Vec<JobResultEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobInputEntry {
    /// The upstream job's uid.
    pub job: String,
    /// The names of its results this job reads.
    pub results: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobResultEntry {
    pub name: String,
    /// Relative to the job's folder.
    pub path: String,
    pub intermediate: bool,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
}

/// `.strata/sessions/<uid>.json`: one session, its parameters and results
/// (compacted ones included: a restore needs to know them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionFile {
    pub format_version: u32,
    pub uid: String,
    pub title: String,
    pub workspace: Option<String>,
    pub status: String,
    pub parameters: Value,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub compacted_at: Option<DateTime<Utc>>,
    pub results: Vec<SessionResultEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionResultEntry {
    pub name: String,
    /// Relative to the session's folder.
    pub path: String,
    pub kind: String,
    pub state: String,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    pub user: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleEntry {
    pub name: String,
    pub protein_acronym: Option<String>,
    pub grid: Option<String>,
    pub metadata: Value,
}

/// `.strata/datasets/<identifier>.json`: one complete dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    pub format_version: u32,
    pub identifier: String,
    pub kind: String,
    pub technique: String,
    pub instrument: Option<String>,
    pub sample: Option<String>,
    pub description: String,
    pub size_bytes: i64,
    pub file_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// As given (value and unit); canonical values are recomputed on import.
    pub parameters: Vec<ParameterEntry>,
    pub links: Vec<LinkEntry>,
    pub files: Vec<FileEntry>,
    pub frame_sets: Vec<FrameSetEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterEntry {
    pub name: String,
    pub value: ParameterValue,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkEntry {
    pub kind: String,
    pub target: String,
}

/// A file of the dataset, by its path inside the dataset's folder; its
/// storage key follows from the folder wherever the project is attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub format: String,
    /// `local`, `s3` or `symlink` (raw data linked in place: never dereferenced).
    pub location: String,
    /// Where the bytes are stored; absent for a file only catalogued. A local
    /// or symlink file's key is recomputed from the dataset's folder on attach
    /// (it moves with the directory); an `s3` key is kept as it is.
    pub storage_key: Option<String>,
    pub last_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameSetEntry {
    pub position: i32,
    pub shape: Value,
    pub dtype: String,
    pub chunking: Value,
    pub channel_names: Value,
    pub metadata: Value,
    pub array_path: String,
    pub created_at: DateTime<Utc>,
    pub frames: Vec<FrameEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameEntry {
    pub t: i32,
    pub c: i32,
    pub z: i32,
    pub sha256: String,
    pub metadata: Value,
    /// Name → canonical value.
    pub parameters: Value,
}

/// `.strata/publications/<number>.json`: a publication (a DOI draft, a
/// registered or findable DOI, or a withdrawn one's tombstone) with its
/// record as stored: the depositor's for a draft, frozen once registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationFile {
    pub format_version: u32,
    pub number: i32,
    pub doi: String,
    pub state: String,
    pub title: String,
    pub version: String,
    /// strata's typed DataCite record (`strata_datacite::Resource`).
    pub record: Value,
    /// Identifiers of the datasets covered, all of this project.
    pub datasets: Vec<String>,
    /// The number of the publication this is a new version of.
    pub previous: Option<i32>,
    pub landing_page: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
    pub registered_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub deposit: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The version a file says it has, read before the rest so that a newer
/// format is refused with that reason and not a confusing field error.
pub(crate) fn version_of(bytes: &[u8]) -> Result<u32, String> {
    #[derive(Deserialize)]
    struct Versioned {
        format_version: u32,
    }
    serde_json::from_slice::<Versioned>(bytes)
        .map(|v| v.format_version)
        .map_err(|e| e.to_string())
}
