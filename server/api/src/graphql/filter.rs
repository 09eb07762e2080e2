//! Search inputs: the dataset filter, parameter conditions and ordering.

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Utc};
use strata_catalog as catalog;

use super::scalars::ParameterValue;
use super::vocabulary::{DatasetKind, Technique};
use crate::error::bad_input;

/// Which datasets to find: every condition given must hold.
#[derive(InputObject, Default, Clone)]
pub struct DatasetFilter {
    /// Project code, exactly (the `<ID>` of dataset identifiers).
    pub project: Option<String>,
    /// Substring of the instrument or microscope name, any case.
    pub instrument: Option<String>,
    /// Acquired at or after this time.
    pub acquired_from: Option<DateTime<Utc>>,
    /// Acquired at or before this time.
    pub acquired_until: Option<DateTime<Utc>>,
    /// Substring of the description, any case.
    pub description: Option<String>,
    pub kind: Option<DatasetKind>,
    pub technique: Option<Technique>,
    /// Sample name, exactly.
    pub sample: Option<String>,
    /// Conditions on typed parameter values; all must hold.
    #[graphql(default)]
    pub parameters: Vec<ParameterCondition>,
}

/// A condition on one parameter: give exactly one of the operators.
#[derive(InputObject, Clone)]
pub struct ParameterCondition {
    pub name: String,
    pub eq: Option<ParameterValue>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub between: Option<Range>,
    /// Substring, any case (string parameters).
    pub contains: Option<String>,
}

/// An inclusive range.
#[derive(InputObject, Clone, Copy)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum DatasetOrderField {
    #[default]
    AcquiredAt,
    Identifier,
    CreatedAt,
    SizeBytes,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum OrderDirection {
    Asc,
    #[default]
    Desc,
}

#[derive(InputObject, Clone, Copy, Default)]
pub struct DatasetOrder {
    #[graphql(default)]
    pub field: DatasetOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl DatasetFilter {
    /// The catalog's filter; `arg` names the argument in error paths.
    pub fn to_catalog(&self, arg: &str) -> async_graphql::Result<catalog::DatasetFilter> {
        let parameters = self
            .parameters
            .iter()
            .enumerate()
            .map(|(i, c)| c.to_catalog(&format!("{arg}.parameters[{i}]")))
            .collect::<async_graphql::Result<_>>()?;
        Ok(catalog::DatasetFilter {
            project: self.project.clone(),
            instrument: self.instrument.clone(),
            acquired_from: self.acquired_from,
            acquired_until: self.acquired_until,
            description: self.description.clone(),
            kind: self.kind.map(Into::into),
            technique: self.technique.map(Into::into),
            sample: self.sample.clone(),
            parameters,
        })
    }
}

impl ParameterCondition {
    pub(super) fn to_catalog(
        &self,
        field: &str,
    ) -> async_graphql::Result<catalog::ParameterCondition> {
        use catalog::ParameterOp as Op;
        let ops: Vec<Op> = [
            self.eq.clone().map(|v| Op::Eq(v.0)),
            self.lt.map(Op::Lt),
            self.lte.map(Op::Lte),
            self.gt.map(Op::Gt),
            self.gte.map(Op::Gte),
            self.between.map(|r| Op::Between(r.min, r.max)),
            self.contains.clone().map(Op::Contains),
        ]
        .into_iter()
        .flatten()
        .collect();
        match <[Op; 1]>::try_from(ops) {
            Ok([op]) => Ok(catalog::ParameterCondition {
                name: self.name.clone(),
                op,
            }),
            Err(ops) => Err(bad_input(
                field,
                format!(
                    "give exactly one of eq, lt, lte, gt, gte, between, contains; got {}",
                    ops.len()
                ),
            )),
        }
    }
}

impl From<DatasetOrder> for catalog::DatasetOrder {
    fn from(o: DatasetOrder) -> Self {
        Self {
            field: match o.field {
                DatasetOrderField::AcquiredAt => catalog::OrderField::AcquiredAt,
                DatasetOrderField::Identifier => catalog::OrderField::Identifier,
                DatasetOrderField::CreatedAt => catalog::OrderField::CreatedAt,
                DatasetOrderField::SizeBytes => catalog::OrderField::SizeBytes,
            },
            direction: match o.direction {
                OrderDirection::Asc => catalog::OrderDirection::Asc,
                OrderDirection::Desc => catalog::OrderDirection::Desc,
            },
        }
    }
}
