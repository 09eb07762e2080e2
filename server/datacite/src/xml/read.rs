//! DataCite XML → [`Resource`]. Strict: anything the kernel-4.7 XSD does not define is an
//! error naming where it was, because silently dropping it would lose metadata on the
//! next write.

use std::str::FromStr;

use super::KERNEL_4_NAMESPACE;
use super::tree::{self, Element, Node};
use crate::model::*;
use crate::vocabulary::UnknownTerm;

mod items;

/// Why a document could not be read as a DataCite record. `path` is an XPath-like
/// location such as `/resource/contributors/contributor[3]/@contributorType`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum XmlReadError {
    #[error("not well-formed XML near byte {position}: {message}")]
    Syntax { position: u64, message: String },
    #[error(
        "root element is <{found}> (namespace {namespace:?}); expected <resource> in {KERNEL_4_NAMESPACE}"
    )]
    NotDataCite {
        found: String,
        namespace: Option<String>,
    },
    #[error("{path}: unknown element <{element}> (namespace {namespace:?})")]
    UnknownElement {
        path: String,
        element: String,
        namespace: Option<String>,
    },
    #[error("{path}: unknown attribute {attribute}={value:?}")]
    UnknownAttribute {
        path: String,
        attribute: String,
        value: String,
    },
    #[error("{path}/@{attribute}: {value:?} is not a DataCite {vocabulary} value")]
    BadVocabulary {
        path: String,
        attribute: String,
        value: String,
        vocabulary: &'static str,
    },
    #[error("{path}: missing required attribute {attribute}")]
    MissingAttribute { path: String, attribute: String },
    #[error("{path}: missing required element <{element}>")]
    MissingElement { path: String, element: String },
    #[error("{path}: <{element}> may appear only once here")]
    Repeated { path: String, element: String },
    #[error("{path}: text {text:?} is not allowed here")]
    UnexpectedText { path: String, text: String },
    #[error("{path}: element content is not allowed in a text-only element")]
    UnexpectedChild { path: String },
}

pub(super) type Result<T> = std::result::Result<T, XmlReadError>;

/// An element together with its path, for error messages.
pub(super) struct At<'a> {
    pub el: &'a Element,
    pub path: String,
}

impl<'a> At<'a> {
    pub fn name(&self) -> &str {
        &self.el.name
    }

    /// Rejects attributes not in `allowed` (qualified as `xml:lang`).
    pub fn only_attrs(&self, allowed: &[&str]) -> Result<()> {
        for (k, v) in &self.el.attributes {
            if !allowed.contains(&k.as_str()) {
                return Err(XmlReadError::UnknownAttribute {
                    path: self.path.clone(),
                    attribute: k.clone(),
                    value: v.clone(),
                });
            }
        }
        Ok(())
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        self.el
            .attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn required_attr(&self, name: &str) -> Result<String> {
        self.attr(name)
            .ok_or_else(|| XmlReadError::MissingAttribute {
                path: self.path.clone(),
                attribute: name.to_owned(),
            })
    }

    pub fn vocab<T: FromStr<Err = UnknownTerm>>(&self, name: &str) -> Result<Option<T>> {
        match self.attr(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|e: UnknownTerm| XmlReadError::BadVocabulary {
                    path: self.path.clone(),
                    attribute: name.to_owned(),
                    value: e.value,
                    vocabulary: e.vocabulary,
                }),
        }
    }

    pub fn required_vocab<T: FromStr<Err = UnknownTerm>>(&self, name: &str) -> Result<T> {
        self.vocab(name)?
            .ok_or_else(|| XmlReadError::MissingAttribute {
                path: self.path.clone(),
                attribute: name.to_owned(),
            })
    }

    /// The text of a text-only element, exactly as written.
    pub fn text(&self) -> Result<String> {
        let mut out = String::new();
        for child in &self.el.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(_) => {
                    let kids = self.children_unchecked();
                    let path = kids.into_iter().next().map(|k| k.path).unwrap_or_default();
                    return Err(XmlReadError::UnexpectedChild { path });
                }
            }
        }
        Ok(out)
    }

    /// A text-only element with no attributes.
    pub fn plain_text(&self) -> Result<String> {
        self.only_attrs(&[])?;
        self.text()
    }

    fn children_unchecked(&self) -> Vec<At<'a>> {
        let elements: Vec<&Element> = self
            .el
            .children
            .iter()
            .filter_map(|c| match c {
                Node::Element(e) => Some(e),
                Node::Text(_) => None,
            })
            .collect();
        let mut seen: Vec<(&str, usize)> = Vec::new();
        elements
            .iter()
            .map(|e| {
                let total = elements.iter().filter(|o| o.name == e.name).count();
                let n = match seen.iter_mut().find(|(n, _)| *n == e.name) {
                    Some((_, c)) => {
                        *c += 1;
                        *c
                    }
                    None => {
                        seen.push((&e.name, 1));
                        1
                    }
                };
                let path = if total > 1 {
                    format!("{}/{}[{n}]", self.path, e.name)
                } else {
                    format!("{}/{}", self.path, e.name)
                };
                At { el: e, path }
            })
            .collect()
    }

    /// Element children (kernel-4 namespace only); non-blank text here is an error.
    pub fn children(&self) -> Result<Vec<At<'a>>> {
        for child in &self.el.children {
            if let Node::Text(t) = child
                && !t.trim().is_empty()
            {
                return Err(XmlReadError::UnexpectedText {
                    path: self.path.clone(),
                    text: t.clone(),
                });
            }
        }
        let kids = self.children_unchecked();
        for k in &kids {
            if k.el.namespace.as_deref() != Some(KERNEL_4_NAMESPACE) {
                return Err(k.unknown());
            }
        }
        Ok(kids)
    }

    pub fn unknown(&self) -> XmlReadError {
        XmlReadError::UnknownElement {
            path: self.path.clone(),
            element: self.el.name.clone(),
            namespace: self.el.namespace.clone(),
        }
    }

    pub fn missing(&self, element: &str) -> XmlReadError {
        XmlReadError::MissingElement {
            path: self.path.clone(),
            element: element.to_owned(),
        }
    }
}

/// Sets a once-only slot, rejecting a second occurrence.
pub(super) fn once<T>(slot: &mut Option<T>, value: T, at: &At<'_>) -> Result<()> {
    if slot.is_some() {
        return Err(XmlReadError::Repeated {
            path: at.path.clone(),
            element: at.name().to_owned(),
        });
    }
    *slot = Some(value);
    Ok(())
}

/// Reads a DataCite kernel-4 XML document (any 4.x up to 4.7).
pub fn from_xml(xml: &str) -> Result<Resource> {
    let root = tree::parse(xml).map_err(|e| XmlReadError::Syntax {
        position: e.position,
        message: e.message,
    })?;
    if root.name != "resource" || root.namespace.as_deref() != Some(KERNEL_4_NAMESPACE) {
        return Err(XmlReadError::NotDataCite {
            found: root.name.clone(),
            namespace: root.namespace.clone(),
        });
    }
    let at = At {
        el: &root,
        path: "/resource".to_owned(),
    };
    at.only_attrs(&["xsi:schemaLocation"])?;
    let mut r = Resource::default();
    for c in at.children()? {
        match c.name() {
            "identifier" => {
                c.only_attrs(&["identifierType"])?;
                let id = Identifier {
                    identifier_type: c.required_attr("identifierType")?,
                    value: c.text()?,
                };
                once(&mut r.identifier, id, &c)?;
            }
            "creators" => r.creators = list(&c, "creator", items::creator)?,
            "titles" => r.titles = list(&c, "title", items::title)?,
            "publisher" => {
                c.only_attrs(&[
                    "publisherIdentifier",
                    "publisherIdentifierScheme",
                    "schemeURI",
                    "xml:lang",
                ])?;
                let p = Publisher {
                    name: c.text()?,
                    identifier: c.attr("publisherIdentifier"),
                    identifier_scheme: c.attr("publisherIdentifierScheme"),
                    scheme_uri: c.attr("schemeURI"),
                    lang: c.attr("xml:lang"),
                };
                once(&mut r.publisher, p, &c)?;
            }
            "publicationYear" => once(&mut r.publication_year, c.plain_text()?, &c)?,
            "resourceType" => {
                c.only_attrs(&["resourceTypeGeneral"])?;
                let t = ResourceType {
                    general: c.required_vocab("resourceTypeGeneral")?,
                    value: c.text()?,
                };
                once(&mut r.resource_type, t, &c)?;
            }
            "subjects" => r.subjects = list(&c, "subject", items::subject)?,
            "contributors" => r.contributors = list(&c, "contributor", items::contributor)?,
            "dates" => r.dates = list(&c, "date", items::date)?,
            "language" => once(&mut r.language, c.plain_text()?, &c)?,
            "alternateIdentifiers" => {
                r.alternate_identifiers = list(&c, "alternateIdentifier", |a| {
                    a.only_attrs(&["alternateIdentifierType"])?;
                    Ok(AlternateIdentifier {
                        identifier_type: a.required_attr("alternateIdentifierType")?,
                        value: a.text()?,
                    })
                })?
            }
            "relatedIdentifiers" => {
                r.related_identifiers = list(&c, "relatedIdentifier", items::related_identifier)?
            }
            "sizes" => r.sizes = list(&c, "size", |s| s.plain_text())?,
            "formats" => r.formats = list(&c, "format", |s| s.plain_text())?,
            "version" => once(&mut r.version, c.plain_text()?, &c)?,
            "rightsList" => r.rights_list = list(&c, "rights", items::rights)?,
            "descriptions" => r.descriptions = list(&c, "description", items::description)?,
            "geoLocations" => r.geo_locations = list(&c, "geoLocation", items::geo_location)?,
            "fundingReferences" => {
                r.funding_references = list(&c, "fundingReference", items::funding_reference)?
            }
            "relatedItems" => r.related_items = list(&c, "relatedItem", items::related_item)?,
            _ => return Err(c.unknown()),
        }
    }
    Ok(r)
}

/// A wrapper element holding only `item` children.
pub(super) fn list<T>(
    wrapper: &At<'_>,
    item: &str,
    f: impl Fn(&At<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    wrapper.only_attrs(&[])?;
    let mut out = Vec::new();
    for c in wrapper.children()? {
        if c.name() != item {
            return Err(c.unknown());
        }
        out.push(f(&c)?);
    }
    Ok(out)
}
