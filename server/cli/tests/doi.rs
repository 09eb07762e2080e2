//! `strata doi` as data managers run it: a check that lists what DataCite
//! lacks and fails until it can register, then publish, list and export.

use std::path::Path;
use std::process::{Command, Output};

use strata_catalog::publications::{Coverage, DoiSettings, NewPublication};
use strata_catalog::{Catalog, NewDataset, NewProject, Scope};
use strata_datacite::{Creator, Resource, Title};
use strata_domain::{DatasetKind, Technique};

/// `strata` with `[doi]` given in the environment, as a deployment would.
fn strata(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("STRATA_DATABASE_URL")
        .env("STRATA_DOI__PREFIX", "10.80000")
        .env("STRATA_DOI__PUBLISHER", "Example Imaging Facility")
        .env("STRATA_DOI__LANDING_BASE", "https://data.example.org/doi/")
        .env("RUST_LOG", "warn")
        .output()
        .expect("running strata")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn draft(dir: &Path, record: Resource) -> String {
    let catalog = Catalog::open(
        &format!("sqlite://{}?mode=rwc", dir.join("catalog.sqlite").display()),
        dir.join("projects"),
    )
    .await
    .unwrap()
    .with_doi(DoiSettings {
        prefix: "10.80000".into(),
        publisher: "Example Imaging Facility".into(),
        landing_base: "https://data.example.org/doi/".into(),
        registrar: None,
    });
    let scope = Scope::system();
    catalog
        .create_project(
            &scope,
            NewProject {
                code: "ML".parse().unwrap(),
                title: "Membranes".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    catalog
        .register_dataset(
            &scope,
            NewDataset {
                identifier: "ML-2022-10-01-14-03-22-0001".parse().unwrap(),
                kind: DatasetKind::Raw,
                technique: Technique::CryoEm,
                instrument: None,
                sample: None,
                description: "movies".into(),
                parameters: Vec::new(),
                links: Vec::new(),
            },
        )
        .await
        .unwrap();
    catalog
        .create_publication(
            &scope,
            "ML",
            NewPublication {
                coverage: Coverage::Project,
                record,
                release_at: None,
            },
        )
        .await
        .unwrap()
        .doi
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_names_what_datacite_lacks_and_a_complete_record_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let doi = draft(dir.path(), Resource::default()).await;
    assert_eq!(doi, "10.80000/ml.1");

    let check = strata(dir.path(), &["doi", "check", &doi]);
    assert!(
        !check.status.success(),
        "an incomplete record fails the check"
    );
    let out = text(&check.stdout);
    let creator = out
        .lines()
        .find(|l| l.contains("Creator"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(creator.trim_start().starts_with("mandatory"), "{out}");
    assert!(out.contains("Title"), "{out}");
    assert!(text(&check.stderr).contains("cannot be registered yet"));
    let refused = strata(dir.path(), &["doi", "publish", &doi]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("Creator"),
        "{}",
        text(&refused.stderr)
    );

    // Complete the draft through the catalog, as a depositor would over GraphQL.
    let catalog = Catalog::open(
        &format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("catalog.sqlite").display()
        ),
        dir.path().join("projects"),
    )
    .await
    .unwrap()
    .with_doi(DoiSettings {
        prefix: "10.80000".into(),
        publisher: "Example Imaging Facility".into(),
        landing_base: "https://data.example.org/doi/".into(),
        registrar: None,
    });
    let record = Resource {
        creators: vec![Creator::person("Lovelace", "Ada")],
        titles: vec![Title {
            value: "Grid 3 movies".into(),
            title_type: None,
            lang: None,
        }],
        ..Resource::default()
    };
    catalog
        .update_publication(&Scope::system(), &doi, record, None, None)
        .await
        .unwrap();
    drop(catalog);

    let check = strata(dir.path(), &["doi", "check", &doi]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("ready to register"));
    let published = strata(dir.path(), &["doi", "publish", &doi]);
    assert!(published.status.success(), "{}", text(&published.stderr));
    let out = text(&published.stdout);
    assert!(
        out.contains("is findable: written for deposit by hand"),
        "{out}"
    );
    assert!(
        dir.path()
            .join("projects/ST-membranes/publications/1/datacite.xml")
            .is_file()
    );
    let list = text(&strata(dir.path(), &["doi", "list", "ML"]).stdout);
    let row = list
        .lines()
        .find(|l| l.contains(&doi))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(
        row.contains("findable") && row.contains("Grid 3 movies"),
        "{row}"
    );
    let bibtex = strata(dir.path(), &["doi", "export", &doi, "--format", "bibtex"]);
    let bibtex = text(&bibtex.stdout);
    let parsed = biblatex::Bibliography::parse(&bibtex).expect("BibTeX parses");
    let entry = parsed.iter().next().expect("one entry");
    assert_eq!(
        entry.doi().expect("a DOI field").to_lowercase(),
        "10.80000/ml.1"
    );
}
