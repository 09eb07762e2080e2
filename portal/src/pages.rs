//! The pages: compile-time templates (askama) and what each one shows,
//! made from the query answers.

use std::collections::BTreeMap;

use askama::Template;
use serde_json::{Value, json};

use crate::escape::{self, segment};
use crate::lineage;
use crate::model::{self, Dataset, ParameterType, Publication, technique_label};
use crate::viewers::{self, Viewer};

/// The `<details>` block with a query the page was built from.
#[derive(Debug, Clone)]
pub struct QueryBlock {
    pub name: String,
    pub note: String,
    pub text: String,
    /// The variables, as pretty JSON.
    pub variables: String,
}

impl QueryBlock {
    pub fn new(name: &str, note: &str, text: &str, variables: Value) -> Self {
        Self {
            name: name.to_owned(),
            note: note.to_owned(),
            text: text.trim().to_owned(),
            variables: serde_json::to_string_pretty(&variables).unwrap_or_default(),
        }
    }
}

/// What every page has: title, the way back to the site's root, the queries.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    /// `""`, `"../"`, `"../../"`…: every link is relative, so the site works
    /// under any path prefix and from a bucket.
    pub root: String,
    pub site: String,
    pub built: String,
    pub queries: Vec<QueryBlock>,
}

/// `../` once per directory below the site's root.
pub fn root_of(depth: usize) -> String {
    "../".repeat(depth)
}

#[derive(Debug, Clone)]
pub struct HeadLink {
    pub rel: String,
    pub href: String,
    pub kind: String,
}

/// Signposting links and JSON-LD for `<head>`.
#[derive(Debug, Clone)]
pub struct Head {
    pub links: Vec<HeadLink>,
    pub json_ld: String,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub orcid: String,
    pub orcid_id: String,
    pub affiliation: String,
}

/// A publication as the citation block shows it.
#[derive(Debug, Clone)]
pub struct Citation {
    pub title: String,
    pub doi: String,
    pub doi_url: String,
    /// `Lovelace, Ada (2026). Grid 3 movies. Version 1. strata test facility.`
    pub citation_text: String,
    pub creators: Vec<Person>,
    /// (name, URI).
    pub licenses: Vec<(String, String)>,
    /// The directory of its downloads, relative to the page.
    pub base: String,
    /// Its DOI page, relative to the page.
    pub page: String,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The creators of a DataCite JSON record, with their ORCIDs.
pub fn creators(datacite: &Value) -> Vec<Person> {
    datacite["creators"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let orcid = c["nameIdentifiers"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|n| {
                    n["nameIdentifierScheme"]
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("orcid"))
                })
                .map(|n| text(&n["nameIdentifier"]))
                .unwrap_or_default();
            let orcid = if orcid.is_empty() || orcid.starts_with("https://") {
                orcid
            } else {
                format!("https://orcid.org/{orcid}")
            };
            let affiliation = c["affiliation"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| match a {
                    Value::String(s) => s.clone(),
                    other => text(&other["name"]),
                })
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            let name = match text(&c["name"]) {
                n if n.is_empty() => {
                    format!("{} {}", text(&c["givenName"]), text(&c["familyName"]))
                        .trim()
                        .to_owned()
                }
                n => n,
            };
            Person {
                orcid_id: orcid.trim_start_matches("https://orcid.org/").to_owned(),
                name,
                orcid,
                affiliation,
            }
        })
        .collect()
}

/// The licences (`rightsList`) of a DataCite JSON record: (name, URI).
pub fn licenses(datacite: &Value) -> Vec<(String, String)> {
    datacite["rightsList"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let uri = text(&r["rightsUri"]);
            let name = match text(&r["rights"]) {
                n if n.is_empty() => uri.clone(),
                n => n,
            };
            (name, uri)
        })
        .collect()
}

/// DataCite's recommended citation: Creator (PublicationYear). Title. Version. Publisher.
pub fn citation_text(p: &Publication) -> String {
    let d = &p.datacite;
    let people = creators(d).into_iter().map(|c| c.name).collect::<Vec<_>>();
    let who = match people.len() {
        0 => String::new(),
        1..=5 => people.join("; "),
        _ => format!("{}; et al.", people[..5].join("; ")),
    };
    let year = text(&d["publicationYear"]);
    let title = d["titles"][0]["title"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| p.title.clone());
    let publisher = match &d["publisher"] {
        Value::Object(o) => o.get("name").map(text).unwrap_or_default(),
        other => text(other),
    };
    let mut out = String::new();
    if !who.is_empty() {
        out.push_str(&who);
        out.push(' ');
    }
    if !year.is_empty() {
        out.push_str(&format!("({year}). "));
    }
    out.push_str(title.trim_end_matches('.'));
    out.push_str(". ");
    if !p.version.is_empty() {
        out.push_str(&format!("Version {}. ", p.version));
    }
    if !publisher.is_empty() {
        out.push_str(publisher.trim_end_matches('.'));
        out.push('.');
    }
    out.trim_end().to_owned()
}

pub fn citation(p: &Publication, root: &str) -> Citation {
    let base = format!("{root}{}/", escape::doi_path(&p.doi));
    Citation {
        title: p.title.clone(),
        doi: p.doi.clone(),
        doi_url: p.doi_url.clone(),
        citation_text: citation_text(p),
        creators: creators(&p.datacite),
        licenses: licenses(&p.datacite),
        page: format!("{base}index.html"),
        base,
    }
}

fn description_of(p: &Publication) -> String {
    p.datacite["descriptions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| text(&d["description"]))
        .find(|d| !d.is_empty())
        .unwrap_or_default()
}

/// Signposting for a page about `p`'s record: cite-as, describedby (DataCite
/// XML and JSON-LD), license, author (ORCIDs).
fn signposting(p: &Publication, base: &str, links: &mut Vec<HeadLink>) {
    let link = |rel: &str, href: String, kind: &str| HeadLink {
        rel: rel.into(),
        href,
        kind: kind.into(),
    };
    links.push(link("cite-as", p.doi_url.clone(), ""));
    links.push(link(
        "describedby",
        format!("{base}datacite.xml"),
        "application/vnd.datacite.datacite+xml",
    ));
    links.push(link(
        "describedby",
        format!("{base}metadata.jsonld"),
        "application/ld+json",
    ));
    for (_, uri) in licenses(&p.datacite) {
        if !uri.is_empty() {
            links.push(link("license", uri, ""));
        }
    }
    for person in creators(&p.datacite) {
        if !person.orcid.is_empty() {
            links.push(link("author", person.orcid, ""));
        }
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A schema.org `Dataset` for a dataset no publication covers.
pub fn dataset_json_ld(d: &Dataset, data_url: &str) -> Value {
    let data_url = data_url.trim_end_matches('/');
    let variables: Vec<Value> = d
        .parameters
        .iter()
        .map(|p| {
            let mut v = json!({ "@type": "PropertyValue", "name": p.name, "value": p.value });
            if let Some(unit) = &p.unit {
                v["unitText"] = json!(unit);
            }
            v
        })
        .collect();
    let distribution: Vec<Value> = d
        .datafiles
        .iter()
        .map(|f| {
            json!({
                "@type": "DataDownload",
                "name": f.path,
                "contentUrl": format!("{data_url}/files/{}/{}", escape::url_path(&d.identifier), escape::url_path(&f.path)),
                "encodingFormat": f.format,
                "contentSize": format!("{} B", f.size_bytes),
                "sha256": f.sha256,
            })
        })
        .collect();
    let mut out = json!({
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": if d.description.is_empty() { d.identifier.clone() } else { d.description.clone() },
        "identifier": d.identifier,
        "description": if d.description.is_empty() {
            format!("{} {} dataset {}", technique_label(&d.technique), d.kind.to_lowercase(), d.identifier)
        } else { d.description.clone() },
        "dateCreated": d.acquired_at,
        "measurementTechnique": technique_label(&d.technique),
        "isAccessibleForFree": true,
        "variableMeasured": variables,
        "distribution": distribution,
    });
    if let Some(p) = &d.project {
        out["isPartOf"] = json!({ "@type": "Dataset", "name": p.title, "identifier": p.code });
    }
    if let Some(i) = &d.instrument {
        out["instrument"] = json!(i);
    }
    if let Some(from) = &d.public_from {
        out["datePublished"] = json!(from);
    }
    out
}

#[derive(Debug, Clone)]
pub struct ParameterRow {
    pub name: String,
    pub value: String,
    pub unit: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct ParameterGroup {
    pub name: String,
    pub rows: Vec<ParameterRow>,
}

/// Parameters grouped by the definition file they come from, with units.
pub fn parameter_groups(
    d: &Dataset,
    types: &BTreeMap<String, ParameterType>,
) -> Vec<ParameterGroup> {
    let mut groups: BTreeMap<String, Vec<ParameterRow>> = BTreeMap::new();
    for p in &d.parameters {
        let def = types.get(&p.name);
        let group = def
            .map(|t| t.group.clone())
            .unwrap_or_else(|| "other".into());
        groups.entry(group).or_default().push(ParameterRow {
            name: p.name.clone(),
            value: value_text(&p.value),
            unit: p
                .unit
                .clone()
                .or_else(|| def.and_then(|t| t.unit.clone()))
                .unwrap_or_default(),
            description: def.map(|t| t.description.clone()).unwrap_or_default(),
        });
    }
    groups
        .into_iter()
        .map(|(name, rows)| ParameterGroup { name, rows })
        .collect()
}

#[derive(Debug, Clone)]
pub struct FileRow {
    pub path: String,
    pub href: String,
    pub bytes: i64,
    pub size: String,
    pub sha256: String,
    pub format: String,
}

#[derive(Template)]
#[template(path = "dataset.html")]
pub struct DatasetPage {
    pub chrome: Chrome,
    pub head: Head,
    pub heading: String,
    pub identifier: String,
    /// (code segment, title, code).
    pub project: Option<(String, String, String)>,
    pub technique: String,
    pub kind: String,
    pub instrument: String,
    pub sample: String,
    pub acquired_at: String,
    pub size: String,
    pub file_count: i64,
    pub public_from: String,
    pub description: String,
    pub citations: Vec<Citation>,
    pub viewer: Option<Viewer>,
    pub viewer_config: String,
    pub viewer_caption: String,
    pub groups: Vec<ParameterGroup>,
    pub files: Vec<FileRow>,
    pub lineage_svg: String,
    /// (relation, label, href or empty).
    pub lineage_list: Vec<(String, String, String)>,
}

/// What a dataset page needs besides the dataset.
pub struct DatasetContext<'a> {
    pub site: &'a str,
    pub built: &'a str,
    pub data_url: &'a str,
    pub types: &'a BTreeMap<String, ParameterType>,
    /// The publications covering it (not withdrawn), newest first.
    pub publications: Vec<&'a Publication>,
    pub query: &'a str,
}

pub fn dataset_page(d: &Dataset, cx: &DatasetContext<'_>) -> DatasetPage {
    let root = root_of(2);
    let data_url = cx.data_url.trim_end_matches('/');
    let files: Vec<FileRow> = d
        .datafiles
        .iter()
        .map(|f| FileRow {
            path: f.path.clone(),
            href: format!(
                "{data_url}/files/{}/{}",
                escape::url_path(&d.identifier),
                escape::url_path(&f.path)
            ),
            bytes: f.size_bytes,
            size: escape::bytes(f.size_bytes),
            sha256: f.sha256.clone(),
            format: f.format.clone(),
        })
        .collect();
    let mut links = Vec::new();
    let json_ld = match cx.publications.first() {
        Some(p) => {
            signposting(
                p,
                &format!("{root}{}/", escape::doi_path(&p.doi)),
                &mut links,
            );
            p.schema_org.clone()
        }
        None => dataset_json_ld(d, data_url),
    };
    for f in &files {
        links.push(HeadLink {
            rel: "item".into(),
            href: f.href.clone(),
            kind: media_type(&f.format, &f.path).into(),
        });
    }
    let layout = lineage::layout(d);
    let (lineage_svg, lineage_list) = if layout.is_trivial() {
        (String::new(), Vec::new())
    } else {
        let list = layout
            .nodes
            .iter()
            .filter(|n| n.layer != 0)
            .map(|n| {
                let relation = match n.layer {
                    -1 => "Input or parent",
                    l if l < 0 => "Input or parent, two links away",
                    1 => "Product or child",
                    _ => "Product or child, two links away",
                };
                let href = n
                    .identifier
                    .as_ref()
                    .map(|i| format!("../{}/index.html", segment(i)))
                    .unwrap_or_default();
                (relation.to_owned(), n.label.clone(), href)
            })
            .collect();
        (lineage::svg(&layout, &d.identifier), list)
    };
    let viewer = viewers::viewer_for(d, cx.data_url);
    let viewer_config = viewer
        .as_ref()
        .map(|v| v.config.to_string())
        .unwrap_or_default();
    let viewer_caption = viewer
        .as_ref()
        .map(|v| match v.kind {
            "frames" => "The dataset's frames (channels, z and t).",
            "tilt-series" => "The tilt series, with motion correction and CTF values per tilt.",
            "saxs" => "The scattering curve I(q).",
            _ => "The collection's summary.",
        })
        .unwrap_or_default()
        .to_owned();
    let heading = cx
        .publications
        .first()
        .map(|p| p.title.clone())
        .filter(|_| cx.publications.len() == 1)
        .unwrap_or_else(|| d.identifier.clone());
    DatasetPage {
        chrome: Chrome {
            title: d.identifier.clone(),
            root: root.clone(),
            site: cx.site.to_owned(),
            built: cx.built.to_owned(),
            queries: vec![QueryBlock::new(
                "Dataset",
                "The build fetched every public dataset with this selection, a page at a time (datasets.graphql); this query returns the record of this page alone.",
                cx.query,
                json!({ "identifier": d.identifier }),
            )],
        },
        head: Head {
            links,
            json_ld: escape::json_for_script(&json_ld),
        },
        heading,
        identifier: d.identifier.clone(),
        project: d
            .project
            .as_ref()
            .map(|p| (segment(&p.code), p.title.clone(), p.code.clone())),
        technique: technique_label(&d.technique),
        kind: d.kind.to_lowercase(),
        instrument: d.instrument.clone().unwrap_or_default(),
        sample: d.sample.clone().unwrap_or_default(),
        acquired_at: d.acquired_at.clone(),
        size: escape::bytes(d.size_bytes),
        file_count: d.file_count,
        public_from: d.public_from.clone().unwrap_or_default(),
        description: d.description.clone(),
        citations: cx.publications.iter().map(|p| citation(p, &root)).collect(),
        viewer,
        viewer_config,
        viewer_caption,
        groups: parameter_groups(d, cx.types),
        files,
        lineage_svg,
        lineage_list,
    }
}

/// The media type of a data file, for signposting's `item` links.
pub fn media_type(format: &str, path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match (format.to_ascii_lowercase().as_str(), ext.as_str()) {
        ("tiff" | "tif", _) | (_, "tif" | "tiff") => "image/tiff",
        ("png", _) | (_, "png") => "image/png",
        ("jpeg" | "jpg", _) | (_, "jpg" | "jpeg") => "image/jpeg",
        ("json", _) | (_, "json") => "application/json",
        ("csv", _) | (_, "csv") => "text/csv",
        ("dat" | "txt", _) | (_, "dat" | "txt") => "text/plain",
        ("h5" | "hdf5" | "nexus", _) | (_, "h5" | "hdf5" | "nxs") => "application/x-hdf5",
        _ => "application/octet-stream",
    }
}

/// The text search indexes for a dataset: everything a visitor might type,
/// parameter names and values included.
pub fn search_text(d: &Dataset) -> String {
    let mut out = format!(
        "{} {} {} {}",
        d.identifier,
        d.description,
        technique_label(&d.technique),
        d.kind.to_lowercase()
    );
    for extra in [&d.instrument, &d.sample].into_iter().flatten() {
        out.push(' ');
        out.push_str(extra);
    }
    if let Some(p) = &d.project {
        out.push_str(&format!(" {} {}", p.code, p.title));
    }
    for p in &d.parameters {
        out.push_str(&format!(" {} {}", p.name, value_text(&p.value)));
        if let Some(unit) = &p.unit {
            out.push(' ');
            out.push_str(unit);
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct PublicationItem {
    pub href: String,
    pub title: String,
    pub doi: String,
    pub date: String,
    pub date_short: String,
    pub withdrawn: bool,
}

pub fn publication_item(p: &Publication, root: &str) -> PublicationItem {
    let date = p
        .published_at
        .clone()
        .or_else(|| p.registered_at.clone())
        .unwrap_or_default();
    PublicationItem {
        href: format!("{root}{}/index.html", escape::doi_path(&p.doi)),
        title: p.title.clone(),
        doi: p.doi.clone(),
        date_short: date.chars().take(10).collect(),
        date,
        withdrawn: p.withdrawal.is_some(),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub total: i64,
    pub latest: Vec<PublicationItem>,
    pub techniques: Vec<(String, i64)>,
    pub instruments: Vec<(String, i64)>,
    /// (code segment, title, public datasets).
    pub projects: Vec<(String, String, i64)>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    /// How many index shards the page merges (`pagefind/`, `pagefind-1/`, …).
    pub shards: usize,
}

#[derive(Debug, Clone)]
pub struct DatasetSummary {
    pub identifier: String,
    pub segment: String,
    pub technique: String,
    pub acquired_at: String,
    pub acquired_short: String,
    pub description: String,
}

impl DatasetSummary {
    pub fn of(d: &Dataset) -> Self {
        let mut description: String = d.description.chars().take(140).collect();
        if description.len() < d.description.len() {
            description.push('…');
        }
        Self {
            identifier: d.identifier.clone(),
            segment: segment(&d.identifier),
            technique: technique_label(&d.technique),
            acquired_short: d.acquired_at.chars().take(10).collect(),
            acquired_at: d.acquired_at.clone(),
            description,
        }
    }
}

#[derive(Template)]
#[template(path = "project.html")]
pub struct ProjectPage {
    pub chrome: Chrome,
    pub title: String,
    pub code: String,
    pub code_segment: String,
    pub total: usize,
    pub embargo_end: String,
    pub publications: Vec<PublicationItem>,
    pub datasets: Vec<DatasetSummary>,
    pub page: usize,
    pub pages: usize,
}

#[derive(Template)]
#[template(path = "doi.html")]
pub struct DoiPage {
    pub chrome: Chrome,
    pub head: Head,
    pub c: Citation,
    pub withdrawn: bool,
    pub withdrawn_at: String,
    pub withdrawn_reason: String,
    pub version: String,
    pub state: String,
    /// (code segment, title).
    pub project: Option<(String, String)>,
    pub release_at: String,
    pub previous_version: String,
    pub next_version: String,
    pub description: String,
    /// (segment, identifier) of its public datasets.
    pub datasets: Vec<(String, String)>,
    pub hidden_datasets: usize,
}

/// A DOI's page: its landing page, or its tombstone once withdrawn. Only
/// datasets in `public` are named.
pub fn doi_page(
    p: &Publication,
    project: &model::Project,
    public: &dyn Fn(&str) -> bool,
    site: &str,
    built: &str,
) -> DoiPage {
    let depth = 1 + escape::doi_path(&p.doi).matches('/').count();
    let root = root_of(depth);
    let mut links = Vec::new();
    signposting(p, "", &mut links);
    let datasets: Vec<(String, String)> = p
        .datasets
        .iter()
        .filter(|d| public(d))
        .map(|d| (segment(d), d.clone()))
        .collect();
    DoiPage {
        chrome: Chrome {
            title: p.title.clone(),
            root: root.clone(),
            site: site.to_owned(),
            built: built.to_owned(),
            queries: vec![QueryBlock::new(
                "Projects",
                "The build asked for every visible project's publications at once; this DOI is one of them.",
                crate::queries::PROJECTS,
                json!({}),
            )],
        },
        head: Head {
            links,
            json_ld: escape::json_for_script(&p.schema_org),
        },
        c: Citation {
            base: String::new(),
            page: "index.html".into(),
            ..citation(p, &root)
        },
        withdrawn: p.withdrawal.is_some(),
        withdrawn_at: p
            .withdrawal
            .as_ref()
            .map(|w| w.at.clone())
            .unwrap_or_default(),
        withdrawn_reason: p
            .withdrawal
            .as_ref()
            .map(|w| w.reason.clone())
            .unwrap_or_default(),
        version: p.version.clone(),
        state: p.state.to_lowercase(),
        project: Some((segment(&project.code), project.title.clone())),
        release_at: p.release_at.clone().unwrap_or_default(),
        previous_version: p.previous_version.clone().unwrap_or_default(),
        next_version: p.next_version.clone().unwrap_or_default(),
        description: description_of(p),
        hidden_datasets: p.datasets.len() - datasets.len(),
        datasets,
    }
}
