//! `GET /doi/{doi}`: a publication's record by HTTP content negotiation, as
//! DOI resolvers do (DataCite's content negotiation types):
//!
//! | `Accept` | `?format=` | answer |
//! | --- | --- | --- |
//! | `text/html`, `*/*`, none | | 303 to the landing page |
//! | `application/vnd.datacite.datacite+xml` | `datacite-xml` | DataCite XML (kernel 4.7) |
//! | `application/vnd.datacite.datacite+json` | `datacite-json` | DataCite JSON |
//! | `application/ld+json` | `schema-org` | schema.org `Dataset` JSON-LD |
//! | `application/x-bibtex` | `bibtex` | BibTeX |
//! | `application/x-research-info-systems` | `ris` | RIS |
//! | `application/vnd.citationstyles.csl+json` | `csl-json` | CSL-JSON |
//!
//! q-values are honoured (the most specific range naming a type gives its
//! q; `q=0` refuses it; ties go to the client's order, then to the order
//! above); nothing acceptable is a 406 listing the types; every answer
//! varies on `Accept`. Access is GraphQL's: a draft is 404 to all but its
//! project's members, registered and findable DOIs are public.
//!
//! A withdrawn DOI is a tombstone: `text/html` still goes to the landing
//! page (which shows the tombstone); the other formats answer 410 Gone with
//! the record and the withdrawal in it — a description of type `Other`
//! ("Withdrawn on …: reason") in DataCite XML and JSON, and
//! `creativeWorkStatus` and that text before the `description` in schema.org, a
//! `note` in BibTeX and CSL-JSON, an `N1` in RIS.

use mime::Mime;
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, handler};
use strata_catalog::CatalogError;
use strata_catalog::publications::Publication;
use strata_datacite::{Description, DescriptionType, Resource};

use crate::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    Html,
    DataciteXml,
    DataciteJson,
    SchemaOrg,
    Bibtex,
    Ris,
    CslJson,
}

impl Export {
    /// In the server's order of preference.
    const ALL: [Export; 7] = [
        Export::Html,
        Export::DataciteXml,
        Export::DataciteJson,
        Export::SchemaOrg,
        Export::Bibtex,
        Export::Ris,
        Export::CslJson,
    ];

    fn media_type(self) -> &'static str {
        match self {
            Export::Html => "text/html",
            Export::DataciteXml => "application/vnd.datacite.datacite+xml",
            Export::DataciteJson => "application/vnd.datacite.datacite+json",
            Export::SchemaOrg => "application/ld+json",
            Export::Bibtex => "application/x-bibtex",
            Export::Ris => "application/x-research-info-systems",
            Export::CslJson => "application/vnd.citationstyles.csl+json",
        }
    }

    fn format_name(self) -> Option<&'static str> {
        match self {
            Export::Html => None,
            Export::DataciteXml => Some("datacite-xml"),
            Export::DataciteJson => Some("datacite-json"),
            Export::SchemaOrg => Some("schema-org"),
            Export::Bibtex => Some("bibtex"),
            Export::Ris => Some("ris"),
            Export::CslJson => Some("csl-json"),
        }
    }
}

/// The export an `Accept` header prefers; `None` when nothing offered is
/// acceptable.
fn negotiate(accept: Option<&str>) -> Option<Export> {
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else {
        return Some(Export::Html);
    };
    // (type, subtype, q, position in the header)
    let ranges: Vec<(String, String, f32, usize)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let m: Mime = item.trim().parse().ok()?;
            let q = match m.get_param("q") {
                None => 1.0,
                Some(q) => q
                    .as_str()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))?,
            };
            Some((
                m.type_().as_str().to_ascii_lowercase(),
                m.subtype().as_str().to_ascii_lowercase()
                    + &m.suffix()
                        .map(|s| format!("+{}", s.as_str().to_ascii_lowercase()))
                        .unwrap_or_default(),
                q,
                i,
            ))
        })
        .collect();
    let mut best: Option<(Export, f32, usize, usize)> = None;
    for (rank, export) in Export::ALL.into_iter().enumerate() {
        let (ty, sub) = export.media_type().split_once('/').expect("type/subtype");
        // The most specific range that matches decides the q-value.
        let matched = ranges
            .iter()
            .filter_map(|(t, s, q, i)| {
                let specificity = match (t.as_str(), s.as_str()) {
                    (t, s) if t == ty && s == sub => 3,
                    (t, "*") if t == ty => 2,
                    ("*", "*") => 1,
                    _ => return None,
                };
                Some((specificity, *q, *i))
            })
            .max_by_key(|(specificity, _, _)| *specificity);
        let Some((_, q, position)) = matched else {
            continue;
        };
        if q <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, bq, bpos, brank)) => q > bq || (q == bq && (position, rank) < (bpos, brank)),
        };
        if better {
            best = Some((export, q, position, rank));
        }
    }
    best.map(|(e, ..)| e)
}

fn offered() -> String {
    Export::ALL
        .iter()
        .map(|e| match e.format_name() {
            Some(f) => format!("{} (?format={f})", e.media_type()),
            None => format!("{} (a redirect to the landing page)", e.media_type()),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn plain(status: StatusCode, message: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::VARY, "Accept")
        .content_type("text/plain; charset=utf-8")
        .body(message + "\n")
}

/// The withdrawal as one line of text.
fn notice(p: &Publication) -> Option<String> {
    let w = p.withdrawal.as_ref()?;
    let reason = w.reason.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(format!("Withdrawn on {}: {reason}", w.at.date_naive()))
}

/// BibTeX's special characters, escaped as the record's other fields are.
fn tex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(ch);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The body and its content type.
fn render(export: Export, p: &Publication) -> (String, String) {
    let notice = notice(p);
    let mut record: Resource = p.record.clone();
    if record.url.is_none() && !p.landing_page.is_empty() {
        record.url = Some(p.landing_page.clone());
    }
    if let Some(n) = &notice
        && matches!(export, Export::DataciteXml | Export::DataciteJson)
    {
        record
            .descriptions
            .insert(0, Description::text(DescriptionType::Other, n));
    }
    let json = |v: serde_json::Value| serde_json::to_string_pretty(&v).expect("JSON serialises");
    let body = match export {
        Export::Html => String::new(),
        Export::DataciteXml => strata_datacite::to_xml(&record),
        Export::DataciteJson => json(strata_datacite::to_datacite_json(&record)),
        Export::SchemaOrg => {
            let mut v = strata_datacite::to_schema_org(&record);
            if let Some(n) = &notice {
                v["creativeWorkStatus"] = "Withdrawn".into();
                let description = match v["description"].as_str() {
                    Some(d) => format!("{n}\n\n{d}"),
                    None => n.clone(),
                };
                v["description"] = description.into();
            }
            json(v)
        }
        Export::CslJson => {
            let mut v = strata_datacite::to_csl_json(&record);
            if let Some(n) = &notice {
                v["note"] = n.clone().into();
            }
            json(v)
        }
        Export::Bibtex => {
            let mut text = strata_datacite::to_bibtex(&record);
            if let Some(n) = &notice
                && let Some(end) = text.trim_end().strip_suffix('}').map(str::len)
            {
                text.insert_str(end, &format!("  note = {{{}}},\n", tex(n)));
            }
            text
        }
        Export::Ris => {
            let mut text = strata_datacite::to_ris(&record);
            if let Some(n) = &notice
                && let Some(end) = text.rfind("ER  -")
            {
                text.insert_str(end, &format!("N1  - {n}\r\n"));
            }
            text
        }
    };
    let charset = match export {
        Export::DataciteXml | Export::Bibtex | Export::Ris => "; charset=utf-8",
        _ => "",
    };
    (body, format!("{}{charset}", export.media_type()))
}

#[handler]
pub async fn resolve(state: Data<&AppState>, req: &Request) -> Response {
    // The DOI has slashes: it is the rest of the path, percent-decoded.
    let raw = req.uri().path().strip_prefix("/doi/").unwrap_or_default();
    let doi = match percent_decode(raw) {
        Some(d) if !d.is_empty() => d,
        _ => return plain(StatusCode::NOT_FOUND, "name a DOI: /doi/<doi>".into()),
    };
    let requested = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v.into_owned())
    });
    let export = match requested {
        Some(name) => match Export::ALL
            .into_iter()
            .find(|e| e.format_name() == Some(name.as_str()))
        {
            Some(e) => e,
            None => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "format={name:?} is not offered; the formats are:\n{}",
                        offered()
                    ),
                );
            }
        },
        None => {
            let accept: Vec<&str> = req
                .headers()
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            let accept = (!accept.is_empty()).then(|| accept.join(","));
            match negotiate(accept.as_deref()) {
                Some(e) => e,
                None => {
                    return plain(
                        StatusCode::NOT_ACCEPTABLE,
                        format!(
                            "none of the accepted types is offered; the types are:\n{}",
                            offered()
                        ),
                    );
                }
            }
        }
    };
    let scope = match crate::scope_of(&state.catalog, req).await {
        Ok(scope) => scope,
        Err(err) => return crate::error::http(err).into_response(),
    };
    let publication = match state.catalog.publication(&scope, &doi).await {
        Ok(p) => p,
        Err(CatalogError::NotFound { .. }) => {
            return plain(StatusCode::NOT_FOUND, format!("no DOI {doi}"));
        }
        Err(other) => return crate::error::http(other).into_response(),
    };
    if export == Export::Html {
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, publication.landing_page.as_str())
            .header(header::VARY, "Accept")
            .finish();
    }
    let (body, content_type) = render(export, &publication);
    let status = if publication.withdrawal.is_some() {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    Response::builder()
        .status(status)
        .header(header::VARY, "Accept")
        .content_type(content_type)
        .body(body)
}

/// `%XX` escapes decoded (a DOI in a link is often escaped); `None` when the
/// result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_are_negotiated_by_q_and_specificity() {
        assert_eq!(negotiate(None), Some(Export::Html));
        assert_eq!(negotiate(Some("*/*")), Some(Export::Html));
        assert_eq!(
            negotiate(Some(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            )),
            Some(Export::Html)
        );
        assert_eq!(
            negotiate(Some("application/x-bibtex")),
            Some(Export::Bibtex)
        );
        assert_eq!(
            negotiate(Some(
                "application/x-bibtex;q=0.5, application/vnd.citationstyles.csl+json"
            )),
            Some(Export::CslJson)
        );
        assert_eq!(
            negotiate(Some(
                "application/x-research-info-systems, application/x-bibtex"
            )),
            Some(Export::Ris),
            "ties go to the client's order"
        );
        assert_eq!(
            negotiate(Some("*/*;q=0.1, application/ld+json")),
            Some(Export::SchemaOrg)
        );
        assert_eq!(
            negotiate(Some("application/*, text/html;q=0")),
            Some(Export::DataciteXml)
        );
        assert_eq!(
            negotiate(Some("*/*, text/html;q=0")),
            Some(Export::DataciteXml)
        );
        assert_eq!(negotiate(Some("image/png")), None);
        assert_eq!(negotiate(Some("application/x-bibtex;q=0")), None);
    }

    #[test]
    fn escaped_dois_are_decoded() {
        assert_eq!(
            percent_decode("10.80000%2Fml.1").as_deref(),
            Some("10.80000/ml.1")
        );
        assert_eq!(
            percent_decode("10.80000/ml.1").as_deref(),
            Some("10.80000/ml.1")
        );
        assert_eq!(percent_decode("%").as_deref(), Some("%"));
    }
}
