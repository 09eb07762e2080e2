//! A whole site built from the in-memory fixtures, checked page by page:
//! valid HTML (no HTML5 parse error), relative links that resolve inside
//! the site, nothing loaded from outside it, JSON-LD that parses,
//! signposting, the query block, tombstones, and a failed build that
//! leaves the previous site as it was.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scraper::{Html, Selector};
use strata_portal::fixtures::FixtureSource;
use strata_portal::{BuildOptions, GraphqlSource, NoProgress, PortalError, build};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn select(html: &Html, css: &str) -> Vec<String> {
    let s = Selector::parse(css).unwrap();
    html.select(&s).map(|e| e.html()).collect()
}

fn attrs(html: &Html, css: &str, attr: &str) -> Vec<String> {
    let s = Selector::parse(css).unwrap();
    html.select(&s)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// Resolves a relative link from `page` inside `site`.
fn resolve(site: &Path, page: &Path, href: &str) -> PathBuf {
    let href = href.split(['#', '?']).next().unwrap();
    if href.is_empty() {
        return page.to_path_buf();
    }
    let mut path = page.parent().unwrap().to_path_buf();
    for part in href.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                assert!(
                    path != site,
                    "{href} climbs out of the site from {}",
                    page.display()
                );
                path.pop();
            }
            p => path.push(p),
        }
    }
    if href.ends_with('/') {
        path.push("index.html");
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixture_site_is_valid_self_contained_and_linked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let source = FixtureSource::new(40, 3);
    let mut options = BuildOptions::new(&out);
    options.data_url = "https://data.example".into();
    options.page_size = 7;
    let report = build(&source, &options, &NoProgress).await.unwrap();
    assert_eq!(report.datasets, 40);
    // 40 datasets, home, search, 3 projects, 4 DOI pages.
    assert_eq!(report.pages, 40 + 2 + 3 + 4, "{report:?}");
    assert!(out.join("index.html").is_file());
    assert!(out.join("search/index.html").is_file());
    assert!(out.join("pagefind/pagefind-ui.js").is_file());
    assert!(out.join("pagefind/pagefind-entry.json").is_file());
    assert!(out.join("assets/portal.css").is_file());
    assert!(out.join("projects/P1/index.html").is_file());
    for ext in [
        "datacite.xml",
        "metadata.jsonld",
        "citation.bib",
        "citation.ris",
    ] {
        assert!(out.join("doi/10.80000/p0.1").join(ext).is_file(), "{ext}");
    }
    // No temporary directory is left beside it.
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(beside.len(), 1);

    let mut checked = 0;
    for page in files(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
    {
        let text = std::fs::read_to_string(&page).unwrap();
        let html = Html::parse_document(&text);
        assert!(
            html.errors.is_empty(),
            "{}: {:?}",
            page.display(),
            html.errors
        );
        assert!(text.starts_with("<!DOCTYPE html>"), "{}", page.display());
        assert_eq!(attrs(&html, "html", "lang"), vec!["en"]);
        assert_eq!(select(&html, "h1").len(), 1, "{}", page.display());
        // The query the page was built from.
        let queries = select(&html, "details.graphql pre.query code");
        assert!(!queries.is_empty(), "{}", page.display());
        assert!(queries[0].contains("query "), "{}", page.display());
        // Nothing is loaded from outside the site: scripts, styles, images.
        for src in attrs(&html, "[src]", "src").into_iter().chain(attrs(
            &html,
            "link[rel=stylesheet]",
            "href",
        )) {
            assert!(
                !src.contains("://") && !src.starts_with('/'),
                "{}: {src}",
                page.display()
            );
            assert!(
                resolve(&out, &page, &src).is_file(),
                "{}: {src}",
                page.display()
            );
        }
        // Every link inside the site resolves.
        for href in attrs(&html, "a[href]", "href") {
            if href.contains("://") {
                continue;
            }
            assert!(
                !href.starts_with('/'),
                "{}: {href} is not relative",
                page.display()
            );
            assert!(
                resolve(&out, &page, &href).is_file(),
                "{}: {href}",
                page.display()
            );
        }
        for json in html
            .select(&Selector::parse(r#"script[type="application/ld+json"]"#).unwrap())
            .map(|e| e.text().collect::<String>())
        {
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(value["@context"], "https://schema.org");
        }
        checked += 1;
    }
    assert_eq!(checked as u64, report.pages);

    let source_ref = FixtureSource::new(40, 3);
    // A dataset covered by a publication: its citation, DOI link, signposting.
    let cited = out.join(format!("datasets/{}/index.html", source_ref.identifier(0)));
    let html = Html::parse_document(&std::fs::read_to_string(&cited).unwrap());
    assert_eq!(
        attrs(&html, r#"link[rel="cite-as"]"#, "href"),
        vec!["https://doi.org/10.80000/p0.1"]
    );
    let described = attrs(&html, r#"link[rel="describedby"]"#, "href");
    assert!(
        described.contains(&"../../doi/10.80000/p0.1/datacite.xml".to_owned()),
        "{described:?}"
    );
    assert_eq!(
        attrs(
            &html,
            r#"link[rel="describedby"][type="application/vnd.datacite.datacite+xml"]"#,
            "href"
        )
        .len(),
        1
    );
    assert_eq!(
        attrs(&html, r#"link[rel="license"]"#, "href"),
        vec!["https://creativecommons.org/licenses/by/4.0/"]
    );
    assert_eq!(
        attrs(&html, r#"link[rel="author"]"#, "href"),
        vec!["https://orcid.org/0000-0002-1825-0097"]
    );
    let items = attrs(&html, r#"link[rel="item"]"#, "href");
    assert_eq!(items.len(), 3);
    assert!(
        items[0].starts_with("https://data.example/files/P0-"),
        "{items:?}"
    );
    let cite = select(&html, ".citation .cite");
    assert!(
        cite[0].contains(
            "Lovelace, Ada (2024). Project 0 publication 1. Version 1. strata test facility."
        ),
        "{cite:?}"
    );
    assert!(cite[0].contains(r#"<a href="https://doi.org/10.80000/p0.1">"#));
    // The withdrawn DOI is cited by nobody, and has a tombstone.
    assert!(!std::fs::read_to_string(&cited).unwrap().contains("p0.2"));
    let tomb = std::fs::read_to_string(out.join("doi/10.80000/p0.2/index.html")).unwrap();
    assert!(
        tomb.contains("This DOI was withdrawn") && tomb.contains("wrong grid"),
        "{tomb}"
    );

    // Parameters grouped by definition, with units; escaped description.
    let page = std::fs::read_to_string(
        out.join(format!("datasets/{}/index.html", source_ref.identifier(7))),
    )
    .unwrap();
    let html = Html::parse_document(&page);
    let captions: BTreeSet<String> = html
        .select(&Selector::parse("table.parameters caption").unwrap())
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(
        captions,
        BTreeSet::from(["cryo-em", "ctf", "mx", "other"].map(String::from))
    );
    assert!(!page.contains("<with>"), "escaped");
    let description: String = html
        .select(&Selector::parse("#description + p").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect();
    assert!(
        description.contains(r#"<with> "special" & characters"#),
        "{description}"
    );
    // A processed dataset has its lineage drawn, with titles.
    assert!(select(&html, "svg.lineage title").len() >= 3);
    assert!(select(&html, "svg.lineage").len() == 1);
    assert!(page.contains(&format!(
        r#"href="../{}/index.html""#,
        source_ref.identifier(6)
    )));

    // Viewers: markup, config and the registry script.
    let lm = std::fs::read_to_string(
        out.join(format!("datasets/{}/index.html", source_ref.identifier(4))),
    )
    .unwrap();
    let html = Html::parse_document(&lm);
    assert_eq!(attrs(&html, "figure.viewer", "data-viewer"), vec!["frames"]);
    let config: serde_json::Value =
        serde_json::from_str(&attrs(&html, "figure.viewer", "data-config")[0]).unwrap();
    assert_eq!(
        config["zarr"],
        format!(
            "https://data.example/zarr/{}/0.ome.zarr",
            source_ref.identifier(4)
        )
    );
    assert_eq!(
        attrs(&html, r#"script[type="module"]"#, "src"),
        vec!["../../assets/viewers/registry.js"]
    );
    assert_eq!(
        select(&html, "figure.viewer table.viewer-fallback").len(),
        1
    );
}

/// Answers like the fixtures, then fails on the second page of datasets.
struct FailingSource(FixtureSource);

#[async_trait::async_trait]
impl GraphqlSource for FailingSource {
    async fn run(
        &self,
        operation: &str,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<serde_json::Value, PortalError> {
        if operation == "Datasets" && !variables["after"].is_null() {
            return Err(PortalError::Graphql {
                operation: operation.into(),
                messages: "the server went away".into(),
            });
        }
        self.0.run(operation, query, variables).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_build_leaves_the_previous_site_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("index.html"), "the old site").unwrap();
    let mut options = BuildOptions::new(&out);
    options.page_size = 5;
    let err = build(
        &FailingSource(FixtureSource::new(20, 2)),
        &options,
        &NoProgress,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("the server went away"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("index.html")).unwrap(),
        "the old site"
    );
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(beside.len(), 1, "no temporary directory left");
    // And a good build replaces it whole.
    build(&FixtureSource::new(20, 2), &options, &NoProgress)
        .await
        .unwrap();
    assert!(
        std::fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains("<!DOCTYPE html>")
    );
}

/// Serves `site` on 127.0.0.1 (GET only, whole files) until the process ends.
fn serve(site: PathBuf) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_err() {
                continue;
            }
            let path = line
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .split('?')
                .next()
                .unwrap_or("/");
            let file = site.join(path.trim_start_matches('/'));
            let response = match std::fs::read(&file) {
                Ok(body) => {
                    let mut head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    head.extend(body);
                    head
                }
                Err(_) => {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                }
            };
            let _ = stream.write_all(&response);
        }
    });
    port
}

/// Pagefind's own search (its JavaScript and WebAssembly, under Node) finds
/// datasets by a parameter's value and by its name. Skipped without `node`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_index_finds_datasets_by_parameter_value() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no node to run Pagefind's search with");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let source = FixtureSource::new(40, 3);
    build(&source, &BuildOptions::new(&out), &NoProgress)
        .await
        .unwrap();
    let port = serve(out.clone());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search.mjs");
    let search = |term: &str| {
        let output = std::process::Command::new("node")
            .args([script, out.to_str().unwrap(), &port.to_string(), term])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        answer
    };
    // MX datasets (every fifth from the third) carry MX_space_group P212121.
    let mx: BTreeSet<String> = (0..40)
        .filter(|i| i % 5 == 2)
        .map(|i| format!("/datasets/{}/index.html", source.identifier(i)))
        .collect();
    let found = search("P212121");
    assert_eq!(found["count"], mx.len(), "{found}");
    for url in found["urls"].as_array().unwrap() {
        assert!(
            mx.contains(url.as_str().unwrap()),
            "{url} is not an MX dataset"
        );
    }
    assert_eq!(search("no-such-word-anywhere")["count"], 0);
}
