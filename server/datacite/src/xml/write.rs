//! [`Resource`] → DataCite XML in the kernel-4 namespace, elements in the XSD's order.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

use super::{KERNEL_4_NAMESPACE, KERNEL_4_SCHEMA_LOCATION, XSI_NAMESPACE};
use crate::model::*;

mod items;

/// Escapes for text content; `\r` as a reference so end-of-line normalisation on
/// re-reading cannot change it.
fn escape_text(s: &str) -> String {
    quick_xml::escape::escape(s).replace('\r', "&#13;")
}

/// Escapes for attribute values; whitespace other than space as references, since
/// attribute-value normalisation would otherwise turn it into spaces.
fn escape_attr(s: &str) -> String {
    escape_text(s).replace('\n', "&#10;").replace('\t', "&#9;")
}

/// An indenting writer that leaves mixed content (descriptions) untouched.
pub(super) struct Out {
    w: Writer<Vec<u8>>,
    depth: usize,
}

/// Attributes with optional values; `None` ones are not written.
pub(super) type Attrs<'a> = &'a [(&'a str, Option<&'a str>)];

impl Out {
    fn ev(&mut self, e: Event<'_>) {
        // Writing into a Vec cannot fail.
        let _ = self.w.write_event(e);
    }

    fn newline(&mut self) {
        let pad = format!("\n{}", "  ".repeat(self.depth));
        self.ev(Event::Text(BytesText::from_escaped(pad)));
    }

    fn start_tag<'a>(name: &'a str, attrs: Attrs<'a>) -> BytesStart<'a> {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                s.push_attribute(Attribute {
                    key: QName(k.as_bytes()),
                    value: Cow::Owned(escape_attr(v).into_bytes()),
                });
            }
        }
        s
    }

    pub fn open(&mut self, name: &str, attrs: Attrs<'_>) {
        self.newline();
        self.ev(Event::Start(Self::start_tag(name, attrs)));
        self.depth += 1;
    }

    pub fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.newline();
        self.ev(Event::End(BytesEnd::new(name)));
    }

    pub fn leaf(&mut self, name: &str, attrs: Attrs<'_>, text: &str) {
        self.newline();
        self.ev(Event::Start(Self::start_tag(name, attrs)));
        self.raw_text(text);
        self.ev(Event::End(BytesEnd::new(name)));
    }

    pub fn opt_leaf(&mut self, name: &str, text: &Option<String>) {
        if let Some(t) = text {
            self.leaf(name, &[], t);
        }
    }

    /// Starts an element whose content the caller writes inline (no indentation).
    pub fn inline_start(&mut self, name: &str, attrs: Attrs<'_>) {
        self.newline();
        self.ev(Event::Start(Self::start_tag(name, attrs)));
    }

    pub fn inline_end(&mut self, name: &str) {
        self.ev(Event::End(BytesEnd::new(name)));
    }

    pub fn empty(&mut self, name: &str) {
        self.ev(Event::Empty(BytesStart::new(name)));
    }

    pub fn raw_text(&mut self, text: &str) {
        if !text.is_empty() {
            self.ev(Event::Text(BytesText::from_escaped(escape_text(text))));
        }
    }

    /// A wrapper element around a list; nothing at all when the list is empty.
    pub fn wrapped<T>(&mut self, wrapper: &str, items: &[T], mut f: impl FnMut(&mut Out, &T)) {
        if items.is_empty() {
            return;
        }
        self.open(wrapper, &[]);
        for i in items {
            f(self, i);
        }
        self.close(wrapper);
    }
}

/// Writes the record as a DataCite kernel-4 XML document. Valid against the 4.7 XSD when
/// the record is complete (see [`crate::readiness`]); an incomplete record is written as
/// far as it goes, so a draft can still be inspected.
pub fn to_xml(r: &Resource) -> String {
    let mut out = Out {
        w: Writer::new(Vec::new()),
        depth: 0,
    };
    out.ev(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    out.open(
        "resource",
        &[
            ("xmlns", Some(KERNEL_4_NAMESPACE)),
            ("xmlns:xsi", Some(XSI_NAMESPACE)),
            ("xsi:schemaLocation", Some(KERNEL_4_SCHEMA_LOCATION)),
        ],
    );
    if let Some(id) = &r.identifier {
        out.leaf(
            "identifier",
            &[("identifierType", Some(&id.identifier_type))],
            &id.value,
        );
    }
    out.wrapped("creators", &r.creators, |o, c| {
        items::party(o, "creator", "creatorName", None, c)
    });
    out.wrapped("titles", &r.titles, items::title);
    if let Some(p) = &r.publisher {
        out.leaf(
            "publisher",
            &[
                ("publisherIdentifier", p.identifier.as_deref()),
                ("publisherIdentifierScheme", p.identifier_scheme.as_deref()),
                ("schemeURI", p.scheme_uri.as_deref()),
                ("xml:lang", p.lang.as_deref()),
            ],
            &p.name,
        );
    }
    out.opt_leaf("publicationYear", &r.publication_year);
    if let Some(t) = &r.resource_type {
        out.leaf(
            "resourceType",
            &[("resourceTypeGeneral", Some(t.general.as_str()))],
            &t.value,
        );
    }
    out.wrapped("subjects", &r.subjects, items::subject);
    out.wrapped("contributors", &r.contributors, |o, c| {
        items::party(
            o,
            "contributor",
            "contributorName",
            Some(c.contributor_type),
            &c.party,
        )
    });
    out.wrapped("dates", &r.dates, |o, d| {
        o.leaf(
            "date",
            &[
                ("dateType", Some(d.date_type.as_str())),
                ("dateInformation", d.date_information.as_deref()),
            ],
            &d.value,
        )
    });
    out.opt_leaf("language", &r.language);
    out.wrapped("alternateIdentifiers", &r.alternate_identifiers, |o, a| {
        o.leaf(
            "alternateIdentifier",
            &[("alternateIdentifierType", Some(&a.identifier_type))],
            &a.value,
        )
    });
    out.wrapped(
        "relatedIdentifiers",
        &r.related_identifiers,
        items::related_identifier,
    );
    out.wrapped("sizes", &r.sizes, |o, s| o.leaf("size", &[], s));
    out.wrapped("formats", &r.formats, |o, s| o.leaf("format", &[], s));
    out.opt_leaf("version", &r.version);
    out.wrapped("rightsList", &r.rights_list, items::rights);
    out.wrapped("descriptions", &r.descriptions, items::description);
    out.wrapped("geoLocations", &r.geo_locations, items::geo_location);
    out.wrapped(
        "fundingReferences",
        &r.funding_references,
        items::funding_reference,
    );
    out.wrapped("relatedItems", &r.related_items, items::related_item);
    out.close("resource");
    let mut bytes = out.w.into_inner();
    bytes.push(b'\n');
    // Every piece written above came from a &str.
    String::from_utf8(bytes).unwrap_or_default()
}
