//! The list properties after `types`.

use super::{J, Result, description, geo_location, item_party, party, title};
use crate::model::*;

fn strings(j: J<'_>, key: &str) -> Result<Vec<String>> {
    j.each(key, "", |s, p| match s.v {
        serde_json::Value::String(s) => Ok(s.clone()),
        other => Err(super::shape(p, "a string", other)),
    })
}

pub(super) fn rest(j: J<'_>, r: &mut Resource) -> Result<()> {
    let p = "";
    r.subjects = j.each("subjects", p, |s, p| {
        Ok(Subject {
            value: s.req_str("subject", p)?,
            subject_scheme: s.str("subjectScheme", p)?,
            scheme_uri: s.str("schemeUri", p)?,
            value_uri: s.str("valueUri", p)?,
            classification_code: s.str("classificationCode", p)?,
            lang: s.str("lang", p)?,
        })
    })?;
    r.contributors = j.each("contributors", p, |c, p| {
        Ok(Contributor {
            contributor_type: c.req_vocab("contributorType", p)?,
            party: party(c, p)?,
        })
    })?;
    r.dates = j.each("dates", p, |d, p| {
        Ok(Date {
            value: d.req_str("date", p)?,
            date_type: d.req_vocab("dateType", p)?,
            date_information: d.str("dateInformation", p)?,
        })
    })?;
    r.language = j.str("language", p)?;
    r.related_identifiers = j.each("relatedIdentifiers", p, |x, p| {
        Ok(RelatedIdentifier {
            value: x.req_str("relatedIdentifier", p)?,
            related_identifier_type: x.req_vocab("relatedIdentifierType", p)?,
            relation_type: x.req_vocab("relationType", p)?,
            resource_type_general: x.vocab("resourceTypeGeneral", p)?,
            related_metadata_scheme: x.str("relatedMetadataScheme", p)?,
            scheme_uri: x.str("schemeUri", p)?,
            scheme_type: x.str("schemeType", p)?,
            relation_type_information: x.str("relationTypeInformation", p)?,
        })
    })?;
    r.sizes = strings(j, "sizes")?;
    r.formats = strings(j, "formats")?;
    r.version = j.str("version", p)?;
    r.rights_list = j.each("rightsList", p, |x, p| {
        Ok(Rights {
            value: x.str("rights", p)?.unwrap_or_default(),
            rights_uri: x.str("rightsUri", p)?,
            rights_identifier: x.str("rightsIdentifier", p)?,
            rights_identifier_scheme: x.str("rightsIdentifierScheme", p)?,
            scheme_uri: x.str("schemeUri", p)?,
            lang: x.str("lang", p)?,
        })
    })?;
    r.descriptions = j.each("descriptions", p, description)?;
    r.geo_locations = j.each("geoLocations", p, geo_location)?;
    r.funding_references = j.each("fundingReferences", p, |f, p| {
        let funder_identifier = match f.str("funderIdentifier", p)? {
            None => None,
            Some(value) => Some(FunderIdentifier {
                value,
                funder_identifier_type: f.req_vocab("funderIdentifierType", p)?,
                scheme_uri: f.str("schemeUri", p)?,
            }),
        };
        let award_number = match (f.str("awardNumber", p)?, f.str("awardUri", p)?) {
            (None, None) => None,
            (value, award_uri) => Some(AwardNumber {
                value: value.unwrap_or_default(),
                award_uri,
            }),
        };
        Ok(FundingReference {
            funder_name: f.req_str("funderName", p)?,
            funder_identifier,
            award_number,
            award_title: f.str("awardTitle", p)?,
        })
    })?;
    r.related_items = j.each("relatedItems", p, |i, p| {
        let identifier = match i.object("relatedItemIdentifier", p)? {
            None => None,
            Some((id, ip)) => Some(RelatedItemIdentifier {
                value: id.req_str("relatedItemIdentifier", &ip)?,
                related_item_identifier_type: id.vocab("relatedItemIdentifierType", &ip)?,
                related_metadata_scheme: id.str("relatedMetadataScheme", &ip)?,
                scheme_uri: id.str("schemeURI", &ip)?.or(id.str("schemeUri", &ip)?),
                scheme_type: id.str("schemeType", &ip)?,
            }),
        };
        let number = match i.str("number", p)? {
            None => None,
            Some(value) => Some(RelatedItemNumber {
                value,
                number_type: i.vocab("numberType", p)?,
            }),
        };
        Ok(RelatedItem {
            related_item_type: i.req_vocab("relatedItemType", p)?,
            relation_type: i.req_vocab("relationType", p)?,
            relation_type_information: i.str("relationTypeInformation", p)?,
            identifier,
            creators: i.each("creators", p, item_party)?,
            titles: i.each("titles", p, title)?,
            publication_year: i.str("publicationYear", p)?,
            volume: i.str("volume", p)?,
            issue: i.str("issue", p)?,
            number,
            first_page: i.str("firstPage", p)?,
            last_page: i.str("lastPage", p)?,
            publisher: i.str("publisher", p)?,
            edition: i.str("edition", p)?,
            contributors: i.each("contributors", p, |c, p| {
                Ok(ItemContributor {
                    contributor_type: c.req_vocab("contributorType", p)?,
                    party: item_party(c, p)?,
                })
            })?,
        })
    })?;
    Ok(())
}
