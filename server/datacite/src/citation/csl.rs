//! CSL-JSON (Citation Style Language input data), the format citeproc processors and
//! Zotero/Pandoc read.

use serde_json::{Map, Value, json};

use super::{Author, abstract_text, authors, issued_parts, keywords, link, publisher, title};
use crate::model::Resource;

/// The record as one CSL-JSON item (`type: "dataset"`). CSL-JSON files are arrays of
/// items: wrap it in `[…]` to write a file.
pub fn to_csl_json(r: &Resource) -> Value {
    let mut m = Map::new();
    m.insert(
        "id".into(),
        r.doi()
            .map(|d| d.to_owned())
            .unwrap_or_else(|| "datacite".to_owned())
            .into(),
    );
    m.insert("type".into(), "dataset".into());
    if let Some(t) = title(r) {
        m.insert("title".into(), t.into());
    }
    let author: Vec<Value> = authors(r)
        .into_iter()
        .map(|a| match a {
            Author::Person {
                family,
                given: Some(g),
            } => json!({"family": family, "given": g}),
            Author::Person {
                family,
                given: None,
            } => json!({"family": family}),
            Author::Organization(o) => json!({"literal": o}),
        })
        .collect();
    if !author.is_empty() {
        m.insert("author".into(), Value::Array(author));
    }
    let parts = issued_parts(r);
    if !parts.is_empty() {
        m.insert("issued".into(), json!({"date-parts": [parts]}));
    }
    if let Some(p) = publisher(r) {
        m.insert("publisher".into(), p.into());
    }
    if let Some(d) = r.doi() {
        m.insert("DOI".into(), d.into());
    }
    if let Some(u) = link(r) {
        m.insert("URL".into(), u.into());
    }
    if let Some(v) = &r.version {
        m.insert("version".into(), v.trim().into());
    }
    if let Some(a) = abstract_text(r) {
        m.insert("abstract".into(), a.into());
    }
    let keywords = keywords(r);
    if !keywords.is_empty() {
        m.insert("keyword".into(), keywords.join(", ").into());
    }
    if let Some(l) = &r.language {
        m.insert("language".into(), l.trim().into());
    }
    Value::Object(m)
}
