//! Unqualified Dublin Core (`oai_dc`) from a DataCite record, along the
//! lines of DataCite's own crosswalk: titles, creators, subjects,
//! descriptions, publisher, contributors, dates, types, formats and sizes,
//! identifiers (the DOI as a URL first), relations, language, rights and
//! places.

use strata_datacite::{RelatedIdentifierType, Resource};

use super::xml::Xml;

pub const OAI_DC_NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
pub const DC_NAMESPACE: &str = "http://purl.org/dc/elements/1.1/";

/// `xml:lang` only when it is an `xs:language` value, so the answer stays valid.
fn language(lang: &Option<String>) -> Option<&str> {
    let l = lang.as_deref()?.trim();
    let ok = l.split('-').enumerate().all(|(i, part)| {
        (1..=8).contains(&part.len())
            && if i == 0 {
                part.chars().all(|c| c.is_ascii_alphabetic())
            } else {
                part.chars().all(|c| c.is_ascii_alphanumeric())
            }
    });
    ok.then_some(l)
}

fn element(x: &mut Xml, name: &str, text: &str, lang: &Option<String>) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return;
    }
    match language(lang) {
        Some(l) => x.leaf(name, &[("xml:lang", l)], &text),
        None => x.leaf(name, &[], &text),
    }
}

/// A related identifier as a link where it has one.
fn relation(value: &str, kind: RelatedIdentifierType) -> String {
    let v = value.trim();
    match kind {
        RelatedIdentifierType::Doi if !v.starts_with("http") => format!("https://doi.org/{v}"),
        RelatedIdentifierType::Handle if !v.starts_with("http") => {
            format!("https://hdl.handle.net/{v}")
        }
        _ => v.to_owned(),
    }
}

pub fn write(x: &mut Xml, r: &Resource) {
    x.open(
        "oai_dc:dc",
        &[
            ("xmlns:oai_dc", OAI_DC_NAMESPACE),
            ("xmlns:dc", DC_NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            ),
        ],
    );
    for t in &r.titles {
        element(x, "dc:title", &t.value, &t.lang);
    }
    for c in &r.creators {
        element(x, "dc:creator", &c.name.value, &c.name.lang);
    }
    for s in &r.subjects {
        element(x, "dc:subject", &s.value, &s.lang);
    }
    for d in &r.descriptions {
        element(x, "dc:description", &d.plain_text(), &d.lang);
    }
    if let Some(p) = &r.publisher {
        element(x, "dc:publisher", &p.name, &p.lang);
    }
    for c in &r.contributors {
        element(x, "dc:contributor", &c.party.name.value, &c.party.name.lang);
    }
    if let Some(year) = &r.publication_year {
        element(x, "dc:date", year, &None);
    }
    for d in &r.dates {
        element(x, "dc:date", &d.value, &None);
    }
    if let Some(t) = &r.resource_type {
        element(x, "dc:type", t.general.as_str(), &None);
        element(x, "dc:type", &t.value, &None);
    }
    for f in r.formats.iter().chain(&r.sizes) {
        element(x, "dc:format", f, &None);
    }
    if let Some(url) = r.doi_url() {
        element(x, "dc:identifier", &url, &None);
    }
    for a in &r.alternate_identifiers {
        element(x, "dc:identifier", &a.value, &None);
    }
    for rel in &r.related_identifiers {
        element(
            x,
            "dc:relation",
            &relation(&rel.value, rel.related_identifier_type),
            &None,
        );
    }
    element(
        x,
        "dc:language",
        r.language.as_deref().unwrap_or_default(),
        &None,
    );
    for rights in &r.rights_list {
        element(x, "dc:rights", &rights.value, &rights.lang);
        if let Some(uri) = &rights.rights_uri {
            element(x, "dc:rights", uri, &None);
        }
    }
    for g in &r.geo_locations {
        if let Some(place) = &g.place {
            element(x, "dc:coverage", place, &None);
        }
    }
    x.close("oai_dc:dc");
}
