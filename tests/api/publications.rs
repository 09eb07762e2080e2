//! DOIs through the real server: a draft checked against DataCite's
//! mandatory properties, published with an embargo that the same access
//! scoping enforces, related to other DOIs by lineage and versions, frozen
//! once published, withdrawn to a tombstone, never deleted.

use std::process::Command;

use serde_json::{Value, json};
use strata_tests::{TestApp, error_of};

const RAW: &str = "ML-2022-10-01-14-03-22-0001";
const PROCESSED: &str = "ML-2022-10-01-16-00-00-0002";

const FIELDS: &str = "doi state title version datasets releaseAt previousVersion nextVersion
  deposit withdrawal { reason } readiness { publishable missing { property obligation } }
  datacite datacite_xml: dataciteXml";

fn create() -> String {
    format!(
        "mutation($input: PublicationInput!) {{ createPublication(project: \"ML\", input: $input) {{ {FIELDS} }} }}"
    )
}

fn update() -> String {
    format!(
        "mutation($doi: String!, $input: PublicationInput!) {{ updatePublication(doi: $doi, input: $input) {{ {FIELDS} }} }}"
    )
}

fn query() -> String {
    format!("query($doi: String!) {{ publication(doi: $doi) {{ {FIELDS} }} }}")
}

fn step(verb: &str) -> String {
    format!(
        "mutation($doi: String!) {{ {verb}Publication(doi: $doi) {{ deposit files publication {{ {FIELDS} }} }} }}"
    )
}

/// DataCite JSON as a depositor fills it in: creators with ORCID and ROR,
/// a title, subjects, a licence; the publisher and year come from strata.
fn metadata(title: &str) -> Value {
    json!({
        "creators": [{
            "name": "Lovelace, Ada", "nameType": "Personal", "givenName": "Ada", "familyName": "Lovelace",
            "nameIdentifiers": [{ "nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
                                  "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org" }],
            "affiliation": [{ "name": "European Synchrotron", "affiliationIdentifier": "https://ror.org/02550n020",
                              "affiliationIdentifierScheme": "ROR" }]
        }],
        "titles": [{ "title": title }],
        "subjects": [{ "subject": "cryo-electron microscopy" }],
        "descriptions": [{ "description": "Movies of grid 3.", "descriptionType": "Abstract" }],
        "rightsList": [{ "rights": "Creative Commons Attribution 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/" }]
    })
}

fn related(p: &Value, relation: &str) -> Vec<String> {
    p["datacite"]["relatedIdentifiers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["relationType"] == relation)
        .map(|r| r["relatedIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

fn xsd_valid(xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("record.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/datacite/kernel-4.7/metadata.xsd"
    );
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", schema])
        .arg(&file)
        .output()
        .expect("xmllint (Debian's libxml2-utils) validates DataCite XML: install it");
    assert!(
        out.status.success(),
        "{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn visible_to_anonymous(app: &TestApp, identifier: &str) -> bool {
    let answer = app
        .ok(
            None,
            "query($id: String!) { dataset(identifier: $id) { identifier } }",
            json!({ "id": identifier }),
        )
        .await;
    !answer["dataset"].is_null()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_doi_goes_from_draft_to_findable_to_tombstone_with_its_data_embargoed() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.register(RAW, json!({ "description": "raw movies" }))
        .await;
    app.register(
        PROCESSED,
        json!({ "kind": "PROCESSED", "links": [{ "kind": "DERIVED_FROM", "target": RAW }] }),
    )
    .await;
    let depositor = app.user("depositor").await;
    app.add_member("ML", "depositor", "DEPOSITOR").await;
    let admin = Some(app.admin.as_str());

    // A draft may be incomplete; its readiness says what is missing.
    let draft = app
        .ok(Some(&depositor), &create(), json!({ "input": { "datasets": [RAW], "metadata": { "titles": [{ "title": "Grid 3" }] } } }))
        .await["createPublication"]
        .clone();
    assert_eq!(draft["doi"], "10.80000/ml.1");
    assert_eq!(draft["state"], "DRAFT");
    assert_eq!(draft["readiness"]["publishable"], false);
    let missing = &draft["readiness"]["missing"];
    assert!(
        missing
            .as_array()
            .unwrap()
            .contains(&json!({ "property": "Creator", "obligation": "MANDATORY" })),
        "{missing:#}"
    );
    // Only a manager registers, and only what DataCite would accept.
    let forbidden = app
        .graphql(
            Some(&depositor),
            &step("publish"),
            json!({ "doi": "10.80000/ml.1" }),
        )
        .await;
    assert_eq!(error_of(&forbidden).0, "FORBIDDEN");
    let refused = app
        .graphql(admin, &step("publish"), json!({ "doi": "10.80000/ML.1" }))
        .await;
    let (code, _, message) = error_of(&refused);
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("Creator"), "{message}");
    assert!(
        app.ok(None, &query(), json!({ "doi": "10.80000/ml.1" }))
            .await["publication"]
            .is_null(),
        "a draft is the members'"
    );

    let input = json!({ "datasets": [RAW], "metadata": metadata("Grid 3 movies"), "releaseAt": "2031-01-01T00:00:00Z" });
    let draft = app
        .ok(
            Some(&depositor),
            &update(),
            json!({ "doi": "10.80000/ml.1", "input": input }),
        )
        .await["updatePublication"]
        .clone();
    assert_eq!(draft["readiness"]["publishable"], true, "{draft:#}");
    assert_eq!(
        draft["datacite"]["publisher"]["name"], "strata test facility",
        "{draft:#}"
    );
    let published = app
        .ok(admin, &step("publish"), json!({ "doi": "10.80000/ml.1" }))
        .await["publishPublication"]
        .clone();
    assert_eq!(published["deposit"], "manual");
    let record = &published["publication"];
    assert_eq!(record["state"], "FINDABLE");
    xsd_valid(record["datacite_xml"].as_str().unwrap());
    for file in published["files"].as_array().unwrap() {
        let written = std::fs::read_to_string(file.as_str().unwrap()).unwrap();
        assert!(written.contains("10.80000/ML.1"), "{file}");
    }
    xsd_valid(&std::fs::read_to_string(published["files"][0].as_str().unwrap()).unwrap());

    // Metadata public at once; data from the release date.
    let public = app
        .ok(None, &query(), json!({ "doi": "10.80000/ml.1" }))
        .await["publication"]
        .clone();
    assert_eq!(public["title"], "Grid 3 movies");
    assert!(
        !visible_to_anonymous(&app, RAW).await,
        "embargoed until 2031"
    );
    // Frozen: the published data changes only through a new version.
    let frozen = app
        .graphql(admin, "mutation { updateDatasetDescription(identifier: \"ML-2022-10-01-14-03-22-0001\", description: \"x\") { identifier } }", json!({}))
        .await;
    let (code, _, message) = error_of(&frozen);
    assert_eq!(code, "CONFLICT", "{frozen:#}");
    assert!(message.contains("10.80000/ml.1"), "{message}");

    // A derived dataset's DOI relates to its source's, both ways.
    app.ok(Some(&depositor), &create(), json!({ "input": { "datasets": [PROCESSED], "metadata": metadata("Grid 3, motion corrected") } })).await;
    let derived = app
        .ok(admin, &step("register"), json!({ "doi": "10.80000/ml.2" }))
        .await["registerPublication"]["publication"]
        .clone();
    assert_eq!(derived["state"], "REGISTERED");
    assert_eq!(related(&derived, "IsDerivedFrom"), ["10.80000/ML.1"]);
    assert!(
        visible_to_anonymous(&app, PROCESSED).await,
        "no release date: public now"
    );
    let source = app
        .ok(None, &query(), json!({ "doi": "10.80000/ml.1" }))
        .await["publication"]
        .clone();
    assert_eq!(related(&source, "IsSourceOf"), ["10.80000/ML.2"]);

    // A new version gets a new DOI; the old one stays as published.
    let v2 = app
        .ok(Some(&depositor), "mutation { newPublicationVersion(doi: \"10.80000/ml.1\") { doi version previousVersion } }", json!({}))
        .await["newPublicationVersion"]
        .clone();
    assert_eq!(
        v2,
        json!({ "doi": "10.80000/ml.3", "version": "2", "previousVersion": "10.80000/ml.1" })
    );
    let v2 = app
        .ok(admin, &step("publish"), json!({ "doi": "10.80000/ml.3" }))
        .await["publishPublication"]["publication"]
        .clone();
    assert_eq!(related(&v2, "IsNewVersionOf"), ["10.80000/ML.1"]);
    xsd_valid(v2["datacite_xml"].as_str().unwrap());
    let v1 = app
        .ok(None, &query(), json!({ "doi": "10.80000/ml.1" }))
        .await["publication"]
        .clone();
    assert_eq!(v1["nextVersion"], "10.80000/ml.3");
    assert_eq!(related(&v1, "IsPreviousVersionOf"), ["10.80000/ML.3"]);
    assert_eq!(v1["title"], public["title"]);
    assert_eq!(v1["datacite"]["version"], "1");

    // Withdrawn: a tombstone, never deleted; the data is no longer public.
    let deleted = app
        .graphql(
            admin,
            "mutation { deletePublication(doi: \"10.80000/ml.2\") }",
            json!({}),
        )
        .await;
    let (code, _, message) = error_of(&deleted);
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("never deleted"), "{message}");
    let gone = app
        .ok(admin, &format!("mutation {{ withdrawPublication(doi: \"10.80000/ml.2\", reason: \"wrong grid\") {{ {FIELDS} }} }}"), json!({}))
        .await["withdrawPublication"]
        .clone();
    assert_eq!(gone["withdrawal"]["reason"], "wrong grid");
    let tombstone = app
        .ok(None, &query(), json!({ "doi": "10.80000/ml.2" }))
        .await["publication"]
        .clone();
    assert_eq!(tombstone["withdrawal"]["reason"], "wrong grid");
    assert!(!visible_to_anonymous(&app, PROCESSED).await);
    let again = app
        .graphql(admin, &step("publish"), json!({ "doi": "10.80000/ml.2" }))
        .await;
    assert!(error_of(&again).2.contains("tombstone"), "{again:#}");

    // A draft can be deleted; its number is not reused.
    app.ok(Some(&depositor), &create(), json!({ "input": {} }))
        .await;
    app.ok(
        Some(&depositor),
        "mutation { deletePublication(doi: \"10.80000/ml.4\") }",
        json!({}),
    )
    .await;
    let next = app
        .ok(Some(&depositor), &create(), json!({ "input": {} }))
        .await;
    assert_eq!(next["createPublication"]["doi"], "10.80000/ml.5");
    assert_eq!(app.rows("publication").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_metadata_and_bad_coverage_are_refused_naming_the_input() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.register(RAW, json!({})).await;
    let admin = Some(app.admin.as_str());
    for (input, field, words) in [
        (
            json!({ "datasets": ["ML-2022-10-01-14-03-22-0009"] }),
            "input.datasets[0]",
            "no complete dataset",
        ),
        (
            json!({ "datasets": [RAW, RAW] }),
            "input.datasets[1]",
            "named twice",
        ),
        (
            json!({ "metadata": { "titles": [{ "title": "x", "titleType": "Nickname" }] } }),
            "input.metadata",
            "Nickname",
        ),
        (
            json!({ "metadataXml": "<resource" }),
            "input.metadataXml",
            "not well-formed",
        ),
    ] {
        let answer = app
            .graphql(admin, &create(), json!({ "input": input }))
            .await;
        let (code, got, message) = error_of(&answer);
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{answer:#}"
        );
        assert!(message.contains(words), "{message}");
    }
    assert_eq!(app.rows("publication").await, 0);
    assert_eq!(app.rows("publication_dataset").await, 0);
}
