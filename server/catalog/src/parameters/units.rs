//! Units a parameter may be given in, from `schema/units.json`: a value in any
//! unit of its definition's dimension (kV for V, nm for Å, °C for K) is
//! converted to the definition's unit for search, while the value as given is
//! kept as it was (SciCat rewrote its users' metadata; strata does not).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const UNITS: &str = include_str!("../../../../schema/units.json");

/// One unit: `value_in_base = value * factor + offset` within its dimension.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub dimension: String,
    factor: f64,
    offset: f64,
}

#[derive(Deserialize)]
struct UnitsFile {
    dimensions: BTreeMap<String, BTreeMap<String, Scale>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scale {
    Factor(f64),
    Affine { factor: f64, offset: f64 },
}

/// Every known unit by its symbol, parsed once. The file is part of the
/// binary, so a malformed one is a build defect caught by the tests below.
pub(crate) fn units() -> &'static BTreeMap<String, Unit> {
    static UNITS_BY_SYMBOL: OnceLock<BTreeMap<String, Unit>> = OnceLock::new();
    UNITS_BY_SYMBOL.get_or_init(|| parse(UNITS).unwrap_or_else(|e| panic!("{e}")))
}

fn parse(text: &str) -> Result<BTreeMap<String, Unit>, String> {
    let file: UnitsFile =
        serde_json::from_str(text).map_err(|e| format!("schema/units.json: {e}"))?;
    let mut all = BTreeMap::new();
    for (dimension, members) in file.dimensions {
        for (symbol, scale) in members {
            let (factor, offset) = match scale {
                Scale::Factor(f) => (f, 0.0),
                Scale::Affine { factor, offset } => (factor, offset),
            };
            if !(factor.is_finite() && factor > 0.0 && offset.is_finite()) {
                return Err(format!("schema/units.json: {symbol}: bad factor or offset"));
            }
            let unit = Unit {
                dimension: dimension.clone(),
                factor,
                offset,
            };
            if all.insert(symbol.clone(), unit).is_some() {
                return Err(format!("schema/units.json: {symbol} is defined twice"));
            }
        }
    }
    Ok(all)
}

/// Why a value could not be put in a definition's unit.
#[derive(Debug, PartialEq)]
pub(crate) enum UnitMismatch {
    Unknown,
    OtherDimension(String),
}

/// `value` given in `from`, expressed in `to`.
pub(crate) fn convert(value: f64, from: &str, to: &str) -> Result<f64, UnitMismatch> {
    if from == to {
        return Ok(value);
    }
    let all = units();
    let (Some(source), Some(target)) = (all.get(from), all.get(to)) else {
        return Err(UnitMismatch::Unknown);
    };
    if source.dimension != target.dimension {
        return Err(UnitMismatch::OtherDimension(source.dimension.clone()));
    }
    let base = value * source.factor + source.offset;
    Ok((base - target.offset) / target.factor)
}

/// The units a value of a definition in `unit` may be given in, `unit` first.
pub(crate) fn compatible(unit: &str) -> Vec<String> {
    let mut out = vec![unit.to_owned()];
    if let Some(dimension) = units().get(unit).map(|u| &u.dimension) {
        out.extend(
            units()
                .iter()
                .filter(|(symbol, u)| &u.dimension == dimension && *symbol != unit)
                .map(|(symbol, _)| symbol.clone()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_file_parses() {
        assert!(parse(UNITS).unwrap().len() > 40);
    }

    #[test]
    fn converts_within_a_dimension() {
        assert_eq!(convert(300.0, "kV", "V").unwrap(), 300_000.0);
        assert!((convert(2.5, "nm", "A").unwrap() - 25.0).abs() < 1e-9);
        assert!((convert(20.0, "degC", "K").unwrap() - 293.15).abs() < 1e-9);
        assert!((convert(293.15, "K", "degC").unwrap() - 20.0).abs() < 1e-9);
        assert!((convert(100.0, "e/nm^2", "e/A^2").unwrap() - 1.0).abs() < 1e-12);
        assert!((convert(0.5, "1/nm", "1/A").unwrap() - 0.05).abs() < 1e-12);
    }

    #[test]
    fn refuses_other_dimensions_and_unknown_units() {
        assert_eq!(
            convert(1.0, "s", "V"),
            Err(UnitMismatch::OtherDimension("time".into()))
        );
        assert_eq!(convert(1.0, "furlong", "m"), Err(UnitMismatch::Unknown));
    }

    #[test]
    fn every_definition_unit_is_known() {
        for d in super::super::definitions().values() {
            if let Some(unit) = &d.unit {
                assert!(units().contains_key(unit), "{}: unit {unit}", d.name);
            }
        }
    }
}
