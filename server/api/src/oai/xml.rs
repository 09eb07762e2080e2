//! A small writer over quick-xml: every text and attribute value is escaped
//! by quick-xml, after dropping the characters XML 1.0 cannot carry at all.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// Characters XML 1.0 allows (`Char` production); others are dropped.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| xml_char(*c)).collect())
    }
}

pub struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    pub fn new() -> Self {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing into a Vec cannot fail.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Self { w }
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, clean(v).as_ref()));
        }
        let _ = self.w.write_event(Event::Start(start));
    }

    pub fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs>text</name>`.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, clean(v).as_ref()));
        }
        let _ = self.w.write_event(Event::Start(start));
        let text = clean(text);
        if !text.is_empty() {
            let _ = self.w.write_event(Event::Text(BytesText::new(&text)));
        }
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, clean(v).as_ref()));
        }
        let _ = self.w.write_event(Event::Empty(start));
    }

    /// A whole XML document written by another quick-xml writer (the
    /// DataCite record), without its declaration, as an element here.
    pub fn embed_document(&mut self, document: &str) {
        let body = match document.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or("", |(_, b)| b),
            None => document,
        };
        self.w.get_mut().extend_from_slice(b"\n");
        self.w.get_mut().extend_from_slice(body.trim().as_bytes());
    }

    pub fn finish(self) -> String {
        let mut bytes = self.w.into_inner();
        bytes.push(b'\n');
        String::from_utf8(bytes).expect("written from str")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_characters_xml_cannot_carry_dropped() {
        let mut x = Xml::new();
        x.leaf("a", &[("b", "\"<&>\u{1}")], "<&>\u{0}\u{1b}ok\u{FFFF}");
        let out = x.finish();
        assert!(
            out.contains("<a b=\"&quot;&lt;&amp;&gt;\">&lt;&amp;&gt;ok</a>"),
            "{out}"
        );
    }
}
