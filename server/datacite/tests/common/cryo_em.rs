//! A realistic record as strata would publish it: a cryo-EM movie dataset from a facility.

use strata_datacite::*;

fn orcid(id: &str) -> NameIdentifier {
    NameIdentifier {
        value: format!("https://orcid.org/{id}"),
        scheme: "ORCID".into(),
        scheme_uri: Some("https://orcid.org".into()),
    }
}

fn ror_affiliation(name: &str, ror: &str) -> Affiliation {
    Affiliation {
        name: name.into(),
        identifier: Some(format!("https://ror.org/{ror}")),
        identifier_scheme: Some("ROR".into()),
        scheme_uri: Some("https://ror.org".into()),
    }
}

pub fn record() -> Resource {
    let mut carberry = Creator::person("Carberry", "Josiah");
    carberry.name_identifiers.push(orcid("0000-0002-1825-0097"));
    carberry.affiliations.push(ror_affiliation(
        "Example Structural Biology Institute",
        "04wxnsj81",
    ));
    let mut muñoz = Creator::person("Muñoz-Öztürk", "Ana");
    muñoz.name_identifiers.push(orcid("0000-0002-1694-233X"));
    let facility = Creator::organization("Example Cryo-EM Facility");
    let mut curator = Creator::person("Lee", "Sam");
    curator.name_identifiers.push(orcid("0000-0003-1419-2405"));
    Resource {
        identifier: Some(Identifier::doi("10.82433/strata-cryoem-0042")),
        creators: vec![carberry, muñoz, facility],
        titles: vec![
            Title { value: "Cryo-EM movies of apoferritin at 1.8 Å: the {fast} & \"slow\" collections".into(), ..Title::default() },
            Title { value: "Apoferritin EER movies".into(), title_type: Some(TitleType::AlternativeTitle), lang: Some("en".into()) },
        ],
        publisher: Some(Publisher {
            name: "Strata Imaging Facility".into(),
            identifier: Some("https://ror.org/04z8jg394".into()),
            identifier_scheme: Some("ROR".into()),
            scheme_uri: Some("https://ror.org/".into()),
            lang: Some("en".into()),
        }),
        publication_year: Some("2026".into()),
        resource_type: Some(ResourceType { general: ResourceTypeGeneral::Dataset, value: "Cryo-EM movies".into() }),
        subjects: vec![
            Subject {
                value: "FOS: Biological sciences".into(),
                subject_scheme: Some("Fields of Science and Technology (FOS)".into()),
                scheme_uri: Some("http://www.oecd.org/science/inno".into()),
                ..Subject::default()
            },
            Subject { value: "cryo-electron microscopy".into(), ..Subject::default() },
            Subject { value: "single-particle analysis".into(), lang: Some("en".into()), ..Subject::default() },
        ],
        contributors: vec![
            Contributor { contributor_type: ContributorType::DataCurator, party: curator },
            Contributor {
                contributor_type: ContributorType::HostingInstitution,
                party: Creator::organization("Strata Imaging Facility"),
            },
        ],
        dates: vec![
            Date { value: "2026-03-02/2026-03-04".into(), date_type: DateType::Collected, date_information: None },
            Date { value: "2026-05-17".into(), date_type: DateType::Issued, date_information: None },
            Date {
                value: "2026-06-01".into(),
                date_type: DateType::Other,
                date_information: Some("Embargo lifted".into()),
            },
        ],
        language: Some("en".into()),
        alternate_identifiers: vec![AlternateIdentifier { value: "EMPIAR-99999".into(), identifier_type: "EMPIAR".into() }],
        related_identifiers: vec![
            RelatedIdentifier {
                value: "10.1038/s41586-020-2833-4".into(),
                related_identifier_type: RelatedIdentifierType::Doi,
                relation_type: RelationType::IsSupplementTo,
                resource_type_general: Some(ResourceTypeGeneral::JournalArticle),
                related_metadata_scheme: None,
                scheme_uri: None,
                scheme_type: None,
                relation_type_information: None,
            },
            RelatedIdentifier {
                value: "https://www.ebi.ac.uk/emdb/EMD-11668".into(),
                related_identifier_type: RelatedIdentifierType::Url,
                relation_type: RelationType::Other,
                resource_type_general: Some(ResourceTypeGeneral::Dataset),
                related_metadata_scheme: None,
                scheme_uri: None,
                scheme_type: None,
                relation_type_information: Some("Map reconstructed from these movies".into()),
            },
        ],
        sizes: vec!["1.2 TB".into(), "12 000 movies".into()],
        formats: vec!["image/x-eer".into(), "application/x-mrc".into()],
        version: Some("1.0".into()),
        rights_list: vec![Rights {
            value: "Creative Commons Attribution 4.0 International".into(),
            rights_uri: Some("https://creativecommons.org/licenses/by/4.0/".into()),
            rights_identifier: Some("CC-BY-4.0".into()),
            rights_identifier_scheme: Some("SPDX".into()),
            scheme_uri: Some("https://spdx.org/licenses/".into()),
            lang: Some("en".into()),
        }],
        descriptions: vec![
            Description {
                content: vec![
                    DescriptionPart::Text("12 000 EER movies of horse-spleen apoferritin collected on a 300 kV microscope with a Falcon 4i detector, 50% humidity & 4 °C.".into()),
                    DescriptionPart::LineBreak,
                    DescriptionPart::Text("Dose 40 e⁻/Å², pixel size 0.73 Å; gain reference included.".into()),
                ],
                description_type: DescriptionType::Abstract,
                lang: Some("en".into()),
            },
            Description::text(DescriptionType::Methods, "Vitrified with a Vitrobot Mark IV; collected with EPU <2.0> in AFIS mode."),
        ],
        geo_locations: vec![GeoLocation {
            place: Some("Strata Imaging Facility, Example City".into()),
            point: Some(GeoPoint::new(8.5417, 47.3769)),
            bbox: None,
            polygons: vec![],
        }],
        funding_references: vec![FundingReference {
            funder_name: "European Research Council".into(),
            funder_identifier: Some(FunderIdentifier {
                value: "https://doi.org/10.13039/501100000781".into(),
                funder_identifier_type: FunderIdentifierType::CrossrefFunderId,
                scheme_uri: None,
            }),
            award_number: Some(AwardNumber { value: "101012345".into(), award_uri: None }),
            award_title: Some("Time-resolved cryo-EM".into()),
        }],
        related_items: vec![],
        url: Some("https://strata.example.org/datasets/cryoem-0042".into()),
    }
}
