//! The realistic cryo-EM record writes valid, lossless XML.

mod common;

use common::canonical::assert_same_xml;
use strata_datacite::{from_xml, to_xml};

#[test]
fn the_cryo_em_record_is_schema_valid_and_round_trips() {
    let r = common::cryo_em::record();
    let xml = to_xml(&r);
    common::assert_schema_valid("cryo-em", &xml);
    let back = from_xml(&xml).expect("reads back");
    // The landing page is not part of the XML kernel.
    assert_eq!(back.url, None);
    assert_eq!(back, strata_datacite::Resource { url: None, ..r });
    assert_same_xml("cryo-em", &xml, &to_xml(&back));
    // Escaping: the title's quotes, braces and ampersand are text, not markup.
    assert!(
        xml.contains("the {fast} &amp; \"slow\" collections") || xml.contains("&quot;slow&quot;"),
        "{xml}"
    );
    assert!(xml.contains("EPU &lt;2.0&gt;"), "{xml}");
}

#[test]
fn an_incomplete_record_is_rejected_by_the_xsd() {
    // Guards the validator itself: a record without a publisher must not pass.
    let mut r = common::cryo_em::record();
    r.publisher = None;
    let xml = to_xml(&r);
    let result = std::panic::catch_unwind(|| common::assert_schema_valid("no-publisher", &xml));
    assert!(
        result.is_err(),
        "xmllint accepted a record without <publisher>"
    );
}
