//! quick-xml events → a small namespace-resolved element tree.
//!
//! The DataCite mapping is far easier to write (and to report paths from) over a tree than
//! over a stream, and records are a few kilobytes.

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{XML_NAMESPACE, XSI_NAMESPACE};

#[derive(Debug)]
pub(crate) struct Element {
    pub name: String,
    pub namespace: Option<String>,
    /// Keyed `local` (no namespace), `xml:local`, `xsi:local` or `{ns}local`.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

/// Why the document is not well-formed XML.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub position: u64,
    pub message: String,
}

fn syntax(reader: &NsReader<&[u8]>, message: impl ToString) -> SyntaxError {
    SyntaxError {
        position: reader.buffer_position(),
        message: message.to_string(),
    }
}

fn namespace_of(r: ResolveResult<'_>) -> Option<String> {
    match r {
        ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
        _ => None,
    }
}

fn start(reader: &NsReader<&[u8]>, e: &BytesStart<'_>) -> Result<Element, SyntaxError> {
    let (ns, local) = reader.resolver().resolve_element(e.name());
    let namespace = namespace_of(ns);
    let name = String::from_utf8_lossy(local.as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| syntax(reader, err))?;
        let qname = attr.key;
        if qname.as_ref() == b"xmlns" || qname.as_ref().starts_with(b"xmlns:") {
            continue;
        }
        let (ns, local) = reader.resolver().resolve_attribute(qname);
        let local = String::from_utf8_lossy(local.as_ref()).into_owned();
        let key = match namespace_of(ns).as_deref() {
            None => local,
            Some(XML_NAMESPACE) => format!("xml:{local}"),
            Some(XSI_NAMESPACE) => format!("xsi:{local}"),
            Some(other) => format!("{{{other}}}{local}"),
        };
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| syntax(reader, err))?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name,
        namespace,
        attributes,
        children: Vec::new(),
    })
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(prev)) = top.children.last_mut() {
            prev.push_str(text);
        } else {
            top.children.push(Node::Text(text.to_owned()));
        }
    }
}

/// Parses a whole document and returns its root element. Comments, processing
/// instructions and the prolog are dropped; adjacent text and references are merged.
pub(crate) fn parse(xml: &str) -> Result<Element, SyntaxError> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, e))?;
        match event {
            Event::Start(e) => {
                let el = start(&reader, &e)?;
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = start(&reader, &e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| syntax(&reader, "unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let text = t.xml10_content().map_err(|e| syntax(&reader, e))?;
                push_text(&mut stack, &text);
            }
            Event::CData(t) => {
                let text = t.xml10_content().map_err(|e| syntax(&reader, e))?;
                push_text(&mut stack, &text);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| syntax(&reader, e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| syntax(&reader, e))?;
                        resolve_xml_entity(&name)
                            .ok_or_else(|| syntax(&reader, format!("undefined entity &{name};")))?
                            .to_owned()
                    }
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(syntax(&reader, "document ends inside an element"));
    }
    root.ok_or_else(|| syntax(&reader, "no root element"))
}
