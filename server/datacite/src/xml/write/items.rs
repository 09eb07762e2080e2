//! Writers for the repeated items inside wrapper elements.

use super::Out;
use crate::ContributorType;
use crate::model::*;

pub(super) fn party(
    o: &mut Out,
    element: &str,
    name_element: &str,
    role: Option<ContributorType>,
    p: &Creator,
) {
    o.open(
        element,
        &[("contributorType", role.map(ContributorType::as_str))],
    );
    name(o, name_element, &p.name);
    o.opt_leaf("givenName", &p.given_name);
    o.opt_leaf("familyName", &p.family_name);
    for n in &p.name_identifiers {
        o.leaf(
            "nameIdentifier",
            &[
                ("nameIdentifierScheme", Some(&n.scheme)),
                ("schemeURI", n.scheme_uri.as_deref()),
            ],
            &n.value,
        );
    }
    for a in &p.affiliations {
        o.leaf(
            "affiliation",
            &[
                ("affiliationIdentifier", a.identifier.as_deref()),
                (
                    "affiliationIdentifierScheme",
                    a.identifier_scheme.as_deref(),
                ),
                ("schemeURI", a.scheme_uri.as_deref()),
            ],
            &a.name,
        );
    }
    o.close(element);
}

fn name(o: &mut Out, element: &str, n: &Name) {
    o.leaf(
        element,
        &[
            ("nameType", n.name_type.map(|t| t.as_str())),
            ("xml:lang", n.lang.as_deref()),
        ],
        &n.value,
    );
}

fn item_party(
    o: &mut Out,
    element: &str,
    name_element: &str,
    role: Option<ContributorType>,
    p: &ItemCreator,
) {
    o.open(
        element,
        &[("contributorType", role.map(ContributorType::as_str))],
    );
    name(o, name_element, &p.name);
    o.opt_leaf("givenName", &p.given_name);
    o.opt_leaf("familyName", &p.family_name);
    o.close(element);
}

pub(super) fn title(o: &mut Out, t: &Title) {
    o.leaf(
        "title",
        &[
            ("titleType", t.title_type.map(|t| t.as_str())),
            ("xml:lang", t.lang.as_deref()),
        ],
        &t.value,
    );
}

pub(super) fn subject(o: &mut Out, s: &Subject) {
    o.leaf(
        "subject",
        &[
            ("subjectScheme", s.subject_scheme.as_deref()),
            ("schemeURI", s.scheme_uri.as_deref()),
            ("valueURI", s.value_uri.as_deref()),
            ("classificationCode", s.classification_code.as_deref()),
            ("xml:lang", s.lang.as_deref()),
        ],
        &s.value,
    );
}

pub(super) fn related_identifier(o: &mut Out, r: &RelatedIdentifier) {
    o.leaf(
        "relatedIdentifier",
        &[
            (
                "relatedIdentifierType",
                Some(r.related_identifier_type.as_str()),
            ),
            ("relationType", Some(r.relation_type.as_str())),
            (
                "resourceTypeGeneral",
                r.resource_type_general.map(|t| t.as_str()),
            ),
            (
                "relatedMetadataScheme",
                r.related_metadata_scheme.as_deref(),
            ),
            ("schemeURI", r.scheme_uri.as_deref()),
            ("schemeType", r.scheme_type.as_deref()),
            (
                "relationTypeInformation",
                r.relation_type_information.as_deref(),
            ),
        ],
        &r.value,
    );
}

pub(super) fn rights(o: &mut Out, r: &Rights) {
    o.leaf(
        "rights",
        &[
            ("rightsURI", r.rights_uri.as_deref()),
            ("rightsIdentifier", r.rights_identifier.as_deref()),
            (
                "rightsIdentifierScheme",
                r.rights_identifier_scheme.as_deref(),
            ),
            ("schemeURI", r.scheme_uri.as_deref()),
            ("xml:lang", r.lang.as_deref()),
        ],
        &r.value,
    );
}

pub(super) fn description(o: &mut Out, d: &Description) {
    o.inline_start(
        "description",
        &[
            ("descriptionType", Some(d.description_type.as_str())),
            ("xml:lang", d.lang.as_deref()),
        ],
    );
    for part in &d.content {
        match part {
            DescriptionPart::Text(t) => o.raw_text(t),
            DescriptionPart::LineBreak => o.empty("br"),
        }
    }
    o.inline_end("description");
}

fn point(o: &mut Out, element: &str, p: &GeoPoint) {
    o.open(element, &[]);
    o.leaf("pointLongitude", &[], &p.longitude);
    o.leaf("pointLatitude", &[], &p.latitude);
    o.close(element);
}

pub(super) fn geo_location(o: &mut Out, g: &GeoLocation) {
    o.open("geoLocation", &[]);
    o.opt_leaf("geoLocationPlace", &g.place);
    if let Some(p) = &g.point {
        point(o, "geoLocationPoint", p);
    }
    if let Some(b) = &g.bbox {
        o.open("geoLocationBox", &[]);
        o.leaf("westBoundLongitude", &[], &b.west);
        o.leaf("eastBoundLongitude", &[], &b.east);
        o.leaf("southBoundLatitude", &[], &b.south);
        o.leaf("northBoundLatitude", &[], &b.north);
        o.close("geoLocationBox");
    }
    for poly in &g.polygons {
        o.open("geoLocationPolygon", &[]);
        for p in &poly.points {
            point(o, "polygonPoint", p);
        }
        if let Some(p) = &poly.in_polygon_point {
            point(o, "inPolygonPoint", p);
        }
        o.close("geoLocationPolygon");
    }
    o.close("geoLocation");
}

pub(super) fn funding_reference(o: &mut Out, f: &FundingReference) {
    o.open("fundingReference", &[]);
    o.leaf("funderName", &[], &f.funder_name);
    if let Some(id) = &f.funder_identifier {
        o.leaf(
            "funderIdentifier",
            &[
                (
                    "funderIdentifierType",
                    Some(id.funder_identifier_type.as_str()),
                ),
                ("schemeURI", id.scheme_uri.as_deref()),
            ],
            &id.value,
        );
    }
    if let Some(a) = &f.award_number {
        o.leaf(
            "awardNumber",
            &[("awardURI", a.award_uri.as_deref())],
            &a.value,
        );
    }
    o.opt_leaf("awardTitle", &f.award_title);
    o.close("fundingReference");
}

pub(super) fn related_item(o: &mut Out, i: &RelatedItem) {
    o.open(
        "relatedItem",
        &[
            ("relatedItemType", Some(i.related_item_type.as_str())),
            ("relationType", Some(i.relation_type.as_str())),
            (
                "relationTypeInformation",
                i.relation_type_information.as_deref(),
            ),
        ],
    );
    if let Some(id) = &i.identifier {
        o.leaf(
            "relatedItemIdentifier",
            &[
                (
                    "relatedItemIdentifierType",
                    id.related_item_identifier_type.map(|t| t.as_str()),
                ),
                (
                    "relatedMetadataScheme",
                    id.related_metadata_scheme.as_deref(),
                ),
                ("schemeURI", id.scheme_uri.as_deref()),
                ("schemeType", id.scheme_type.as_deref()),
            ],
            &id.value,
        );
    }
    o.wrapped("creators", &i.creators, |o, c| {
        item_party(o, "creator", "creatorName", None, c)
    });
    o.wrapped("titles", &i.titles, title);
    o.opt_leaf("publicationYear", &i.publication_year);
    o.opt_leaf("volume", &i.volume);
    o.opt_leaf("issue", &i.issue);
    if let Some(n) = &i.number {
        o.leaf(
            "number",
            &[("numberType", n.number_type.map(|t| t.as_str()))],
            &n.value,
        );
    }
    o.opt_leaf("firstPage", &i.first_page);
    o.opt_leaf("lastPage", &i.last_page);
    o.opt_leaf("publisher", &i.publisher);
    o.opt_leaf("edition", &i.edition);
    o.wrapped("contributors", &i.contributors, |o, c| {
        item_party(
            o,
            "contributor",
            "contributorName",
            Some(c.contributor_type),
            &c.party,
        )
    });
    o.close("relatedItem");
}
