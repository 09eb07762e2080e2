//! Parameters read from what ingest reads (MicroManager summaries and per-image
//! keys, OME-XML, ImageJ descriptions, MRC headers), by the declarative rules
//! of `schema/extraction.json` rather than by code per field. What is found
//! is handed to the catalog, which converts and checks it like any value.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Value, json};
use strata_catalog::NewParameter;
use strata_domain::Technique;
use strata_domain::records::ParameterValue;
use strata_frames::StackInfo;

const RULES: &str = include_str!("../../../schema/extraction.json");

#[derive(Debug, Deserialize)]
struct Rules {
    dataset: Vec<Rule>,
    frame: Vec<Rule>,
    aggregates: Vec<Aggregate>,
}

/// A dataset parameter derived from every frame's value of another.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Aggregate {
    parameter: String,
    min_of: Option<String>,
    max_of: Option<String>,
    sum_of: Option<String>,
    count_of: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    parameter: String,
    formats: Vec<String>,
    techniques: Vec<Technique>,
    /// A JSON pointer to the value.
    from: String,
    /// The unit the file gives the value in (the fallback of `unit_from`).
    unit: Option<String>,
    /// A JSON pointer to the unit, for files that say which they use.
    unit_from: Option<String>,
}

fn rules() -> &'static Rules {
    static PARSED: OnceLock<Rules> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str(RULES).unwrap_or_else(|e| panic!("schema/extraction.json: {e}"))
    })
}

impl Rule {
    fn applies(&self, format: &str, technique: Technique) -> bool {
        self.formats.iter().any(|f| f == format) && self.techniques.contains(&technique)
    }

    /// The value this rule finds in `document`, if any. Numbers written as
    /// text (MicroManager often does) are read as numbers.
    fn find(&self, document: &Value) -> Option<NewParameter> {
        let value = match document.pointer(&self.from)? {
            Value::Number(n) => match n.as_i64() {
                Some(i) => ParameterValue::Integer(i),
                None => ParameterValue::Number(n.as_f64()?),
            },
            Value::Bool(b) => ParameterValue::Bool(*b),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => ParameterValue::Integer(n as i64),
                Ok(n) => ParameterValue::Number(n),
                Err(_) if s.trim().is_empty() => return None,
                Err(_) => ParameterValue::Text(s.clone()),
            },
            _ => return None,
        };
        let unit = self
            .unit_from
            .as_ref()
            .and_then(|p| document.pointer(p))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| self.unit.clone());
        Some(NewParameter {
            name: self.parameter.clone(),
            value,
            unit,
        })
    }
}

/// What the rules find in a stack's own description, one value per parameter
/// (the first rule that finds one wins).
pub(crate) fn dataset_parameters(info: &StackInfo, technique: Technique) -> Vec<NewParameter> {
    let document = json!({
        "format": info.format,
        "technique": technique,
        "dims": { "t": info.dims.t, "c": info.dims.c, "z": info.dims.z, "y": info.dims.y, "x": info.dims.x },
        "pixel_size_um": info.pixel_size_um,
        "channels": info.channel_names,
        "source": info.metadata,
    });
    collect(&rules().dataset, &info.format, technique, &document)
}

/// What the rules find in one frame's metadata.
pub(crate) fn frame_parameters(
    format: &str,
    technique: Technique,
    metadata: &Value,
) -> Vec<NewParameter> {
    collect(&rules().frame, format, technique, metadata)
}

/// The dataset parameters the aggregates derive from frames: a subset of
/// the frames (a restack) derives them anew rather than inheriting them.
pub(crate) fn aggregate_names() -> impl Iterator<Item = &'static str> {
    rules().aggregates.iter().map(|a| a.parameter.as_str())
}

/// What the aggregates derive from the frames' own values. A frame parameter
/// given in several units is left alone rather than mixed.
pub(crate) fn aggregate_parameters<'a>(
    frames: impl Iterator<Item = &'a NewParameter> + Clone,
) -> Vec<NewParameter> {
    let mut found = Vec::new();
    for a in &rules().aggregates {
        let (of, fold): (&str, fn(&[f64]) -> f64) = match (
            &a.min_of,
            &a.max_of,
            &a.sum_of,
            &a.count_of,
        ) {
            (Some(of), None, None, None) => {
                (of, |v| v.iter().copied().fold(f64::INFINITY, f64::min))
            }
            (None, Some(of), None, None) => {
                (of, |v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            }
            (None, None, Some(of), None) => (of, |v| v.iter().sum()),
            (None, None, None, Some(of)) => (of, |v| v.len() as f64),
            _ => panic!(
                "schema/extraction.json: aggregate {} needs exactly one of min_of, max_of, sum_of, count_of",
                a.parameter
            ),
        };
        let values: Vec<&NewParameter> = frames.clone().filter(|p| p.name == of).collect();
        let Some(unit) = values.first().map(|p| p.unit.clone()) else {
            continue;
        };
        if values.iter().any(|p| p.unit != unit) {
            continue;
        }
        let numbers: Vec<f64> = values
            .iter()
            .filter_map(|p| match p.value {
                ParameterValue::Integer(i) => Some(i as f64),
                ParameterValue::Number(n) => Some(n),
                _ => None,
            })
            .collect();
        let value = fold(&numbers);
        found.push(NewParameter {
            name: a.parameter.clone(),
            value: if a.count_of.is_some() {
                ParameterValue::Integer(numbers.len() as i64)
            } else {
                ParameterValue::Number(value)
            },
            unit: if a.count_of.is_some() { None } else { unit },
        });
    }
    found
}

fn collect(
    rules: &[Rule],
    format: &str,
    technique: Technique,
    document: &Value,
) -> Vec<NewParameter> {
    let mut found: Vec<NewParameter> = Vec::new();
    for rule in rules.iter().filter(|r| r.applies(format, technique)) {
        if found.iter().any(|p| p.name == rule.parameter) {
            continue;
        }
        found.extend(rule.find(document));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_parse_and_name_defined_parameters() {
        let defined: Vec<String> = strata_catalog::parameter_definitions()
            .map(|d| d.name.clone())
            .collect();
        for rule in rules().dataset.iter().chain(&rules().frame) {
            assert!(defined.contains(&rule.parameter), "{}", rule.parameter);
            assert!(rule.from.starts_with('/'), "{}", rule.from);
        }
        for a in &rules().aggregates {
            assert!(defined.contains(&a.parameter), "{}", a.parameter);
        }
        // Every aggregate names exactly one source (it panics otherwise).
        let probe = NewParameter {
            name: "EMTS_tilt_angle".into(),
            value: ParameterValue::Number(-3.0),
            unit: Some("deg".into()),
        };
        aggregate_parameters([probe].iter());
    }

    #[test]
    fn micromanager_per_image_keys_become_frame_parameters() {
        let metadata = json!({ "ZPositionUm": "12.5", "Exposure-ms": 20, "ElapsedTime-ms": 1500.0, "Camera": "Prime" });
        let found = frame_parameters("micromanager", Technique::LightMicroscopy, &metadata);
        let by_name = |n: &str| found.iter().find(|p| p.name == n).cloned().unwrap();
        assert_eq!(by_name("LM_z_position").value, ParameterValue::Number(12.5));
        assert_eq!(by_name("LM_z_position").unit.as_deref(), Some("um"));
        assert_eq!(
            by_name("LM_exposure_time").value,
            ParameterValue::Integer(20)
        );
        assert_eq!(found.len(), 3);
        // The same keys mean nothing for another technique.
        assert!(frame_parameters("micromanager", Technique::CryoEm, &metadata).is_empty());
    }

    #[test]
    fn a_tilt_series_range_count_and_dose_come_from_its_tilts() {
        let tilts: Vec<NewParameter> = [(-3.0, 2.0), (0.0, 2.5), (3.0, 2.0)]
            .iter()
            .flat_map(|(angle, dose)| {
                frame_parameters(
                    "mrc",
                    Technique::CryoEt,
                    &json!({ "mdoc": { "TiltAngle": angle, "ExposureDose": dose } }),
                )
            })
            .collect();
        let derived = aggregate_parameters(tilts.iter());
        let of = |n: &str| derived.iter().find(|p| p.name == n).unwrap().value.clone();
        assert_eq!(of("EMTS_tilt_min"), ParameterValue::Number(-3.0));
        assert_eq!(of("EMTS_tilt_max"), ParameterValue::Number(3.0));
        assert_eq!(of("EMTS_tilt_count"), ParameterValue::Integer(3));
        assert_eq!(of("EMTS_total_dose"), ParameterValue::Number(6.5));
        // Nothing to aggregate, nothing derived.
        assert!(aggregate_parameters([].iter()).is_empty());
    }

    #[test]
    fn a_unit_named_by_the_file_is_taken_from_it() {
        let metadata = json!({ "plane": { "PositionZ": 1.5, "PositionZUnit": "nm", "DeltaT": 2 } });
        let found = frame_parameters("ome-tiff", Technique::LightMicroscopy, &metadata);
        assert_eq!(found[0].name, "LM_z_position");
        assert_eq!(found[0].unit.as_deref(), Some("nm"));
        assert_eq!(found[1].name, "LM_elapsed_time");
        assert_eq!(found[1].unit.as_deref(), Some("s"));
    }
}
