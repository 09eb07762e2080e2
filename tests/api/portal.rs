//! The static portal built against a real server, over HTTP and in-process:
//! only public records in it (a private dataset's identifier is in no file,
//! the search index included), every page valid HTML with its query block,
//! JSON-LD that parses, signposting, DOI pages and tombstones, downloads
//! that are the server's own exports.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use scraper::{Html, Selector};
use serde_json::{Value, json};
use strata::commands::portal::InProcessSource;
use strata_portal::{BuildOptions, HttpSource, NoProgress, build};
use strata_tests::TestApp;

const RAW: &str = "PT-2022-10-01-14-03-22-0001";
const PROCESSED: &str = "PT-2022-10-01-16-00-00-0002";
const PRIVATE: &str = "PT-2022-10-02-09-00-00-0003";

fn metadata(title: &str) -> Value {
    json!({
        "creators": [{
            "name": "Lovelace, Ada", "nameType": "Personal", "givenName": "Ada", "familyName": "Lovelace",
            "nameIdentifiers": [{ "nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
                                  "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org" }],
            "affiliation": [{ "name": "European Synchrotron" }]
        }],
        "titles": [{ "title": title }],
        "descriptions": [{ "description": "Movies of grid 3.", "descriptionType": "Abstract" }],
        "rightsList": [{ "rights": "Creative Commons Attribution 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/" }]
    })
}

async fn publish(app: &TestApp, datasets: &[&str], title: &str) -> String {
    let admin = Some(app.admin.as_str());
    let doi = app
        .ok(
            admin,
            "mutation($input: PublicationInput!) { createPublication(project: \"PT\", input: $input) { doi } }",
            json!({ "input": { "datasets": datasets, "metadata": metadata(title) } }),
        )
        .await["createPublication"]["doi"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        admin,
        "mutation($doi: String!) { publishPublication(doi: $doi) { deposit } }",
        json!({ "doi": doi }),
    )
    .await;
    doi
}

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
    out.sort();
    out
}

/// A file's bytes, gunzipped when gzipped (Pagefind's index files are,
/// after a `pagefind_dcd` marker inside).
fn readable(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes
    }
}

fn attrs(html: &Html, css: &str, attr: &str) -> Vec<String> {
    html.select(&Selector::parse(css).unwrap())
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

fn texts(html: &Html, css: &str) -> Vec<String> {
    html.select(&Selector::parse(css).unwrap())
        .map(|e| e.text().collect())
        .collect()
}

/// Checks the whole site; returns its files relative to its root.
fn check_site(site: &Path, server_xml: &str, doi: &str, withdrawn: &str) -> BTreeSet<String> {
    let all = files(site);
    let mut pages = 0;
    for file in &all {
        let bytes = readable(file);
        assert!(
            !bytes
                .windows(PRIVATE.len())
                .any(|w| w == PRIVATE.as_bytes()),
            "the private dataset is named in {}",
            file.display()
        );
        if file.extension().is_some_and(|e| e == "html") {
            pages += 1;
            let text = String::from_utf8(bytes).unwrap();
            let html = Html::parse_document(&text);
            assert!(
                html.errors.is_empty(),
                "{}: {:?}",
                file.display(),
                html.errors
            );
            let queries = texts(&html, "details.graphql pre.query code");
            assert!(
                queries.iter().any(|q| q.contains("query ")),
                "{}: no query block",
                file.display()
            );
            for json in texts(&html, r#"script[type="application/ld+json"]"#) {
                let value: Value = serde_json::from_str(&json)
                    .unwrap_or_else(|e| panic!("{}: JSON-LD {e}", file.display()));
                assert!(
                    value["@context"].as_str().unwrap().contains("schema.org"),
                    "{value:#}"
                );
            }
            for src in attrs(&html, "[src]", "src") {
                assert!(
                    !src.contains("://") && !src.starts_with('/'),
                    "{}: {src}",
                    file.display()
                );
            }
        }
    }
    // Home, search, the project, two datasets, two DOI pages.
    assert_eq!(pages, 7, "{all:#?}");
    let rel: BTreeSet<String> = all
        .iter()
        .map(|f| f.strip_prefix(site).unwrap().display().to_string())
        .collect();
    for page in [
        "index.html".to_owned(),
        "search/index.html".to_owned(),
        "projects/PT/index.html".to_owned(),
        format!("datasets/{RAW}/index.html"),
        format!("datasets/{PROCESSED}/index.html"),
        format!("doi/{doi}/index.html"),
        format!("doi/{withdrawn}/index.html"),
        format!("doi/{doi}/datacite.xml"),
        format!("doi/{doi}/metadata.jsonld"),
        format!("doi/{doi}/citation.bib"),
        format!("doi/{doi}/citation.ris"),
        "pagefind/pagefind-ui.js".to_owned(),
        "pagefind/pagefind-entry.json".to_owned(),
        "assets/portal.css".to_owned(),
    ] {
        assert!(rel.contains(&page), "{page} missing from {rel:#?}");
    }
    assert!(!rel.iter().any(|f| f.contains(PRIVATE)));
    // The downloads are the server's own exports.
    assert_eq!(
        std::fs::read_to_string(site.join(format!("doi/{doi}/datacite.xml"))).unwrap(),
        server_xml
    );

    // The raw dataset's landing page: citation with the DOI as a link,
    // signposting, files with sizes and checksums, parameters with units.
    let text = std::fs::read_to_string(site.join(format!("datasets/{RAW}/index.html"))).unwrap();
    let html = Html::parse_document(&text);
    let doi_url = format!("https://doi.org/{doi}");
    assert_eq!(
        attrs(&html, r#"link[rel="cite-as"]"#, "href"),
        vec![doi_url.clone()]
    );
    assert_eq!(
        attrs(
            &html,
            r#"link[rel="describedby"][type="application/vnd.datacite.datacite+xml"]"#,
            "href"
        ),
        vec![format!("../../doi/{doi}/datacite.xml")]
    );
    assert_eq!(
        attrs(&html, r#"link[rel="author"]"#, "href"),
        vec!["https://orcid.org/0000-0002-1825-0097"]
    );
    assert_eq!(
        attrs(&html, r#"link[rel="license"]"#, "href"),
        vec!["https://creativecommons.org/licenses/by/4.0/"]
    );
    let items = attrs(&html, r#"link[rel="item"]"#, "href");
    assert_eq!(
        items,
        vec![format!("https://data.example/files/{RAW}/movies/0001.tiff")]
    );
    assert!(attrs(&html, ".citation a", "href").contains(&doi_url));
    assert!(
        texts(&html, ".citation .cite")[0].contains("Lovelace, Ada"),
        "{text}"
    );
    assert!(text.contains(&"ab".repeat(32)), "the SHA-256");
    let voltage = texts(&html, "table.parameters tbody tr")
        .into_iter()
        .find(|r| r.contains("EM_voltage"))
        .expect("EM_voltage");
    assert!(
        voltage.contains("300000") && voltage.contains('V'),
        "{voltage}"
    );
    // Its lineage: the processed dataset is drawn and linked; the private
    // one, derived from it too, is not there at all (the server leaves out
    // links whose other end the visitor may not see).
    assert!(text.contains(&format!(r#"href="../{PROCESSED}/index.html""#)));
    assert!(texts(&html, "svg.lineage title").len() >= 3);
    assert!(!text.contains("not available"), "{text}");

    // The withdrawn DOI's tombstone.
    let tomb = std::fs::read_to_string(site.join(format!("doi/{withdrawn}/index.html"))).unwrap();
    assert!(tomb.contains("This DOI was withdrawn") && tomb.contains("wrong grid"));
    rel
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_shows_public_records_only_over_http_and_in_process() {
    let app = TestApp::spawn().await;
    app.create_project("PT", "Portal test").await;
    app.register(
        RAW,
        json!({ "description": "raw movies of grid 3", "parameters": [
            { "name": "EM_voltage", "value": 300000, "unit": "V" },
            { "name": "EM_grid_name", "value": "Quantifoil R1.2/1.3" } ] }),
    )
    .await;
    app.ok(
        Some(&app.admin),
        "mutation($input: AddDatafilesInput!) { addDatafiles(input: $input) { path } }",
        json!({ "input": { "dataset": RAW, "files": [
            { "path": "movies/0001.tiff", "sizeBytes": 1000, "sha256": "ab".repeat(32), "format": "tiff" } ] } }),
    )
    .await;
    app.register(
        PROCESSED,
        json!({ "kind": "PROCESSED", "links": [{ "kind": "DERIVED_FROM", "target": RAW }] }),
    )
    .await;
    // Private: in no publication, no embargo end; derived from the raw one,
    // so the raw dataset's lineage has a link to it.
    app.register(
        PRIVATE,
        json!({ "kind": "PROCESSED", "description": "secret", "links": [{ "kind": "DERIVED_FROM", "target": RAW }] }),
    )
    .await;
    let doi = publish(&app, &[RAW, PROCESSED], "Grid 3 movies").await;
    let withdrawn = publish(&app, &[RAW], "Grid 3, first try").await;
    app.ok(
        Some(&app.admin),
        "mutation($doi: String!) { withdrawPublication(doi: $doi, reason: \"wrong grid\") { doi } }",
        json!({ "doi": withdrawn }),
    )
    .await;
    let server_xml = app
        .ok(
            None,
            "query($doi: String!) { publication(doi: $doi) { dataciteXml } }",
            json!({ "doi": doi }),
        )
        .await["publication"]["dataciteXml"]
        .as_str()
        .unwrap()
        .to_owned();

    let dir = tempfile::tempdir().unwrap();
    let over_http = dir.path().join("http");
    let mut options = BuildOptions::new(&over_http);
    options.data_url = "https://data.example".into();
    options.page_size = 1;
    let report = build(&HttpSource::new(&app.url("")), &options, &NoProgress)
        .await
        .unwrap();
    assert_eq!(report.datasets, 2, "{report:?}");
    let http_files = check_site(&over_http, &server_xml, &doi, &withdrawn);

    let in_process = dir.path().join("in-process");
    options.out = in_process.clone();
    build(
        &InProcessSource::new(app.catalog.clone()),
        &options,
        &NoProgress,
    )
    .await
    .unwrap();
    let local_files = check_site(&in_process, &server_xml, &doi, &withdrawn);
    assert_eq!(http_files, local_files);

    // The query a dataset page shows, pasted with its variables, answers
    // the page's record.
    let text =
        std::fs::read_to_string(over_http.join(format!("datasets/{RAW}/index.html"))).unwrap();
    let html = Html::parse_document(&text);
    let query = texts(&html, "details.graphql pre.query code").remove(0);
    let variables: Value =
        serde_json::from_str(&texts(&html, "details.graphql pre.variables code").remove(0))
            .unwrap();
    let answer = app.ok(None, &query, variables).await;
    assert_eq!(answer["dataset"]["identifier"], RAW);
    assert_eq!(answer["dataset"]["datafiles"][0]["sha256"], "ab".repeat(32));
}
