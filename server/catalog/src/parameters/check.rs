//! The checks every write of parameter values goes through (registration,
//! ingest, extraction, per-frame values): each name known and given once,
//! each unit compatible, then the values in canonical units validated against
//! their group's JSON Schema. Nothing is written unless every value passes.

use std::collections::{BTreeMap, HashSet};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::{Value, json};
use strata_domain::records::ParameterValue;

use super::definitions::{ParameterDefinition, all, definition};
use super::units::{self, UnitMismatch};
use crate::{CatalogError, Result};

/// Longest text value stored, whatever a definition allows.
const MAX_TEXT: usize = 1024;

/// A parameter value to record, as the depositor gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewParameter {
    pub name: String,
    pub value: ParameterValue,
    pub unit: Option<String>,
}

/// A parameter value that passed its definition's checks, in canonical form.
#[derive(Debug, Clone)]
pub(crate) struct CheckedParameter {
    pub definition: &'static ParameterDefinition,
    /// In the definition's unit; booleans as 0/1.
    pub number: Option<f64>,
    pub text: Option<String>,
    pub given: NewParameter,
}

/// Checks a list of parameters whose input path is `at` (`parameters`,
/// `frames[3].parameters`): errors name `at[i].name`, `.unit` or `.value`,
/// what was expected and what was received.
pub(crate) fn check_all(at: &str, parameters: Vec<NewParameter>) -> Result<Vec<CheckedParameter>> {
    check(at, parameters, true)
}

/// `group_requirements`: whether a group's `required` applies (to a
/// dataset's values, not to a single frame's).
fn check(
    at: &str,
    parameters: Vec<NewParameter>,
    group_requirements: bool,
) -> Result<Vec<CheckedParameter>> {
    let mut seen = HashSet::new();
    let mut canonical = Vec::with_capacity(parameters.len());
    for (i, p) in parameters.iter().enumerate() {
        let field = format!("{at}[{i}]");
        if !seen.insert(p.name.as_str()) {
            return Err(CatalogError::invalid(
                format!("{field}.name"),
                format!("{} is given more than once", p.name),
            ));
        }
        let def = definition(&format!("{field}.name"), &p.name)?;
        canonical.push((def, canonical_value(&field, def, p)?));
    }
    // Each group's schema sees the group's values together, so that what a
    // group requires is required of a dataset that has any of its values.
    let mut documents: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for (def, value) in &canonical {
        documents
            .entry(def.group)
            .or_default()
            .insert(def.name.clone(), value.clone());
    }
    let index_of = |name: &str| parameters.iter().position(|p| p.name == name);
    let mut first: Option<(usize, CatalogError)> = None;
    for (group, document) in documents {
        let group = &all().groups[group];
        let document = Value::Object(document);
        for error in group.validator.iter_errors(&document) {
            if !group_requirements && matches!(error.kind(), ValidationErrorKind::Required { .. }) {
                continue;
            }
            let name = error
                .instance_path()
                .as_str()
                .trim_start_matches('/')
                .to_owned();
            let (rank, refusal) = match (index_of(&name), error.kind()) {
                (Some(i), kind) => (i, refusal(&format!("{at}[{i}]"), &parameters[i], kind)),
                (None, ValidationErrorKind::Required { property }) => (
                    usize::MAX,
                    CatalogError::invalid(
                        at,
                        format!(
                            "{} is required with the other {} parameters (given: {})",
                            property.as_str().unwrap_or_default(),
                            group.title,
                            document
                                .as_object()
                                .map(|d| d.keys().cloned().collect::<Vec<_>>().join(", "))
                                .unwrap_or_default()
                        ),
                    ),
                ),
                (None, _) => (
                    usize::MAX,
                    CatalogError::invalid(at, format!("{}: {error}", group.name)),
                ),
            };
            if first.as_ref().is_none_or(|(r, _)| rank < *r) {
                first = Some((rank, refusal));
            }
        }
    }
    if let Some((_, refusal)) = first {
        return Err(refusal);
    }
    canonical
        .into_iter()
        .zip(parameters)
        .enumerate()
        .map(|(i, ((definition, value), given))| {
            let (number, text) = match value {
                Value::Bool(b) => (Some(f64::from(u8::from(b))), None),
                Value::Number(n) => (n.as_f64(), None),
                Value::String(s) => {
                    let n = s.chars().count();
                    if n > MAX_TEXT {
                        return Err(CatalogError::invalid(
                            format!("{at}[{i}].value"),
                            format!(
                                "{} must be at most {MAX_TEXT} characters; got {n}",
                                given.name
                            ),
                        ));
                    }
                    (None, Some(s))
                }
                _ => (None, None),
            };
            Ok(CheckedParameter {
                definition,
                number,
                text,
                given,
            })
        })
        .collect()
}

/// The value in the definition's unit, as JSON for the schema. A unit is only
/// converted for numbers; a non-number is left for the schema to refuse.
fn canonical_value(field: &str, def: &ParameterDefinition, p: &NewParameter) -> Result<Value> {
    let number = match p.value {
        ParameterValue::Integer(v) => Some(v as f64),
        ParameterValue::Number(v) => Some(v),
        _ => None,
    };
    if let ParameterValue::Number(v) = p.value
        && !v.is_finite()
    {
        return Err(CatalogError::invalid(
            format!("{field}.value"),
            format!("{} must be a finite number; got {v}", def.name),
        ));
    }
    let given_unit = p
        .unit
        .as_deref()
        .filter(|u| Some(*u) != def.unit.as_deref());
    match (given_unit, &def.unit, number) {
        (None, ..) => Ok(plain(&p.value)),
        (Some(unit), None, _) => Err(CatalogError::invalid(
            format!("{field}.unit"),
            format!("{} has no unit; got unit {unit:?}", def.name),
        )),
        (Some(_), Some(_), None) => Ok(plain(&p.value)),
        (Some(unit), Some(canonical), Some(v)) => match units::convert(v, unit, canonical) {
            Ok(converted) => Ok(json!(converted)),
            Err(mismatch) => {
                let why = match mismatch {
                    UnitMismatch::Unknown => "an unknown unit".to_owned(),
                    UnitMismatch::OtherDimension(d) => format!("a unit of {d}"),
                };
                Err(CatalogError::invalid(
                    format!("{field}.unit"),
                    format!(
                        "{} is in {canonical} (or {}); got unit {unit:?}, {why}",
                        def.name,
                        units::compatible(canonical)[1..].join(", ")
                    ),
                ))
            }
        },
    }
}

fn plain(value: &ParameterValue) -> Value {
    match value {
        ParameterValue::Bool(b) => json!(b),
        ParameterValue::Integer(i) => json!(i),
        ParameterValue::Number(n) => json!(n),
        ParameterValue::Text(s) => json!(s),
    }
}

/// A schema violation in the words of the parameter, its expectation and
/// what was received (in the unit it was given, and converted when it was).
fn refusal(field: &str, given: &NewParameter, kind: &ValidationErrorKind) -> CatalogError {
    let def = &all().by_name[&given.name];
    let name = &def.name;
    let unit = def
        .unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let received = match (&given.unit, &def.unit) {
        (Some(g), Some(c)) if g != c => {
            let converted = match given.value {
                ParameterValue::Integer(v) => units::convert(v as f64, g, c).ok(),
                ParameterValue::Number(v) => units::convert(v, g, c).ok(),
                _ => None,
            };
            match converted {
                Some(c_value) => format!("{} {g} (= {c_value}{unit})", given.value),
                None => format!("{} {g}", given.value),
            }
        }
        _ => given.value.to_string(),
    };
    let limit = |v: &Value| v.to_string();
    let message = match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(_) => article(def.value_type.as_str()),
            };
            return CatalogError::invalid(
                format!("{field}.value"),
                format!(
                    "{name} takes {expected}; got {} ({})",
                    given.value.describe(),
                    given.value
                ),
            );
        }
        ValidationErrorKind::Minimum { limit: l } => {
            format!("{name} must be at least {}{unit}; got {received}", limit(l))
        }
        ValidationErrorKind::Maximum { limit: l } => {
            format!("{name} must be at most {}{unit}; got {received}", limit(l))
        }
        ValidationErrorKind::ExclusiveMinimum { limit: l } => {
            format!("{name} must be above {}{unit}; got {received}", limit(l))
        }
        ValidationErrorKind::ExclusiveMaximum { limit: l } => {
            format!("{name} must be below {}{unit}; got {received}", limit(l))
        }
        ValidationErrorKind::Enum { options } => format!(
            "{name} must be one of {}; got {received}",
            options
                .as_array()
                .map(|o| o
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ),
        ValidationErrorKind::MaxLength { limit: l } => format!(
            "{name} must be at most {l} characters; got {}",
            match &given.value {
                ParameterValue::Text(s) => s.chars().count(),
                _ => 0,
            }
        ),
        other => format!("{name}: {other:?}; got {received}"),
    };
    CatalogError::invalid(format!("{field}.value"), message)
}

fn article(json_type: &str) -> String {
    match json_type {
        "integer" => "an integer".into(),
        "object" | "array" => format!("an {json_type}"),
        t => format!("a {t}"),
    }
}

/// Checks a frame's own values: as [`check_all`], and each definition must be
/// one frames may carry (`x-per-frame`).
pub(crate) fn check_frame_parameters(
    at: &str,
    parameters: Vec<NewParameter>,
) -> Result<Vec<CheckedParameter>> {
    let checked = check(at, parameters, false)?;
    if let Some((i, p)) = checked
        .iter()
        .enumerate()
        .find(|(_, p)| !p.definition.per_frame)
    {
        return Err(CatalogError::invalid(
            format!("{at}[{i}].name"),
            format!(
                "{} is a parameter of the whole dataset, not of a frame",
                p.definition.name
            ),
        ));
    }
    Ok(checked)
}
