//! The enums match the controlled lists in the vendored include/*.xsd exactly.

mod common;

use strata_datacite::*;

/// The `xs:enumeration` values of the simple type `name` in the vendored include file.
fn xsd_values(file: &str, name: &str) -> Vec<String> {
    let path = common::kernel_dir().join("include").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text).expect("xsd parses");
    let simple = doc
        .descendants()
        .find(|n| n.has_tag_name("simpleType") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("{file} defines no simpleType {name}"));
    simple
        .descendants()
        .filter(|n| n.has_tag_name("enumeration"))
        .map(|n| n.attribute("value").expect("value").to_owned())
        .collect()
}

macro_rules! check {
    ($ty:ty, $file:literal) => {{
        let ours: Vec<String> = <$ty>::ALL.iter().map(|v| v.as_str().to_owned()).collect();
        assert_eq!(
            ours,
            xsd_values($file, <$ty>::XSD_TYPE),
            "{} differs from {}",
            stringify!($ty),
            $file
        );
        for v in <$ty>::ALL {
            assert_eq!(v.as_str().parse::<$ty>().expect("parses back"), *v);
            assert_eq!(
                serde_json::to_value(v).expect("serialises"),
                serde_json::Value::String(v.as_str().into())
            );
        }
    }};
}

#[test]
fn every_controlled_list_matches_the_xsd_exactly() {
    check!(ResourceTypeGeneral, "datacite-resourceType-v4.xsd");
    check!(RelationType, "datacite-relationType-v4.xsd");
    check!(
        RelatedIdentifierType,
        "datacite-relatedIdentifierType-v4.xsd"
    );
    check!(ContributorType, "datacite-contributorType-v4.xsd");
    check!(DateType, "datacite-dateType-v4.xsd");
    check!(DescriptionType, "datacite-descriptionType-v4.xsd");
    check!(TitleType, "datacite-titleType-v4.xsd");
    check!(NameType, "datacite-nameType-v4.xsd");
    check!(FunderIdentifierType, "datacite-funderIdentifierType-v4.xsd");
    check!(NumberType, "datacite-numberType-v4.xsd");
}

#[test]
fn values_are_case_sensitive_and_errors_name_the_list() {
    let err = "dataset"
        .parse::<ResourceTypeGeneral>()
        .expect_err("lower case is not a value");
    assert_eq!(err.vocabulary, "resourceType");
    assert_eq!(
        err.to_string(),
        "\"dataset\" is not a DataCite resourceType value"
    );
    assert_eq!(
        "Crossref Funder ID".parse::<FunderIdentifierType>(),
        Ok(FunderIdentifierType::CrossrefFunderId)
    );
}
