//! Catalog at facility scale: 1,000,000 datasets with 20 parameters each in
//! PostgreSQL, queried through the real server over HTTP as a project member.
//!
//!     STRATA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p strata --bench catalog_scale
//!
//! Creates (or, when complete, reuses) the database `strata_bench`. Set
//! STRATA_BENCH_DATASETS for another size and STRATA_BENCH_RELOAD=1 to rebuild.
//! Prints p50/p99 of a lookup by identifier, a filtered search (project +
//! date window + two parameter conditions, first 50) and its totalCount,
//! `datasetFacets` for filtered searches (with buckets over two parameters), a
//! search by two parameter ranges alone (first 50, newest first), and the
//! PostgreSQL plans of the searches.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use strata::{Application, Config};
use strata_catalog::{
    BucketRequest, DatasetFilter, DatasetOrder, PageRequest, ParameterCondition, ParameterOp, Scope,
};

const PROJECTS: i64 = 20;
/// Distinct sample names (each used in several projects).
const SAMPLES: i64 = 300;
const ITERATIONS: usize = 400;
const WARMUP: usize = 40;
/// Facets read every match rather than a page: fewer runs.
const FACET_ITERATIONS: usize = 200;
const FACET_WARMUP: usize = 20;
/// Twenty numeric parameters of cryo-EM acquisition, motion correction and CTF, with value ranges.
const PARAMETERS: &[(&str, f64, f64)] = &[
    ("EM_voltage", 100_000.0, 300_000.0),
    ("EM_magnification", 20_000.0, 165_000.0),
    ("EM_images_count", 10.0, 80.0),
    ("EM_position_x", -1000.0, 1000.0),
    ("EM_position_y", -1000.0, 1000.0),
    ("EM_dose_initial", 0.0, 5.0),
    ("EM_dose_per_frame", 0.5, 2.0),
    ("EM_spherical_aberration", 0.0, 2.7),
    ("EM_amplitude_contrast", 0.05, 0.15),
    ("EM_sampling_rate", 0.4, 1.5),
    ("EM_tilt_angle", -60.0, 60.0),
    ("EMMotionCorrection_total_motion", 0.0, 40.0),
    ("EMMotionCorrection_average_motion", 0.0, 2.0),
    ("EMMotionCorrection_frame_dose", 0.5, 2.0),
    ("EMMotionCorrection_total_dose", 30.0, 80.0),
    ("EMCTF_resolution_limit", 2.0, 8.0),
    ("EMCTF_correlation", 0.0, 1.0),
    ("EMCTF_defocus_u", 5_000.0, 30_000.0),
    ("EMCTF_defocus_v", 5_000.0, 30_000.0),
    ("EMCTF_estimated_b_factor", 20.0, 200.0),
];

fn with_database(server_url: &str, name: &str) -> String {
    let at = server_url.rfind('/').expect("a database URL with a path");
    format!("{}/{name}", &server_url[..at])
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    let started = Instant::now();
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let first_line = sql.trim().lines().next().unwrap_or_default();
    eprintln!("  {:>7.1} s  {first_line}", started.elapsed().as_secs_f64());
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Fills the catalog in SQL: generating 21 M rows through the API would
/// measure the loader, not the searches.
async fn load(db: &DatabaseConnection, datasets: i64) {
    eprintln!(
        "loading {datasets} datasets × {} parameters",
        PARAMETERS.len()
    );
    // Five years of acquisitions per project; a quarter of the projects' embargoes have ended.
    // Four datasets in five are cryo-EM, the others cryo-ET; 300 sample names.
    let per_project = datasets / PROJECTS;
    let step = 5 * 365 * 86_400 / per_project.max(1);
    exec(db, &format!(
        "INSERT INTO project (uuid, code, title, directory, state, embargo_end, created_at, updated_at)
         SELECT gen_random_uuid(), 'B' || lpad(g::text, 2, '0'), 'Benchmark project ' || g, '/bench/B' || g, 'attached',
                CASE WHEN g % 4 = 0 THEN timestamptz '2025-01-01' END, now(), now()
         FROM generate_series(0, {}) g", PROJECTS - 1)).await;
    exec(db, "INSERT INTO instrument (name, facility, techniques, created_at)
              VALUES ('Krios-G4', 'ESRF', '[\"cryo-em\"]', now()), ('Glacios', 'ESRF', '[\"cryo-em\"]', now())").await;
    exec(
        db,
        "ALTER TABLE parameter DROP CONSTRAINT IF EXISTS fk_parameter_dataset_id",
    )
    .await;
    for index in [
        "idx_parameter_dataset_id_parameter_type_id",
        "idx_parameter_parameter_type_id_value_number",
        "idx_parameter_parameter_type_id_value_text",
    ] {
        exec(db, &format!("DROP INDEX IF EXISTS {index}")).await;
    }
    // Each dataset's parameters are drawn into its denormalised document, and
    // the parameter rows are then made from that document: one random draw.
    let ranges: Vec<String> = PARAMETERS
        .iter()
        .map(|(n, lo, hi)| {
            format!(
                "('{n}', {lo}::float8, {hi}::float8, {})",
                if *n == "EM_images_count" { 0 } else { 3 }
            )
        })
        .collect();
    exec(db, &format!(
        "INSERT INTO dataset (identifier, project_id, acquired_at, serial, kind, technique, instrument_id, instrument_name,
                              sample_id, sample_name, description, folder, status, size_bytes, file_count, public_from,
                              parameters, created_at, updated_at)
         SELECT p.code || '-' || to_char(t.at, 'YYYY-MM-DD-HH24-MI-SS') || '-' || lpad((g % 10000)::text, 4, '0'),
                p.id, t.at, g % 10000, CASE WHEN g % 3 = 0 THEN 'processed' ELSE 'raw' END,
                CASE WHEN g % 5 = 4 THEN 'cryo-et' ELSE 'cryo-em' END,
                1 + g % 2, CASE WHEN g % 2 = 0 THEN 'Krios-G4' ELSE 'Glacios' END,
                NULL, 'sample-' || lpad(((g / 7) % {SAMPLES})::text, 3, '0'),
                'Grid square ' || (g % 997) || ' of session ' || (g / 5000), '/bench/' || g, 'complete',
                (g % 1000) * 1048576, 40, p.embargo_end,
                (SELECT jsonb_object_agg(r.name, round((r.lo + random() * (r.hi - r.lo) + 0 * g)::numeric, r.decimals)::float8)
                 FROM (VALUES {values}) AS r(name, lo, hi, decimals)),
                now(), now()
         FROM generate_series(0, {last}) g
         JOIN project p ON p.code = 'B' || lpad((g % {PROJECTS})::text, 2, '0')
         CROSS JOIN LATERAL (SELECT timestamptz '2020-01-01' + ((g / {PROJECTS}) * {step}) * interval '1 second' AS at) t",
        values = ranges.join(", "),
        last = datasets - 1)).await;
    exec(db,
        "INSERT INTO parameter (dataset_id, parameter_type_id, value_number, value_text, value_as_given, unit_as_given)
         SELECT d.id, t.id, (e.value #>> '{}')::float8, NULL, e.value::json, NULL
         FROM dataset d CROSS JOIN LATERAL jsonb_each(d.parameters) e
         JOIN parameter_type t ON t.name = e.key").await;
    exec(db, "CREATE UNIQUE INDEX idx_parameter_dataset_id_parameter_type_id ON parameter (dataset_id, parameter_type_id)").await;
    exec(db, "CREATE INDEX idx_parameter_parameter_type_id_value_number ON parameter (parameter_type_id, value_number)").await;
    exec(db, "CREATE INDEX idx_parameter_parameter_type_id_value_text ON parameter (parameter_type_id, value_text)").await;
    exec(db, "ALTER TABLE parameter ADD CONSTRAINT fk_parameter_dataset_id FOREIGN KEY (dataset_id) REFERENCES dataset (id) ON DELETE CASCADE").await;
    exec(db, "VACUUM ANALYZE").await;
}

/// A small deterministic generator, so that runs are comparable.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Whether a loaded catalog has the current layout (sample names and two
/// techniques since the facets benchmark), so that an older one is rebuilt.
const LAYOUT_CHECK: &str = "SELECT COUNT(*) FROM dataset WHERE id <= 10 AND sample_name IS NOT NULL AND technique = 'cryo-et'";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Measured {
    name: &'static str,
    times: Vec<Duration>,
}

async fn measure<F, Fut>(name: &'static str, run: F) -> Measured
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    measure_n(name, WARMUP, ITERATIONS, run).await
}

async fn measure_n<F, Fut>(name: &'static str, warmup: usize, runs: usize, mut run: F) -> Measured
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    for i in 0..warmup {
        run(i).await;
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let started = Instant::now();
        run(warmup + i).await;
        times.push(started.elapsed());
    }
    times.sort();
    Measured { name, times }
}

#[tokio::main]
async fn main() {
    let server_url = std::env::var("STRATA_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let datasets: i64 = std::env::var("STRATA_BENCH_DATASETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let reload = std::env::var("STRATA_BENCH_RELOAD").is_ok_and(|v| v == "1");
    let name = "strata_bench";
    let admin = Database::connect(&server_url)
        .await
        .expect("connecting to PostgreSQL");
    let exists = scalar(
        &admin,
        &format!("SELECT COUNT(*) FROM pg_database WHERE datname = '{name}'"),
    )
    .await
        > 0;
    let url = with_database(&server_url, name);
    let complete = exists && {
        let db = Database::connect(&url).await.unwrap();
        let n = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) FROM dataset",
            ))
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get_by_index::<i64>(0).ok());
        n == Some(datasets) && {
            let layout = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    LAYOUT_CHECK,
                ))
                .await
                .ok()
                .flatten()
                .and_then(|r| r.try_get_by_index::<i64>(0).ok());
            layout.is_some_and(|n| n > 0)
        }
    };
    if reload || !complete {
        if exists {
            exec(&admin, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
        }
        exec(&admin, &format!("CREATE DATABASE {name}")).await;
    }

    let data_dir = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: Some(url.clone()),
        data_dir: data_dir.path().to_path_buf(),
        bind: "127.0.0.1:0".into(),
        ..Config::default()
    };
    let app = Application::build(&config).await.expect("starting strata");
    let catalog = app.catalog().clone();
    let db = catalog.connection().clone();
    if reload || !complete {
        load(&db, datasets).await;
    } else {
        eprintln!("reusing {name} with {datasets} datasets");
    }
    let parameters = scalar(&db, "SELECT COUNT(*) FROM parameter").await;
    eprintln!("{datasets} datasets, {parameters} parameter values");

    // The caller is a member of three projects, so the access condition is in every query.
    let member = catalog
        .create_token(
            &Scope::system(),
            &"bench-member".parse().unwrap(),
            false,
            "bench",
            None,
        )
        .await
        .unwrap();
    exec(&db, "DELETE FROM membership").await;
    exec(
        &db,
        "INSERT INTO membership (project_id, user_id, role, created_at)
               SELECT p.id, u.id, 'viewer', now() FROM project p, user_account u
               WHERE u.name = 'bench-member' AND p.code IN ('B01', 'B02', 'B03')",
    )
    .await;
    let token = member.secret.expose().to_owned();
    let address = app.address();
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let url = format!("http://{address}/graphql");
    let ask = |query: &'static str, variables: Value| {
        let request = client
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({ "query": query, "variables": variables }));
        async move {
            let answer: Value = request.send().await.unwrap().json().await.unwrap();
            assert!(answer.get("errors").is_none(), "{answer}");
            answer
        }
    };

    let per_project = datasets / PROJECTS;
    let step = 5 * 365 * 86_400 / per_project.max(1);
    let identifiers: Vec<String> = {
        let mut rng = Lcg(7);
        (0..WARMUP + ITERATIONS)
            .map(|_| {
                let g = rng.below(datasets as u64) as i64;
                let project = 1 + (g % PROJECTS) % 3; // B01..B03: visible to the member
                let g = g - g % PROJECTS + project;
                let at = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").unwrap()
                    + chrono::Duration::seconds((g / PROJECTS) * step);
                format!(
                    "B{project:02}-{}-{:04}",
                    at.format("%Y-%m-%d-%H-%M-%S"),
                    g % 10_000
                )
            })
            .collect()
    };
    let searches: Vec<Value> = {
        let mut rng = Lcg(11);
        (0..WARMUP + ITERATIONS)
            .map(|_| {
                let project = format!("B{:02}", 1 + rng.below(3));
                let year = 2020 + rng.below(4);
                let month = 1 + rng.below(12);
                json!({
                    "project": project,
                    "acquiredFrom": format!("{year}-{month:02}-01T00:00:00Z"),
                    "acquiredUntil": format!("{}-{month:02}-01T00:00:00Z", year + 1),
                    "parameters": [
                        { "name": "EM_voltage", "gte": 160000 + rng.below(40) * 1000 },
                        { "name": "EMCTF_resolution_limit", "lt": 4.0 + rng.below(20) as f64 / 10.0 },
                    ],
                })
            })
            .collect()
    };

    const LOOKUP: &str = "query($id: String!) { dataset(identifier: $id) { identifier acquiredAt instrument parameters { name value unit } } }";
    const SEARCH: &str = "query($f: DatasetFilter) { datasets(filter: $f, first: 50) { edges { node { identifier acquiredAt instrument } } pageInfo { hasNextPage endCursor } } }";
    const COUNT: &str =
        "query($f: DatasetFilter) { datasets(filter: $f, first: 0) { totalCount } }";
    const FACETS: &str = "query($f: DatasetFilter, $b: [ParameterBucketsInput!]!) { datasetFacets(filter: $f, parameterBuckets: $b) {
        total technique { value count } instrument { value count } project { value count } sample { value count } kind { value count }
        parameters { name from to missing buckets { from to count } } } }";

    let found = ask(LOOKUP, json!({ "id": identifiers[0] })).await;
    assert_eq!(
        found["data"]["dataset"]["identifier"], identifiers[0],
        "the generated identifiers exist"
    );
    // Facets over filtered searches: cryo-EM in a one-year window (every
    // visible project), a member project in a one-year window, and the searches
    // above; each with buckets over two parameters.
    let facet_filters = |seed: u64, kind: &str| -> Vec<Value> {
        let mut rng = Lcg(seed);
        (0..FACET_WARMUP + FACET_ITERATIONS)
            .map(|i| {
                let year = 2020 + rng.below(4);
                let month = 1 + rng.below(12);
                let mut f = json!({
                    "acquiredFrom": format!("{year}-{month:02}-01T00:00:00Z"),
                    "acquiredUntil": format!("{}-{month:02}-01T00:00:00Z", year + 1),
                });
                match kind {
                    "technique" => f["technique"] = json!("CRYO_EM"),
                    "project" => f["project"] = json!(format!("B{:02}", 1 + rng.below(3))),
                    _ => f = searches[i].clone(),
                }
                f
            })
            .collect()
    };
    let facets_by_technique = facet_filters(13, "technique");
    let facets_by_project = facet_filters(17, "project");
    let facets_of_searches = facet_filters(0, "search");
    let buckets = json!([
        { "name": "EM_voltage" },
        { "name": "EMCTF_resolution_limit", "from": 2.0, "to": 8.0, "buckets": 12 },
    ]);

    // Two parameter ranges alone (no project, no dates): two of the twenty
    // parameters at random, each range 10 to 50 % of the values' span at a
    // random place, first 50, newest first. Values are uniform and independent,
    // so a search matches the product of the two fractions of all datasets.
    let mut range_fractions = Vec::new();
    let ranges: Vec<Value> = {
        let mut rng = Lcg(19);
        (0..WARMUP + ITERATIONS)
            .map(|_| {
                let a = rng.below(PARAMETERS.len() as u64) as usize;
                let b = (a + 1 + rng.below(PARAMETERS.len() as u64 - 1) as usize) % PARAMETERS.len();
                let mut fraction = 1.0;
                let conditions: Vec<Value> = [a, b]
                    .iter()
                    .map(|&p| {
                        let (name, lo, hi) = PARAMETERS[p];
                        let width = (10 + rng.below(41)) as f64 / 100.0;
                        let start = lo + (hi - lo) * (1.0 - width) * rng.below(1001) as f64 / 1000.0;
                        fraction *= width;
                        json!({ "name": name, "between": { "min": start, "max": start + (hi - lo) * width } })
                    })
                    .collect();
                range_fractions.push(fraction);
                json!({ "parameters": conditions })
            })
            .collect()
    };
    range_fractions.sort_by(f64::total_cmp);

    // STRATA_BENCH_ONLY=facets,range (of lookup, search, count, facets, range)
    // runs a part, for working on it.
    let only = std::env::var("STRATA_BENCH_ONLY").ok();
    let runs = |part: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|p| p == part))
    };

    let counts = std::sync::Mutex::new(Vec::new());
    let totals = std::sync::Mutex::new(Vec::new());
    let mut results = Vec::new();
    if runs("lookup") {
        results.push(
            measure("dataset by identifier", |i| {
                let id = identifiers[i].clone();
                let ask = &ask;
                async move {
                    let a = ask(LOOKUP, json!({ "id": id })).await;
                    assert!(!a["data"]["dataset"].is_null());
                }
            })
            .await,
        );
    }
    if runs("search") {
        results.push(
            measure("filtered search, first 50", |i| {
                let f = searches[i].clone();
                let ask = &ask;
                async move {
                    ask(SEARCH, json!({ "f": f })).await;
                }
            })
            .await,
        );
    }
    if runs("count") {
        results.push(
            measure("its totalCount", |i| {
                let f = searches[i].clone();
                let ask = &ask;
                let counts = &counts;
                async move {
                    let a = ask(COUNT, json!({ "f": f })).await;
                    counts
                        .lock()
                        .unwrap()
                        .push(a["data"]["datasets"]["totalCount"].as_i64().unwrap());
                }
            })
            .await,
        );
    }
    if runs("facets") {
        for (name, filters) in [
            ("facets: cryo-EM, one year", &facets_by_technique),
            ("facets: member project, one year", &facets_by_project),
            ("facets: the filtered searches", &facets_of_searches),
        ] {
            let seen = std::sync::Mutex::new(Vec::new());
            let m = measure_n(name, FACET_WARMUP, FACET_ITERATIONS, |i| {
                let f = filters[i].clone();
                let (ask, seen, buckets) = (&ask, &seen, &buckets);
                async move {
                    let a = ask(FACETS, json!({ "f": f, "b": buckets })).await;
                    let facets = &a["data"]["datasetFacets"];
                    let histogram: u64 = facets["parameters"][0]["buckets"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|b| b["count"].as_u64().unwrap())
                        .sum();
                    let total = facets["total"].as_u64().unwrap();
                    assert_eq!(histogram, total, "every match has a voltage, in range");
                    seen.lock().unwrap().push(total);
                }
            })
            .await;
            let mut seen = seen.into_inner().unwrap();
            seen.sort();
            totals
                .lock()
                .unwrap()
                .push((name, seen[seen.len() / 2], seen[seen.len() - 1]));
            results.push(m);
        }
    }
    let slowest = std::sync::Mutex::new(Vec::new());
    if runs("range") {
        results.push(
            measure("two parameter ranges, first 50", |i| {
                let f = ranges[i].clone();
                let (ask, slowest) = (&ask, &slowest);
                async move {
                    let started = Instant::now();
                    let a = ask(SEARCH, json!({ "f": f })).await;
                    slowest.lock().unwrap().push((started.elapsed(), f.clone()));
                    assert_eq!(
                        a["data"]["datasets"]["edges"].as_array().unwrap().len(),
                        50,
                        "a full page for {f}"
                    );
                }
            })
            .await,
        );
    }
    let mut counts = counts.into_inner().unwrap();
    counts.sort();
    println!(
        "\n## Catalog at scale: {datasets} datasets, {parameters} parameter values (PostgreSQL, over HTTP, {ITERATIONS} runs each, facets {FACET_ITERATIONS})\n"
    );
    println!("| query | p50 (ms) | p99 (ms) | max (ms) |");
    println!("| --- | ---: | ---: | ---: |");
    for m in &results {
        println!(
            "| {} | {:.2} | {:.2} | {:.2} |",
            m.name,
            percentile(&m.times, 0.5),
            percentile(&m.times, 0.99),
            percentile(&m.times, 1.0)
        );
    }
    if !counts.is_empty() {
        println!(
            "\nMatches per search: median {}, max {}.",
            counts[counts.len() / 2],
            counts[counts.len() - 1]
        );
    }
    for (name, median, max) in totals.into_inner().unwrap() {
        println!("Matches per {name}: median {median}, max {max}.");
    }
    if runs("range") {
        println!(
            "Two parameter ranges: each matches {:.2} % of all datasets in the median, {:.2} % at least ({} visible in the median).",
            100.0 * range_fractions[range_fractions.len() / 2],
            100.0 * range_fractions[0],
            (range_fractions[range_fractions.len() / 2] * datasets as f64 * 0.4).round()
        );
    }

    let mut slowest = slowest.into_inner().unwrap();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (took, f) in slowest.iter().take(3) {
        println!(
            "Slow two-range search: {:.1} ms for {f}",
            took.as_secs_f64() * 1000.0
        );
    }

    let scope = catalog.authenticate(&token).await.unwrap();
    let first_50 = PageRequest {
        first: Some(50),
        ..Default::default()
    };
    let filter = DatasetFilter {
        project: Some("B02".into()),
        acquired_from: Some("2022-03-01T00:00:00Z".parse().unwrap()),
        acquired_until: Some("2023-03-01T00:00:00Z".parse().unwrap()),
        parameters: vec![
            ParameterCondition {
                name: "EM_voltage".into(),
                op: ParameterOp::Gte(180000.0),
            },
            ParameterCondition {
                name: "EMCTF_resolution_limit".into(),
                op: ParameterOp::Lt(5.0),
            },
        ],
        ..DatasetFilter::default()
    };
    let plan = catalog
        .explain_search(&scope, &filter, DatasetOrder::default(), &first_50)
        .await
        .unwrap();
    println!(
        "\nPlan of the search (B02, one year, two parameter conditions, first 50):\n\n```\n{}\n```",
        plan.join("\n")
    );
    if runs("facets") {
        let filter = DatasetFilter {
            technique: Some(strata_domain::Technique::CryoEm),
            acquired_from: Some("2021-03-01T00:00:00Z".parse().unwrap()),
            acquired_until: Some("2022-03-01T00:00:00Z".parse().unwrap()),
            ..DatasetFilter::default()
        };
        let plan = catalog
            .explain_facets(
                &scope,
                &filter,
                &[
                    BucketRequest::new("EM_voltage"),
                    BucketRequest {
                        from: Some(2.0),
                        to: Some(8.0),
                        buckets: 12,
                        ..BucketRequest::new("EMCTF_resolution_limit")
                    },
                ],
            )
            .await
            .unwrap();
        println!(
            "\nPlan of the facets (cryo-EM, 2021-03 to 2022-03, buckets over two parameters):\n\n```\n{}\n```",
            plan.join("\n")
        );
    }
    // The narrowest two-range search of the run (the longest walk).
    let narrowest = DatasetFilter {
        parameters: vec![
            ParameterCondition {
                name: "EMCTF_resolution_limit".into(),
                op: ParameterOp::Between(3.0, 3.6),
            },
            ParameterCondition {
                name: "EM_dose_per_frame".into(),
                op: ParameterOp::Between(1.0, 1.15),
            },
        ],
        ..DatasetFilter::default()
    };
    let plan = catalog
        .explain_search(&scope, &narrowest, DatasetOrder::default(), &first_50)
        .await
        .unwrap();
    println!(
        "\nPlan of a two-range search (EMCTF_resolution_limit 3 to 3.6, EM_dose_per_frame 1 to 1.15: 1 % of datasets, first 50):\n\n```\n{}\n```",
        plan.join("\n")
    );
}
