//! The cleanup preview for a project of 100,000 jobs (seed 001's tool at
//! facility scale): the facts read from the catalog and planned, end to end.
//!
//!     cargo bench -p strata-catalog --bench cleanup_preview
//!     STRATA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p strata-catalog --bench cleanup_preview
//!
//! SQLite in a temporary directory by default; on PostgreSQL a database
//! `strata_bench_jobs` is made afresh. STRATA_BENCH_JOBS sets another size.
//! Prints p50 / p99 / max of `cleanup_preview` with every option on.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter, Set};
use strata_catalog::entity::{job, job_input, job_result, job_workspace, workspace};
use strata_catalog::jobs::plan::{Action, Category, CleanupOptions, Status};
use strata_catalog::{Catalog, NewProject, Scope};

const RUNS: usize = 30;
const WARMUP: usize = 3;
const WORKSPACES: i32 = 10;
const FINALS: usize = 100;

/// A small deterministic generator: the same graph every run.
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

async fn open(root: &std::path::Path) -> (Catalog, String) {
    match std::env::var("STRATA_BENCH_DATABASE_URL") {
        Ok(server) if !server.is_empty() => {
            let admin = Database::connect(&server).await.unwrap();
            admin
                .execute_unprepared("DROP DATABASE IF EXISTS strata_bench_jobs WITH (FORCE)")
                .await
                .unwrap();
            admin
                .execute_unprepared("CREATE DATABASE strata_bench_jobs")
                .await
                .unwrap();
            let at = server.rfind('/').unwrap();
            let url = format!("{}/strata_bench_jobs", &server[..at]);
            (
                Catalog::open(&url, root.join("projects")).await.unwrap(),
                "PostgreSQL".into(),
            )
        }
        _ => (
            Catalog::open(
                &format!("sqlite://{}?mode=rwc", root.join("c.sqlite").display()),
                root.join("projects"),
            )
            .await
            .unwrap(),
            "SQLite".into(),
        ),
    }
}

#[tokio::main]
async fn main() {
    // STRATA_BENCH_LOG=strata_catalog=debug shows where a preview's time goes
    // (reading the facts, planning).
    if let Ok(filter) = std::env::var("STRATA_BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let jobs: usize = std::env::var("STRATA_BENCH_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let root = tempfile::tempdir().unwrap();
    let (catalog, engine) = open(root.path()).await;
    let scope = Scope::system();
    let project = catalog
        .create_project(
            &scope,
            NewProject {
                code: "BENCH".parse().unwrap(),
                title: "Cleanup at scale".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    let db = catalog.connection();
    let started = Instant::now();
    let now = Utc::now();
    let mut workspace_ids = Vec::new();
    for w in 0..WORKSPACES {
        let row = workspace::ActiveModel {
            project_id: Set(project.uid),
            name: Set(format!("W{w}")),
            created_at: Set(now),
            ..Default::default()
        };
        workspace_ids.push(
            workspace::Entity::insert(row)
                .exec(db)
                .await
                .unwrap()
                .last_insert_id,
        );
    }
    let categories = Category::ALL;
    let mut rng = Lcg(7);
    let mut rows = Vec::with_capacity(jobs);
    for i in 0..jobs {
        let status = match rng.below(100) {
            0..=4 => Status::Killed,
            5..=7 => Status::Failed,
            8 => Status::Running,
            _ => Status::Completed,
        };
        rows.push(job::ActiveModel {
            id: Set(i as i64 + 1),
            project_id: Set(project.uid),
            uid: Set(format!("J{}", i + 1)),
            title: Set(String::new()),
            job_type: Set("bench".into()),
            category: Set(categories[rng.below(categories.len() as u64) as usize]
                .as_str()
                .into()),
            status: Set(status.as_str().into()),
            parameters: Set(serde_json::json!({})),
            is_final: Set(false),
            is_ancestor_of_final: Set(false),
            inputs_unavailable: Set(false),
            size_bytes: Set(1_000_000 + rng.below(50_000_000) as i64),
            created_at: Set(now),
            updated_at: Set(now),
            completed_at: Set(None),
        });
    }
    for chunk in rows.chunks(2_000) {
        job::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    let mut inputs = Vec::new();
    let mut in_workspaces = Vec::new();
    let mut results = Vec::new();
    for i in 1..=jobs as i64 {
        // One or two upstream jobs among the hundred before: long chains.
        for k in 0..(1 + rng.below(2) as i64) {
            let upstream = i - 1 - k - rng.below(100) as i64;
            if upstream >= 1 {
                inputs.push(job_input::ActiveModel {
                    job_id: Set(i),
                    upstream_job_id: Set(upstream),
                    results: Set(serde_json::json!(["iter_2"])),
                });
            }
        }
        in_workspaces.push(job_workspace::ActiveModel {
            job_id: Set(i),
            workspace_id: Set(workspace_ids[rng.below(WORKSPACES as u64) as usize]),
        });
        if rng.below(5) == 0 {
            for n in 1..=3 {
                results.push(job_result::ActiveModel {
                    job_id: Set(i),
                    name: Set(format!("iter_{n}")),
                    path: Set(format!("iter_{n}.mrc")),
                    intermediate: Set(true),
                    size_bytes: Set(100_000),
                    created_at: Set(now),
                    ..Default::default()
                });
            }
        }
    }
    inputs.sort_by_key(|i| {
        (
            i.job_id.clone().unwrap(),
            i.upstream_job_id.clone().unwrap(),
        )
    });
    inputs.dedup_by_key(|i| {
        (
            i.job_id.clone().unwrap(),
            i.upstream_job_id.clone().unwrap(),
        )
    });
    for chunk in inputs.chunks(2_000) {
        job_input::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    for chunk in in_workspaces.chunks(2_000) {
        job_workspace::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    // Every input reads its upstream's second iteration: mark those read, as
    // the catalog does when jobs are reported through it.
    let read: std::collections::HashSet<i64> = inputs
        .iter()
        .map(|i| i.upstream_job_id.clone().unwrap())
        .collect();
    for r in &mut results {
        let used = r.name.as_ref() == "iter_2" && read.contains(r.job_id.as_ref());
        r.used_downstream = Set(used);
    }
    for chunk in results.chunks(2_000) {
        job_result::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await.unwrap();
    }
    // Finals spread through the graph, marked in SQL; the last one through
    // the catalog, which computes the ancestors of all of them.
    let finals: Vec<i64> = (1..=FINALS).map(|f| (jobs / FINALS * f) as i64).collect();
    job::Entity::update_many()
        .col_expr(job::Column::IsFinal, sea_orm::sea_query::Expr::value(true))
        .filter(job::Column::Id.is_in(finals.clone()))
        .exec(db)
        .await
        .unwrap();
    let t = Instant::now();
    catalog
        .set_job_final(&scope, "BENCH", &format!("J{}", finals[FINALS - 1]), true)
        .await
        .unwrap();
    println!(
        "marking a final result (ancestors of final recomputed over the project): {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "{engine}: {jobs} jobs, {} input links, {} intermediate results, {FINALS} finals, loaded in {:.1} s",
        inputs.len(),
        results.len(),
        started.elapsed().as_secs_f64()
    );

    let options = CleanupOptions {
        preprocessing: BTreeMap::from([
            (Category::MotionCorrection, Action::ClearAndDelete),
            (Category::CtfEstimation, Action::Clear),
            (Category::Extraction, Action::Clear),
        ]),
        intermediate_results: true,
        non_final: Some(Action::ClearAndDelete),
        killed: Some(Action::ClearAndDelete),
        failed: Some(Action::Clear),
        ..CleanupOptions::default()
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut last = None;
    for run in 0..WARMUP + RUNS {
        let t = Instant::now();
        let plan = catalog
            .cleanup_preview(&scope, "BENCH", None, options.clone())
            .await
            .unwrap();
        if run >= WARMUP {
            times.push(t.elapsed());
        }
        last = Some(plan);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let plan = last.unwrap();
    let e = &plan.preview.estimate;
    println!(
        "cleanup preview, project scope, every option: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {RUNS} runs (target < 200 ms)",
        ms(times[times.len() / 2]),
        ms(times[(times.len() * 99 / 100).min(times.len() - 1)]),
        ms(*times.last().unwrap())
    );
    println!(
        "  plan: {} cleared, {} intermediates cleared, {} deleted, {} skipped running, {:.1} GB freed",
        e.jobs_cleared,
        e.jobs_intermediates_cleared,
        e.jobs_deleted,
        e.jobs_skipped_running,
        e.bytes_freed as f64 / 1e9
    );
    let t = Instant::now();
    let ws = catalog
        .cleanup_preview(&scope, "BENCH", Some("W3"), options)
        .await
        .unwrap();
    println!(
        "cleanup preview, one workspace ({} jobs in scope): {:.1} ms",
        ws.preview.scope_jobs,
        ms(t.elapsed())
    );
}
