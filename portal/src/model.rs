//! The answers to the portal's queries, as serde reads them.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
pub struct Count {
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Facets {
    pub total: i64,
    pub technique: Vec<Count>,
    pub instrument: Vec<Count>,
    pub project: Vec<Count>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomeAnswer {
    pub dataset_facets: Facets,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Withdrawal {
    pub at: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Publication {
    pub doi: String,
    pub doi_url: String,
    pub title: String,
    pub version: String,
    pub state: String,
    pub datasets: Vec<String>,
    pub release_at: Option<String>,
    pub registered_at: Option<String>,
    pub published_at: Option<String>,
    pub previous_version: Option<String>,
    pub next_version: Option<String>,
    pub withdrawal: Option<Withdrawal>,
    pub datacite: Value,
    pub datacite_xml: String,
    pub schema_org: Value,
    pub bibtex: String,
    pub ris: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub code: String,
    pub title: String,
    pub created_at: String,
    pub embargo_end: Option<String>,
    pub publications: Vec<Publication>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectsAnswer {
    pub projects: Vec<Project>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterType {
    pub name: String,
    pub unit: Option<String>,
    pub group: String,
    pub description: String,
    pub technique: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterTypesAnswer {
    pub parameter_types: Vec<ParameterType>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: Value,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Datafile {
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub format: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FrameParameter {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Frame {
    pub t: i64,
    pub c: i64,
    pub z: i64,
    pub parameters: Vec<FrameParameter>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameSet {
    pub position: i64,
    pub shape: Vec<i64>,
    pub dtype: String,
    pub channel_names: Vec<String>,
    pub array_path: String,
    pub frames: Vec<Frame>,
}

/// A linked dataset, as far as lineage needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedRef {
    pub identifier: String,
    pub kind: String,
    pub technique: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InnerLink {
    pub kind: String,
    #[serde(alias = "fromDataset")]
    pub to_dataset: Option<LinkedRef>,
}

/// A linked dataset and its own links one step further.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Linked {
    pub identifier: String,
    pub kind: String,
    pub technique: String,
    #[serde(default)]
    pub links: Vec<InnerLink>,
    #[serde(default)]
    pub linked_from: Vec<InnerLink>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub kind: String,
    /// `toDataset` (links) or `fromDataset` (linkedFrom): null when the
    /// other end is not public, or not in the catalog yet.
    #[serde(alias = "fromDataset")]
    pub to_dataset: Option<Linked>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectRef {
    pub code: String,
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    pub identifier: String,
    pub kind: String,
    pub technique: String,
    pub instrument: Option<String>,
    pub sample: Option<String>,
    pub acquired_at: String,
    pub description: String,
    pub size_bytes: i64,
    pub file_count: i64,
    pub public_from: Option<String>,
    pub project: Option<ProjectRef>,
    pub parameters: Vec<Parameter>,
    pub datafiles: Vec<Datafile>,
    pub frame_sets: Vec<FrameSet>,
    pub links: Vec<Link>,
    pub linked_from: Vec<Link>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetPage {
    pub page_info: PageInfo,
    pub nodes: Vec<Dataset>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatasetsAnswer {
    pub datasets: DatasetPage,
}

/// `SAXS` → `saxs`, `LIGHT_MICROSCOPY` → `light-microscopy`: the names of
/// schema/parameters and of the viewers' registry.
pub fn technique_slug(technique: &str) -> String {
    technique.to_ascii_lowercase().replace('_', "-")
}

/// `LIGHT_MICROSCOPY` → `Light microscopy`; `CRYO_EM` → `Cryo-EM`.
pub fn technique_label(technique: &str) -> String {
    match technique {
        "CRYO_EM" => "Cryo-EM".into(),
        "CRYO_ET" => "Cryo-ET".into(),
        "MX" => "MX".into(),
        "SAXS" => "SAXS".into(),
        "LIGHT_MICROSCOPY" => "Light microscopy".into(),
        other => other.to_owned(),
    }
}
