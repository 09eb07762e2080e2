//! Parameter types (the definitions) and parameter values.

use async_graphql::{Context, Object, SimpleObject};
use strata_domain::records;

use super::context::request;
use super::scalars::ParameterValue;
use super::vocabulary::{Technique, ValueType};

/// A parameter's definition: NeXus-style name, type, canonical unit, range or
/// enumeration, as `schema/parameters/` defines it.
#[derive(SimpleObject)]
pub struct ParameterType {
    pub name: String,
    /// The canonical unit: values given in another unit are converted to it
    /// for search (and kept as given).
    pub unit: Option<String>,
    /// Every unit a value may be given in, the canonical one first.
    pub units: Vec<String>,
    pub value_type: ValueType,
    pub technique: Option<Technique>,
    /// The definition file (technique group) it belongs to.
    pub group: String,
    pub description: String,
    /// Smallest allowed value, in the canonical unit.
    pub minimum: Option<f64>,
    /// Largest allowed value, in the canonical unit.
    pub maximum: Option<f64>,
    /// The allowed values, for an enumeration; empty otherwise.
    pub allowed_values: Vec<String>,
    /// Whether frames (a tilt, an image) may carry their own value.
    pub per_frame: bool,
    /// Where NeXus keeps the same quantity.
    pub nexus: Option<String>,
    /// The ISPyB column of the same quantity.
    pub ispyb: Option<String>,
}

impl From<records::ParameterType> for ParameterType {
    fn from(t: records::ParameterType) -> Self {
        Self {
            name: t.name,
            unit: t.unit,
            units: t.units,
            value_type: t.value_type.into(),
            technique: t.technique.map(Into::into),
            group: t.group,
            description: t.description,
            minimum: t.minimum,
            maximum: t.maximum,
            allowed_values: t.allowed_values,
            per_frame: t.per_frame,
            nexus: t.nexus,
            ispyb: t.ispyb,
        }
    }
}

/// A parameter value of a dataset.
#[derive(SimpleObject)]
pub struct Parameter {
    pub name: String,
    /// The value exactly as it was given.
    pub value: ParameterValue,
    /// The unit it was given in (the definition's unit when none was given).
    pub unit: Option<String>,
    /// A number's value in its definition's unit, as searches compare it
    /// (booleans as 0 and 1); null for strings.
    pub canonical_value: Option<f64>,
}

impl From<records::Parameter> for Parameter {
    fn from(p: records::Parameter) -> Self {
        Self {
            name: p.name,
            value: ParameterValue(p.value),
            unit: p.unit,
            canonical_value: p.canonical_number,
        }
    }
}

#[derive(Default)]
pub struct ParameterQuery;

#[Object]
impl ParameterQuery {
    /// Every parameter this catalog defines, with units and descriptions.
    async fn parameter_types(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ParameterType>> {
        Ok(request(ctx)
            .catalog
            .parameter_types()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A frame's own parameter value, in its definition's unit.
#[derive(SimpleObject)]
pub struct FrameParameter {
    pub name: String,
    pub value: ParameterValue,
}
