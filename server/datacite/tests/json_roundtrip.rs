//! DataCite XML → DataCite JSON → Resource → DataCite XML is lossless for every example.

mod common;

use common::canonical::assert_same_xml;
use serde_json::json;
use strata_datacite::{JsonReadError, from_datacite_json, from_xml, to_datacite_json, to_xml};

#[test]
fn every_example_survives_a_trip_through_datacite_json() {
    for (name, original) in common::examples() {
        let resource = from_xml(&original).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = to_datacite_json(&resource);
        // Through text, as it travels over HTTP.
        let text = serde_json::to_string(&json).expect("serialises");
        let reparsed: serde_json::Value = serde_json::from_str(&text).expect("parses");
        let back = from_datacite_json(&reparsed).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(back, resource, "{name}: JSON round trip changed the record");
        assert_same_xml(&format!("{name} via JSON"), &original, &to_xml(&back));
    }
}

#[test]
fn the_cryo_em_record_survives_json_including_url_and_line_breaks() {
    let r = common::cryo_em::record();
    let json = to_datacite_json(&r);
    assert_eq!(json["doi"], "10.82433/strata-cryoem-0042");
    assert_eq!(
        json["url"],
        "https://strata.example.org/datasets/cryoem-0042"
    );
    assert_eq!(
        json["types"],
        json!({"resourceTypeGeneral": "Dataset", "resourceType": "Cryo-EM movies"})
    );
    assert_eq!(json["publicationYear"], 2026);
    assert_eq!(
        json["creators"][0]["nameIdentifiers"][0]["nameIdentifierScheme"],
        "ORCID"
    );
    assert_eq!(
        json["creators"][0]["affiliation"][0]["affiliationIdentifierScheme"],
        "ROR"
    );
    assert_eq!(
        json["geoLocations"][0]["geoLocationPoint"]["pointLatitude"],
        47.3769
    );
    assert!(
        json["descriptions"][0]["description"]
            .as_str()
            .expect("string")
            .contains("<br/>")
    );
    assert_eq!(from_datacite_json(&json).expect("reads back"), r);
}

#[test]
fn reads_the_api_shapes_with_plain_strings_and_a_data_envelope() {
    let doc = json!({"data": {"type": "dois", "attributes": {
        "doi": "10.5438/0012",
        "state": "findable",
        "publisher": "DataCite",
        "publicationYear": 2016,
        "types": {"resourceTypeGeneral": "Dataset", "schemaOrg": "Dataset"},
        "creators": [{"name": "Fenner, Martin", "affiliation": ["DataCite"], "nameIdentifiers": []}],
        "titles": [{"title": "Example"}],
        "identifiers": [
            {"identifier": "https://doi.org/10.5438/0012", "identifierType": "DOI"},
            {"identifier": "12345", "identifierType": "Local accession number"}
        ],
        "geoLocations": [{"geoLocationPoint": {"pointLatitude": "41.090", "pointLongitude": -71.0}}]
    }}});
    let r = from_datacite_json(&doc).expect("reads");
    assert_eq!(
        r.publisher.as_ref().map(|p| p.name.as_str()),
        Some("DataCite")
    );
    assert_eq!(r.publication_year.as_deref(), Some("2016"));
    assert_eq!(r.creators[0].affiliations[0].name, "DataCite");
    // The DOI listed among `identifiers` by older API responses is not an alternate one.
    assert_eq!(r.alternate_identifiers.len(), 1);
    assert_eq!(r.alternate_identifiers[0].value, "12345");
    let point = r.geo_locations[0].point.as_ref().expect("point");
    assert_eq!(
        (point.latitude.as_str(), point.longitude.as_str()),
        ("41.090", "-71.0")
    );
}

#[test]
fn a_bad_vocabulary_value_in_json_names_the_pointer_and_value() {
    let doc = json!({"doi": "10.5438/0012", "contributors": [
        {"name": "A", "contributorType": "Editor"},
        {"name": "B", "contributorType": "Boss"}
    ]});
    let err = from_datacite_json(&doc).expect_err("rejected");
    assert!(
        matches!(err, JsonReadError::BadVocabulary { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("/contributors/1/contributorType") && msg.contains("\"Boss\""),
        "{msg}"
    );
    let err = from_datacite_json(&json!({"titles": {"title": "x"}}))
        .expect_err("titles must be an array");
    assert!(err.to_string().contains("/titles"), "{err}");
}

#[test]
fn the_models_own_serde_form_round_trips_every_record() {
    let mut records: Vec<strata_datacite::Resource> = common::examples()
        .iter()
        .map(|(n, x)| from_xml(x).unwrap_or_else(|e| panic!("{n}: {e}")))
        .collect();
    records.push(common::cryo_em::record());
    for r in records {
        let v = serde_json::to_value(&r).expect("serialises");
        assert!(v.get("publicationYear").is_some(), "camelCase keys: {v}");
        let back: strata_datacite::Resource = serde_json::from_value(v).expect("deserialises");
        assert_eq!(back, r);
    }
}
