//! A canonical element tree for comparing two XML documents: namespace-resolved names,
//! attributes (as a set; namespace declarations excluded), non-whitespace text kept
//! verbatim, and child order.
//!
//! One normalisation, and only where the XSD says order carries no meaning: the children
//! of `xs:all` groups (`resource`, the point types, `geoLocationBox`, `fundingReference`)
//! are sorted by name. Each child occurs at most once there, so sorting loses nothing.

use std::collections::BTreeMap;

#[derive(Debug, PartialEq)]
pub enum CNode {
    Element {
        name: String,
        attrs: BTreeMap<String, String>,
        children: Vec<CNode>,
    },
    Text(String),
}

const XS_ALL: &[&str] = &[
    "resource",
    "geoLocationPoint",
    "polygonPoint",
    "inPolygonPoint",
    "geoLocationBox",
    "fundingReference",
];

fn qualified(ns: Option<&str>, local: &str) -> String {
    match ns {
        Some(ns) => format!("{{{ns}}}{local}"),
        None => local.to_owned(),
    }
}

fn convert(node: roxmltree::Node<'_, '_>) -> CNode {
    let attrs = node
        .attributes()
        .map(|a| (qualified(a.namespace(), a.name()), a.value().to_owned()))
        .collect();
    let mut children: Vec<CNode> = Vec::new();
    for c in node.children() {
        if c.is_element() {
            children.push(convert(c));
        } else if c.is_text() {
            let t = c.text().unwrap_or_default();
            if t.trim().is_empty() {
                continue;
            }
            if let Some(CNode::Text(prev)) = children.last_mut() {
                prev.push_str(t);
            } else {
                children.push(CNode::Text(t.to_owned()));
            }
        }
    }
    let local = node.tag_name().name();
    if XS_ALL.contains(&local) {
        children.sort_by(|a, b| match (a, b) {
            (CNode::Element { name: x, .. }, CNode::Element { name: y, .. }) => x.cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
    }
    CNode::Element {
        name: qualified(node.tag_name().namespace(), local),
        attrs,
        children,
    }
}

pub fn canonical(xml: &str) -> CNode {
    let doc = roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
    convert(doc.root_element())
}

fn first_difference(a: &CNode, b: &CNode, path: &str) -> Option<String> {
    match (a, b) {
        (CNode::Text(x), CNode::Text(y)) => {
            (x != y).then(|| format!("{path}: text {x:?} became {y:?}"))
        }
        (
            CNode::Element {
                name: na,
                attrs: aa,
                children: ca,
            },
            CNode::Element {
                name: nb,
                attrs: ab,
                children: cb,
            },
        ) => {
            let here = format!("{path}/{}", na.rsplit('}').next().unwrap_or(na));
            if na != nb {
                return Some(format!("{path}: element {na} became {nb}"));
            }
            for (k, v) in aa {
                match ab.get(k) {
                    None => return Some(format!("{here}: attribute {k}={v:?} was lost")),
                    Some(w) if w != v => return Some(format!("{here}/@{k}: {v:?} became {w:?}")),
                    _ => {}
                }
            }
            if let Some((k, v)) = ab.iter().find(|(k, _)| !aa.contains_key(*k)) {
                return Some(format!("{here}: attribute {k}={v:?} was added"));
            }
            for (i, (x, y)) in ca.iter().zip(cb).enumerate() {
                if let Some(d) = first_difference(x, y, &format!("{here}[child {}]", i + 1)) {
                    return Some(d);
                }
            }
            (ca.len() != cb.len()).then(|| {
                format!(
                    "{here}: {} children became {} (first extra/missing: {:?})",
                    ca.len(),
                    cb.len(),
                    ca.get(cb.len()).or_else(|| cb.get(ca.len()))
                )
            })
        }
        _ => Some(format!("{path}: {a:?} became {b:?}")),
    }
}

/// Panics naming the first difference between the two documents' canonical trees.
pub fn assert_same_xml(label: &str, original: &str, written: &str) {
    let (a, b) = (canonical(original), canonical(written));
    if let Some(diff) = first_difference(&a, &b, "") {
        panic!("{label}: round trip is not lossless: {diff}\n--- written ---\n{written}");
    }
}
