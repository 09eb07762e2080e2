//! readiness() reports each missing or malformed property with a sentence, and
//! is_publishable() follows the mandatory ones only.

mod common;

use strata_datacite::readiness::{is_doi, is_orcid, is_ror_id, is_year};
use strata_datacite::*;

fn props<'a>(fs: impl Iterator<Item = &'a Finding>) -> Vec<&'static str> {
    fs.map(|f| f.property).collect()
}

#[test]
fn the_complete_cryo_em_record_is_publishable_with_nothing_missing() {
    let r = readiness(&common::cryo_em::record());
    assert!(r.is_publishable(), "{r:#?}");
    assert!(r.missing.is_empty() && r.invalid.is_empty(), "{r:#?}");
}

#[test]
fn an_empty_record_lists_all_six_mandatory_and_six_recommended_properties() {
    let r = readiness(&Resource::default());
    assert!(!r.is_publishable());
    assert_eq!(
        props(r.missing_mandatory()),
        [
            "Identifier",
            "Creator",
            "Title",
            "Publisher",
            "PublicationYear",
            "ResourceType"
        ]
    );
    assert_eq!(
        props(r.missing_recommended()),
        [
            "Subject",
            "Contributor",
            "Date",
            "RelatedIdentifier",
            "Description",
            "GeoLocation"
        ]
    );
    for f in &r.missing {
        assert!(
            f.message.len() > 20 && f.message.ends_with('.'),
            "not a sentence: {f:?}"
        );
    }
    let creator = r
        .missing
        .iter()
        .find(|f| f.property == "Creator")
        .expect("creator finding");
    assert!(
        creator.message.contains("Add at least one creator"),
        "{creator:?}"
    );
}

#[test]
fn each_mandatory_property_alone_blocks_publishing() {
    type Strip = fn(&mut Resource);
    let cases: [(&str, Strip); 6] = [
        ("Identifier", |r| r.identifier = None),
        ("Creator", |r| r.creators.clear()),
        ("Title", |r| r.titles.clear()),
        ("Publisher", |r| r.publisher = None),
        ("PublicationYear", |r| r.publication_year = None),
        ("ResourceType", |r| r.resource_type = None),
    ];
    for (property, strip) in cases {
        let mut rec = common::cryo_em::record();
        strip(&mut rec);
        let r = readiness(&rec);
        assert!(!r.is_publishable(), "{property} missing but publishable");
        assert_eq!(props(r.missing_mandatory()), [property]);
    }
}

#[test]
fn missing_recommended_properties_do_not_block_publishing() {
    let mut rec = common::cryo_em::record();
    rec.subjects.clear();
    rec.geo_locations.clear();
    rec.descriptions
        .retain(|d| d.description_type != DescriptionType::Abstract);
    let r = readiness(&rec);
    assert!(r.is_publishable(), "{r:#?}");
    assert_eq!(
        props(r.missing_recommended()),
        ["Subject", "Description", "GeoLocation"]
    );
}

#[test]
fn malformed_doi_orcid_ror_and_year_are_reported_as_invalid() {
    let mut rec = common::cryo_em::record();
    rec.identifier = Some(Identifier::doi("10.123/too-short-prefix"));
    rec.creators[0].name_identifiers[0].value = "https://orcid.org/0000-0002-1825-0098".into();
    rec.creators[0].affiliations[0].identifier = Some("https://ror.org/12345".into());
    rec.publication_year = Some("26".into());
    let r = readiness(&rec);
    assert!(!r.is_publishable());
    assert_eq!(
        props(r.invalid.iter()),
        ["Identifier", "Creator", "Creator", "PublicationYear"],
        "{r:#?}"
    );
    let text: Vec<&str> = r.invalid.iter().map(|f| f.message.as_str()).collect();
    assert!(
        text[0].contains("10.123/too-short-prefix") && text[0].contains("10.NNNN/"),
        "{text:?}"
    );
    assert!(
        text[1].contains("0000-0002-1825-0098") && text[1].contains("check digit"),
        "{text:?}"
    );
    assert!(text[2].contains("ror.org/12345"), "{text:?}");
    assert!(text[3].contains("four digits"), "{text:?}");
}

#[test]
fn a_bad_orcid_on_a_contributor_is_reported_but_does_not_block() {
    let mut rec = common::cryo_em::record();
    rec.contributors[0].party.name_identifiers[0].value = "0000-0003-1419-2404".into();
    let r = readiness(&rec);
    assert_eq!(props(r.invalid.iter()), ["Contributor"]);
    assert!(r.is_publishable());
}

#[test]
fn identifier_checks() {
    assert!(is_doi("10.82433/B09Z-4K37"));
    assert!(is_doi("10.1000.10/abc"));
    assert!(
        !is_doi("10.123/x")
            && !is_doi("10.1234/")
            && !is_doi("10.1234/a b")
            && !is_doi("11.1234/x")
    );
    assert!(is_orcid("0000-0002-1825-0097") && is_orcid("https://orcid.org/0000-0002-1694-233X"));
    assert!(
        !is_orcid("0000-0002-1825-0098")
            && !is_orcid("0000-0002-1825-009")
            && !is_orcid("0000 0002 1825 0097")
    );
    assert!(is_ror_id("https://ror.org/04wxnsj81") && is_ror_id("03yrm5c26"));
    assert!(
        !is_ror_id("https://ror.org/14wxnsj81")
            && !is_ror_id("04wxnsjl1")
            && !is_ror_id("04wxnsj8")
    );
    assert!(is_year("2026") && !is_year("26") && !is_year("20X6"));
}

#[test]
fn official_examples_pass_the_mandatory_checks_except_a_placeholder_ror_id() {
    for (name, xml) in common::examples() {
        let r = readiness(&from_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}")));
        assert!(r.missing_mandatory().next().is_none(), "{name}: {r:#?}");
        if name == "datacite-example-award-v4.xml" {
            // That example uses the made-up ROR id https://ror.org/12abcde34 (ROR ids start with 0).
            assert_eq!(props(r.invalid.iter()), ["Creator", "Publisher"], "{r:#?}");
            assert!(r.invalid.iter().all(|f| f.message.contains("12abcde34")));
            assert!(!r.is_publishable());
        } else {
            assert!(r.is_publishable(), "{name}: {r:#?}");
        }
    }
}
