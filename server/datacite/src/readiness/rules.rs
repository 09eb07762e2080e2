//! The per-property rules.

use super::{Check, Obligation::*, blank, is_doi, is_ror_id, is_year};
use crate::model::{Creator, Resource};

pub(super) fn mandatory(c: &mut Check, r: &Resource) {
    match &r.identifier {
        None => c.missing("Identifier", Mandatory, "Add the DOI that will identify this dataset (reserve one from the DataCite prefix, e.g. 10.82433/abc-123)."),
        Some(id) if blank(&id.value) => c.missing("Identifier", Mandatory, "The identifier is empty: fill in the DOI that will identify this dataset."),
        Some(id) => {
            if id.identifier_type.trim() != "DOI" {
                c.invalid("Identifier", Mandatory, format!("The identifier type is {:?}; DataCite registers DOIs only, so set it to \"DOI\".", id.identifier_type));
            } else if !r.doi().is_some_and(is_doi) {
                c.invalid("Identifier", Mandatory, format!("{:?} is not a DOI: it must look like 10.NNNN/suffix (a 10. prefix of at least four digits, a slash, then the suffix).", id.value.trim()));
            }
        }
    }
    if r.creators.iter().all(|p| blank(&p.name.value)) {
        c.missing("Creator", Mandatory, "Add at least one creator: the people or organisations who produced the data, in citation order.");
    }
    let creators: Vec<(&str, &Creator)> = r.creators.iter().map(|p| ("creator", p)).collect();
    c.parties("Creator", Mandatory, &creators);
    if r.titles.iter().all(|t| blank(&t.value)) {
        c.missing(
            "Title",
            Mandatory,
            "Add a title: the name by which the dataset will be cited.",
        );
    }
    match &r.publisher {
        Some(p) if !blank(&p.name) => {
            let ror = p
                .identifier_scheme
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("ROR"));
            if let (true, Some(id)) = (ror, &p.identifier)
                && !is_ror_id(id)
            {
                c.invalid(
                    "Publisher",
                    Mandatory,
                    format!(
                        "The publisher's ROR id {:?} is not a ROR id (https://ror.org/0xxxxxxNN).",
                        id.trim()
                    ),
                );
            }
        }
        _ => c.missing(
            "Publisher",
            Mandatory,
            "Add the publisher: the facility or repository that holds and distributes the data.",
        ),
    }
    match &r.publication_year {
        None => c.missing(
            "PublicationYear",
            Mandatory,
            "Add the publication year: the year the data is (or will be) made public, as YYYY.",
        ),
        Some(y) if blank(y) => c.missing(
            "PublicationYear",
            Mandatory,
            "Add the publication year: the year the data is (or will be) made public, as YYYY.",
        ),
        Some(y) if !is_year(y) => c.invalid(
            "PublicationYear",
            Mandatory,
            format!(
                "The publication year {:?} must be four digits, e.g. 2026.",
                y.trim()
            ),
        ),
        Some(_) => {}
    }
    if r.resource_type.is_none() {
        c.missing("ResourceType", Mandatory, "Add the resource type: a general type such as Dataset, optionally with a more specific description (e.g. \"Cryo-EM movies\").");
    }
}

pub(super) fn recommended(c: &mut Check, r: &Resource) {
    if r.subjects.iter().all(|s| blank(&s.value)) {
        c.missing("Subject", Recommended, "Add subjects or keywords (e.g. a Fields of Science term and the technique) so the dataset can be found by topic.");
    }
    if r.contributors.is_empty() {
        c.missing(
            "Contributor",
            Recommended,
            "Add contributors such as the contact person, data curator or the hosting facility.",
        );
    }
    let contributors: Vec<(&str, &Creator)> = r
        .contributors
        .iter()
        .map(|p| ("contributor", &p.party))
        .collect();
    c.parties("Contributor", Recommended, &contributors);
    if r.dates.is_empty() {
        c.missing("Date", Recommended, "Add dates, e.g. when the data was collected (Collected) and made available (Available).");
    }
    if r.related_identifiers.is_empty() {
        c.missing("RelatedIdentifier", Recommended, "Link related resources, e.g. the paper that describes the data (IsSupplementTo) or the EMDB/EMPIAR entries.");
    }
    for x in &r.related_identifiers {
        if x.related_identifier_type == crate::RelatedIdentifierType::Doi && !is_doi(x.value.trim())
        {
            c.invalid("RelatedIdentifier", Recommended, format!("The related DOI {:?} must look like 10.NNNN/suffix (without https://doi.org/).", x.value.trim()));
        }
    }
    if !r.descriptions.iter().any(|d| {
        d.description_type == crate::DescriptionType::Abstract && !d.plain_text().is_empty()
    }) {
        c.missing("Description", Recommended, "Add an abstract describing what the data is, how it was acquired and how it can be reused.");
    }
    if r.geo_locations.is_empty() {
        c.missing(
            "GeoLocation",
            Recommended,
            "Add a geolocation where relevant, e.g. the facility where the data was collected.",
        );
    }
}
