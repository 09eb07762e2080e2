//! BibTeX. `@misc` rather than biblatex's `@dataset`, because plain BibTeX styles (still
//! the majority) silently drop unknown entry types; biblatex reads `@misc` fine.

use super::{Author, abstract_text, authors, keywords, link, publisher, title, year};
use crate::model::Resource;

/// Escapes TeX specials in ordinary fields so that the text prints as written.
fn tex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(ch);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// Verbatim fields (doi, url) are not TeX-escaped; only braces, which would unbalance the
/// entry, are percent-encoded.
fn verbatim(s: &str) -> String {
    s.trim().replace('{', "%7B").replace('}', "%7D")
}

/// A citation key from the DOI (`10.5281/zenodo.1` → `10.5281_zenodo.1`), which is stable
/// and unique; `datacite` when there is none.
fn key(r: &Resource) -> String {
    let k: String = r
        .doi()
        .unwrap_or("datacite")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if k.is_empty() {
        "datacite".to_owned()
    } else {
        k
    }
}

/// The record as one BibTeX `@misc` entry.
pub fn to_bibtex(r: &Resource) -> String {
    let mut fields: Vec<(&str, String)> = Vec::new();
    let names: Vec<String> = authors(r)
        .into_iter()
        .map(|a| match a {
            Author::Person {
                family,
                given: Some(g),
            } => format!("{}, {}", tex(&family), tex(&g)),
            Author::Person {
                family,
                given: None,
            } => tex(&family),
            // Double braces keep an organisation from being split into "family, given".
            Author::Organization(o) => format!("{{{}}}", tex(&o)),
        })
        .collect();
    if !names.is_empty() {
        fields.push(("author", names.join(" and ")));
    }
    if let Some(t) = title(r) {
        // Inner braces protect capitalisation from styles that sentence-case titles.
        fields.push(("title", format!("{{{}}}", tex(&t))));
    }
    if let Some(p) = publisher(r) {
        fields.push(("publisher", tex(&p)));
    }
    if let Some(y) = year(r) {
        fields.push(("year", y.to_string()));
    }
    if let Some(v) = &r.version {
        fields.push(("version", tex(v.trim())));
    }
    if let Some(d) = r.doi() {
        fields.push(("doi", verbatim(d)));
    }
    if let Some(u) = link(r) {
        fields.push(("url", verbatim(&u)));
    }
    let keywords: Vec<String> = keywords(r).iter().map(|k| tex(k)).collect();
    if !keywords.is_empty() {
        fields.push(("keywords", keywords.join(", ")));
    }
    if let Some(l) = &r.language {
        fields.push(("language", tex(l.trim())));
    }
    if let Some(a) = abstract_text(r) {
        fields.push(("abstract", tex(&a)));
    }
    let mut out = format!("@misc{{{},\n", key(r));
    for (name, value) in fields {
        out.push_str(&format!("  {name} = {{{value}}},\n"));
    }
    out.push_str("}\n");
    out
}
