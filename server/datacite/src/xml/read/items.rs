//! The repeated items inside the wrapper elements.

use super::{At, Result, XmlReadError, list, once};
use crate::model::*;
use crate::xml::tree::Node;

fn name(c: &At<'_>) -> Result<Name> {
    c.only_attrs(&["nameType", "xml:lang"])?;
    Ok(Name {
        value: c.text()?,
        name_type: c.vocab("nameType")?,
        lang: c.attr("xml:lang"),
    })
}

/// Shared body of `creator` and `contributor`; `full` allows identifiers and affiliations
/// (related items' creators have neither).
fn party(c: &At<'_>, name_element: &str, full: bool) -> Result<Creator> {
    let mut p = Creator::default();
    let mut name_seen = None;
    for k in c.children()? {
        match k.name() {
            n if n == name_element => once(&mut name_seen, name(&k)?, &k)?,
            "givenName" => once(&mut p.given_name, k.plain_text()?, &k)?,
            "familyName" => once(&mut p.family_name, k.plain_text()?, &k)?,
            "nameIdentifier" if full => {
                k.only_attrs(&["nameIdentifierScheme", "schemeURI"])?;
                p.name_identifiers.push(NameIdentifier {
                    value: k.text()?,
                    scheme: k.required_attr("nameIdentifierScheme")?,
                    scheme_uri: k.attr("schemeURI"),
                });
            }
            "affiliation" if full => {
                k.only_attrs(&[
                    "affiliationIdentifier",
                    "affiliationIdentifierScheme",
                    "schemeURI",
                ])?;
                p.affiliations.push(Affiliation {
                    name: k.text()?,
                    identifier: k.attr("affiliationIdentifier"),
                    identifier_scheme: k.attr("affiliationIdentifierScheme"),
                    scheme_uri: k.attr("schemeURI"),
                });
            }
            _ => return Err(k.unknown()),
        }
    }
    p.name = name_seen.ok_or_else(|| c.missing(name_element))?;
    Ok(p)
}

pub(super) fn creator(c: &At<'_>) -> Result<Creator> {
    c.only_attrs(&[])?;
    party(c, "creatorName", true)
}

pub(super) fn contributor(c: &At<'_>) -> Result<Contributor> {
    c.only_attrs(&["contributorType"])?;
    let contributor_type = c.required_vocab("contributorType")?;
    Ok(Contributor {
        contributor_type,
        party: party(c, "contributorName", true)?,
    })
}

fn item_party(p: Creator) -> ItemCreator {
    ItemCreator {
        name: p.name,
        given_name: p.given_name,
        family_name: p.family_name,
    }
}

pub(super) fn title(c: &At<'_>) -> Result<Title> {
    c.only_attrs(&["titleType", "xml:lang"])?;
    Ok(Title {
        value: c.text()?,
        title_type: c.vocab("titleType")?,
        lang: c.attr("xml:lang"),
    })
}

pub(super) fn subject(c: &At<'_>) -> Result<Subject> {
    c.only_attrs(&[
        "subjectScheme",
        "schemeURI",
        "valueURI",
        "classificationCode",
        "xml:lang",
    ])?;
    Ok(Subject {
        value: c.text()?,
        subject_scheme: c.attr("subjectScheme"),
        scheme_uri: c.attr("schemeURI"),
        value_uri: c.attr("valueURI"),
        classification_code: c.attr("classificationCode"),
        lang: c.attr("xml:lang"),
    })
}

pub(super) fn date(c: &At<'_>) -> Result<Date> {
    c.only_attrs(&["dateType", "dateInformation"])?;
    Ok(Date {
        value: c.text()?,
        date_type: c.required_vocab("dateType")?,
        date_information: c.attr("dateInformation"),
    })
}

pub(super) fn related_identifier(c: &At<'_>) -> Result<RelatedIdentifier> {
    c.only_attrs(&[
        "resourceTypeGeneral",
        "relatedIdentifierType",
        "relationType",
        "relatedMetadataScheme",
        "schemeURI",
        "schemeType",
        "relationTypeInformation",
    ])?;
    Ok(RelatedIdentifier {
        value: c.text()?,
        related_identifier_type: c.required_vocab("relatedIdentifierType")?,
        relation_type: c.required_vocab("relationType")?,
        resource_type_general: c.vocab("resourceTypeGeneral")?,
        related_metadata_scheme: c.attr("relatedMetadataScheme"),
        scheme_uri: c.attr("schemeURI"),
        scheme_type: c.attr("schemeType"),
        relation_type_information: c.attr("relationTypeInformation"),
    })
}

pub(super) fn rights(c: &At<'_>) -> Result<Rights> {
    c.only_attrs(&[
        "rightsURI",
        "rightsIdentifier",
        "rightsIdentifierScheme",
        "schemeURI",
        "xml:lang",
    ])?;
    Ok(Rights {
        value: c.text()?,
        rights_uri: c.attr("rightsURI"),
        rights_identifier: c.attr("rightsIdentifier"),
        rights_identifier_scheme: c.attr("rightsIdentifierScheme"),
        scheme_uri: c.attr("schemeURI"),
        lang: c.attr("xml:lang"),
    })
}

/// Mixed content: text runs and `<br/>`, nothing else.
pub(super) fn description(c: &At<'_>) -> Result<Description> {
    c.only_attrs(&["descriptionType", "xml:lang"])?;
    let description_type = c.required_vocab("descriptionType")?;
    let mut content = Vec::new();
    let mut brs = 0;
    for node in &c.el.children {
        match node {
            Node::Text(t) => content.push(DescriptionPart::Text(t.clone())),
            Node::Element(e) => {
                brs += 1;
                let at = At {
                    el: e,
                    path: format!("{}/{}[{brs}]", c.path, e.name),
                };
                if e.name != "br" || e.namespace.as_deref() != Some(crate::xml::KERNEL_4_NAMESPACE)
                {
                    return Err(at.unknown());
                }
                at.only_attrs(&[])?;
                if !at.children()?.is_empty() || !at.text()?.is_empty() {
                    return Err(XmlReadError::UnexpectedChild { path: at.path });
                }
                content.push(DescriptionPart::LineBreak);
            }
        }
    }
    Ok(Description {
        content,
        description_type,
        lang: c.attr("xml:lang"),
    })
}

fn point(c: &At<'_>) -> Result<GeoPoint> {
    c.only_attrs(&[])?;
    let (mut lon, mut lat) = (None, None);
    for k in c.children()? {
        match k.name() {
            "pointLongitude" => once(&mut lon, k.plain_text()?, &k)?,
            "pointLatitude" => once(&mut lat, k.plain_text()?, &k)?,
            _ => return Err(k.unknown()),
        }
    }
    Ok(GeoPoint {
        longitude: lon.ok_or_else(|| c.missing("pointLongitude"))?,
        latitude: lat.ok_or_else(|| c.missing("pointLatitude"))?,
    })
}

fn geo_box(c: &At<'_>) -> Result<GeoBox> {
    c.only_attrs(&[])?;
    let (mut w, mut e, mut s, mut n) = (None, None, None, None);
    for k in c.children()? {
        match k.name() {
            "westBoundLongitude" => once(&mut w, k.plain_text()?, &k)?,
            "eastBoundLongitude" => once(&mut e, k.plain_text()?, &k)?,
            "southBoundLatitude" => once(&mut s, k.plain_text()?, &k)?,
            "northBoundLatitude" => once(&mut n, k.plain_text()?, &k)?,
            _ => return Err(k.unknown()),
        }
    }
    Ok(GeoBox {
        west: w.ok_or_else(|| c.missing("westBoundLongitude"))?,
        east: e.ok_or_else(|| c.missing("eastBoundLongitude"))?,
        south: s.ok_or_else(|| c.missing("southBoundLatitude"))?,
        north: n.ok_or_else(|| c.missing("northBoundLatitude"))?,
    })
}

pub(super) fn geo_location(c: &At<'_>) -> Result<GeoLocation> {
    c.only_attrs(&[])?;
    let mut g = GeoLocation::default();
    for k in c.children()? {
        match k.name() {
            "geoLocationPlace" => once(&mut g.place, k.plain_text()?, &k)?,
            "geoLocationPoint" => once(&mut g.point, point(&k)?, &k)?,
            "geoLocationBox" => once(&mut g.bbox, geo_box(&k)?, &k)?,
            "geoLocationPolygon" => {
                k.only_attrs(&[])?;
                let mut poly = GeoPolygon::default();
                for p in k.children()? {
                    match p.name() {
                        "polygonPoint" => poly.points.push(point(&p)?),
                        "inPolygonPoint" => once(&mut poly.in_polygon_point, point(&p)?, &p)?,
                        _ => return Err(p.unknown()),
                    }
                }
                g.polygons.push(poly);
            }
            _ => return Err(k.unknown()),
        }
    }
    Ok(g)
}

pub(super) fn funding_reference(c: &At<'_>) -> Result<FundingReference> {
    c.only_attrs(&[])?;
    let mut f = FundingReference::default();
    let mut name = None;
    for k in c.children()? {
        match k.name() {
            "funderName" => once(&mut name, k.plain_text()?, &k)?,
            "funderIdentifier" => {
                k.only_attrs(&["funderIdentifierType", "schemeURI"])?;
                let id = FunderIdentifier {
                    value: k.text()?,
                    funder_identifier_type: k.required_vocab("funderIdentifierType")?,
                    scheme_uri: k.attr("schemeURI"),
                };
                once(&mut f.funder_identifier, id, &k)?;
            }
            "awardNumber" => {
                k.only_attrs(&["awardURI"])?;
                let a = AwardNumber {
                    value: k.text()?,
                    award_uri: k.attr("awardURI"),
                };
                once(&mut f.award_number, a, &k)?;
            }
            "awardTitle" => once(&mut f.award_title, k.plain_text()?, &k)?,
            _ => return Err(k.unknown()),
        }
    }
    f.funder_name = name.ok_or_else(|| c.missing("funderName"))?;
    Ok(f)
}

pub(super) fn related_item(c: &At<'_>) -> Result<RelatedItem> {
    c.only_attrs(&["relatedItemType", "relationType", "relationTypeInformation"])?;
    let mut item = RelatedItem {
        related_item_type: c.required_vocab("relatedItemType")?,
        relation_type: c.required_vocab("relationType")?,
        relation_type_information: c.attr("relationTypeInformation"),
        identifier: None,
        creators: Vec::new(),
        titles: Vec::new(),
        publication_year: None,
        volume: None,
        issue: None,
        number: None,
        first_page: None,
        last_page: None,
        publisher: None,
        edition: None,
        contributors: Vec::new(),
    };
    for k in c.children()? {
        match k.name() {
            "relatedItemIdentifier" => {
                k.only_attrs(&[
                    "relatedItemIdentifierType",
                    "relatedMetadataScheme",
                    "schemeURI",
                    "schemeType",
                ])?;
                let id = RelatedItemIdentifier {
                    value: k.text()?,
                    related_item_identifier_type: k.vocab("relatedItemIdentifierType")?,
                    related_metadata_scheme: k.attr("relatedMetadataScheme"),
                    scheme_uri: k.attr("schemeURI"),
                    scheme_type: k.attr("schemeType"),
                };
                once(&mut item.identifier, id, &k)?;
            }
            "creators" => {
                item.creators = list(&k, "creator", |p| {
                    p.only_attrs(&[])?;
                    Ok(item_party(party(p, "creatorName", false)?))
                })?
            }
            "titles" => item.titles = list(&k, "title", title)?,
            "publicationYear" => once(&mut item.publication_year, k.plain_text()?, &k)?,
            "volume" => once(&mut item.volume, k.plain_text()?, &k)?,
            "issue" => once(&mut item.issue, k.plain_text()?, &k)?,
            "number" => {
                k.only_attrs(&["numberType"])?;
                let n = RelatedItemNumber {
                    value: k.text()?,
                    number_type: k.vocab("numberType")?,
                };
                once(&mut item.number, n, &k)?;
            }
            "firstPage" => once(&mut item.first_page, k.plain_text()?, &k)?,
            "lastPage" => once(&mut item.last_page, k.plain_text()?, &k)?,
            "publisher" => once(&mut item.publisher, k.plain_text()?, &k)?,
            "edition" => once(&mut item.edition, k.plain_text()?, &k)?,
            "contributors" => {
                item.contributors = list(&k, "contributor", |p| {
                    p.only_attrs(&["contributorType"])?;
                    let contributor_type = p.required_vocab("contributorType")?;
                    Ok(ItemContributor {
                        contributor_type,
                        party: item_party(party(p, "contributorName", false)?),
                    })
                })?
            }
            _ => return Err(k.unknown()),
        }
    }
    Ok(item)
}
