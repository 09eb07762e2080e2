//! [`Resource`] → DataCite JSON attributes.

use serde_json::{Map, Value, json};

use super::LINE_BREAK;
use crate::model::*;

/// Inserts `key` only when there is a value: the API treats absent and null alike, and
/// absent keeps documents small.
fn put(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        m.insert(key.to_owned(), Value::String(v.to_owned()));
    }
}

fn obj(pairs: &[(&str, Option<&str>)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        put(&mut m, k, *v);
    }
    Value::Object(m)
}

/// A number when `s` reads back as exactly `s`, else the string itself.
pub(super) fn numeric_or_string(s: &str) -> Value {
    if let Ok(f) = s.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
        && n.to_string() == s
    {
        return Value::Number(n);
    }
    if let Ok(i) = s.parse::<i64>()
        && i.to_string() == s
    {
        return Value::from(i);
    }
    Value::String(s.to_owned())
}

fn name_fields(
    m: &mut Map<String, Value>,
    name: &Name,
    given: &Option<String>,
    family: &Option<String>,
) {
    put(m, "name", Some(&name.value));
    put(m, "nameType", name.name_type.map(|t| t.as_str()));
    put(m, "givenName", given.as_deref());
    put(m, "familyName", family.as_deref());
    put(m, "lang", name.lang.as_deref());
}

fn party(p: &Creator, role: Option<crate::ContributorType>) -> Value {
    let mut m = Map::new();
    name_fields(&mut m, &p.name, &p.given_name, &p.family_name);
    put(&mut m, "contributorType", role.map(|r| r.as_str()));
    let ids: Vec<Value> = p
        .name_identifiers
        .iter()
        .map(|n| {
            obj(&[
                ("nameIdentifier", Some(&n.value)),
                ("nameIdentifierScheme", Some(&n.scheme)),
                ("schemeUri", n.scheme_uri.as_deref()),
            ])
        })
        .collect();
    m.insert("nameIdentifiers".into(), Value::Array(ids));
    let affs: Vec<Value> = p
        .affiliations
        .iter()
        .map(|a| {
            obj(&[
                ("name", Some(&a.name)),
                ("affiliationIdentifier", a.identifier.as_deref()),
                (
                    "affiliationIdentifierScheme",
                    a.identifier_scheme.as_deref(),
                ),
                ("schemeUri", a.scheme_uri.as_deref()),
            ])
        })
        .collect();
    m.insert("affiliation".into(), Value::Array(affs));
    Value::Object(m)
}

fn item_party(p: &ItemCreator, role: Option<crate::ContributorType>) -> Value {
    let mut m = Map::new();
    name_fields(&mut m, &p.name, &p.given_name, &p.family_name);
    put(&mut m, "contributorType", role.map(|r| r.as_str()));
    Value::Object(m)
}

fn title(t: &Title) -> Value {
    obj(&[
        ("title", Some(&t.value)),
        ("titleType", t.title_type.map(|t| t.as_str())),
        ("lang", t.lang.as_deref()),
    ])
}

fn point(p: &GeoPoint) -> Value {
    json!({"pointLongitude": numeric_or_string(&p.longitude), "pointLatitude": numeric_or_string(&p.latitude)})
}

fn polygon(poly: &GeoPolygon) -> Value {
    let mut v: Vec<Value> = poly
        .points
        .iter()
        .map(|p| json!({"polygonPoint": point(p)}))
        .collect();
    if let Some(p) = &poly.in_polygon_point {
        v.push(json!({"inPolygonPoint": point(p)}));
    }
    Value::Array(v)
}

fn geo_location(g: &GeoLocation) -> Value {
    let mut m = Map::new();
    put(&mut m, "geoLocationPlace", g.place.as_deref());
    if let Some(p) = &g.point {
        m.insert("geoLocationPoint".into(), point(p));
    }
    if let Some(b) = &g.bbox {
        m.insert(
            "geoLocationBox".into(),
            json!({
                "westBoundLongitude": numeric_or_string(&b.west),
                "eastBoundLongitude": numeric_or_string(&b.east),
                "southBoundLatitude": numeric_or_string(&b.south),
                "northBoundLatitude": numeric_or_string(&b.north),
            }),
        );
    }
    match g.polygons.as_slice() {
        [] => {}
        [one] => {
            m.insert("geoLocationPolygon".into(), polygon(one));
        }
        many => {
            m.insert(
                "geoLocationPolygon".into(),
                Value::Array(many.iter().map(polygon).collect()),
            );
        }
    }
    Value::Object(m)
}

fn description(d: &Description) -> Value {
    let text: String = d
        .content
        .iter()
        .map(|p| match p {
            DescriptionPart::Text(t) => t.as_str(),
            DescriptionPart::LineBreak => LINE_BREAK,
        })
        .collect();
    obj(&[
        ("description", Some(&text)),
        ("descriptionType", Some(d.description_type.as_str())),
        ("lang", d.lang.as_deref()),
    ])
}

fn related_item(i: &RelatedItem) -> Value {
    let mut m = Map::new();
    put(
        &mut m,
        "relatedItemType",
        Some(i.related_item_type.as_str()),
    );
    put(&mut m, "relationType", Some(i.relation_type.as_str()));
    put(
        &mut m,
        "relationTypeInformation",
        i.relation_type_information.as_deref(),
    );
    if let Some(id) = &i.identifier {
        m.insert(
            "relatedItemIdentifier".into(),
            obj(&[
                ("relatedItemIdentifier", Some(&id.value)),
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
            ]),
        );
    }
    m.insert(
        "creators".into(),
        i.creators.iter().map(|c| item_party(c, None)).collect(),
    );
    m.insert("titles".into(), i.titles.iter().map(title).collect());
    put(&mut m, "publicationYear", i.publication_year.as_deref());
    put(&mut m, "volume", i.volume.as_deref());
    put(&mut m, "issue", i.issue.as_deref());
    if let Some(n) = &i.number {
        put(&mut m, "number", Some(&n.value));
        put(&mut m, "numberType", n.number_type.map(|t| t.as_str()));
    }
    put(&mut m, "firstPage", i.first_page.as_deref());
    put(&mut m, "lastPage", i.last_page.as_deref());
    put(&mut m, "publisher", i.publisher.as_deref());
    put(&mut m, "edition", i.edition.as_deref());
    m.insert(
        "contributors".into(),
        i.contributors
            .iter()
            .map(|c| item_party(&c.party, Some(c.contributor_type)))
            .collect(),
    );
    Value::Object(m)
}

/// The record as DataCite REST API `attributes` (for `POST/PUT /dois`, inside
/// `{"data": {"type": "dois", "attributes": …}}`).
pub fn to_datacite_json(r: &Resource) -> Value {
    let mut m = Map::new();
    if let Some(id) = &r.identifier {
        if id.identifier_type == "DOI" {
            put(&mut m, "doi", Some(&id.value));
        } else {
            m.insert(
                "identifier".into(),
                json!({"identifier": id.value, "identifierType": id.identifier_type}),
            );
        }
    }
    put(&mut m, "url", r.url.as_deref());
    m.insert(
        "identifiers".into(),
        r.alternate_identifiers
            .iter()
            .map(|a| json!({"identifier": a.value, "identifierType": a.identifier_type}))
            .collect(),
    );
    m.insert(
        "creators".into(),
        r.creators.iter().map(|c| party(c, None)).collect(),
    );
    m.insert("titles".into(), r.titles.iter().map(title).collect());
    if let Some(p) = &r.publisher {
        m.insert(
            "publisher".into(),
            obj(&[
                ("name", Some(&p.name)),
                ("publisherIdentifier", p.identifier.as_deref()),
                ("publisherIdentifierScheme", p.identifier_scheme.as_deref()),
                ("schemeUri", p.scheme_uri.as_deref()),
                ("lang", p.lang.as_deref()),
            ]),
        );
    }
    if let Some(y) = &r.publication_year {
        let v = match y.parse::<u16>() {
            Ok(n) if n.to_string() == *y => Value::from(n),
            _ => Value::String(y.clone()),
        };
        m.insert("publicationYear".into(), v);
    }
    if let Some(t) = &r.resource_type {
        let mut types = Map::new();
        put(&mut types, "resourceTypeGeneral", Some(t.general.as_str()));
        if !t.value.is_empty() {
            put(&mut types, "resourceType", Some(&t.value));
        }
        m.insert("types".into(), Value::Object(types));
    }
    let subjects = r.subjects.iter().map(|s| {
        obj(&[
            ("subject", Some(&s.value)),
            ("subjectScheme", s.subject_scheme.as_deref()),
            ("schemeUri", s.scheme_uri.as_deref()),
            ("valueUri", s.value_uri.as_deref()),
            ("classificationCode", s.classification_code.as_deref()),
            ("lang", s.lang.as_deref()),
        ])
    });
    m.insert("subjects".into(), subjects.collect());
    m.insert(
        "contributors".into(),
        r.contributors
            .iter()
            .map(|c| party(&c.party, Some(c.contributor_type)))
            .collect(),
    );
    let dates = r.dates.iter().map(|d| {
        obj(&[
            ("date", Some(&d.value)),
            ("dateType", Some(d.date_type.as_str())),
            ("dateInformation", d.date_information.as_deref()),
        ])
    });
    m.insert("dates".into(), dates.collect());
    put(&mut m, "language", r.language.as_deref());
    let related = r.related_identifiers.iter().map(|x| {
        obj(&[
            ("relatedIdentifier", Some(&x.value)),
            (
                "relatedIdentifierType",
                Some(x.related_identifier_type.as_str()),
            ),
            ("relationType", Some(x.relation_type.as_str())),
            (
                "resourceTypeGeneral",
                x.resource_type_general.map(|t| t.as_str()),
            ),
            (
                "relatedMetadataScheme",
                x.related_metadata_scheme.as_deref(),
            ),
            ("schemeUri", x.scheme_uri.as_deref()),
            ("schemeType", x.scheme_type.as_deref()),
            (
                "relationTypeInformation",
                x.relation_type_information.as_deref(),
            ),
        ])
    });
    m.insert("relatedIdentifiers".into(), related.collect());
    m.insert(
        "sizes".into(),
        r.sizes.iter().map(|s| Value::String(s.clone())).collect(),
    );
    m.insert(
        "formats".into(),
        r.formats.iter().map(|s| Value::String(s.clone())).collect(),
    );
    put(&mut m, "version", r.version.as_deref());
    let rights = r.rights_list.iter().map(|x| {
        obj(&[
            ("rights", Some(&x.value)),
            ("rightsUri", x.rights_uri.as_deref()),
            ("rightsIdentifier", x.rights_identifier.as_deref()),
            (
                "rightsIdentifierScheme",
                x.rights_identifier_scheme.as_deref(),
            ),
            ("schemeUri", x.scheme_uri.as_deref()),
            ("lang", x.lang.as_deref()),
        ])
    });
    m.insert("rightsList".into(), rights.collect());
    m.insert(
        "descriptions".into(),
        r.descriptions.iter().map(description).collect(),
    );
    m.insert(
        "geoLocations".into(),
        r.geo_locations.iter().map(geo_location).collect(),
    );
    let funding = r.funding_references.iter().map(|f| {
        let id = f.funder_identifier.as_ref();
        let award = f.award_number.as_ref();
        obj(&[
            ("funderName", Some(&f.funder_name)),
            ("funderIdentifier", id.map(|i| i.value.as_str())),
            (
                "funderIdentifierType",
                id.map(|i| i.funder_identifier_type.as_str()),
            ),
            ("schemeUri", id.and_then(|i| i.scheme_uri.as_deref())),
            ("awardNumber", award.map(|a| a.value.as_str())),
            ("awardUri", award.and_then(|a| a.award_uri.as_deref())),
            ("awardTitle", f.award_title.as_deref()),
        ])
    });
    m.insert("fundingReferences".into(), funding.collect());
    m.insert(
        "relatedItems".into(),
        r.related_items.iter().map(related_item).collect(),
    );
    m.insert(
        "schemaVersion".into(),
        Value::String(crate::xml::KERNEL_4_NAMESPACE.to_owned()),
    );
    Value::Object(m)
}
