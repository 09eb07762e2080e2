//! The portal in a real browser, built from `strata demo`'s catalog (real
//! files through the real ingest: an MRC tilt series with its .mdoc, a 5D
//! OME-TIFF, a SAXS curve, an MX sweep kept private) and served by `strata
//! serve` at /portal/: every page type loads without console errors or
//! failed requests, each viewer draws from the server's Zarr and files,
//! search finds a dataset by a parameter value, axe-core finds nothing, and
//! the private dataset is nowhere.

use serde_json::json;
use strata::cli::DemoArgs;
use strata::config::Overrides;
use strata::{Application, Config};

const RAW: &str = "CET-2025-03-14-09-12-05-0001";
const ALIGNED: &str = "CET-2025-03-14-11-40-31-0002";
const CTF: &str = "CET-2025-03-14-11-52-10-0003";
const STACK: &str = "LSM-2025-02-03-15-22-47-0001";
const SAXS: &str = "BIO-2025-01-20-10-05-33-0001";
const PRIVATE_MX: &str = "BIO-2025-01-22-21-47-12-0002";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_portal_works_in_a_browser_and_shows_nothing_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    strata::commands::demo::run(
        &config,
        DemoArgs {
            bind: None,
            no_serve: true,
        },
    )
    .await
    .expect("strata demo --no-serve");

    // Served as `strata --config <dir>/strata.toml serve` serves it.
    let overrides = Overrides {
        bind: Some("127.0.0.1:0".into()),
        ..Overrides::default()
    };
    let config = Config::load(Some(&dir.join("strata.toml")), &overrides).unwrap();
    assert_eq!(
        config.portal_dir.as_deref(),
        Some(dir.join("portal").as_path())
    );
    let app = Application::build(&config).await.unwrap();
    let base = format!("http://{}/portal/", app.address());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let checks = json!({
        "base": base,
        "pages": [
            {"path": "index.html"},
            {"path": "search/index.html"},
            {"path": "projects/CET/index.html"},
            {"path": format!("datasets/{RAW}/index.html"), "viewers": [{"kind": "tilt-series", "thumbnails": true}]},
            {"path": format!("datasets/{ALIGNED}/index.html"), "viewers": [{"kind": "tilt-series", "thumbnails": true}]},
            {"path": format!("datasets/{CTF}/index.html")},
            {"path": format!("datasets/{STACK}/index.html"), "viewers": ["frames"]},
            {"path": format!("datasets/{SAXS}/index.html"), "viewers": ["saxs"]},
            {"path": "doi/10.5072/cet.1/index.html"},
        ],
        "crawl": true,
        "maxPages": 40,
        // A parameter value (the SAXS buffer), not a name or an identifier.
        "search": {"path": "search/index.html", "term": "HEPES", "expect": SAXS, "input": "#search input"},
        "forbidden": [PRIVATE_MX],
        "axe": true,
        "noScript": true,
    });
    let report = tokio::task::spawn_blocking(move || strata_tests::browser::check(&checks))
        .await
        .unwrap();
    assert!(report.contains(" passed, 0 failed"), "{report}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
