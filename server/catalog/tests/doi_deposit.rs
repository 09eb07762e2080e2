//! DOIs deposited with DataCite through its REST API (an in-process server
//! that applies DataCite's documented rules): the catalog changes only once
//! DataCite accepted, and a failure leaves both sides as they were.

#[path = "../../datacite-client/tests/common/mod.rs"]
mod fake_datacite;

use fake_datacite::{Fault, State, TestServer};
use strata_catalog::publications::{Coverage, DoiSettings, NewPublication, PublicationState};
use strata_catalog::{Catalog, CatalogError, NewDataset, NewProject, Scope};
use strata_datacite::{Creator, Resource, Title};
use strata_datacite_client::DataCiteClient;
use strata_domain::{DatasetKind, Technique};

async fn catalog(root: &std::path::Path, server: &TestServer) -> Catalog {
    let catalog = Catalog::open(
        &format!("sqlite://{}?mode=rwc", root.join("c.sqlite").display()),
        root.join("projects"),
    )
    .await
    .unwrap()
    .with_doi(DoiSettings {
        prefix: fake_datacite::PREFIX.into(),
        publisher: "Example Imaging Facility".into(),
        landing_base: "https://data.example.org/doi/".into(),
        registrar: Some(DataCiteClient::new(server.config()).unwrap()),
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
}

fn record(title: &str) -> Resource {
    Resource {
        creators: vec![Creator::person("Lovelace", "Ada")],
        titles: vec![Title {
            value: title.into(),
            title_type: None,
            lang: None,
        }],
        ..Resource::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_doi_is_deposited_and_a_refusal_changes_nothing() {
    let server = TestServer::start().await;
    let root = tempfile::tempdir().unwrap();
    let c = catalog(root.path(), &server).await;
    let scope = Scope::system();
    let draft = c
        .create_publication(
            &scope,
            "ML",
            NewPublication {
                coverage: Coverage::Project,
                record: record("Grid 3 movies"),
                release_at: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(server.state_of(&draft.doi), None, "drafts stay in strata");

    // DataCite fails every attempt (the client tries four times): nothing
    // changes on either side.
    server.inject(Fault::ServerError, 4);
    let err = c.publish_publication(&scope, &draft.doi).await.unwrap_err();
    assert!(matches!(err, CatalogError::Upstream(_)), "{err:?}");
    assert!(err.to_string().contains("DataCite"), "{err}");
    let still = c.publication(&scope, &draft.doi).await.unwrap();
    assert_eq!(still.state, PublicationState::Draft);
    assert_eq!(still.deposit, None);
    assert_eq!(server.state_of(&draft.doi), None);
    assert!(
        c.dataset(&Scope::anonymous(), "ML-2022-10-01-14-03-22-0001")
            .await
            .is_err(),
        "the data stays private"
    );

    // DataCite answers again: findable there, then here.
    let done = c.publish_publication(&scope, &draft.doi).await.unwrap();
    assert_eq!(done.deposit, "datacite");
    assert_eq!(done.publication.state, PublicationState::Findable);
    assert_eq!(server.state_of(&draft.doi), Some(State::Findable));
    assert_eq!(server.count("PUT"), 4 + 1, "four failed attempts, then one");
    let attributes = server.attributes_of(&draft.doi).expect("DataCite holds it");
    assert_eq!(
        attributes["url"],
        format!("https://data.example.org/doi/{}", draft.doi)
    );
    assert_eq!(attributes["titles"][0]["title"], "Grid 3 movies");
    assert_eq!(attributes["publisher"]["name"], "Example Imaging Facility");
    assert!(
        c.dataset(&Scope::anonymous(), "ML-2022-10-01-14-03-22-0001")
            .await
            .is_ok(),
        "public once findable"
    );

    let hidden = c.hide_publication(&scope, &draft.doi).await.unwrap();
    assert_eq!(hidden.publication.state, PublicationState::Registered);
    assert_eq!(server.state_of(&draft.doi), Some(State::Registered));
}
