//! A dataset's lineage as an SVG graph, laid out at build time: layers by
//! distance (ancestors to the left, descendants to the right, the dataset in
//! the middle), nodes of a layer stacked and centred, edges in the direction
//! the data flowed (from an input to what was made from it).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::escape::{html, segment};
use crate::model::{Dataset, Link};

const NODE_W: i64 = 250;
const NODE_H: i64 = 44;
const GAP_X: i64 = 70;
const GAP_Y: i64 = 18;
const MARGIN: i64 = 10;

/// One box of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The dataset's identifier; `None` for a box standing for links to
    /// datasets that are not public (their identifiers are not shown).
    pub identifier: Option<String>,
    pub label: String,
    /// Negative for ancestors, 0 for the dataset, positive for descendants.
    pub layer: i64,
    pub x: i64,
    pub y: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub nodes: Vec<Node>,
    /// (input, product) indices into `nodes`, with the link's kind.
    pub edges: Vec<(usize, usize, String)>,
    pub width: i64,
    pub height: i64,
}

impl Layout {
    /// Whether there is anything besides the dataset itself.
    pub fn is_trivial(&self) -> bool {
        self.nodes.len() <= 1
    }
}

struct Builder {
    index: BTreeMap<String, usize>,
    nodes: Vec<(Option<String>, String, i64)>,
    edges: Vec<(usize, usize, String)>,
}

impl Builder {
    /// The node of a dataset, kept at the layer nearest the dataset.
    fn node(&mut self, identifier: &str, label: String, layer: i64) -> usize {
        if let Some(&i) = self.index.get(identifier) {
            if layer.abs() < self.nodes[i].2.abs() {
                self.nodes[i].2 = layer;
            }
            return i;
        }
        self.nodes.push((Some(identifier.to_owned()), label, layer));
        self.index
            .insert(identifier.to_owned(), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn hidden(&mut self, count: usize, layer: i64) -> usize {
        let label = if count == 1 {
            "1 dataset not available".to_owned()
        } else {
            format!("{count} datasets not available")
        };
        self.nodes.push((None, label, layer));
        self.nodes.len() - 1
    }

    fn edge(&mut self, input: usize, product: usize, kind: &str) {
        if input != product
            && !self
                .edges
                .iter()
                .any(|(a, b, _)| (*a, *b) == (input, product))
        {
            self.edges.push((input, product, kind.to_owned()));
        }
    }

    /// One side: `sign` -1 for ancestors (links), +1 for descendants (linkedFrom).
    fn side(&mut self, center: usize, links: &[Link], sign: i64) {
        let hidden = links.iter().filter(|l| l.to_dataset.is_none()).count();
        for link in links {
            let Some(near) = &link.to_dataset else {
                continue;
            };
            let n = self.node(
                &near.identifier,
                label(&near.identifier, &near.technique),
                sign,
            );
            self.flow(n, center, sign, &link.kind);
            let further = if sign < 0 {
                &near.links
            } else {
                &near.linked_from
            };
            for inner in further {
                if let Some(far) = &inner.to_dataset {
                    let f = self.node(
                        &far.identifier,
                        label(&far.identifier, &far.technique),
                        2 * sign,
                    );
                    self.flow(f, n, sign, &inner.kind);
                }
            }
        }
        if hidden > 0 {
            let h = self.hidden(hidden, sign);
            self.flow(h, center, sign, "HIDDEN");
        }
    }

    /// An edge between `outer` (further from the dataset) and `inner`, in
    /// the direction the data flowed.
    fn flow(&mut self, outer: usize, inner: usize, sign: i64, kind: &str) {
        if sign < 0 {
            self.edge(outer, inner, kind);
        } else {
            self.edge(inner, outer, kind);
        }
    }
}

fn label(identifier: &str, technique: &str) -> String {
    format!(
        "{identifier} ({})",
        crate::model::technique_label(technique)
    )
}

/// Lays out the dataset, its ancestors and descendants (two links deep, as
/// the page's query asks).
pub fn layout(dataset: &Dataset) -> Layout {
    let mut b = Builder {
        index: BTreeMap::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let center = b.node(
        &dataset.identifier,
        label(&dataset.identifier, &dataset.technique),
        0,
    );
    b.side(center, &dataset.links, -1);
    b.side(center, &dataset.linked_from, 1);

    let mut layers: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, node) in b.nodes.iter().enumerate() {
        layers.entry(node.2).or_default().push(i);
    }
    let tallest = layers.values().map(Vec::len).max().unwrap_or(1) as i64;
    let height = 2 * MARGIN + tallest * NODE_H + (tallest - 1) * GAP_Y;
    let first = *layers.keys().next().unwrap_or(&0);
    let columns = layers.len() as i64;
    let width = 2 * MARGIN + columns * NODE_W + (columns - 1) * GAP_X;
    let mut placed = vec![(0, 0); b.nodes.len()];
    for (column, (_, members)) in layers.iter_mut().enumerate() {
        // Hidden boxes last, then by identifier: a stable picture.
        members.sort_by(|&x, &y| {
            let (a, c) = (&b.nodes[x], &b.nodes[y]);
            (a.0.is_none(), &a.0).cmp(&(c.0.is_none(), &c.0))
        });
        let count = members.len() as i64;
        let used = count * NODE_H + (count - 1) * GAP_Y;
        let top = (height - used) / 2;
        for (row, &i) in members.iter().enumerate() {
            placed[i] = (
                MARGIN + column as i64 * (NODE_W + GAP_X),
                top + row as i64 * (NODE_H + GAP_Y),
            );
        }
    }
    let _ = first;
    let nodes = b
        .nodes
        .into_iter()
        .zip(placed)
        .map(|((identifier, label, layer), (x, y))| Node {
            identifier,
            label,
            layer,
            x,
            y,
        })
        .collect();
    Layout {
        nodes,
        edges: b.edges,
        width,
        height,
    }
}

/// The SVG, with a `<title>` and `<desc>` for the whole graph and a
/// `<title>` per box and edge. Boxes of other datasets link to their pages
/// (`../<identifier>/`, relative to a dataset page).
pub fn svg(layout: &Layout, dataset: &str) -> String {
    let mut out = String::new();
    let id = segment(dataset);
    let ancestors = layout.nodes.iter().filter(|n| n.layer < 0).count();
    let descendants = layout.nodes.iter().filter(|n| n.layer > 0).count();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="lineage" role="group" width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-labelledby="lineage-title-{id} lineage-desc-{id}"><title id="lineage-title-{id}">Lineage of {name}</title><desc id="lineage-desc-{id}">{ancestors} ancestor(s) to the left, {descendants} descendant(s) to the right; arrows go from an input to what was made from it.</desc>"#,
        w = layout.width,
        h = layout.height,
        name = html(dataset),
    );
    out.push_str(r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor"/></marker></defs>"#);
    for (a, b, kind) in &layout.edges {
        let (from, to) = (&layout.nodes[*a], &layout.nodes[*b]);
        let (x1, y1) = (from.x + NODE_W, from.y + NODE_H / 2);
        let (x2, y2) = (to.x, to.y + NODE_H / 2);
        let relation = match kind.as_str() {
            "PARENT" => "is the parent of",
            "HIDDEN" => "leads to",
            _ => "was used to make",
        };
        let _ = write!(
            out,
            r#"<path class="edge{dashed}" d="M {x1} {y1} C {cx} {y1}, {cx} {y2}, {x2} {y2}" fill="none" stroke="currentColor" marker-end="url(#arrow)"><title>{from} {relation} {to}</title></path>"#,
            dashed = if kind == "HIDDEN" { " hidden" } else { "" },
            cx = (x1 + x2) / 2,
            from = html(&from.label),
            to = html(&to.label),
        );
    }
    for node in &layout.nodes {
        let class = match (&node.identifier, node.layer) {
            (None, _) => "node hidden",
            (_, 0) => "node current",
            _ => "node",
        };
        let body = format!(
            r#"<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6"/><text x="{tx}" y="{ty}">{label}</text>"#,
            x = node.x,
            y = node.y,
            tx = node.x + 8,
            ty = node.y + NODE_H / 2 + 5,
            label = html(&node.label),
        );
        match &node.identifier {
            Some(identifier) if node.layer != 0 => {
                let _ = write!(
                    out,
                    r#"<a class="{class}" href="../{href}/index.html"><title>{label}</title>{body}</a>"#,
                    href = segment(identifier),
                    label = html(&node.label),
                );
            }
            _ => {
                let _ = write!(
                    out,
                    r#"<g class="{class}"><title>{label}</title>{body}</g>"#,
                    label = html(&node.label),
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dataset(value: serde_json::Value) -> Dataset {
        let mut base = json!({
            "identifier": "ML-2", "kind": "PROCESSED", "technique": "CRYO_EM", "instrument": null,
            "sample": null, "acquiredAt": "2022-10-01T00:00:00Z", "description": "", "sizeBytes": 0,
            "fileCount": 0, "publicFrom": null, "project": null, "parameters": [], "datafiles": [],
            "frameSets": [], "links": [], "linkedFrom": []
        });
        base.as_object_mut()
            .unwrap()
            .extend(value.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    fn r(id: &str) -> serde_json::Value {
        json!({ "identifier": id, "kind": "RAW", "technique": "CRYO_EM" })
    }

    #[test]
    fn ancestors_go_left_descendants_right_two_deep() {
        let d = dataset(json!({
            "links": [
                { "kind": "DERIVED_FROM", "toDataset": { "identifier": "ML-1", "kind": "RAW", "technique": "CRYO_EM",
                  "links": [{ "kind": "PARENT", "toDataset": r("ML-0") }] } },
                { "kind": "DERIVED_FROM", "toDataset": null }
            ],
            "linkedFrom": [
                { "kind": "DERIVED_FROM", "fromDataset": { "identifier": "ML-3", "kind": "PROCESSED", "technique": "CRYO_EM",
                  "linkedFrom": [{ "kind": "DERIVED_FROM", "fromDataset": r("ML-4") }] } }
            ]
        }));
        let l = layout(&d);
        let layer = |id: &str| {
            l.nodes
                .iter()
                .find(|n| n.identifier.as_deref() == Some(id))
                .unwrap()
        };
        assert_eq!(layer("ML-0").layer, -2);
        assert_eq!(layer("ML-1").layer, -1);
        assert_eq!(layer("ML-2").layer, 0);
        assert_eq!(layer("ML-3").layer, 1);
        assert_eq!(layer("ML-4").layer, 2);
        assert!(layer("ML-0").x < layer("ML-1").x && layer("ML-1").x < layer("ML-2").x);
        assert!(layer("ML-2").x < layer("ML-3").x && layer("ML-3").x < layer("ML-4").x);
        // The hidden link is a box without an identifier, next to ML-1.
        let hidden: Vec<_> = l.nodes.iter().filter(|n| n.identifier.is_none()).collect();
        assert_eq!(hidden.len(), 1);
        assert_eq!(hidden[0].layer, -1);
        assert_eq!(l.edges.len(), 5);
        // Edges go the way the data flowed: input to product.
        let idx = |id: &str| {
            l.nodes
                .iter()
                .position(|n| n.identifier.as_deref() == Some(id))
                .unwrap()
        };
        assert!(
            l.edges
                .iter()
                .any(|e| (e.0, e.1) == (idx("ML-1"), idx("ML-2")))
        );
        assert!(
            l.edges
                .iter()
                .any(|e| (e.0, e.1) == (idx("ML-2"), idx("ML-3")))
        );
        // No two boxes overlap.
        for (i, a) in l.nodes.iter().enumerate() {
            for b in &l.nodes[i + 1..] {
                let apart = (a.x - b.x).abs() >= NODE_W || (a.y - b.y).abs() >= NODE_H;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
            assert!(a.x + NODE_W <= l.width && a.y + NODE_H <= l.height);
        }
    }

    #[test]
    fn a_dataset_reached_twice_sits_at_its_nearest_layer() {
        let d = dataset(json!({
            "links": [
                { "kind": "DERIVED_FROM", "toDataset": { "identifier": "ML-1", "kind": "RAW", "technique": "CRYO_EM",
                  "links": [{ "kind": "PARENT", "toDataset": r("ML-0") }] } },
                { "kind": "DERIVED_FROM", "toDataset": { "identifier": "ML-0", "kind": "RAW", "technique": "CRYO_EM", "links": [] } }
            ]
        }));
        let l = layout(&d);
        assert_eq!(l.nodes.len(), 3);
        let zero = l
            .nodes
            .iter()
            .find(|n| n.identifier.as_deref() == Some("ML-0"))
            .unwrap();
        assert_eq!(zero.layer, -1);
    }

    #[test]
    fn the_svg_is_accessible_escaped_and_links_relatively() {
        let d = dataset(json!({
            "identifier": "ML-<2>",
            "links": [{ "kind": "DERIVED_FROM", "toDataset": { "identifier": "ML-1", "kind": "RAW", "technique": "CRYO_EM", "links": [] } }]
        }));
        let l = layout(&d);
        assert!(!l.is_trivial());
        let svg = svg(&l, &d.identifier);
        assert!(
            svg.contains("<title id=\"lineage-title-ML-_2_\">Lineage of ML-&lt;2&gt;</title>"),
            "{svg}"
        );
        assert!(svg.contains(r#"href="../ML-1/index.html""#), "{svg}");
        assert!(!svg.contains("ML-<2>"));
        assert_eq!(
            svg.matches("<title>").count(),
            1 + 2,
            "one per edge and box"
        );
        assert!(layout(&dataset(json!({}))).is_trivial());
    }
}
