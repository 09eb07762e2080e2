//! Parameter values written by hand, in upload configurations
//! (`[parameters] EM_voltage = "300 kV"`), manifest rows
//! (`EM_voltage=300 kV; EM_images_count=40`) and `--parameter` flags. Only
//! the reading is done here; the catalog converts and checks every value.

use strata_catalog::NewParameter;
use strata_domain::records::ParameterValue;

/// `300 kV` → 300 in kV; `40` → 40; `true`; anything else is text. A number
/// followed by a word is a number and its unit: whether the unit fits the
/// parameter is the catalog's check.
pub fn parse_value(text: &str) -> (ParameterValue, Option<String>) {
    let text = text.trim();
    match text {
        "true" => return (ParameterValue::Bool(true), None),
        "false" => return (ParameterValue::Bool(false), None),
        _ => {}
    }
    let split = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(split);
    let unit = unit.trim();
    let unit = (!unit.is_empty()).then(|| unit.to_owned());
    if let Ok(i) = number.parse::<i64>() {
        return (ParameterValue::Integer(i), unit);
    }
    if let Ok(n) = number.parse::<f64>() {
        return (ParameterValue::Number(n), unit);
    }
    (ParameterValue::Text(text.to_owned()), None)
}

/// `NAME=VALUE [UNIT]`.
pub fn parse_setting(text: &str) -> Result<NewParameter, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE (e.g. EM_voltage=300 kV)"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("{text:?} names no parameter"));
    }
    let (value, unit) = parse_value(value);
    Ok(NewParameter {
        name: name.to_owned(),
        value,
        unit,
    })
}

/// `NAME=VALUE; NAME=VALUE …` (a manifest cell); empty is none.
pub fn parse_settings(text: &str) -> Result<Vec<NewParameter>, String> {
    text.split(';')
        .filter(|s| !s.trim().is_empty())
        .map(parse_setting)
        .collect()
}

/// A configuration file's `parameters` entry: numbers and booleans as they
/// are, strings read like a flag's value.
pub fn from_json(name: &str, value: &serde_json::Value) -> Result<NewParameter, String> {
    let (value, unit) = match value {
        serde_json::Value::Bool(b) => (ParameterValue::Bool(*b), None),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => (ParameterValue::Integer(i), None),
            None => (ParameterValue::Number(n.as_f64().unwrap_or(f64::NAN)), None),
        },
        serde_json::Value::String(s) => parse_value(s),
        other => return Err(format!("parameters.{name}: {other} is not a value")),
    };
    Ok(NewParameter {
        name: name.to_owned(),
        value,
        unit,
    })
}

/// `base` with `overrides` put over it, name by name.
pub fn merged(base: &[NewParameter], overrides: &[NewParameter]) -> Vec<NewParameter> {
    let mut all: Vec<NewParameter> = base
        .iter()
        .filter(|p| !overrides.iter().any(|o| o.name == p.name))
        .cloned()
        .collect();
    all.extend(overrides.iter().cloned());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_units_and_text() {
        assert_eq!(
            parse_value("300 kV"),
            (ParameterValue::Integer(300), Some("kV".into()))
        );
        assert_eq!(
            parse_value("0.83Å"),
            (ParameterValue::Number(0.83), Some("Å".into()))
        );
        assert_eq!(
            parse_value("-1.5e3"),
            (ParameterValue::Number(-1500.0), None)
        );
        assert_eq!(
            parse_value("dose-symmetric"),
            (ParameterValue::Text("dose-symmetric".into()), None)
        );
        assert_eq!(parse_value("true"), (ParameterValue::Bool(true), None));
    }

    #[test]
    fn settings_and_their_mistakes() {
        let all = parse_settings("EM_voltage=300 kV; EM_images_count=40;").unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].unit.as_deref(), Some("kV"));
        assert!(
            parse_setting("EM_voltage 300")
                .unwrap_err()
                .contains("NAME=VALUE")
        );
        assert!(
            parse_setting("=3")
                .unwrap_err()
                .contains("names no parameter")
        );
    }

    #[test]
    fn overrides_win_name_by_name() {
        let base = parse_settings("a=1; b=2").unwrap();
        let over = parse_settings("b=3").unwrap();
        let all = merged(&base, &over);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].value, ParameterValue::Integer(3));
    }
}
