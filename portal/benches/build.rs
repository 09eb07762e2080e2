//! Portal build benchmark: 100,000 public datasets (STRATA_PORTAL_BENCH_DATASETS
//! to change it) over 20 projects, answered by an in-memory GraphQL source
//! (`strata_portal::fixtures`), so that it measures what the portal itself
//! does: reading the answers, rendering every page, laying out lineage,
//! writing the files and building the search index. No database or network
//! is involved; a real build adds the server's time to answer the queries.
//!
//! `cargo bench -p strata-portal --bench build`

use std::time::Instant;

use strata_portal::fixtures::FixtureSource;
use strata_portal::{BuildOptions, NoProgress, build};

fn main() {
    let datasets: usize = std::env::var("STRATA_PORTAL_BENCH_DATASETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::var("STRATA_PORTAL_BENCH_DIR")
        .unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    let dir = tempfile::tempdir_in(dir).expect("a temporary directory");
    let out = dir.path().join("site");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let source = FixtureSource::new(datasets, 20);
    let mut options = BuildOptions::new(&out);
    options.data_url = "https://data.example.org".into();
    options.page_size = 500;
    let started = Instant::now();
    let report = runtime
        .block_on(build(&source, &options, &NoProgress))
        .expect("the build");
    let elapsed = started.elapsed().as_secs_f64();
    if std::env::var_os("STRATA_PORTAL_BENCH_KEEP").is_some() {
        println!("  site kept in {}", out.display());
        let _ = dir.keep();
    }
    let search = report.search_elapsed.as_secs_f64();
    println!(
        "portal build: {datasets} public datasets, {} threads rendering",
        options.threads
    );
    println!(
        "  {} HTML pages, {} files, {:.1} MiB in {:.1} s: {:.0} pages/s",
        report.pages,
        report.files,
        report.mib(),
        elapsed,
        report.pages as f64 / elapsed
    );
    println!(
        "  then the search index {:.1} s more (its shards are built in the background while pages render: the last ones finished in {:.1} s; records added in {:.1} s summed over shards; written in {:.1} s)",
        search,
        report.search_built.as_secs_f64(),
        report.search_adding.as_secs_f64(),
        report
            .search_elapsed
            .saturating_sub(report.search_built)
            .as_secs_f64(),
    );
}
