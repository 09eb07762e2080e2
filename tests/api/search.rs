use serde_json::{Value, json};
use strata_tests::TestApp;

const SEARCH: &str = "query($filter: DatasetFilter, $order: DatasetOrder, $first: Int, $after: String, $last: Int, $before: String) {
  datasets(filter: $filter, orderBy: $order, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { identifier } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

fn identifiers(answer: &Value) -> Vec<String> {
    answer["datasets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["identifier"].as_str().unwrap().to_owned())
        .collect()
}

/// Ten datasets over two projects, two instruments and three days.
async fn catalog_of_ten() -> TestApp {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.create_project("MX2485", "Kinases").await;
    app.create_instrument("Krios-G4", "cryo-em").await;
    app.create_instrument("ID30B", "mx").await;
    for i in 1..=10 {
        let (code, instrument, technique, kind) = if i <= 6 {
            (
                "ML",
                "Krios-G4",
                "CRYO_EM",
                if i % 2 == 0 { "PROCESSED" } else { "RAW" },
            )
        } else {
            ("MX2485", "ID30B", "MX", "RAW")
        };
        let day = 1 + (i - 1) / 4;
        let identifier = format!("{code}-2022-10-0{day}-10-00-{i:02}-{i:04}");
        let parameters = if technique == "CRYO_EM" {
            json!([{ "name": "EM_voltage", "value": if i <= 3 { 200000 } else { 300000 } },
                   { "name": "EMCTF_resolution_limit", "value": 2.0 + f64::from(i) / 2.0 },
                   { "name": "EMCTF_defocus_u", "value": 12000 },
                   { "name": "EMCTF_defocus_v", "value": 11800 },
                   { "name": "EM_grid_name", "value": format!("Quantifoil grid {i}") }])
        } else {
            json!([{ "name": "MX_wavelength", "value": 0.9 + f64::from(i) / 100.0 }])
        };
        app.register(
            &identifier,
            json!({ "kind": kind, "technique": technique, "instrument": instrument,
                    "sample": if i % 3 == 0 { "lysozyme" } else { "LmrP" },
                    "description": format!("Collection {i} {}", if i == 5 { "with 50% glycerol" } else { "" }),
                    "parameters": parameters }),
        )
        .await;
    }
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_selects_what_it_says() {
    let app = catalog_of_ten().await;
    let search = |filter: Value| {
        let app = &app;
        async move {
            let answer = app.ok(Some(&app.admin), SEARCH, json!({ "filter": filter, "order": { "field": "IDENTIFIER", "direction": "ASC" } })).await;
            let ids = identifiers(&answer);
            assert_eq!(
                answer["datasets"]["totalCount"],
                json!(ids.len()),
                "totalCount counts the same filter"
            );
            ids.into_iter()
                .map(|id| id[id.len() - 2..].parse::<u32>().unwrap())
                .collect::<Vec<u32>>()
        }
    };
    assert_eq!(search(json!({})).await, (1..=10).collect::<Vec<_>>());
    assert_eq!(
        search(json!({ "project": "MX2485" })).await,
        vec![7, 8, 9, 10]
    );
    assert_eq!(
        search(json!({ "project": "NOPE" })).await,
        Vec::<u32>::new()
    );
    assert_eq!(
        search(json!({ "instrument": "krios" })).await,
        vec![1, 2, 3, 4, 5, 6],
        "substring, any case"
    );
    assert_eq!(search(json!({ "acquiredFrom": "2022-10-02T00:00:00Z", "acquiredUntil": "2022-10-02T23:59:59Z" })).await, vec![5, 6, 7, 8]);
    assert_eq!(
        search(json!({ "description": "50%" })).await,
        vec![5],
        "wildcards in the needle are literal"
    );
    assert_eq!(search(json!({ "kind": "PROCESSED" })).await, vec![2, 4, 6]);
    assert_eq!(
        search(json!({ "technique": "MX" })).await,
        vec![7, 8, 9, 10]
    );
    assert_eq!(search(json!({ "sample": "lysozyme" })).await, vec![3, 6, 9]);
    // Each parameter condition twice: alone (the parameter index drives) and
    // within a date window (checked in the dataset row): the same answers.
    let p = |c: Value| json!({ "parameters": [c] });
    let in_window = |c: Value| json!({ "acquiredFrom": "2000-01-01T00:00:00Z", "parameters": [c] });
    for c in [
        json!({ "name": "EM_voltage", "eq": 300000 }),
        json!({ "name": "EMCTF_resolution_limit", "lte": 4.0 }),
        json!({ "name": "EMCTF_resolution_limit", "gt": 4.0 }),
        json!({ "name": "MX_wavelength", "between": { "min": 0.975, "max": 0.995 } }),
        json!({ "name": "EM_grid_name", "contains": "GRID 1" }),
        json!({ "name": "EM_grid_name", "eq": "Quantifoil grid 2" }),
    ] {
        assert_eq!(
            search(p(c.clone())).await,
            search(in_window(c.clone())).await,
            "{c}"
        );
    }
    assert_eq!(
        search(p(json!({ "name": "EM_voltage", "eq": 300000 }))).await,
        vec![4, 5, 6]
    );
    assert_eq!(
        search(p(json!({ "name": "EM_voltage", "lt": 250000 }))).await,
        vec![1, 2, 3]
    );
    assert_eq!(
        search(p(json!({ "name": "EMCTF_resolution_limit", "lte": 4.0 }))).await,
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        search(p(json!({ "name": "EMCTF_resolution_limit", "gt": 4.0 }))).await,
        vec![5, 6]
    );
    assert_eq!(
        search(p(json!({ "name": "EMCTF_resolution_limit", "gte": 4.5 }))).await,
        vec![5, 6]
    );
    assert_eq!(
        search(p(
            json!({ "name": "MX_wavelength", "between": { "min": 0.975, "max": 0.995 } })
        ))
        .await,
        vec![8, 9]
    );
    assert_eq!(
        search(p(json!({ "name": "EM_grid_name", "contains": "GRID 1" }))).await,
        vec![1]
    );
    assert_eq!(
        search(p(
            json!({ "name": "EM_grid_name", "eq": "Quantifoil grid 2" })
        ))
        .await,
        vec![2]
    );
    assert_eq!(
        search(json!({ "project": "ML", "acquiredFrom": "2022-10-01T00:00:00Z", "acquiredUntil": "2022-10-02T23:59:59Z",
                       "parameters": [{ "name": "EM_voltage", "gte": 300000 }, { "name": "EMCTF_resolution_limit", "lt": 4.8 }] }))
        .await,
        vec![4, 5]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_cursors_both_ways_without_gaps_or_repeats() {
    let app = catalog_of_ten().await;
    let order = json!({ "field": "ACQUIRED_AT", "direction": "DESC" });
    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let answer = app
            .ok(
                Some(&app.admin),
                SEARCH,
                json!({ "order": order, "first": 3, "after": after }),
            )
            .await;
        forward.extend(identifiers(&answer));
        let info = &answer["datasets"]["pageInfo"];
        assert_eq!(info["hasPreviousPage"], json!(after.is_some()));
        if info["hasNextPage"] == json!(false) {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(forward.len(), 10);
    let acquired: Vec<&str> = forward
        .iter()
        .map(|id| &id[id.len() - 24..id.len() - 5])
        .collect();
    let mut by_time = acquired.clone();
    by_time.sort_by(|a, b| b.cmp(a));
    assert_eq!(acquired, by_time, "newest first");

    let mut backward = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let answer = app
            .ok(
                Some(&app.admin),
                SEARCH,
                json!({ "order": order, "last": 4, "before": before }),
            )
            .await;
        let mut page = identifiers(&answer);
        page.extend(backward);
        backward = page;
        let info = &answer["datasets"]["pageInfo"];
        if info["hasPreviousPage"] == json!(false) {
            break;
        }
        before = info["startCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        backward, forward,
        "paging backward visits the same rows in the same order"
    );

    let bad = app
        .graphql(Some(&app.admin), SEARCH, json!({ "after": "not-a-cursor" }))
        .await;
    let (code, field, _) = strata_tests::error_of(&bad);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("after"))
    );
    let too_many = app
        .graphql(Some(&app.admin), SEARCH, json!({ "first": 501 }))
        .await;
    assert_eq!(strata_tests::error_of(&too_many).0, "BAD_USER_INPUT");
}
