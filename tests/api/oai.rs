//! OAI-PMH at /oai: every answer valid against the OAI-PMH 2.0 XSD, every
//! record's metadata against its own schema (oai_dc.xsd, DataCite kernel
//! 4.7), and a real harvester (Sickle) listing everything across resumption
//! tokens, by date range and by set, deleted records included.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use strata_catalog::Scope;
use strata_catalog::publications::{Coverage, NewPublication};
use strata_datacite::{
    Creator, Description, DescriptionType, Publisher, ResourceType, ResourceTypeGeneral, Rights,
    Subject, Title,
};
use strata_tests::TestApp;

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema")
}

/// Validates `xml` with xmllint against `xsd` (no network; imports resolved
/// by schema/oai/catalog.xml).
pub fn xmllint(label: &str, xml: &str, xsd: &Path) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("answer.xml");
    std::fs::write(&file, xml).expect("writing the answer");
    let out = Command::new("/usr/bin/xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(xsd)
        .arg(&file)
        .env("XML_CATALOG_FILES", schema_dir().join("oai/catalog.xml"))
        .output()
        .unwrap_or_else(|e| {
            panic!("xmllint is needed to validate XML against its schema ({e}): apt-get install libxml2-utils")
        });
    assert!(
        out.status.success(),
        "{label}: not valid against {}:\n{}\n--- document ---\n{xml}",
        xsd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn datacite_xsd() -> PathBuf {
    schema_dir().join("datacite/kernel-4.7/metadata.xsd")
}

/// A record DataCite would accept, with text that needs escaping.
pub fn record(title: &str) -> strata_datacite::Resource {
    strata_datacite::Resource {
        creators: vec![
            Creator::person("Müller", "Anna"),
            Creator::organization("Lipids & <Membranes> \"Lab\""),
        ],
        titles: vec![Title {
            value: title.to_owned(),
            title_type: None,
            lang: Some("en".into()),
        }],
        publisher: Some(Publisher {
            name: "strata test facility".into(),
            ..Publisher::default()
        }),
        publication_year: Some("2026".into()),
        resource_type: Some(ResourceType {
            general: ResourceTypeGeneral::Dataset,
            value: "cryo-EM dataset".into(),
        }),
        subjects: vec![Subject {
            value: "cryo-EM".into(),
            lang: Some("en".into()),
            ..Subject::default()
        }],
        descriptions: vec![Description::text(
            DescriptionType::Abstract,
            "Movies of membranes; 5 Å < resolution & more.",
        )],
        rights_list: vec![Rights {
            value: "Creative Commons Attribution 4.0 International".into(),
            rights_uri: Some("https://creativecommons.org/licenses/by/4.0/".into()),
            ..Rights::default()
        }],
        language: Some("en".into()),
        ..strata_datacite::Resource::default()
    }
}

/// The DOIs of a fixture: in ML, `findable`, `withdrawn`, `old` (version 1)
/// and `new` (version 2 of it), a `draft`; in XT, `other`.
pub struct Fixture {
    pub findable: String,
    pub withdrawn: String,
    pub old: String,
    pub new: String,
    pub draft: String,
    pub other: String,
}

async fn dataset(app: &TestApp, identifier: &str) {
    app.register(identifier, json!({})).await;
}

async fn draft(app: &TestApp, project: &str, title: &str) -> String {
    app.catalog
        .create_publication(
            &Scope::system(),
            project,
            NewPublication {
                coverage: Coverage::Project,
                record: record(title),
                release_at: None,
            },
        )
        .await
        .expect("a draft")
        .doi
}

async fn publish(app: &TestApp, doi: &str) {
    app.catalog
        .publish_publication(&Scope::system(), doi)
        .await
        .expect("published");
}

pub async fn fixture(app: &TestApp) -> Fixture {
    app.create_project("ML", "Membranes & <Lipids>").await;
    app.create_project("XT", "Crystals").await;
    dataset(app, "ML-2026-01-01-10-00-00-0001").await;
    dataset(app, "XT-2026-01-01-10-00-00-0001").await;
    let findable = draft(app, "ML", "Findable membranes").await;
    publish(app, &findable).await;
    let withdrawn = draft(app, "ML", "Withdrawn membranes").await;
    publish(app, &withdrawn).await;
    app.catalog
        .withdraw_publication(
            &Scope::system(),
            &withdrawn,
            "wrong sample <mix-up> & retracted",
        )
        .await
        .expect("withdrawn");
    let old = draft(app, "ML", "Versioned membranes").await;
    publish(app, &old).await;
    let new = app
        .catalog
        .new_publication_version(&Scope::system(), &old, None)
        .await
        .expect("a new version")
        .doi;
    publish(app, &new).await;
    let draft_doi = draft(app, "ML", "Unpublished membranes").await;
    let other = draft(app, "XT", "Crystals of something").await;
    publish(app, &other).await;
    Fixture {
        findable,
        withdrawn,
        old,
        new,
        draft: draft_doi,
        other,
    }
}

/// Sets when a publication last changed, for the date-range tests.
async fn set_datestamp(app: &TestApp, doi: &str, at: &str) {
    let at: DateTime<Utc> = at.parse().expect("a datestamp");
    let db = app.catalog.connection();
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "UPDATE publication SET updated_at = $1 WHERE doi = $2"
            }
            _ => "UPDATE publication SET updated_at = ? WHERE doi = ?",
        },
        [at.into(), doi.to_owned().into()],
    ))
    .await
    .expect("setting a datestamp");
}

async fn get(app: &TestApp, query: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/oai?{query}")))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200, "{query}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    response.text().await.expect("a body")
}

/// Validates an answer and the metadata in it; returns the answer.
async fn valid(app: &TestApp, query: &str) -> String {
    let xml = get(app, query).await;
    xmllint(query, &xml, &schema_dir().join("oai/OAI-PMH.xsd"));
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    for metadata in doc.descendants().filter(|n| n.has_tag_name("metadata")) {
        let inner = metadata
            .children()
            .find(|n| n.is_element())
            .expect("metadata holds an element");
        let text = &xml[inner.range()];
        match inner.tag_name().name() {
            "dc" => xmllint(query, text, &schema_dir().join("oai/oai_dc.xsd")),
            "resource" => xmllint(query, text, &datacite_xsd()),
            other => panic!("unexpected metadata {other}"),
        }
    }
    xml
}

fn error_code(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed");
    doc.descendants()
        .find(|n| n.has_tag_name("error"))
        .and_then(|n| n.attribute("code").map(str::to_owned))
}

fn identifiers(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed");
    doc.descendants()
        .filter(|n| n.has_tag_name("header"))
        .filter_map(|h| h.children().find(|c| c.has_tag_name("identifier")))
        .filter_map(|i| i.text().map(str::to_owned))
        .collect()
}

fn oai_id(doi: &str) -> String {
    format!("oai:127.0.0.1:{doi}")
}

#[tokio::test]
async fn every_verb_answers_valid_oai_pmh_with_valid_metadata() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;

    let identify = valid(&app, "verb=Identify").await;
    assert!(identify.contains("<deletedRecord>persistent</deletedRecord>"));
    assert!(identify.contains("<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"));
    let formats = valid(&app, "verb=ListMetadataFormats").await;
    assert!(formats.contains("oai_dc") && formats.contains("oai_datacite"));
    valid(
        &app,
        &format!(
            "verb=ListMetadataFormats&identifier={}",
            oai_id(&f.findable)
        ),
    )
    .await;
    let sets = valid(&app, "verb=ListSets").await;
    assert!(sets.contains("<setSpec>project:ML</setSpec>"));
    assert!(sets.contains("Membranes &amp; &lt;Lipids&gt;"), "{sets}");

    for prefix in ["oai_dc", "oai_datacite"] {
        let record = valid(
            &app,
            &format!(
                "verb=GetRecord&identifier={}&metadataPrefix={prefix}",
                oai_id(&f.findable)
            ),
        )
        .await;
        assert!(record.contains("Findable membranes"), "{record}");
        let deleted = valid(
            &app,
            &format!(
                "verb=GetRecord&identifier={}&metadataPrefix={prefix}",
                oai_id(&f.withdrawn)
            ),
        )
        .await;
        assert!(deleted.contains("status=\"deleted\""), "{deleted}");
        assert!(!deleted.contains("<metadata"), "{deleted}");

        // Five public DOIs (the draft is not one), two a page.
        let mut seen = Vec::new();
        let mut xml = valid(&app, &format!("verb=ListRecords&metadataPrefix={prefix}")).await;
        let mut pages = 1;
        loop {
            seen.extend(identifiers(&xml));
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let token = doc
                .descendants()
                .find(|n| n.has_tag_name("resumptionToken"))
                .map(|t| {
                    assert_eq!(t.attribute("completeListSize"), Some("5"));
                    t.text().unwrap_or_default().to_owned()
                });
            match token {
                Some(t) if !t.is_empty() => {
                    xml = valid(&app, &format!("verb=ListRecords&resumptionToken={t}")).await;
                    pages += 1;
                }
                _ => break,
            }
        }
        assert_eq!(pages, 3);
        let mut expected: Vec<String> = [&f.findable, &f.withdrawn, &f.old, &f.new, &f.other]
            .iter()
            .map(|d| oai_id(d))
            .collect();
        expected.sort();
        seen.sort();
        assert_eq!(seen, expected);
        assert!(!seen.contains(&oai_id(&f.draft)));
    }
    let dc = valid(
        &app,
        &format!(
            "verb=GetRecord&identifier={}&metadataPrefix=oai_dc",
            oai_id(&f.new)
        ),
    )
    .await;
    assert!(
        dc.contains(&format!(
            "<dc:identifier>https://doi.org/{}</dc:identifier>",
            f.new.to_uppercase()
        )),
        "{dc}"
    );
    assert!(
        dc.contains(&format!(
            "<dc:relation>https://doi.org/{}</dc:relation>",
            f.old.to_uppercase()
        )),
        "{dc}"
    );
    assert!(
        dc.contains("<dc:creator>Lipids &amp; &lt;Membranes&gt; &quot;Lab&quot;</dc:creator>"),
        "{dc}"
    );
    valid(
        &app,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=project:XT",
    )
    .await;
}

#[tokio::test]
async fn every_error_code_is_answered_where_it_applies() {
    let app = TestApp::spawn().await;
    // No public DOI yet: no sets, no records.
    let empty = valid(&app, "verb=ListSets").await;
    assert_eq!(error_code(&empty).as_deref(), Some("noSetHierarchy"));
    let none = valid(&app, "verb=ListRecords&metadataPrefix=oai_dc").await;
    assert_eq!(error_code(&none).as_deref(), Some("noRecordsMatch"));
    valid(&app, "verb=Identify").await;
    let f = fixture(&app).await;
    for (query, code) in [
        ("", "badVerb"),
        ("verb=Frobnicate", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&set=x", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=yesterday",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-01-02T00:00:00Z",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-01&until=2026-01-01",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x",
            "badArgument",
        ),
        ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
        (
            "verb=ListRecords&resumptionToken=not-a-token",
            "badResumptionToken",
        ),
        ("verb=ListSets&resumptionToken=x", "badResumptionToken"),
        (
            "verb=ListRecords&metadataPrefix=marc21",
            "cannotDisseminateFormat",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&set=project:NOPE",
            "noRecordsMatch",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&until=2000-01-01",
            "noRecordsMatch",
        ),
        (
            "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:127.0.0.1:10.80000/nope.1",
            "idDoesNotExist",
        ),
        (
            "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere.org:10.80000/ml.1",
            "idDoesNotExist",
        ),
        (
            "verb=ListMetadataFormats&identifier=oai:127.0.0.1:10.80000/nope.1",
            "idDoesNotExist",
        ),
    ] {
        let xml = valid(&app, query).await;
        assert_eq!(error_code(&xml).as_deref(), Some(code), "{query}:\n{xml}");
    }
    // A draft is no item, even by its DOI.
    let draft = valid(
        &app,
        &format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
            oai_id(&f.draft)
        ),
    )
    .await;
    assert_eq!(error_code(&draft).as_deref(), Some("idDoesNotExist"));
    let token_of_another_verb = {
        let xml = valid(&app, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
        let doc = roxmltree::Document::parse(&xml).unwrap();
        doc.descendants()
            .find(|n| n.has_tag_name("resumptionToken"))
            .and_then(|t| t.text())
            .expect("a token")
            .to_owned()
    };
    let xml = valid(
        &app,
        &format!("verb=ListRecords&resumptionToken={token_of_another_verb}"),
    )
    .await;
    assert_eq!(error_code(&xml).as_deref(), Some("badResumptionToken"));

    // POST as a form is the same protocol.
    let response = app
        .client
        .post(app.url("/oai"))
        .form(&[
            ("verb", "GetRecord"),
            ("metadataPrefix", "oai_datacite"),
            ("identifier", &oai_id(&f.findable)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let xml = response.text().await.unwrap();
    xmllint(
        "POST GetRecord",
        &xml,
        &schema_dir().join("oai/OAI-PMH.xsd"),
    );
    assert!(error_code(&xml).is_none(), "{xml}");
    assert!(xml.contains("Findable membranes"));
}

fn harvest(app: &TestApp, requests: Value) -> Vec<Value> {
    let python = strata_tests::python::python();
    let out = strata_tests::python::run(
        Command::new(python)
            .arg(strata_tests::python::script("harvest_oai.py"))
            .arg(app.url("/oai"))
            .arg(requests.to_string()),
        "harvesting /oai with Sickle",
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("the harvester's JSON")
}

fn ids(items: &Value) -> Vec<String> {
    let mut v: Vec<String> = items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["identifier"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

fn sorted(dois: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = dois.iter().map(|d| oai_id(d)).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sickle_harvests_everything_by_date_and_by_set() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    set_datestamp(&app, &f.findable, "2026-01-10T10:00:00Z").await;
    set_datestamp(&app, &f.withdrawn, "2026-02-10T10:00:00Z").await;
    set_datestamp(&app, &f.old, "2026-03-10T10:00:00Z").await;
    set_datestamp(&app, &f.new, "2026-03-10T10:00:05Z").await;
    set_datestamp(&app, &f.other, "2026-04-10T10:00:00Z").await;

    let app_ref = &app;
    let answers = tokio::task::block_in_place(|| {
        harvest(
            app_ref,
            json!([
                {"verb": "Identify"},
                {"verb": "ListSets"},
                {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
                {"verb": "ListRecords", "metadataPrefix": "oai_datacite"},
                {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2026-02-01", "until": "2026-03-10"},
                {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2026-03-10T10:00:00Z", "until": "2026-03-10T10:00:00Z"},
                {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "project:XT"},
                {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "project:NOPE"},
            ]),
        )
    });
    let identify = &answers[0];
    assert_eq!(identify["granularity"], "YYYY-MM-DDThh:mm:ssZ");
    assert_eq!(identify["deletedRecord"], "persistent");
    assert_eq!(identify["earliestDatestamp"], "2026-01-10T10:00:00Z");
    assert_eq!(
        answers[1],
        json!([{"spec": "project:ML", "name": "Membranes & <Lipids>"}, {"spec": "project:XT", "name": "Crystals"}])
    );
    let all = sorted(&[&f.findable, &f.withdrawn, &f.old, &f.new, &f.other]);
    for answer in &answers[2..4] {
        assert_eq!(ids(answer), all, "every record, across resumption tokens");
        for item in answer.as_array().unwrap() {
            let withdrawn = item["identifier"] == json!(oai_id(&f.withdrawn));
            assert_eq!(item["deleted"], json!(withdrawn), "{item}");
        }
    }
    let dc = answers[2]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["identifier"] == json!(oai_id(&f.findable)))
        .expect("the findable record");
    assert_eq!(dc["datestamp"], "2026-01-10T10:00:00Z");
    assert_eq!(dc["sets"], json!(["project:ML"]));
    assert_eq!(dc["metadata"]["title"], json!(["Findable membranes"]));
    assert_eq!(
        dc["metadata"]["creator"],
        json!(["Müller, Anna", "Lipids & <Membranes> \"Lab\""])
    );
    assert_eq!(
        dc["metadata"]["identifier"],
        json!([format!("https://doi.org/{}", f.findable.to_uppercase())])
    );
    assert_eq!(
        ids(&answers[4]),
        sorted(&[&f.withdrawn, &f.old, &f.new]),
        "day granularity"
    );
    assert_eq!(ids(&answers[5]), sorted(&[&f.old]), "seconds granularity");
    assert_eq!(ids(&answers[6]), sorted(&[&f.other]), "a set");
    assert_eq!(answers[7], json!([]), "an unknown set matches nothing");
}
