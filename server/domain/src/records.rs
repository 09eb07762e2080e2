//! The domain records the catalog returns: the middle of the three type layers
//! (sea-orm model → record → GraphQL object). Plain data, already checked.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    DatasetIdentifier, DatasetKind, DatasetStatus, LinkKind, ProjectCode, ProjectState, Role,
    Technique, ValueType,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    pub id: i32,
    pub name: String,
    pub facility: String,
    pub techniques: Vec<Technique>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Numeric uid within this instance.
    pub uid: i32,
    pub uuid: uuid::Uuid,
    pub code: ProjectCode,
    pub title: String,
    pub directory: String,
    pub state: ProjectState,
    pub embargo_end: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub id: i64,
    pub identifier: DatasetIdentifier,
    pub project_uid: i32,
    pub kind: DatasetKind,
    pub technique: Technique,
    pub instrument: Option<String>,
    pub sample: Option<String>,
    pub acquired_at: DateTime<Utc>,
    pub description: String,
    pub folder: String,
    pub status: DatasetStatus,
    pub size_bytes: i64,
    pub file_count: i64,
    pub public_from: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterType {
    pub id: i32,
    pub name: String,
    /// The canonical unit, in which values are searched.
    pub unit: Option<String>,
    /// Every unit a value may be given in, the canonical one first.
    pub units: Vec<String>,
    pub value_type: ValueType,
    pub technique: Option<Technique>,
    /// The definition file it comes from (`ctf`, `cryo-et`, …).
    pub group: String,
    pub description: String,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// The enumeration, when the definition has one.
    pub allowed_values: Vec<String>,
    /// Whether frames may carry their own value of it.
    pub per_frame: bool,
    pub nexus: Option<String>,
    pub ispyb: Option<String>,
}

/// A parameter value of a dataset, as given and in canonical form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: ParameterValue,
    pub unit: Option<String>,
    pub canonical_number: Option<f64>,
}

/// A parameter's value as given: a boolean, an integer, a number or a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParameterValue {
    Bool(bool),
    Integer(i64),
    Number(f64),
    Text(String),
}

impl ParameterValue {
    /// What kind of value this is, in the words of an error message.
    pub fn describe(&self) -> &'static str {
        match self {
            ParameterValue::Bool(_) => "a boolean",
            ParameterValue::Integer(_) => "an integer",
            ParameterValue::Number(_) => "a number",
            ParameterValue::Text(_) => "a string",
        }
    }
}

impl std::fmt::Display for ParameterValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParameterValue::Bool(v) => write!(f, "{v}"),
            ParameterValue::Integer(v) => write!(f, "{v}"),
            ParameterValue::Number(v) => write!(f, "{v}"),
            ParameterValue::Text(v) => write!(f, "{v:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetLink {
    pub kind: LinkKind,
    /// The dataset that names the other one (processed, or child).
    pub from: DatasetIdentifier,
    /// The named dataset (input, or parent); it may not have arrived yet.
    pub to: DatasetIdentifier,
    /// Whether the named dataset is in the catalog.
    pub resolved: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Datafile {
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub format: String,
    pub location: String,
    pub last_verified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub is_admin: bool,
    pub memberships: Vec<(ProjectCode, Role)>,
}

/// One position's frames of a dataset, stored as an OME-Zarr image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameSet {
    pub position: i32,
    /// (t, c, z, y, x).
    pub shape: Vec<u64>,
    pub dtype: String,
    pub channel_names: Vec<String>,
    /// The image's path inside the dataset folder.
    pub array_path: String,
}

/// One 2D frame: its place, the SHA-256 of its pixels, its own parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub t: i32,
    pub c: i32,
    pub z: i32,
    pub sha256: String,
    /// Name → value in the definition's unit.
    pub parameters: Vec<(String, ParameterValue)>,
}
