//! DataCite JSON attributes → [`Resource`]. Keys this crate does not model (the API's
//! `state`, `created`, `citationCount`, …) are ignored, since whole API responses are
//! passed in; a wrong shape or a bad vocabulary value is an error with a JSON pointer.

use std::str::FromStr;

use serde_json::Value;

use super::LINE_BREAK;
use crate::model::*;
use crate::vocabulary::UnknownTerm;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonReadError {
    #[error("{path}: expected {expected}, found {found}")]
    Shape {
        path: String,
        expected: &'static str,
        found: String,
    },
    #[error("{path}: {value:?} is not a DataCite {vocabulary} value")]
    BadVocabulary {
        path: String,
        value: String,
        vocabulary: &'static str,
    },
    #[error("{path}: missing required key {key:?}")]
    Missing { path: String, key: &'static str },
}

type Result<T> = std::result::Result<T, JsonReadError>;

#[derive(Clone, Copy)]
struct J<'a> {
    v: &'a Value,
}

fn shape(path: &str, expected: &'static str, v: &Value) -> JsonReadError {
    let mut found = v.to_string();
    if found.len() > 60 {
        found.truncate(60);
        found.push('…');
    }
    JsonReadError::Shape {
        path: path.to_owned(),
        expected,
        found,
    }
}

impl<'a> J<'a> {
    fn get(self, key: &str) -> Option<&'a Value> {
        self.v.get(key).filter(|v| !v.is_null())
    }

    /// A string (numbers are accepted and kept in their JSON spelling).
    fn str(self, key: &str, path: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(shape(&format!("{path}/{key}"), "a string", other)),
        }
    }

    fn req_str(self, key: &'static str, path: &str) -> Result<String> {
        self.str(key, path)?.ok_or_else(|| JsonReadError::Missing {
            path: path.to_owned(),
            key,
        })
    }

    fn vocab<T: FromStr<Err = UnknownTerm>>(self, key: &str, path: &str) -> Result<Option<T>> {
        match self.str(key, path)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|e: UnknownTerm| JsonReadError::BadVocabulary {
                    path: format!("{path}/{key}"),
                    value: e.value,
                    vocabulary: e.vocabulary,
                }),
        }
    }

    fn req_vocab<T: FromStr<Err = UnknownTerm>>(self, key: &'static str, path: &str) -> Result<T> {
        self.vocab(key, path)?
            .ok_or_else(|| JsonReadError::Missing {
                path: path.to_owned(),
                key,
            })
    }

    /// Each element of an array (absent or null: none) with its pointer.
    fn each<T>(
        self,
        key: &str,
        path: &str,
        f: impl Fn(J<'a>, &str) -> Result<T>,
    ) -> Result<Vec<T>> {
        let p = format!("{path}/{key}");
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| f(J { v }, &format!("{p}/{i}")))
                .collect(),
            Some(other) => Err(shape(&p, "an array", other)),
        }
    }

    fn object(self, key: &str, path: &str) -> Result<Option<(J<'a>, String)>> {
        let p = format!("{path}/{key}");
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some((J { v }, p))),
            Some(other) => Err(shape(&p, "an object", other)),
        }
    }
}

fn name(j: J<'_>, p: &str) -> Result<(Name, Option<String>, Option<String>)> {
    let name = Name {
        value: j.req_str("name", p)?,
        name_type: j.vocab("nameType", p)?,
        lang: j.str("lang", p)?,
    };
    Ok((name, j.str("givenName", p)?, j.str("familyName", p)?))
}

fn party(j: J<'_>, p: &str) -> Result<Creator> {
    let (name, given_name, family_name) = name(j, p)?;
    let name_identifiers = j.each("nameIdentifiers", p, |n, p| {
        Ok(NameIdentifier {
            value: n.req_str("nameIdentifier", p)?,
            scheme: n.req_str("nameIdentifierScheme", p)?,
            scheme_uri: n.str("schemeUri", p)?,
        })
    })?;
    let affiliations = j.each("affiliation", p, |a, p| match a.v {
        Value::String(s) => Ok(Affiliation {
            name: s.clone(),
            ..Affiliation::default()
        }),
        _ => Ok(Affiliation {
            name: a.req_str("name", p)?,
            identifier: a.str("affiliationIdentifier", p)?,
            identifier_scheme: a.str("affiliationIdentifierScheme", p)?,
            scheme_uri: a.str("schemeUri", p)?,
        }),
    })?;
    Ok(Creator {
        name,
        given_name,
        family_name,
        name_identifiers,
        affiliations,
    })
}

fn item_party(j: J<'_>, p: &str) -> Result<ItemCreator> {
    let (name, given_name, family_name) = name(j, p)?;
    Ok(ItemCreator {
        name,
        given_name,
        family_name,
    })
}

fn title(j: J<'_>, p: &str) -> Result<Title> {
    Ok(Title {
        value: j.req_str("title", p)?,
        title_type: j.vocab("titleType", p)?,
        lang: j.str("lang", p)?,
    })
}

fn point(j: J<'_>, p: &str) -> Result<GeoPoint> {
    Ok(GeoPoint {
        longitude: j.req_str("pointLongitude", p)?,
        latitude: j.req_str("pointLatitude", p)?,
    })
}

fn polygon(items: &[Value], p: &str) -> Result<GeoPolygon> {
    let mut poly = GeoPolygon::default();
    for (i, v) in items.iter().enumerate() {
        let j = J { v };
        let p = format!("{p}/{i}");
        if let Some((pt, pp)) = j.object("polygonPoint", &p)? {
            poly.points.push(point(pt, &pp)?);
        } else if let Some((pt, pp)) = j.object("inPolygonPoint", &p)? {
            poly.in_polygon_point = Some(point(pt, &pp)?);
        } else {
            return Err(shape(
                &p,
                "{\"polygonPoint\": …} or {\"inPolygonPoint\": …}",
                v,
            ));
        }
    }
    Ok(poly)
}

fn geo_location(j: J<'_>, p: &str) -> Result<GeoLocation> {
    let mut g = GeoLocation {
        place: j.str("geoLocationPlace", p)?,
        ..GeoLocation::default()
    };
    if let Some((pt, pp)) = j.object("geoLocationPoint", p)? {
        g.point = Some(point(pt, &pp)?);
    }
    if let Some((b, bp)) = j.object("geoLocationBox", p)? {
        g.bbox = Some(GeoBox {
            west: b.req_str("westBoundLongitude", &bp)?,
            east: b.req_str("eastBoundLongitude", &bp)?,
            south: b.req_str("southBoundLatitude", &bp)?,
            north: b.req_str("northBoundLatitude", &bp)?,
        });
    }
    let pp = format!("{p}/geoLocationPolygon");
    match j.get("geoLocationPolygon") {
        None => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_array) => {
            for (i, poly) in items.iter().enumerate() {
                let pts = poly.as_array().map(Vec::as_slice).unwrap_or_default();
                g.polygons.push(polygon(pts, &format!("{pp}/{i}"))?);
            }
        }
        Some(Value::Array(items)) => g.polygons.push(polygon(items, &pp)?),
        Some(other) => return Err(shape(&pp, "an array", other)),
    }
    Ok(g)
}

fn description(j: J<'_>, p: &str) -> Result<Description> {
    let text = j.req_str("description", p)?;
    let mut content = Vec::new();
    for (i, run) in text.split(LINE_BREAK).enumerate() {
        if i > 0 {
            content.push(DescriptionPart::LineBreak);
        }
        if !run.is_empty() {
            content.push(DescriptionPart::Text(run.to_owned()));
        }
    }
    Ok(Description {
        content,
        description_type: j.req_vocab("descriptionType", p)?,
        lang: j.str("lang", p)?,
    })
}

mod items;

/// Reads DataCite JSON `attributes` (or a whole `{"data": {"attributes": …}}` document).
pub fn from_datacite_json(v: &Value) -> Result<Resource> {
    if let Some(attrs) = v.get("data").and_then(|d| d.get("attributes")) {
        return from_datacite_json(attrs);
    }
    let j = J { v };
    let p = "";
    if !v.is_object() {
        return Err(shape("/", "an object", v));
    }
    let mut r = Resource::default();
    if let Some(doi) = j.str("doi", p)? {
        r.identifier = Some(Identifier {
            value: doi,
            identifier_type: "DOI".to_owned(),
        });
    } else if let Some((id, ip)) = j.object("identifier", p)? {
        r.identifier = Some(Identifier {
            value: id.req_str("identifier", &ip)?,
            identifier_type: id.req_str("identifierType", &ip)?,
        });
    }
    r.url = j.str("url", p)?;
    r.alternate_identifiers = j.each("identifiers", p, |a, p| {
        Ok(AlternateIdentifier {
            value: a.req_str("identifier", p)?,
            identifier_type: a.req_str("identifierType", p)?,
        })
    })?;
    // Older API responses list the DOI itself among `identifiers`; it is not an
    // alternate identifier and would be written back as one.
    let doi = r.doi().map(str::to_ascii_lowercase);
    r.alternate_identifiers.retain(|a| {
        let v = a.value.trim().to_ascii_lowercase();
        let v = v.strip_prefix("https://doi.org/").unwrap_or(&v);
        !(a.identifier_type == "DOI" && Some(v) == doi.as_deref())
    });
    r.creators = j.each("creators", p, party)?;
    r.titles = j.each("titles", p, title)?;
    r.publisher = match j.get("publisher") {
        None => None,
        Some(Value::String(s)) => Some(Publisher {
            name: s.clone(),
            ..Publisher::default()
        }),
        Some(_) => {
            let (pj, pp) = j
                .object("publisher", p)?
                .ok_or_else(|| JsonReadError::Missing {
                    path: p.to_owned(),
                    key: "publisher",
                })?;
            Some(Publisher {
                name: pj.req_str("name", &pp)?,
                identifier: pj.str("publisherIdentifier", &pp)?,
                identifier_scheme: pj.str("publisherIdentifierScheme", &pp)?,
                scheme_uri: pj.str("schemeUri", &pp)?,
                lang: pj.str("lang", &pp)?,
            })
        }
    };
    r.publication_year = j.str("publicationYear", p)?;
    if let Some((t, tp)) = j.object("types", p)? {
        r.resource_type = Some(ResourceType {
            general: t.req_vocab("resourceTypeGeneral", &tp)?,
            value: t.str("resourceType", &tp)?.unwrap_or_default(),
        });
    }
    items::rest(j, &mut r)?;
    Ok(r)
}
