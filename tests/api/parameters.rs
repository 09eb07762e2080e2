//! Parameters through the API: values in compatible units are searched in the
//! canonical unit and returned as given; definitions are served with their
//! units, ranges and enumerations.

use serde_json::json;
use strata_tests::TestApp;

const DATASET: &str = "ML-2022-10-01-14-03-22-0001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_in_another_unit_is_searched_canonically_and_returned_as_given() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.register(
        DATASET,
        json!({ "parameters": [
            { "name": "EM_voltage", "value": 300, "unit": "kV" },
            { "name": "EM_sampling_rate", "value": 0.083, "unit": "nm" },
            { "name": "EMCTF_defocus_u", "value": -1.2, "unit": "um" },
            { "name": "EMCTF_defocus_v", "value": -11500 }] }),
    )
    .await;
    let found = app
        .ok(
            None,
            "query($filter: DatasetFilter) { datasets(filter: $filter) { nodes { identifier
               parameters { name value unit canonicalValue } } } }",
            json!({ "filter": { "parameters": [
                { "name": "EM_voltage", "between": { "min": 299000, "max": 301000 } },
                { "name": "EM_sampling_rate", "lt": 0.9 }] } }),
        )
        .await;
    // The project is private: anonymous callers find nothing.
    assert_eq!(found["datasets"]["nodes"], json!([]));
    let found = app
        .ok(
            Some(&app.admin),
            "query($filter: DatasetFilter) { datasets(filter: $filter) { nodes { identifier
               parameters { name value unit canonicalValue } } } }",
            json!({ "filter": { "parameters": [
                { "name": "EM_voltage", "between": { "min": 299000, "max": 301000 } },
                { "name": "EM_sampling_rate", "lt": 0.9 }] } }),
        )
        .await;
    let nodes = found["datasets"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{found:#}");
    let parameter = |name: &str| {
        nodes[0]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        parameter("EM_voltage"),
        json!({ "name": "EM_voltage", "value": 300, "unit": "kV", "canonicalValue": 300000.0 })
    );
    let sampling = parameter("EM_sampling_rate");
    assert_eq!(
        (sampling["value"].clone(), sampling["unit"].clone()),
        (json!(0.083), json!("nm"))
    );
    assert!((sampling["canonicalValue"].as_f64().unwrap() - 0.83).abs() < 1e-9);
    let defocus = parameter("EMCTF_defocus_u");
    assert!((defocus["canonicalValue"].as_f64().unwrap() + 12000.0).abs() < 1e-6);

    // The same search in the given unit's numbers finds nothing: it is canonical.
    let none = app
        .ok(
            Some(&app.admin),
            "query($filter: DatasetFilter) { datasets(filter: $filter) { totalCount } }",
            json!({ "filter": { "parameters": [{ "name": "EM_voltage", "eq": 300 }] } }),
        )
        .await;
    assert_eq!(none["datasets"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_types_carry_units_ranges_and_enumerations() {
    let app = TestApp::spawn().await;
    let types = app
        .ok(
            None,
            "{ parameterTypes { name unit units valueType group minimum maximum allowedValues perFrame ispyb } }",
            json!({}),
        )
        .await;
    let of = |name: &str| {
        types["parameterTypes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let voltage = of("EM_voltage");
    assert_eq!(voltage["unit"], "V");
    assert_eq!(voltage["units"][0], "V");
    assert!(voltage["units"].as_array().unwrap().contains(&json!("kV")));
    assert_eq!(voltage["minimum"], 0.0);
    let scheme = of("EMTS_tilt_scheme");
    assert_eq!(scheme["group"], "cryo-et");
    assert_eq!(scheme["allowedValues"][0], "dose-symmetric");
    assert_eq!(of("EMTS_tilt_angle")["perFrame"], true);
    assert_eq!(of("EMCTF_defocus_u")["ispyb"], "CTF.defocusU");
    assert_eq!(of("EMCTF_defocus_u")["perFrame"], true);
    assert_eq!(of("EM_grid_name")["perFrame"], false);
}
