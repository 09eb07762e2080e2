//! Parameter definitions (NeXus-style names, types, units, ranges), embedded
//! from `schema/parameters/` and compiled once, and the checks every write of
//! a parameter value goes through.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use serde::Deserialize;
use strata_domain::records::{self, ParameterValue};
use strata_domain::{Technique, ValueType};

use crate::entity::parameter_type;
use crate::{Catalog, CatalogError, Result};

/// The definition files, one per technique group.
const DEFINITION_FILES: &[(&str, &str)] = &[
    (
        "cryo-em.json",
        include_str!("../../../schema/parameters/cryo-em.json"),
    ),
    (
        "motion-correction.json",
        include_str!("../../../schema/parameters/motion-correction.json"),
    ),
    (
        "ctf.json",
        include_str!("../../../schema/parameters/ctf.json"),
    ),
    (
        "mx.json",
        include_str!("../../../schema/parameters/mx.json"),
    ),
    (
        "saxs.json",
        include_str!("../../../schema/parameters/saxs.json"),
    ),
    (
        "light-microscopy.json",
        include_str!("../../../schema/parameters/light-microscopy.json"),
    ),
];

/// One parameter as its definition file describes it.
#[derive(Debug, Clone)]
pub struct ParameterDefinition {
    pub name: String,
    pub value_type: ValueType,
    pub unit: Option<String>,
    pub technique: Option<Technique>,
    pub description: String,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub max_length: Option<usize>,
}

#[derive(Deserialize)]
struct DefinitionFile {
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
}

/// All definitions by name, parsed once. The files are part of the binary, so
/// a malformed one is a build defect: the unit test below parses them all.
pub(crate) fn definitions() -> &'static BTreeMap<String, ParameterDefinition> {
    static DEFINITIONS: OnceLock<BTreeMap<String, ParameterDefinition>> = OnceLock::new();
    DEFINITIONS.get_or_init(|| parse_definitions().unwrap_or_else(|e| panic!("{e}")))
}

fn parse_definitions() -> Result<BTreeMap<String, ParameterDefinition>, String> {
    let mut all = BTreeMap::new();
    for (file, text) in DEFINITION_FILES {
        let parsed: DefinitionFile =
            serde_json::from_str(text).map_err(|e| format!("schema/parameters/{file}: {e}"))?;
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
                name: name.clone(),
            };
            if all.insert(name.clone(), definition).is_some() {
                return Err(format!("{file}: parameter {name} is defined twice"));
            }
        }
    }
    Ok(all)
}

pub(crate) fn definition(field: &str, name: &str) -> Result<&'static ParameterDefinition> {
    definitions().get(name).ok_or_else(|| {
        CatalogError::invalid(
            field,
            format!("unknown parameter {name:?}; the defined ones are listed by parameterTypes"),
        )
    })
}

/// A parameter value to record, as the depositor gave it.
#[derive(Debug, Clone)]
pub struct NewParameter {
    pub name: String,
    pub value: ParameterValue,
    pub unit: Option<String>,
}

/// A parameter value that passed its definition's checks, in canonical form.
pub(crate) struct CheckedParameter {
    pub definition: &'static ParameterDefinition,
    pub number: Option<f64>,
    pub text: Option<String>,
    pub given: NewParameter,
}

impl ParameterDefinition {
    /// Checks a value against this definition. `field` is the input path of
    /// the parameter (`parameters[2]`); errors name `.value` or `.unit` in it.
    pub(crate) fn check(
        &'static self,
        field: &str,
        given: NewParameter,
    ) -> Result<CheckedParameter> {
        let name = &self.name;
        if let Some(unit) = &given.unit
            && Some(unit) != self.unit.as_ref()
        {
            let expected = self
                .unit
                .as_deref()
                .map_or("has no unit".to_owned(), |u| format!("is in {u}"));
            return Err(CatalogError::invalid(
                format!("{field}.unit"),
                format!("{name} {expected}; got unit {unit:?}"),
            ));
        }
        let wrong_type = || {
            CatalogError::invalid(
                format!("{field}.value"),
                format!(
                    "{name} takes {}; got {} ({})",
                    article(self.value_type),
                    given.value.describe(),
                    given.value
                ),
            )
        };
        let (number, text) = match (&given.value, self.value_type) {
            (ParameterValue::Integer(v), ValueType::Integer | ValueType::Number) => {
                (Some(*v as f64), None)
            }
            (ParameterValue::Number(v), ValueType::Number) if v.is_finite() => (Some(*v), None),
            (ParameterValue::Bool(v), ValueType::Boolean) => (Some(f64::from(u8::from(*v))), None),
            (ParameterValue::Text(v), ValueType::String) => (None, Some(v.clone())),
            _ => return Err(wrong_type()),
        };
        let unit = self
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        if let (Some(v), Some(min)) = (number, self.minimum)
            && v < min
        {
            return Err(CatalogError::invalid(
                format!("{field}.value"),
                format!("{name} must be at least {min}{unit}; got {v}"),
            ));
        }
        if let (Some(v), Some(max)) = (number, self.maximum)
            && v > max
        {
            return Err(CatalogError::invalid(
                format!("{field}.value"),
                format!("{name} must be at most {max}{unit}; got {v}"),
            ));
        }
        if let Some(t) = &text {
            let max = self.max_length.unwrap_or(1024).min(1024);
            if t.chars().count() > max {
                return Err(CatalogError::invalid(
                    format!("{field}.value"),
                    format!(
                        "{name} must be at most {max} characters; got {}",
                        t.chars().count()
                    ),
                ));
            }
        }
        Ok(CheckedParameter {
            definition: self,
            number,
            text,
            given,
        })
    }
}

fn article(t: ValueType) -> &'static str {
    match t {
        ValueType::Number => "a number",
        ValueType::Integer => "an integer",
        ValueType::String => "a string",
        ValueType::Boolean => "a boolean",
    }
}

/// The parameters as one document for the dataset row: name → canonical
/// number (booleans as 0/1) or text.
pub(crate) fn denormalised(checked: &[CheckedParameter]) -> serde_json::Value {
    let map = checked
        .iter()
        .map(|p| {
            let value = match (&p.number, &p.text) {
                (Some(n), _) => serde_json::json!(n),
                (None, Some(t)) => serde_json::json!(t),
                (None, None) => serde_json::Value::Null,
            };
            (p.definition.name.clone(), value)
        })
        .collect();
    serde_json::Value::Object(map)
}

/// Checks a list of parameters: each known, well-typed, in range, named once.
pub(crate) fn check_all(parameters: Vec<NewParameter>) -> Result<Vec<CheckedParameter>> {
    let mut seen = std::collections::HashSet::new();
    parameters
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let field = format!("parameters[{i}]");
            if !seen.insert(p.name.clone()) {
                return Err(CatalogError::invalid(
                    format!("{field}.name"),
                    format!("{} is given more than once", p.name),
                ));
            }
            definition(&format!("{field}.name"), &p.name)?.check(&field, p)
        })
        .collect()
}

/// Brings the parameter-type table in line with the embedded definitions and
/// returns each type's id by name.
pub(crate) async fn sync_definitions(db: &impl ConnectionTrait) -> Result<BTreeMap<String, i32>> {
    {
        let stored: BTreeMap<String, parameter_type::Model> = parameter_type::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.name.clone(), m))
            .collect();
        for d in definitions().values() {
            let wanted = (
                d.unit.clone(),
                d.value_type.as_str().to_owned(),
                d.technique.map(|t| t.as_str().to_owned()),
                d.description.clone(),
            );
            match stored.get(&d.name) {
                Some(m)
                    if (
                        m.unit.clone(),
                        m.value_type.clone(),
                        m.technique.clone(),
                        m.description.clone(),
                    ) == wanted => {}
                Some(m) => {
                    let mut active: parameter_type::ActiveModel = m.clone().into();
                    active.unit = Set(wanted.0);
                    active.value_type = Set(wanted.1);
                    active.technique = Set(wanted.2);
                    active.description = Set(wanted.3);
                    active.update(db).await?;
                }
                None => {
                    parameter_type::ActiveModel {
                        name: Set(d.name.clone()),
                        unit: Set(wanted.0),
                        value_type: Set(wanted.1),
                        technique: Set(wanted.2),
                        description: Set(wanted.3),
                        created_at: Set(Utc::now()),
                        ..Default::default()
                    }
                    .insert(db)
                    .await?;
                }
            }
        }
    }
    Ok(parameter_type::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.name, m.id))
        .collect())
}

impl Catalog {
    /// Every parameter type, by name. Definitions are public.
    pub async fn parameter_types(&self) -> Result<Vec<records::ParameterType>> {
        parameter_type::Entity::find()
            .order_by_asc(parameter_type::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(crate::convert::parameter_type)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_file_parses() {
        let all = parse_definitions().unwrap();
        assert!(all.len() > 40, "{}", all.len());
        let voltage = &all["EM_voltage"];
        assert_eq!(voltage.value_type, ValueType::Number);
        assert_eq!(voltage.unit.as_deref(), Some("V"));
        assert_eq!(voltage.technique, Some(Technique::CryoEm));
    }

    fn given(name: &str, value: ParameterValue, unit: Option<&str>) -> NewParameter {
        NewParameter {
            name: name.into(),
            value,
            unit: unit.map(Into::into),
        }
    }

    #[test]
    fn each_violation_names_the_parameter_and_the_expectation() {
        let cases = [
            (
                given("EM_voltage", ParameterValue::Text("high".into()), None),
                "parameters[0].value",
                "EM_voltage takes a number; got a string (\"high\")",
            ),
            (
                given("EM_voltage", ParameterValue::Number(-1.0), None),
                "parameters[0].value",
                "EM_voltage must be at least 0 V; got -1",
            ),
            (
                given("EM_amplitude_contrast", ParameterValue::Number(1.5), None),
                "parameters[0].value",
                "EM_amplitude_contrast must be at most 1; got 1.5",
            ),
            (
                given("EM_images_count", ParameterValue::Number(2.5), None),
                "parameters[0].value",
                "EM_images_count takes an integer; got a number (2.5)",
            ),
            (
                given("EM_voltage", ParameterValue::Number(300.0), Some("kV")),
                "parameters[0].unit",
                "EM_voltage is in V; got unit \"kV\"",
            ),
            (
                given("EM_warp_factor", ParameterValue::Number(1.0), None),
                "parameters[0].name",
                "unknown parameter \"EM_warp_factor\"",
            ),
        ];
        for (p, field, message) in cases {
            let err = check_all(vec![p]).err().expect("must be refused");
            assert_eq!(err.field(), Some(field), "{err}");
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn integers_are_numbers_and_duplicates_are_refused() {
        let ok = check_all(vec![given(
            "EM_voltage",
            ParameterValue::Integer(300000),
            Some("V"),
        )])
        .unwrap();
        assert_eq!(ok[0].number, Some(300000.0));
        let err = check_all(vec![
            given("EM_voltage", ParameterValue::Integer(1), None),
            given("EM_voltage", ParameterValue::Integer(2), None),
        ])
        .err()
        .unwrap();
        assert_eq!(err.field(), Some("parameters[1].name"));
    }
}
