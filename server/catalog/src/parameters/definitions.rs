//! The parameter definitions: JSON Schema files in `schema/parameters/`, one
//! per technique group, embedded in the binary and compiled once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use strata_domain::{Technique, ValueType};

use crate::{CatalogError, Result};

/// The definition files, one per technique group.
const DEFINITION_FILES: &[(&str, &str)] = &[
    (
        "cryo-em",
        include_str!("../../../../schema/parameters/cryo-em.json"),
    ),
    (
        "cryo-et",
        include_str!("../../../../schema/parameters/cryo-et.json"),
    ),
    (
        "motion-correction",
        include_str!("../../../../schema/parameters/motion-correction.json"),
    ),
    (
        "ctf",
        include_str!("../../../../schema/parameters/ctf.json"),
    ),
    ("mx", include_str!("../../../../schema/parameters/mx.json")),
    (
        "saxs",
        include_str!("../../../../schema/parameters/saxs.json"),
    ),
    (
        "light-microscopy",
        include_str!("../../../../schema/parameters/light-microscopy.json"),
    ),
];

/// One parameter as its definition file describes it.
#[derive(Debug, Clone)]
pub struct ParameterDefinition {
    pub name: String,
    pub value_type: ValueType,
    /// The canonical unit: values are searched in it.
    pub unit: Option<String>,
    pub technique: Option<Technique>,
    pub description: String,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub max_length: Option<usize>,
    /// The allowed values (`enum`), when the definition lists them.
    pub allowed: Vec<String>,
    /// Whether the value may also be recorded per frame (a tilt's angle, an
    /// image's exposure).
    pub per_frame: bool,
    /// The definition file's group (`ctf`, `cryo-et`, …).
    pub group: &'static str,
    /// Where NeXus (`NXmx: entry/instrument/…`) and ISPyB (`CTF.defocusU`)
    /// keep the same quantity, for those who map between them.
    pub nexus: Option<String>,
    pub ispyb: Option<String>,
}

/// A definition file: its title, what it requires and its compiled schema.
pub(crate) struct DefinitionGroup {
    pub name: &'static str,
    pub title: String,
    pub validator: jsonschema::Validator,
}

pub(crate) struct Definitions {
    pub by_name: BTreeMap<String, ParameterDefinition>,
    pub groups: BTreeMap<&'static str, DefinitionGroup>,
}

#[derive(Deserialize)]
struct DefinitionFile {
    title: String,
    properties: BTreeMap<String, PropertySchema>,
}

#[derive(Deserialize)]
struct PropertySchema {
    #[serde(rename = "type")]
    value_type: String,
    description: String,
    #[serde(rename = "x-unit")]
    unit: Option<String>,
    #[serde(rename = "x-technique")]
    technique: Option<String>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    #[serde(rename = "maxLength")]
    max_length: Option<usize>,
    #[serde(rename = "enum", default)]
    allowed: Vec<String>,
    #[serde(rename = "x-per-frame", default)]
    per_frame: bool,
    #[serde(rename = "x-nexus")]
    nexus: Option<String>,
    #[serde(rename = "x-ispyb")]
    ispyb: Option<String>,
}

/// All definitions, parsed and compiled once. The files are part of the
/// binary, so a malformed one is a build defect: a unit test parses them all.
pub(crate) fn all() -> &'static Definitions {
    static DEFINITIONS: OnceLock<Definitions> = OnceLock::new();
    DEFINITIONS.get_or_init(|| parse().unwrap_or_else(|e| panic!("{e}")))
}

pub(crate) fn definitions() -> &'static BTreeMap<String, ParameterDefinition> {
    &all().by_name
}

pub(super) fn parse() -> Result<Definitions, String> {
    let mut by_name = BTreeMap::new();
    let mut groups = BTreeMap::new();
    for (group, text) in DEFINITION_FILES {
        let file = format!("schema/parameters/{group}.json");
        let schema: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        let validator = jsonschema::draft202012::new(&schema)
            .map_err(|e| format!("{file}: not a valid JSON Schema: {e}"))?;
        let parsed: DefinitionFile =
            serde_json::from_value(schema).map_err(|e| format!("{file}: {e}"))?;
        for (name, p) in parsed.properties {
            let definition = ParameterDefinition {
                value_type: p
                    .value_type
                    .parse()
                    .map_err(|e| format!("{file}: {name}: {e}"))?,
                technique: p
                    .technique
                    .map(|t| t.parse())
                    .transpose()
                    .map_err(|e| format!("{file}: {name}: {e}"))?,
                unit: p.unit,
                description: p.description,
                minimum: p.minimum,
                maximum: p.maximum,
                max_length: p.max_length,
                allowed: p.allowed,
                per_frame: p.per_frame,
                group,
                nexus: p.nexus,
                ispyb: p.ispyb,
                name: name.clone(),
            };
            if by_name.insert(name.clone(), definition).is_some() {
                return Err(format!("{file}: parameter {name} is defined twice"));
            }
        }
        groups.insert(
            *group,
            DefinitionGroup {
                name: group,
                title: parsed.title,
                validator,
            },
        );
    }
    Ok(Definitions { by_name, groups })
}

pub(crate) fn definition(field: &str, name: &str) -> Result<&'static ParameterDefinition> {
    definitions().get(name).ok_or_else(|| {
        CatalogError::invalid(
            field,
            format!("unknown parameter {name:?}; the defined ones are listed by parameterTypes"),
        )
    })
}
