//! RIS (Research Information Systems) tagged format, type `DATA`. Lines are
//! `TAG  - value` with CRLF endings, as the RIS specification prescribes.

use super::{Author, abstract_text, authors, issued_parts, link, publisher, title, year};
use crate::model::Resource;

fn line(out: &mut String, tag: &str, value: &str) {
    let one_line: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if !one_line.is_empty() {
        out.push_str(&format!("{tag}  - {one_line}\r\n"));
    }
}

/// The record as one RIS reference (`TY  - DATA` … `ER  - `).
pub fn to_ris(r: &Resource) -> String {
    let mut out = String::from("TY  - DATA\r\n");
    if let Some(t) = title(r) {
        line(&mut out, "TI", &t);
    }
    for a in authors(r) {
        let name = match a {
            Author::Person {
                family,
                given: Some(g),
            } => format!("{family}, {g}"),
            Author::Person {
                family,
                given: None,
            } => family,
            Author::Organization(o) => o,
        };
        line(&mut out, "AU", &name);
    }
    if let Some(y) = year(r) {
        line(&mut out, "PY", &y.to_string());
    }
    let parts = issued_parts(r);
    if parts.len() == 3 {
        line(
            &mut out,
            "DA",
            &format!("{:04}/{:02}/{:02}", parts[0], parts[1], parts[2]),
        );
    }
    if let Some(p) = publisher(r) {
        line(&mut out, "PB", &p);
    }
    if let Some(d) = r.doi() {
        line(&mut out, "DO", d);
    }
    if let Some(u) = link(r) {
        line(&mut out, "UR", &u);
    }
    if let Some(a) = abstract_text(r) {
        line(&mut out, "AB", &a);
    }
    for s in &r.subjects {
        line(&mut out, "KW", &s.value);
    }
    if let Some(l) = &r.language {
        line(&mut out, "LA", l);
    }
    if let Some(v) = &r.version {
        line(&mut out, "ET", v);
    }
    out.push_str("ER  - \r\n");
    out
}
