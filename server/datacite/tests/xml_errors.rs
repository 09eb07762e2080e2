//! Reading rejects what the XSD does not define, and says where.

mod common;

use strata_datacite::{XmlReadError, from_xml};

fn full() -> String {
    common::examples()
        .into_iter()
        .find(|(n, _)| n.contains("full"))
        .expect("full example")
        .1
}

#[test]
fn an_unknown_element_is_an_error_naming_its_path() {
    let xml = full().replacen(
        "<givenName>ExampleGivenName</givenName>",
        "<nickname>Ex</nickname>",
        1,
    );
    let err = from_xml(&xml).expect_err("unknown element must be rejected");
    assert!(
        matches!(err, XmlReadError::UnknownElement { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("/resource/creators/creator[1]/nickname"),
        "{msg}"
    );
}

#[test]
fn an_unknown_top_level_element_is_an_error() {
    let xml = full().replacen("<version>1</version>", "<edition>1</edition>", 1);
    let msg = from_xml(&xml).expect_err("rejected").to_string();
    assert!(msg.contains("/resource/edition"), "{msg}");
}

#[test]
fn a_bad_vocabulary_value_names_the_path_and_the_value() {
    let xml = full().replacen("contributorType=\"Editor\"", "contributorType=\"Boss\"", 1);
    let err = from_xml(&xml).expect_err("bad contributorType must be rejected");
    let msg = err.to_string();
    assert!(
        msg.contains("/resource/contributors/contributor[6]/@contributorType"),
        "{msg}"
    );
    assert!(msg.contains("\"Boss\""), "{msg}");
    assert!(msg.contains("contributorType"), "{msg}");

    let xml = full().replacen("relationType=\"Cites\"", "relationType=\"cites\"", 1);
    let msg = from_xml(&xml)
        .expect_err("vocabularies are case-sensitive")
        .to_string();
    assert!(
        msg.contains("relatedIdentifier[2]/@relationType") && msg.contains("\"cites\""),
        "{msg}"
    );
}

#[test]
fn an_unknown_attribute_and_a_foreign_namespace_are_errors() {
    let xml = full().replacen("<version>", "<version foo=\"bar\">", 1);
    let msg = from_xml(&xml).expect_err("rejected").to_string();
    assert!(
        msg.contains("/resource/version") && msg.contains("foo"),
        "{msg}"
    );

    let xml = full().replacen(
        "<version>1</version>",
        "<x:version xmlns:x=\"urn:other\">1</x:version>",
        1,
    );
    let err = from_xml(&xml).expect_err("rejected");
    assert!(
        matches!(err, XmlReadError::UnknownElement { ref namespace, .. } if namespace.as_deref() == Some("urn:other")),
        "{err:?}"
    );
}

#[test]
fn malformed_xml_and_wrong_roots_are_errors() {
    assert!(matches!(
        from_xml("<resource"),
        Err(XmlReadError::Syntax { .. })
    ));
    assert!(matches!(
        from_xml("<resource xmlns=\"http://datacite.org/schema/kernel-3\"/>"),
        Err(XmlReadError::NotDataCite { .. })
    ));
}

#[test]
fn a_repeated_single_element_is_an_error() {
    let xml = full().replacen(
        "<version>1</version>",
        "<version>1</version><version>2</version>",
        1,
    );
    assert!(matches!(from_xml(&xml), Err(XmlReadError::Repeated { .. })));
}
