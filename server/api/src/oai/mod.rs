//! OAI-PMH 2.0 at `/oai` (GET, or POST as a form), so that aggregators
//! harvest the public DOIs' metadata:
//!
//! - all six verbs; formats `oai_dc` (Dublin Core mapped from the DataCite
//!   record, [`dc`]) and `oai_datacite` (the DataCite kernel-4 `<resource>`
//!   itself as the record's metadata, not DataCite's `oai_datacite` wrapper);
//! - items are the registered and findable DOIs; a withdrawn DOI, or one
//!   hidden from DataCite's search (registered, not findable), is a
//!   `<header status="deleted">` (deletedRecord = persistent);
//! - sets are projects, `project:<code>`;
//! - datestamps are when a publication last changed, to the second; `from`
//!   and `until` take days or seconds;
//! - identifiers are `oai:<repository id>:<doi>`;
//! - resumption tokens are stateless ([`token`]), with `completeListSize`
//!   and `cursor`.
//!
//! OAI-PMH errors are answered with HTTP 200 inside the envelope, as the
//! protocol wants; a failing catalog is a 500.

mod dc;
mod request;
mod token;
mod verbs;
mod xml;

use chrono::Utc;
use poem::http::{Method, StatusCode, header};
use poem::web::Data;
use poem::{Body, Request, Response, handler};

use crate::AppState;
use request::{Arguments, ErrorCode, OaiError};
use xml::Xml;

/// How the provider names itself (`[oai]` in strata.toml); unset values
/// come from the request and the DOI configuration.
#[derive(Debug, Clone)]
pub struct OaiSettings {
    pub repository_id: Option<String>,
    pub repository_name: Option<String>,
    pub base_url: Option<String>,
    pub admin_email: Option<String>,
    /// Headers or records per answer.
    pub page_size: u64,
}

impl Default for OaiSettings {
    fn default() -> Self {
        Self {
            repository_id: None,
            repository_name: None,
            base_url: None,
            admin_email: None,
            page_size: 100,
        }
    }
}

/// The settings resolved for one request.
pub(crate) struct Provider {
    pub repository_id: String,
    pub repository_name: String,
    pub base_url: String,
    pub admin_email: String,
    pub page_size: u64,
}

impl Provider {
    fn of(state: &AppState, req: &Request) -> Self {
        let s = &state.oai;
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost")
            .to_owned();
        let bare_host = match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h.to_owned(),
            _ => host.clone(),
        };
        let repository_id = s.repository_id.clone().unwrap_or(bare_host);
        Self {
            repository_name: s
                .repository_name
                .clone()
                .or_else(|| state.catalog.doi_publisher().map(str::to_owned))
                .unwrap_or_else(|| "strata".to_owned()),
            base_url: s
                .base_url
                .clone()
                .unwrap_or_else(|| format!("http://{host}/oai")),
            admin_email: s
                .admin_email
                .clone()
                .unwrap_or_else(|| format!("webmaster@{repository_id}")),
            page_size: s.page_size.max(1),
            repository_id,
        }
    }

    /// `oai:<repository id>:<doi>`.
    pub fn identifier(&self, doi: &str) -> String {
        format!("oai:{}:{doi}", self.repository_id)
    }

    /// The DOI of one of our identifiers.
    pub fn doi_of<'a>(&self, identifier: &'a str) -> Option<&'a str> {
        identifier
            .strip_prefix("oai:")?
            .strip_prefix(self.repository_id.as_str())?
            .strip_prefix(':')
            .filter(|doi| !doi.is_empty())
    }
}

const OAI_NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/";
const OAI_SCHEMA_LOCATION: &str =
    "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd";
/// A form body larger than this is no OAI-PMH request.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// `<OAI-PMH>`, `<responseDate>` and `<request>`; `args` are echoed when
/// the request was understood (not after badVerb or badArgument).
fn envelope(provider: &Provider, args: Option<&Arguments>) -> Xml {
    let mut x = Xml::new();
    x.open(
        "OAI-PMH",
        &[
            ("xmlns", OAI_NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xsi:schemaLocation", OAI_SCHEMA_LOCATION),
        ],
    );
    x.leaf(
        "responseDate",
        &[],
        &Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    let attrs: Vec<(&str, &str)> = args
        .map(|a| {
            a.iter()
                .filter(|(k, v)| request::echoable(k, v))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect()
        })
        .unwrap_or_default();
    x.leaf("request", &attrs, &provider.base_url);
    x
}

fn xml_response(body: String) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/xml; charset=utf-8")
        .body(body)
}

fn error_document(provider: &Provider, args: &Arguments, err: &OaiError) -> String {
    let echo = !matches!(err.code, ErrorCode::BadVerb | ErrorCode::BadArgument);
    let mut x = envelope(provider, echo.then_some(args));
    x.leaf("error", &[("code", err.code.as_str())], &err.message);
    x.close("OAI-PMH");
    x.finish()
}

/// The arguments of a GET (query string) or POST (form body).
async fn arguments(req: &Request, body: Body) -> Result<Arguments, OaiError> {
    let text = if req.method() == Method::POST {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        if !form {
            return Err(OaiError::new(
                ErrorCode::BadArgument,
                "a POST request is a form: Content-Type application/x-www-form-urlencoded",
            ));
        }
        let bytes = body.into_bytes_limit(MAX_FORM_BYTES).await.map_err(|_| {
            OaiError::new(
                ErrorCode::BadArgument,
                "the form is too large or unreadable",
            )
        })?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| OaiError::new(ErrorCode::BadArgument, "the form is not UTF-8"))?
    } else {
        req.uri().query().unwrap_or_default().to_owned()
    };
    Ok(form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

#[handler]
pub async fn endpoint(state: Data<&AppState>, req: &Request, body: Body) -> Response {
    let provider = Provider::of(&state, req);
    let args = match arguments(req, body).await {
        Ok(args) => args,
        Err(err) => return xml_response(error_document(&provider, &Vec::new(), &err)),
    };
    let verb = match request::parse(&args) {
        Ok(verb) => verb,
        Err(err) => return xml_response(error_document(&provider, &args, &err)),
    };
    match verbs::answer(&state.catalog, &provider, &args, verb).await {
        Ok(Ok(document)) => xml_response(document),
        Ok(Err(err)) => xml_response(error_document(&provider, &args, &err)),
        Err(catalog) => crate::error::http(catalog).into_response(),
    }
}
