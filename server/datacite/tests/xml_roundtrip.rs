//! DataCite XML → Resource → DataCite XML is lossless for every official example, and
//! everything written is valid against the 4.7 XSD.

mod common;

use common::canonical::{assert_same_xml, canonical};
use strata_datacite::{from_xml, to_xml};

#[test]
fn every_example_round_trips_losslessly_and_stays_schema_valid() {
    for (name, original) in common::examples() {
        let resource = from_xml(&original).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = to_xml(&resource);
        assert_same_xml(&name, &original, &written);
        common::assert_schema_valid(&name, &written);
        // Reading what we wrote gives the same record.
        assert_eq!(
            from_xml(&written).unwrap_or_else(|e| panic!("{name} re-read: {e}")),
            resource,
            "{name}"
        );
    }
}

#[test]
fn the_canonical_comparison_notices_a_lost_attribute() {
    // Guards the guard: a comparison that saw no differences would make the test above vacuous.
    let (_, full) = common::examples()
        .into_iter()
        .find(|(n, _)| n.contains("full"))
        .expect("full example");
    let damaged = full.replacen(" dateInformation=\"ExampleDateInformation\"", "", 1);
    assert_ne!(canonical(&full), canonical(&damaged));
    let moved = full.replacen("<version>1</version>", "<version>2</version>", 1);
    assert_ne!(canonical(&full), canonical(&moved));
}

#[test]
fn writes_the_kernel_4_namespace_and_schema_location() {
    let (_, xml) = common::examples().into_iter().next().expect("an example");
    let written = to_xml(&from_xml(&xml).expect("example reads"));
    let doc = roxmltree::Document::parse(&written).expect("well-formed");
    let root = doc.root_element();
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://datacite.org/schema/kernel-4")
    );
    assert_eq!(
        root.attribute((
            "http://www.w3.org/2001/XMLSchema-instance",
            "schemaLocation"
        )),
        Some(
            "http://datacite.org/schema/kernel-4 https://schema.datacite.org/meta/kernel-4/metadata.xsd"
        )
    );
}

#[test]
fn descriptions_keep_mixed_content_with_line_breaks() {
    // No official example has <br/>, so put some into the full example's abstract.
    let (_, full) = common::examples()
        .into_iter()
        .find(|(n, _)| n.contains("full"))
        .expect("full example");
    let xml = full.replacen(
        ">Example Abstract</description>",
        ">First paragraph &amp; more.<br/>Second <br/> paragraph.<br/></description>",
        1,
    );
    assert_ne!(xml, full);
    let r = from_xml(&xml).expect("reads");
    let abstract_ = &r.descriptions[0];
    use strata_datacite::DescriptionPart::{LineBreak, Text};
    assert_eq!(
        abstract_.content,
        vec![
            Text("First paragraph & more.".into()),
            LineBreak,
            Text("Second ".into()),
            LineBreak,
            Text(" paragraph.".into()),
            LineBreak
        ]
    );
    assert_eq!(
        abstract_.plain_text(),
        "First paragraph & more.\nSecond\nparagraph."
    );
    let written = to_xml(&r);
    assert_same_xml("full+br", &xml, &written);
    common::assert_schema_valid("full-with-br", &written);
}
