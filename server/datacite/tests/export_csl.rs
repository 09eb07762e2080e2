//! CSL-JSON exports validate against the CSL project's csl-data.json schema.

mod common;

use serde_json::{Map, Value, json};
use strata_datacite::{Resource, from_xml, to_csl_json};

/// Converts the vendored draft-3 schema to draft 4 (see schema/csl/README.md): the
/// `jsonschema` crate implements draft 4 and later only.
fn draft4(v: &Value, ids: &Map<String, Value>) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(|x| draft4(x, ids)).collect()),
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                let target = ids.get(r).unwrap_or_else(|| panic!("unresolved $ref {r}"));
                return draft4(target, ids);
            }
            let mut out = Map::new();
            for (k, val) in o {
                match (k.as_str(), val) {
                    ("id", Value::String(_)) | ("required", Value::Bool(_)) => {}
                    ("type", Value::Array(types)) if types.iter().any(Value::is_object) => {
                        let any: Vec<Value> = types
                            .iter()
                            .map(|t| {
                                if t.is_string() {
                                    json!({"type": t})
                                } else {
                                    draft4(t, ids)
                                }
                            })
                            .collect();
                        out.insert("anyOf".into(), Value::Array(any));
                    }
                    ("properties", Value::Object(props)) => {
                        let required: Vec<Value> = props
                            .iter()
                            .filter(|(_, p)| p.get("required") == Some(&Value::Bool(true)))
                            .map(|(name, _)| Value::String(name.clone()))
                            .collect();
                        if !required.is_empty() {
                            out.insert("required".into(), Value::Array(required));
                        }
                        out.insert(k.clone(), draft4(val, ids));
                    }
                    _ => {
                        out.insert(k.clone(), draft4(val, ids));
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn collect_ids(v: &Value, ids: &mut Map<String, Value>, root: bool) {
    match v {
        Value::Object(o) => {
            if let (false, Some(Value::String(id))) = (root, o.get("id")) {
                ids.insert(id.clone(), v.clone());
            }
            o.values().for_each(|x| collect_ids(x, ids, false));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_ids(x, ids, false)),
        _ => {}
    }
}

fn validator() -> jsonschema::Validator {
    let path = common::kernel_dir().join("../../csl/csl-data.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let raw: Value = serde_json::from_str(&text).expect("schema is JSON");
    let mut ids = Map::new();
    collect_ids(&raw, &mut ids, true);
    let mut schema = draft4(&raw, &ids);
    schema["$schema"] = json!("http://json-schema.org/draft-04/schema#");
    jsonschema::draft4::new(&schema).expect("converted CSL schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, label: &str, item: &Value) {
    let doc = json!([item]);
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{label}: CSL-JSON invalid: {errors:?}\n{item:#}"
    );
}

#[test]
fn csl_json_of_every_example_and_the_cryo_em_record_is_schema_valid() {
    let v = validator();
    let mut records: Vec<(String, Resource)> = common::examples()
        .into_iter()
        .map(|(n, x)| {
            (
                n.clone(),
                from_xml(&x).unwrap_or_else(|e| panic!("{n}: {e}")),
            )
        })
        .collect();
    records.push(("cryo-em".into(), common::cryo_em::record()));
    for (label, r) in &records {
        assert_valid(&v, label, &to_csl_json(r));
    }
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let v = validator();
    let mut item = to_csl_json(&common::cryo_em::record());
    item["type"] = json!("data-set");
    assert!(
        !v.is_valid(&json!([item])),
        "an unknown CSL type must fail the schema"
    );
    let mut item = to_csl_json(&common::cryo_em::record());
    item["author"] = json!([{"family": "A", "nickname": "B"}]);
    assert!(
        !v.is_valid(&json!([item])),
        "an unknown name part must fail the schema"
    );
}

#[test]
fn csl_json_carries_the_citation_fields() {
    let item = to_csl_json(&common::cryo_em::record());
    assert_eq!(item["type"], "dataset");
    assert_eq!(item["DOI"], "10.82433/strata-cryoem-0042");
    assert_eq!(item["URL"], "https://doi.org/10.82433/strata-cryoem-0042");
    assert_eq!(
        item["author"][0],
        json!({"family": "Carberry", "given": "Josiah"})
    );
    assert_eq!(
        item["author"][2],
        json!({"literal": "Example Cryo-EM Facility"})
    );
    assert_eq!(item["issued"], json!({"date-parts": [[2026, 5, 17]]}));
    assert_eq!(item["publisher"], "Strata Imaging Facility");
    assert_eq!(item["version"], "1.0");
    assert!(
        item["title"]
            .as_str()
            .expect("title")
            .starts_with("Cryo-EM movies of apoferritin")
    );
}
