//! `ParameterValue`: a number, an integer, a string or a boolean, as given.

use async_graphql::{InputValueError, InputValueResult, Number, Scalar, ScalarType, Value};
use strata_domain::records;

/// A parameter's value: a number, a string or a boolean, kept as given.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterValue(pub records::ParameterValue);

#[Scalar(name = "ParameterValue")]
impl ScalarType for ParameterValue {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(Self(match value {
            Value::Boolean(b) => records::ParameterValue::Bool(b),
            Value::String(s) => records::ParameterValue::Text(s),
            Value::Number(n) => match n.as_i64() {
                Some(i) => records::ParameterValue::Integer(i),
                None => records::ParameterValue::Number(
                    n.as_f64()
                        .ok_or_else(|| InputValueError::custom("not a finite number"))?,
                ),
            },
            other => return Err(InputValueError::expected_type(other)),
        }))
    }

    fn to_value(&self) -> Value {
        match &self.0 {
            records::ParameterValue::Bool(b) => Value::Boolean(*b),
            records::ParameterValue::Integer(i) => Value::Number((*i).into()),
            records::ParameterValue::Number(n) => {
                Number::from_f64(*n).map_or(Value::Null, Value::Number)
            }
            records::ParameterValue::Text(s) => Value::String(s.clone()),
        }
    }
}
