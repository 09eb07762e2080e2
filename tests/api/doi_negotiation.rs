//! `/doi/{doi}`: content negotiation over the record's exports, each answer
//! checked by its format's schema or a parser of it.

use serde_json::{Map, Value, json};

use super::oai::{datacite_xsd, fixture, xmllint};
use strata_tests::TestApp;

const XML: &str = "application/vnd.datacite.datacite+xml";
const DATACITE_JSON: &str = "application/vnd.datacite.datacite+json";
const JSON_LD: &str = "application/ld+json";
const BIBTEX: &str = "application/x-bibtex";
const RIS: &str = "application/x-research-info-systems";
const CSL: &str = "application/vnd.citationstyles.csl+json";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// (status, content type, Vary, Location, body)
async fn fetch(
    app: &TestApp,
    path: &str,
    accept: Option<&str>,
    token: Option<&str>,
) -> (u16, String, String, String, String) {
    let mut request = client().get(app.url(path));
    if let Some(a) = accept {
        request = request.header("accept", a);
    }
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.expect("the server answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (status, content_type, vary, location) = (
        response.status().as_u16(),
        header("content-type"),
        header("vary"),
        header("location"),
    );
    (
        status,
        content_type,
        vary,
        location,
        response.text().await.unwrap(),
    )
}

/// The CSL data schema (draft 3) as draft 4, as strata-datacite's tests
/// convert it (schema/csl/README.md).
fn csl_validator() -> jsonschema::Validator {
    fn collect(v: &Value, ids: &mut Map<String, Value>, root: bool) {
        match v {
            Value::Object(o) => {
                if let (false, Some(Value::String(id))) = (root, o.get("id")) {
                    ids.insert(id.clone(), v.clone());
                }
                o.values().for_each(|x| collect(x, ids, false));
            }
            Value::Array(a) => a.iter().for_each(|x| collect(x, ids, false)),
            _ => {}
        }
    }
    fn draft4(v: &Value, ids: &Map<String, Value>) -> Value {
        match v {
            Value::Array(a) => Value::Array(a.iter().map(|x| draft4(x, ids)).collect()),
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    return draft4(ids.get(r).expect("resolvable $ref"), ids);
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
                                .map(|(n, _)| Value::String(n.clone()))
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
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/csl/csl-data.json");
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut ids = Map::new();
    collect(&raw, &mut ids, true);
    let mut schema = draft4(&raw, &ids);
    schema["$schema"] = json!("http://json-schema.org/draft-04/schema#");
    jsonschema::draft4::new(&schema).expect("the converted CSL schema compiles")
}

/// Checks one answer by its format's own schema or parser; returns the body.
fn check(format: &str, body: &str, doi: &str) {
    let upper = doi.to_uppercase();
    match format {
        XML => {
            xmllint(format, body, &datacite_xsd());
            let record = strata_datacite::from_xml(body).expect("DataCite XML reads back");
            assert_eq!(record.doi(), Some(upper.as_str()));
        }
        DATACITE_JSON => {
            let v: Value = serde_json::from_str(body).expect("JSON");
            assert_eq!(v["doi"], json!(upper));
            strata_datacite::from_datacite_json(&v).expect("DataCite JSON reads back");
        }
        JSON_LD => {
            let v: Value = serde_json::from_str(body).expect("JSON");
            assert_eq!(v["@context"], json!("https://schema.org"), "{v:#}");
            assert_eq!(v["@id"], json!(format!("https://doi.org/{upper}")), "{v:#}");
        }
        BIBTEX => {
            let bib = biblatex::Bibliography::parse(body).expect("BibTeX parses");
            assert_eq!(bib.len(), 1, "{body}");
            let entry = bib.iter().next().unwrap();
            assert_eq!(entry.doi().expect("a doi field"), upper);
        }
        RIS => {
            let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
            assert_eq!(lines.first(), Some(&"TY  - DATA"), "{body}");
            assert_eq!(lines.last().map(|l| l.trim_end()), Some("ER  -"), "{body}");
            for l in &lines {
                assert!(
                    l.len() >= 5
                        && l.as_bytes()[2..5] == *b"  -"
                        && l[..2]
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                    "not an RIS line: {l:?}"
                );
            }
            assert!(lines.contains(&format!("DO  - {upper}").as_str()), "{body}");
        }
        CSL => {
            let v: Value = serde_json::from_str(body).expect("JSON");
            let errors: Vec<String> = csl_validator()
                .iter_errors(&json!([v.clone()]))
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "CSL-JSON invalid: {errors:?}\n{v:#}");
            assert_eq!(v["DOI"], json!(upper));
        }
        other => panic!("unknown format {other}"),
    }
}

#[tokio::test]
async fn every_export_is_negotiated_and_valid() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let path = format!("/doi/{}", f.findable);
    for format in [XML, DATACITE_JSON, JSON_LD, BIBTEX, RIS, CSL] {
        let (status, content_type, vary, _, body) = fetch(&app, &path, Some(format), None).await;
        assert_eq!(status, 200, "{format}: {body}");
        assert!(content_type.starts_with(format), "{format}: {content_type}");
        assert_eq!(vary, "Accept");
        check(format, &body, &f.findable);
    }
    for (name, format) in [
        ("datacite-xml", XML),
        ("datacite-json", DATACITE_JSON),
        ("schema-org", JSON_LD),
        ("bibtex", BIBTEX),
        ("ris", RIS),
        ("csl-json", CSL),
    ] {
        let (status, content_type, _, _, body) = fetch(
            &app,
            &format!("{path}?format={name}"),
            Some("text/html"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{name}");
        assert!(content_type.starts_with(format), "{name}: {content_type}");
        check(format, &body, &f.findable);
    }
    let (status, _, _, _, body) = fetch(&app, &format!("{path}?format=marc"), None, None).await;
    assert_eq!(status, 400);
    assert!(body.contains("csl-json"), "{body}");

    // Browsers and `*/*` go to the landing page.
    for accept in [
        None,
        Some("*/*"),
        Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ] {
        let (status, _, vary, location, _) = fetch(&app, &path, accept, None).await;
        assert_eq!(status, 303, "{accept:?}");
        assert_eq!(
            location,
            format!("https://portal.strata.test/doi/{}", f.findable)
        );
        assert_eq!(vary, "Accept");
    }
    // q-values.
    let (_, content_type, ..) = fetch(
        &app,
        &path,
        Some("application/x-bibtex;q=0.5, application/vnd.citationstyles.csl+json"),
        None,
    )
    .await;
    assert!(content_type.starts_with(CSL), "{content_type}");
    let (_, content_type, ..) = fetch(&app, &path, Some("*/*, text/html;q=0"), None).await;
    assert!(content_type.starts_with(XML), "{content_type}");
    let (status, _, vary, _, body) =
        fetch(&app, &path, Some("image/png, text/html;q=0"), None).await;
    assert_eq!(status, 406);
    assert_eq!(vary, "Accept");
    for format in [XML, DATACITE_JSON, JSON_LD, BIBTEX, RIS, CSL] {
        assert!(body.contains(format), "{body}");
    }
    // DOIs are case-insensitive; an escaped slash is the same DOI.
    let (status, ..) = fetch(
        &app,
        &path.to_uppercase().replace("/DOI/", "/doi/"),
        Some(BIBTEX),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, ..) = fetch(
        &app,
        &path.replacen("10.80000/", "10.80000%2F", 1),
        Some(BIBTEX),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn withdrawn_dois_are_tombstones_and_drafts_are_private() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let path = format!("/doi/{}", f.withdrawn);
    for format in [XML, DATACITE_JSON, JSON_LD, BIBTEX, RIS, CSL] {
        let (status, content_type, _, _, body) = fetch(&app, &path, Some(format), None).await;
        assert_eq!(status, 410, "{format}: {body}");
        assert!(content_type.starts_with(format), "{format}: {content_type}");
        check(format, &body, &f.withdrawn);
        let reason_seen = body.contains("wrong sample <mix-up> & retracted")
            || body.contains("wrong sample &lt;mix-up&gt; &amp; retracted")
            || body.contains("wrong sample <mix-up> \\& retracted");
        assert!(reason_seen, "{format}: the reason is in the body:\n{body}");
    }
    let (status, _, _, location, _) = fetch(&app, &path, Some("text/html"), None).await;
    assert_eq!(
        (status, location),
        (
            303,
            format!("https://portal.strata.test/doi/{}", f.withdrawn)
        )
    );

    let draft = format!("/doi/{}", f.draft);
    let (status, ..) = fetch(&app, &draft, Some(XML), None).await;
    assert_eq!(status, 404, "a draft is not public");
    let (status, _, _, _, body) = fetch(&app, &draft, Some(DATACITE_JSON), Some(&app.admin)).await;
    assert_eq!(status, 200, "{body}");
    let (status, ..) = fetch(&app, "/doi/10.80000/nope.1", Some(XML), None).await;
    assert_eq!(status, 404);
    let (status, ..) = fetch(&app, &draft, Some(XML), Some("not-a-token")).await;
    assert_eq!(status, 401);
}
