//! The six verbs, each answering a whole OAI-PMH document.

use chrono::{DateTime, Utc};
use strata_catalog::publications::{Publication, PublicationState};
use strata_catalog::{Catalog, CatalogError, Scope};

use super::request::{Arguments, ErrorCode, Format, ListQuery, ListVerb, OaiError, Verb};
use super::token::Token;
use super::xml::Xml;
use super::{Provider, dc, envelope};

type Answer = Result<Result<String, OaiError>, CatalogError>;

fn datestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Withdrawn, or hidden from DataCite's search: harvesters should drop it.
fn deleted(p: &Publication) -> bool {
    p.withdrawal.is_some() || p.state != PublicationState::Findable
}

fn header(x: &mut Xml, provider: &Provider, p: &Publication) {
    if deleted(p) {
        x.open("header", &[("status", "deleted")]);
    } else {
        x.open("header", &[]);
    }
    x.leaf("identifier", &[], &provider.identifier(&p.doi));
    x.leaf("datestamp", &[], &datestamp(p.updated_at));
    x.leaf("setSpec", &[], &format!("project:{}", p.project));
    x.close("header");
}

fn record(x: &mut Xml, provider: &Provider, p: &Publication, format: Format) {
    x.open("record", &[]);
    header(x, provider, p);
    if !deleted(p) {
        x.open("metadata", &[]);
        match format {
            Format::OaiDc => dc::write(x, &p.record),
            Format::OaiDatacite => x.embed_document(&strata_datacite::to_xml(&p.record)),
        }
        x.close("metadata");
    }
    x.close("record");
}

/// The publication an identifier names, if the public may see it.
async fn publication(
    catalog: &Catalog,
    provider: &Provider,
    identifier: &str,
) -> Result<Result<Publication, OaiError>, CatalogError> {
    let unknown = || {
        Ok(Err(OaiError::new(
            ErrorCode::IdDoesNotExist,
            format!("no item {identifier:?} here"),
        )))
    };
    let Some(doi) = provider.doi_of(identifier) else {
        return unknown();
    };
    match catalog.publication(&Scope::anonymous(), doi).await {
        Ok(p) if p.state != PublicationState::Draft => Ok(Ok(p)),
        Ok(_) | Err(CatalogError::NotFound { .. }) => unknown(),
        Err(other) => Err(other),
    }
}

pub(super) async fn answer(
    catalog: &Catalog,
    provider: &Provider,
    args: &Arguments,
    verb: Verb,
) -> Answer {
    let mut x = envelope(provider, Some(args));
    match verb {
        Verb::Identify => {
            let earliest = catalog
                .earliest_published_change()
                .await?
                .unwrap_or_else(Utc::now);
            x.open("Identify", &[]);
            x.leaf("repositoryName", &[], &provider.repository_name);
            x.leaf("baseURL", &[], &provider.base_url);
            x.leaf("protocolVersion", &[], "2.0");
            x.leaf("adminEmail", &[], &provider.admin_email);
            x.leaf("earliestDatestamp", &[], &datestamp(earliest));
            x.leaf("deletedRecord", &[], "persistent");
            x.leaf("granularity", &[], "YYYY-MM-DDThh:mm:ssZ");
            x.close("Identify");
        }
        Verb::ListMetadataFormats { identifier } => {
            // Every item is offered in every format: noMetadataFormats
            // cannot happen.
            if let Some(identifier) = identifier
                && let Err(e) = publication(catalog, provider, &identifier).await?
            {
                return Ok(Err(e));
            }
            x.open("ListMetadataFormats", &[]);
            for f in Format::ALL {
                x.open("metadataFormat", &[]);
                x.leaf("metadataPrefix", &[], f.prefix());
                x.leaf("schema", &[], f.schema());
                x.leaf("metadataNamespace", &[], f.namespace());
                x.close("metadataFormat");
            }
            x.close("ListMetadataFormats");
        }
        Verb::ListSets { resumption_token } => {
            if let Some(t) = resumption_token {
                return Ok(Err(OaiError::new(
                    ErrorCode::BadResumptionToken,
                    format!("{t:?}: the sets are listed whole, without resumption tokens"),
                )));
            }
            let sets = catalog.projects_with_publications().await?;
            if sets.is_empty() {
                return Ok(Err(OaiError::new(
                    ErrorCode::NoSetHierarchy,
                    "no project has a public DOI yet, so there are no sets",
                )));
            }
            x.open("ListSets", &[]);
            for (code, title) in sets {
                x.open("set", &[]);
                x.leaf("setSpec", &[], &format!("project:{code}"));
                x.leaf("setName", &[], &title);
                x.close("set");
            }
            x.close("ListSets");
        }
        Verb::GetRecord { identifier, format } => {
            let p = match publication(catalog, provider, &identifier).await? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            x.open("GetRecord", &[]);
            record(&mut x, provider, &p, format);
            x.close("GetRecord");
        }
        Verb::List { verb, query } => {
            let (token, resumed) = match query {
                ListQuery::New {
                    format,
                    from,
                    until,
                    set,
                } => (Token::new(verb, format, from, until, set, 0), false),
                ListQuery::Resume(text) => match Token::decode(&text, verb) {
                    Some(t) => (t, true),
                    None => {
                        return Ok(Err(OaiError::new(
                            ErrorCode::BadResumptionToken,
                            format!("{text:?} is not a resumption token of {verb:?}"),
                        )));
                    }
                },
            };
            let (items, total) = catalog
                .published_since(
                    token.from,
                    token.until,
                    token.set.as_deref(),
                    token.offset,
                    provider.page_size,
                )
                .await?;
            if total == 0 && !resumed {
                return Ok(Err(OaiError::new(
                    ErrorCode::NoRecordsMatch,
                    "no item matches these arguments",
                )));
            }
            if items.is_empty() {
                return Ok(Err(OaiError::new(
                    ErrorCode::BadResumptionToken,
                    "the list has changed since this token was issued; start the harvest again",
                )));
            }
            let name = match verb {
                ListVerb::ListIdentifiers => "ListIdentifiers",
                ListVerb::ListRecords => "ListRecords",
            };
            x.open(name, &[]);
            for p in &items {
                match verb {
                    ListVerb::ListIdentifiers => header(&mut x, provider, p),
                    ListVerb::ListRecords => record(&mut x, provider, p, token.format),
                }
            }
            let next = token.offset + items.len() as u64;
            let (size, cursor) = (total.to_string(), token.offset.to_string());
            let attrs = [
                ("completeListSize", size.as_str()),
                ("cursor", cursor.as_str()),
            ];
            if next < total {
                let mut following = token.clone();
                following.offset = next;
                x.leaf("resumptionToken", &attrs, &following.encode());
            } else if resumed {
                // The last part of a list given in parts: an empty token.
                x.empty("resumptionToken", &attrs);
            }
            x.close(name);
        }
    }
    x.close("OAI-PMH");
    Ok(Ok(x.finish()))
}
