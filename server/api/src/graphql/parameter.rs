//! Parameter types (the definitions) and parameter values.

use async_graphql::{Context, Object, SimpleObject};
use strata_domain::records;

use super::context::request;
use super::scalars::ParameterValue;
use super::vocabulary::{Technique, ValueType};
use crate::error::IntoGraphql;

/// A parameter's definition: NeXus-style name, type, canonical unit.
#[derive(SimpleObject)]
pub struct ParameterType {
    pub name: String,
    pub unit: Option<String>,
    pub value_type: ValueType,
    pub technique: Option<Technique>,
    pub description: String,
}

impl From<records::ParameterType> for ParameterType {
    fn from(t: records::ParameterType) -> Self {
        Self {
            name: t.name,
            unit: t.unit,
            value_type: t.value_type.into(),
            technique: t.technique.map(Into::into),
            description: t.description,
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
}

impl From<records::Parameter> for Parameter {
    fn from(p: records::Parameter) -> Self {
        Self {
            name: p.name,
            value: ParameterValue(p.value),
            unit: p.unit,
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
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
