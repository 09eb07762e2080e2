//! schema.org JSON-LD for discovery (Google Dataset Search reads `Dataset` markup embedded
//! in the landing page as `<script type="application/ld+json">`).
//!
//! Follows Google's Dataset structured-data guidance: `name` and `description` required;
//! `identifier` the DOI URL; creators as `Person`/`Organization` with ORCID/ROR in
//! `sameAs`; `license` as a URL; `isAccessibleForFree` when the rights say so.

use serde_json::{Map, Value, json};

use crate::model::{squash, *};
use crate::{DateType, DescriptionType, RelationType, ResourceTypeGeneral};

/// schema.org type for a DataCite general type; strata publishes datasets, the rest is
/// mapped so that other records still produce sensible markup.
fn schema_type(t: Option<ResourceTypeGeneral>) -> &'static str {
    use ResourceTypeGeneral as G;
    match t {
        Some(G::Software | G::ComputationalNotebook) => "SoftwareSourceCode",
        Some(G::JournalArticle | G::DataPaper | G::Preprint | G::ConferencePaper) => {
            "ScholarlyArticle"
        }
        Some(G::Book) => "Book",
        Some(G::Image) => "ImageObject",
        Some(G::Audiovisual) => "VideoObject",
        Some(G::Collection) => "Collection",
        Some(G::Report) => "Report",
        Some(G::Event) => "Event",
        Some(G::Dissertation) => "Thesis",
        Some(G::Presentation | G::Poster) => "PresentationDigitalDocument",
        _ => "Dataset",
    }
}

fn ror_url(v: &str) -> Option<String> {
    let v = v.trim();
    let id = v.strip_prefix("https://ror.org/").unwrap_or(v);
    crate::readiness::is_ror_id(id).then(|| format!("https://ror.org/{id}"))
}

fn organization(name: &str, id: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("@type".into(), "Organization".into());
    m.insert("name".into(), squash(name).into());
    if let Some(url) = id.and_then(ror_url) {
        m.insert("sameAs".into(), url.into());
    } else if let Some(id) = id.filter(|i| i.starts_with("http")) {
        m.insert("sameAs".into(), id.trim().into());
    }
    Value::Object(m)
}

fn party(p: &Creator) -> Value {
    if !p.is_person() {
        let ror = p
            .name_identifiers
            .iter()
            .find(|n| n.scheme.eq_ignore_ascii_case("ROR"));
        return organization(&p.name.value, ror.map(|n| n.value.as_str()));
    }
    let (family, given) = p.family_given();
    let (family, given) = (squash(&family), given.map(|g| squash(&g)));
    let mut m = Map::new();
    m.insert("@type".into(), "Person".into());
    m.insert("name".into(), squash(&p.name.value).into());
    if let Some(g) = given {
        m.insert("givenName".into(), g.into());
    }
    m.insert("familyName".into(), family.into());
    if let Some(orcid) = p.orcid_url() {
        m.insert("sameAs".into(), orcid.into());
    }
    let affs: Vec<Value> = p
        .affiliations
        .iter()
        .map(|a| organization(&a.name, a.identifier.as_deref()))
        .collect();
    if !affs.is_empty() {
        m.insert("affiliation".into(), Value::Array(affs));
    }
    Value::Object(m)
}

/// `Some(true)` for open licences/access, `Some(false)` for closed, restricted or
/// embargoed access, `None` when the rights do not say.
fn accessible_for_free(r: &Resource) -> Option<bool> {
    let mut verdict = None;
    for rights in &r.rights_list {
        let text = format!(
            "{} {} {}",
            rights.rights_uri.as_deref().unwrap_or(""),
            rights.rights_identifier.as_deref().unwrap_or(""),
            rights.value
        )
        .to_ascii_lowercase();
        if ["closedaccess", "restrictedaccess", "embargoedaccess"]
            .iter()
            .any(|k| text.contains(k))
        {
            return Some(false);
        }
        if [
            "openaccess",
            "creativecommons.org",
            "cc-by",
            "cc0",
            "opendatacommons",
            "public domain",
        ]
        .iter()
        .any(|k| text.contains(k))
        {
            verdict = Some(true);
        }
    }
    verdict
}

fn date_of(r: &Resource, kind: DateType) -> Option<&str> {
    r.dates
        .iter()
        .find(|d| d.date_type == kind)
        .map(|d| d.value.trim())
}

/// schema.org's date properties take one ISO 8601 date; DataCite dates may be ranges
/// (`2028-01-01/2029-12-31`), which only `temporalCoverage` can hold.
fn single_date(r: &Resource, kind: DateType) -> Option<&str> {
    date_of(r, kind).filter(|d| !d.contains('/') && !d.is_empty())
}

fn spatial(g: &GeoLocation) -> Value {
    let mut m = Map::new();
    m.insert("@type".into(), "Place".into());
    if let Some(p) = &g.place {
        m.insert("name".into(), squash(p).into());
    }
    if let Some((lon, lat)) = g.point.as_ref().and_then(GeoPoint::degrees) {
        m.insert(
            "geo".into(),
            json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}),
        );
    } else if let Some(b) = &g.bbox {
        // schema.org box: "south west north east".
        let b = format!(
            "{} {} {} {}",
            b.south.trim(),
            b.west.trim(),
            b.north.trim(),
            b.east.trim()
        );
        m.insert("geo".into(), json!({"@type": "GeoShape", "box": b}));
    }
    Value::Object(m)
}

/// The record as a schema.org JSON-LD object (`@context` `https://schema.org`).
pub fn to_schema_org(r: &Resource) -> Value {
    let mut m = Map::new();
    m.insert("@context".into(), "https://schema.org".into());
    m.insert(
        "@type".into(),
        schema_type(r.resource_type.as_ref().map(|t| t.general)).into(),
    );
    let doi_url = r.doi_url();
    if let Some(u) = &doi_url {
        m.insert("@id".into(), u.clone().into());
    }
    // One identifier: schema.org's `identifier` takes a single URL, text or PropertyValue.
    if let Some(u) = &doi_url {
        m.insert("identifier".into(), u.clone().into());
    } else if let Some(a) = r.alternate_identifiers.first() {
        m.insert(
            "identifier".into(),
            json!({"@type": "PropertyValue", "propertyID": a.identifier_type.trim(), "value": a.value.trim()}),
        );
    }
    if let Some(url) = r.url.clone().or_else(|| doi_url.clone()) {
        m.insert("url".into(), url.into());
    }
    if let Some(t) = r.main_title() {
        m.insert("name".into(), squash(t).into());
    }
    let alt: Vec<Value> = r
        .titles
        .iter()
        .filter(|t| t.title_type.is_some())
        .map(|t| squash(&t.value).into())
        .collect();
    if !alt.is_empty() {
        m.insert("alternateName".into(), Value::Array(alt));
    }
    let description = r
        .description_text(DescriptionType::Abstract)
        .or_else(|| r.descriptions.first().map(Description::plain_text));
    if let Some(d) = description {
        m.insert("description".into(), d.into());
    }
    m.insert("creator".into(), r.creators.iter().map(party).collect());
    let contributors: Vec<Value> = r.contributors.iter().map(|c| party(&c.party)).collect();
    if !contributors.is_empty() {
        m.insert("contributor".into(), Value::Array(contributors));
    }
    let licenses: Vec<Value> = r
        .rights_list
        .iter()
        .filter_map(|x| x.rights_uri.as_deref())
        .filter(|u| !u.contains("info:eu-repo"))
        .map(|u| u.trim().into())
        .collect();
    if let Some(l) = licenses.into_iter().next() {
        m.insert("license".into(), l);
    }
    if let Some(free) = accessible_for_free(r) {
        m.insert("isAccessibleForFree".into(), free.into());
    }
    let published =
        single_date(r, DateType::Issued).or(r.publication_year.as_deref().map(str::trim));
    if let Some(d) = published {
        m.insert("datePublished".into(), d.into());
    }
    if let Some(d) = single_date(r, DateType::Created) {
        m.insert("dateCreated".into(), d.into());
    }
    if let Some(d) = single_date(r, DateType::Updated) {
        m.insert("dateModified".into(), d.into());
    }
    if let Some(p) = &r.publisher {
        m.insert(
            "publisher".into(),
            organization(&p.name, p.identifier.as_deref()),
        );
    }
    if let Some(v) = &r.version {
        m.insert("version".into(), v.trim().into());
    }
    if let Some(l) = &r.language {
        m.insert("inLanguage".into(), l.trim().into());
    }
    let keywords: Vec<Value> = r.subjects.iter().map(|s| squash(&s.value).into()).collect();
    if !keywords.is_empty() {
        m.insert("keywords".into(), Value::Array(keywords));
    }
    if let Some(url) = &r.url {
        let distribution: Vec<Value> = r
            .formats
            .iter()
            .map(
                |f| json!({"@type": "DataDownload", "encodingFormat": f.trim(), "contentUrl": url}),
            )
            .collect();
        if !distribution.is_empty() {
            m.insert("distribution".into(), Value::Array(distribution));
        }
    }
    if !r.sizes.is_empty() {
        m.insert(
            "size".into(),
            r.sizes
                .iter()
                .map(|s| Value::String(s.trim().to_owned()))
                .collect(),
        );
    }
    let places: Vec<Value> = r.geo_locations.iter().map(spatial).collect();
    if !places.is_empty() {
        m.insert("spatialCoverage".into(), Value::Array(places));
    }
    if let Some(d) = date_of(r, DateType::Coverage).or(date_of(r, DateType::Collected)) {
        m.insert("temporalCoverage".into(), d.into());
    }
    // `funder` (Organization) rather than `funding` (Grant): Google documents `funder`, and
    // `funding` is not yet in every consumer's vocabulary. The award itself has no place here.
    let funders: Vec<Value> = r
        .funding_references
        .iter()
        .map(|f| {
            organization(
                &f.funder_name,
                f.funder_identifier.as_ref().map(|i| i.value.as_str()),
            )
        })
        .collect();
    if !funders.is_empty() {
        m.insert("funder".into(), Value::Array(funders));
    }
    let cites: Vec<Value> = r
        .related_identifiers
        .iter()
        .filter(|x| {
            matches!(
                x.relation_type,
                RelationType::Cites | RelationType::References
            )
        })
        .map(|x| match x.related_identifier_type {
            crate::RelatedIdentifierType::Doi => {
                format!("https://doi.org/{}", x.value.trim()).into()
            }
            _ => x.value.trim().into(),
        })
        .collect();
    if !cites.is_empty() {
        m.insert("citation".into(), Value::Array(cites));
    }
    Value::Object(m)
}
