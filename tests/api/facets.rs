//! `datasetFacets`: counts that agree with `datasets` for the same filter,
//! under the same access rules, and value buckets over numeric parameters.

use serde_json::{Value, json};
use strata_tests::{TestApp, error_of};

const FACETS: &str = "query($filter: DatasetFilter, $buckets: [ParameterBucketsInput!]! = []) {
  datasetFacets(filter: $filter, parameterBuckets: $buckets) {
    total
    technique { value count }
    instrument { value count }
    project { value count }
    sample { value count }
    kind { value count }
    parameters { name unit from to missing buckets { from to count } }
  }
}";

const COUNT: &str =
    "query($filter: DatasetFilter) { datasets(filter: $filter, first: 0) { totalCount } }";

/// Thirteen datasets. ML (public, 6 cryo-EM on Krios-G4 with resolution limits
/// 1 to 6 Å; a CTF estimate comes with both defoci), MX2485 (public, 4 MX on ID30B) and PRIV (private to alice, 3
/// cryo-EM on Glacios, sample "secret-sample").
async fn catalog() -> TestApp {
    let app = TestApp::spawn().await;
    for (code, title) in [
        ("ML", "Membranes"),
        ("MX2485", "Kinases"),
        ("PRIV", "Hidden"),
    ] {
        app.create_project(code, title).await;
    }
    for code in ["ML", "MX2485"] {
        app.ok(
            Some(&app.admin),
            "mutation($p: String!) { setEmbargo(project: $p, embargoEnd: \"2023-01-01T00:00:00Z\") { code } }",
            json!({ "p": code }),
        )
        .await;
    }
    app.user("alice").await;
    app.add_member("PRIV", "alice", "VIEWER").await;
    app.create_instrument("Krios-G4", "cryo-em").await;
    app.create_instrument("ID30B", "mx").await;
    app.create_instrument("Glacios", "cryo-em").await;
    for i in 1..=6 {
        app.register(
            &format!("ML-2022-10-0{}-10-00-0{i}-000{i}", 1 + (i - 1) / 3),
            json!({ "kind": if i % 2 == 0 { "PROCESSED" } else { "RAW" }, "technique": "CRYO_EM",
                    "instrument": "Krios-G4", "sample": if i <= 4 { "LmrP" } else { "lysozyme" },
                    "parameters": [{ "name": "EMCTF_resolution_limit", "value": i },
                                   { "name": "EMCTF_defocus_u", "value": 12000 },
                                   { "name": "EMCTF_defocus_v", "value": 11800 },
                                   { "name": "EM_voltage", "value": if i <= 2 { 200000 } else { 300000 } },
                                   { "name": "EM_grid_name", "value": format!("grid {i}") }] }),
        )
        .await;
    }
    for (i, wavelength) in [0.91, 0.92, 0.93, 0.94].into_iter().enumerate() {
        let i = i + 1;
        app.register(
            &format!("MX2485-2022-10-0{i}-11-00-00-000{i}"),
            json!({ "technique": "MX", "instrument": "ID30B", "sample": "lysozyme",
                    "parameters": [{ "name": "MX_wavelength", "value": wavelength }] }),
        )
        .await;
    }
    for i in 1..=3 {
        app.register(
            &format!("PRIV-2022-10-0{i}-12-00-00-000{i}"),
            json!({ "technique": "CRYO_EM", "instrument": "Glacios", "sample": "secret-sample",
                    "parameters": [{ "name": "EMCTF_resolution_limit", "value": 10 + i },
                                   { "name": "EMCTF_defocus_u", "value": 15000 },
                                   { "name": "EMCTF_defocus_v", "value": 14800 },
                                   { "name": "EM_voltage", "value": 100000 }] }),
        )
        .await;
    }
    app
}

async fn facets(app: &TestApp, token: Option<&str>, filter: Value, buckets: Value) -> Value {
    app.ok(
        token,
        FACETS,
        json!({ "filter": filter, "buckets": buckets }),
    )
    .await["datasetFacets"]
        .clone()
}

async fn total_count(app: &TestApp, token: Option<&str>, filter: Value) -> u64 {
    app.ok(token, COUNT, json!({ "filter": filter })).await["datasets"]["totalCount"]
        .as_u64()
        .unwrap()
}

/// A facet list as (value, count) pairs.
fn pairs(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn owned(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected
        .iter()
        .map(|(v, n)| ((*v).to_owned(), *n))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facet_counts_agree_with_datasets_for_the_same_filter() {
    let app = catalog().await;
    let admin = Some(app.admin.as_str());

    let all = facets(&app, admin, json!({}), json!([])).await;
    assert_eq!(all["total"], 13);
    assert_eq!(
        pairs(&all["technique"]),
        owned(&[("CRYO_EM", 9), ("MX", 4)])
    );
    assert_eq!(pairs(&all["kind"]), owned(&[("RAW", 10), ("PROCESSED", 3)]));
    assert_eq!(
        pairs(&all["instrument"]),
        owned(&[("Krios-G4", 6), ("ID30B", 4), ("Glacios", 3)])
    );
    assert_eq!(
        pairs(&all["project"]),
        owned(&[("ML", 6), ("MX2485", 4), ("PRIV", 3)])
    );
    assert_eq!(
        pairs(&all["sample"]),
        owned(&[("lysozyme", 6), ("LmrP", 4), ("secret-sample", 3)]),
        "sorted by count, then value"
    );
    assert_eq!(all["parameters"], json!([]));

    // Each facet value, used as a filter, finds as many datasets as it counts,
    // within every filter tried.
    let filters = [
        json!({}),
        json!({ "project": "ML" }),
        json!({ "technique": "CRYO_EM", "kind": "RAW" }),
        json!({ "instrument": "krios" }),
        json!({ "sample": "lysozyme" }),
        json!({ "acquiredFrom": "2022-10-02T00:00:00Z", "acquiredUntil": "2022-10-03T23:59:59Z" }),
        json!({ "parameters": [{ "name": "EMCTF_resolution_limit", "between": { "min": 2, "max": 11 } }] }),
        json!({ "acquiredFrom": "2000-01-01T00:00:00Z",
                "parameters": [{ "name": "EM_voltage", "gte": 300000 }, { "name": "EMCTF_resolution_limit", "lt": 6 }] }),
        json!({ "description": "nothing has this" }),
    ];
    for filter in filters {
        let f = facets(&app, admin, filter.clone(), json!([])).await;
        let total = total_count(&app, admin, filter.clone()).await;
        assert_eq!(f["total"], json!(total), "total for {filter}");
        for (facet, field) in [
            ("technique", "technique"),
            ("kind", "kind"),
            ("project", "project"),
            ("sample", "sample"),
            ("instrument", "instrument"),
        ] {
            let listed = pairs(&f[facet]);
            let sum: u64 = listed.iter().map(|(_, n)| n).sum();
            if matches!(facet, "technique" | "kind" | "project") {
                assert_eq!(
                    sum, total,
                    "{facet} counts add up to the total for {filter}"
                );
            }
            for (value, count) in listed {
                let mut narrowed = filter.clone();
                narrowed[field] = json!(value);
                assert_eq!(
                    total_count(&app, admin, narrowed.clone()).await,
                    count,
                    "{facet} {value} within {filter}"
                );
            }
        }
    }
    let none = facets(&app, admin, json!({ "project": "NOPE" }), json!([])).await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["technique"], json!([]));
    assert_eq!(none["project"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facets_count_only_what_the_caller_may_see() {
    let app = catalog().await;
    let alice = app.user("alice").await;
    let outsider = app.user("bob").await;
    let buckets = json!([{ "name": "EMCTF_resolution_limit" }]);

    for (who, token) in [
        ("anonymous", None),
        ("a non-member", Some(outsider.as_str())),
    ] {
        let f = facets(&app, token, json!({}), buckets.clone()).await;
        assert_eq!(f["total"], 10, "{who}");
        assert_eq!(f["total"], json!(total_count(&app, token, json!({})).await));
        assert_eq!(
            pairs(&f["project"]),
            owned(&[("ML", 6), ("MX2485", 4)]),
            "{who}"
        );
        assert_eq!(
            pairs(&f["technique"]),
            owned(&[("CRYO_EM", 6), ("MX", 4)]),
            "{who}"
        );
        let text = f.to_string();
        for marker in ["PRIV", "Glacios", "secret-sample"] {
            assert!(!text.contains(marker), "{who} sees {marker}: {f:#}");
        }
        // The private datasets' values (11 to 13 Å) are not in the range either.
        assert_eq!(f["parameters"][0]["to"], 6.0, "{who}");
        assert_eq!(f["parameters"][0]["missing"], 4, "{who}: the MX datasets");
        let private = facets(&app, token, json!({ "project": "PRIV" }), json!([])).await;
        assert_eq!(private["total"], 0, "{who}");
        assert_eq!(private["sample"], json!([]), "{who}");
    }

    let f = facets(&app, Some(&alice), json!({}), buckets.clone()).await;
    assert_eq!(f["total"], 13);
    assert_eq!(
        pairs(&f["project"]),
        owned(&[("ML", 6), ("MX2485", 4), ("PRIV", 3)])
    );
    assert_eq!(
        pairs(&f["instrument"]),
        owned(&[("Krios-G4", 6), ("ID30B", 4), ("Glacios", 3)])
    );
    assert_eq!(f["parameters"][0]["to"], 13.0);
    let private = facets(&app, Some(&alice), json!({ "project": "PRIV" }), json!([])).await;
    assert_eq!(private["total"], 3);
    assert_eq!(pairs(&private["sample"]), owned(&[("secret-sample", 3)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_hold_the_known_values() {
    let app = catalog().await;
    let admin = Some(app.admin.as_str());
    let ml = json!({ "project": "ML" });
    let buckets = |f: &Value| -> Vec<(f64, f64, u64)> {
        f["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["from"].as_f64().unwrap(),
                    b["to"].as_f64().unwrap(),
                    b["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };

    // Defaulted range: 1 to 6 Å; the last bucket holds 5 and 6 (its upper bound).
    let f = facets(
        &app,
        admin,
        ml.clone(),
        json!([{ "name": "EMCTF_resolution_limit", "buckets": 5 }]),
    )
    .await;
    let h = &f["parameters"][0];
    assert_eq!(h["name"], "EMCTF_resolution_limit");
    assert_eq!(h["unit"], "A");
    assert_eq!(
        (h["from"].as_f64(), h["to"].as_f64()),
        (Some(1.0), Some(6.0))
    );
    assert_eq!(
        buckets(h),
        vec![
            (1.0, 2.0, 1),
            (2.0, 3.0, 1),
            (3.0, 4.0, 1),
            (4.0, 5.0, 1),
            (5.0, 6.0, 2)
        ]
    );
    assert_eq!(h["missing"], 0);

    // A given range: 2 lies on an inner edge (second bucket), 4 on the upper
    // bound (last bucket), 5 and 6 outside (no bucket).
    let f = facets(
        &app,
        admin,
        ml.clone(),
        json!([{ "name": "EMCTF_resolution_limit", "from": 0, "to": 4, "buckets": 2 }]),
    )
    .await;
    assert_eq!(
        buckets(&f["parameters"][0]),
        vec![(0.0, 2.0, 1), (2.0, 4.0, 3)]
    );

    // Only `from` given: `to` is the largest value. Several parameters at once,
    // with the default of 10 buckets, over everything the admin sees.
    let f = facets(
        &app,
        admin,
        json!({}),
        json!([{ "name": "EMCTF_resolution_limit", "from": 3, "buckets": 3 },
               { "name": "EM_voltage" },
               { "name": "MX_wavelength", "to": 1.0 }]),
    )
    .await;
    let [resolution, voltage, wavelength] = [0, 1, 2].map(|i| &f["parameters"][i]);
    assert_eq!(resolution["to"], 13.0);
    let width = (13.0 - 3.0) / 3.0;
    assert_eq!(
        buckets(resolution),
        vec![
            (3.0, 3.0 + width, 4),
            (3.0 + width, 3.0 + 2.0 * width, 0),
            (3.0 + 2.0 * width, 13.0, 3)
        ]
    );
    assert_eq!(resolution["missing"], 4);
    assert_eq!(voltage["unit"], "V");
    assert_eq!(
        (voltage["from"].as_f64(), voltage["to"].as_f64()),
        (Some(100000.0), Some(300000.0))
    );
    let v = buckets(voltage);
    assert_eq!(v.len(), 10);
    assert_eq!(
        (v[0].2, v[5].2, v[9].2),
        (3, 2, 4),
        "100 kV, 200 kV, 300 kV"
    );
    assert_eq!(v.iter().map(|b| b.2).sum::<u64>(), 9);
    assert_eq!(wavelength["from"], 0.91);
    assert_eq!(wavelength["to"], 1.0);
    assert_eq!(wavelength["missing"], 9);
    assert_eq!(buckets(wavelength).iter().map(|b| b.2).sum::<u64>(), 4);

    // One value only: a single bucket; no value at all: no range, no bucket.
    let f = facets(
        &app,
        admin,
        json!({ "project": "PRIV" }),
        json!([{ "name": "EM_voltage" }, { "name": "MX_wavelength" }]),
    )
    .await;
    assert_eq!(buckets(&f["parameters"][0]), vec![(100000.0, 100000.0, 3)]);
    assert_eq!(f["parameters"][1]["from"], Value::Null);
    assert_eq!(f["parameters"][1]["buckets"], json!([]));
    assert_eq!(f["parameters"][1]["missing"], 3);

    // Buckets follow the filter, parameter conditions included.
    let f = facets(
        &app,
        admin,
        json!({ "kind": "RAW", "parameters": [{ "name": "EM_voltage", "gte": 300000 }] }),
        json!([{ "name": "EMCTF_resolution_limit", "from": 0, "to": 10, "buckets": 2 }]),
    )
    .await;
    assert_eq!(f["total"], 2, "ML 3 and 5");
    assert_eq!(
        buckets(&f["parameters"][0]),
        vec![(0.0, 5.0, 1), (5.0, 10.0, 1)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bucket_requests_are_refused_naming_the_field() {
    let app = catalog().await;
    let refused = |filter: Value, buckets: Value| {
        let app = &app;
        async move {
            let answer = app
                .graphql(
                    Some(&app.admin),
                    FACETS,
                    json!({ "filter": filter, "buckets": buckets }),
                )
                .await;
            let (code, field, message) = error_of(&answer);
            assert_eq!(code, "BAD_USER_INPUT", "{answer:#}");
            (field.unwrap_or_default(), message)
        }
    };
    let (field, message) = refused(
        json!({}),
        json!([{ "name": "EM_voltage" }, { "name": "EM_grid_name" }]),
    )
    .await;
    assert_eq!(field, "parameterBuckets[1].name");
    assert!(
        message.contains("EM_grid_name") && message.contains("string"),
        "{message}"
    );
    let (field, message) = refused(json!({}), json!([{ "name": "EM_nonsense" }])).await;
    assert_eq!(field, "parameterBuckets[0].name");
    assert!(message.contains("unknown parameter"), "{message}");
    for n in [0, -1, 101] {
        let (field, _) = refused(json!({}), json!([{ "name": "EM_voltage", "buckets": n }])).await;
        assert_eq!(field, "parameterBuckets[0].buckets", "{n} buckets");
    }
    let (field, _) = refused(
        json!({}),
        json!([{ "name": "EM_voltage", "from": 3, "to": 2 }]),
    )
    .await;
    assert_eq!(field, "parameterBuckets[0].to");
    let (field, _) = refused(
        json!({ "parameters": [{ "name": "EM_grid_name", "gt": 1 }] }),
        json!([]),
    )
    .await;
    assert_eq!(
        field, "filter.parameters[0].gt",
        "the filter's errors as in datasets"
    );
}
