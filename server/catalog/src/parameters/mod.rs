//! Parameter definitions (NeXus-style names, types, units, ranges and
//! enumerations), embedded from `schema/parameters/` and compiled once; the
//! units values may be given in; and the checks every write of a parameter
//! value goes through.

mod check;
mod definitions;
mod units;

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use strata_domain::records;

use crate::entity::parameter_type;
use crate::{Catalog, Result};

pub use check::NewParameter;
pub(crate) use check::{CheckedParameter, check_all, check_frame_parameters};
pub use definitions::ParameterDefinition;
pub(crate) use definitions::{definition, definitions};

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
    /// Every parameter type, by name, from the embedded definitions (which
    /// the parameter-type table mirrors). Definitions are public.
    pub fn parameter_types(&self) -> Vec<records::ParameterType> {
        definitions()
            .values()
            .map(|d| records::ParameterType {
                id: self.parameter_ids[&d.name],
                name: d.name.clone(),
                unit: d.unit.clone(),
                units: d.unit.as_deref().map(units::compatible).unwrap_or_default(),
                value_type: d.value_type,
                technique: d.technique,
                group: d.group.to_owned(),
                description: d.description.clone(),
                minimum: d.minimum,
                maximum: d.maximum,
                allowed_values: d.allowed.clone(),
                per_frame: d.per_frame,
                nexus: d.nexus.clone(),
                ispyb: d.ispyb.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use strata_domain::records::ParameterValue::{self, Integer, Number, Text};
    use strata_domain::{Technique, ValueType};

    use super::*;

    #[test]
    fn every_definition_file_parses_and_compiles() {
        let all = definitions::parse().unwrap();
        assert!(all.by_name.len() > 50, "{}", all.by_name.len());
        assert_eq!(all.groups.len(), 7);
        let voltage = &all.by_name["EM_voltage"];
        assert_eq!(voltage.value_type, ValueType::Number);
        assert_eq!(voltage.unit.as_deref(), Some("V"));
        assert_eq!(voltage.technique, Some(Technique::CryoEm));
        assert!(all.by_name["EMTS_tilt_angle"].per_frame);
        assert_eq!(all.by_name["EMTS_tilt_scheme"].allowed.len(), 4);
    }

    fn given(name: &str, value: ParameterValue, unit: Option<&str>) -> NewParameter {
        NewParameter {
            name: name.into(),
            value,
            unit: unit.map(Into::into),
        }
    }

    fn defoci() -> [NewParameter; 2] {
        [
            given("EMCTF_defocus_u", Number(12_000.0), None),
            given("EMCTF_defocus_v", Number(11_500.0), None),
        ]
    }

    #[test]
    fn each_kind_of_violation_names_the_parameter_the_expectation_and_the_value() {
        let cases: Vec<(Vec<NewParameter>, &str, &str)> = vec![
            (
                vec![given("EM_voltage", Text("high".into()), None)],
                "parameters[0].value",
                "EM_voltage takes a number; got a string (\"high\")",
            ),
            (
                vec![given("EM_voltage", Number(-1.0), None)],
                "parameters[0].value",
                "EM_voltage must be at least 0 V; got -1",
            ),
            (
                vec![given("EM_voltage", Number(-0.2), Some("kV"))],
                "parameters[0].value",
                "EM_voltage must be at least 0 V; got -0.2 kV (= -200 V)",
            ),
            (
                vec![given("EM_amplitude_contrast", Number(1.5), None)],
                "parameters[0].value",
                "EM_amplitude_contrast must be at most 1; got 1.5",
            ),
            (
                vec![given("EMTS_tilt_step", Integer(0), None)],
                "parameters[0].value",
                "EMTS_tilt_step must be above 0 deg; got 0",
            ),
            (
                vec![given("EM_images_count", Number(2.5), None)],
                "parameters[0].value",
                "EM_images_count takes an integer; got a number (2.5)",
            ),
            (
                vec![given("EMTS_tilt_scheme", Text("zigzag".into()), None)],
                "parameters[0].value",
                "EMTS_tilt_scheme must be one of \"dose-symmetric\", \"bidirectional\", \"unidirectional\", \"continuous\"; got \"zigzag\"",
            ),
            (
                vec![given("EM_voltage", Number(300.0), Some("s"))],
                "parameters[0].unit",
                "EM_voltage is in V (or",
            ),
            (
                vec![given("EM_voltage", Number(300.0), Some("furlongs"))],
                "parameters[0].unit",
                "got unit \"furlongs\", an unknown unit",
            ),
            (
                vec![given("EM_magnification", Number(300.0), Some("x"))],
                "parameters[0].unit",
                "EM_magnification has no unit; got unit \"x\"",
            ),
            (
                vec![given("EM_warp_factor", Number(1.0), None)],
                "parameters[0].name",
                "unknown parameter \"EM_warp_factor\"",
            ),
            (
                vec![
                    given("EMCTF_resolution_limit", Number(3.1), None),
                    given("EMCTF_defocus_u", Number(12_000.0), None),
                ],
                "parameters",
                "EMCTF_defocus_v is required with the other CTF estimation",
            ),
            (
                vec![
                    given("EM_voltage", Integer(1), None),
                    given("EM_voltage", Integer(2), None),
                ],
                "parameters[1].name",
                "EM_voltage is given more than once",
            ),
        ];
        for (parameters, field, message) in cases {
            let err = check_all("parameters", parameters).expect_err("must be refused");
            assert_eq!(err.field(), Some(field), "{err}");
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn the_first_failing_parameter_is_named_even_after_a_good_one() {
        let err = check_all(
            "frames[2].parameters",
            vec![
                given("EMTS_tilt_angle", Number(12.0), None),
                given("EMTS_dose_per_tilt", Number(-3.0), None),
            ],
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("frames[2].parameters[1].value"));
    }

    #[test]
    fn compatible_units_are_converted_and_the_value_as_given_is_kept() {
        let mut parameters = vec![
            given("EM_voltage", Integer(300), Some("kV")),
            given("SAXS_temperature", Number(293.15), Some("K")),
            given("EM_sampling_rate", Number(0.1), Some("nm")),
        ];
        parameters.extend(defoci());
        let ok = check_all("parameters", parameters).unwrap();
        assert_eq!(ok[0].number, Some(300_000.0));
        assert_eq!(ok[0].given.value, Integer(300));
        assert_eq!(ok[0].given.unit.as_deref(), Some("kV"));
        assert!((ok[1].number.unwrap() - 20.0).abs() < 1e-9);
        assert!((ok[2].number.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(ok[3].number, Some(12_000.0));
    }

    #[test]
    fn integers_are_numbers_and_a_complete_group_passes() {
        let ok = check_all(
            "parameters",
            vec![
                given("EM_voltage", Integer(300_000), Some("V")),
                given("EMTS_tilt_min", Integer(-60), None),
                given("EMTS_tilt_max", Number(60.0), None),
                given("EMTS_tilt_scheme", Text("dose-symmetric".into()), None),
            ],
        )
        .unwrap();
        assert_eq!(ok[0].number, Some(300_000.0));
        assert_eq!(ok[3].text.as_deref(), Some("dose-symmetric"));
    }
}
