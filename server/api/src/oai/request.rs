//! An OAI-PMH request: its arguments (query string or form body) checked
//! against what the verb allows, dates parsed, the format known.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// The OAI-PMH error codes (section 3.6 of the protocol) that can occur
/// here; noMetadataFormats cannot: every item is offered in every format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoSetHierarchy,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadArgument => "badArgument",
            Self::BadResumptionToken => "badResumptionToken",
            Self::BadVerb => "badVerb",
            Self::CannotDisseminateFormat => "cannotDisseminateFormat",
            Self::IdDoesNotExist => "idDoesNotExist",
            Self::NoRecordsMatch => "noRecordsMatch",
            Self::NoSetHierarchy => "noSetHierarchy",
        }
    }
}

/// An OAI-PMH error: answered inside the OAI-PMH envelope, with HTTP 200.
#[derive(Debug, Clone, PartialEq)]
pub struct OaiError {
    pub code: ErrorCode,
    pub message: String,
}

impl OaiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

fn bad(message: impl Into<String>) -> OaiError {
    OaiError::new(ErrorCode::BadArgument, message)
}

/// The metadata formats offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// Unqualified Dublin Core, mapped from the DataCite record.
    #[serde(rename = "oai_dc")]
    OaiDc,
    /// The DataCite kernel-4 `<resource>` itself.
    #[serde(rename = "oai_datacite")]
    OaiDatacite,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::OaiDc, Format::OaiDatacite];

    pub fn prefix(self) -> &'static str {
        match self {
            Self::OaiDc => "oai_dc",
            Self::OaiDatacite => "oai_datacite",
        }
    }

    pub fn schema(self) -> &'static str {
        match self {
            Self::OaiDc => "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            Self::OaiDatacite => "http://schema.datacite.org/meta/kernel-4/metadata.xsd",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Self::OaiDc => "http://www.openarchives.org/OAI/2.0/oai_dc/",
            Self::OaiDatacite => "http://datacite.org/schema/kernel-4",
        }
    }

    fn parse(prefix: &str) -> Result<Self, OaiError> {
        Self::ALL
            .into_iter()
            .find(|f| f.prefix() == prefix)
            .ok_or_else(|| {
                OaiError::new(
                    ErrorCode::CannotDisseminateFormat,
                    format!("{prefix:?} is not offered here: oai_dc or oai_datacite"),
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListVerb {
    ListIdentifiers,
    ListRecords,
}

/// A list request: a new one, or the rest of one.
#[derive(Debug, Clone, PartialEq)]
pub enum ListQuery {
    New {
        format: Format,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        /// The project code of `project:<code>`.
        set: Option<String>,
    },
    Resume(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verb {
    Identify,
    ListMetadataFormats { identifier: Option<String> },
    ListSets { resumption_token: Option<String> },
    GetRecord { identifier: String, format: Format },
    List { verb: ListVerb, query: ListQuery },
}

/// The arguments as given, for the response's `<request>` element.
pub type Arguments = Vec<(String, String)>;

/// Parses `from` / `until`: a day (`YYYY-MM-DD`) or a second
/// (`YYYY-MM-DDThh:mm:ssZ`); the flag is true for seconds granularity.
/// `until` covers the whole day or second it names.
fn datestamp(name: &str, value: &str, until: bool) -> Result<(DateTime<Utc>, bool), OaiError> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && value.len() == 10
    {
        let start = day.and_time(NaiveTime::MIN).and_utc();
        let at = if until {
            start + Duration::days(1) - Duration::microseconds(1)
        } else {
            start
        };
        return Ok((at, false));
    }
    if value.len() == 20
        && let Ok(at) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%SZ")
    {
        let at = at.and_utc();
        let at = if until {
            at + Duration::seconds(1) - Duration::microseconds(1)
        } else {
            at
        };
        return Ok((at, true));
    }
    Err(bad(format!(
        "{name}={value:?} is not a UTC datestamp: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
    )))
}

/// Checks the arguments against the verb.
pub fn parse(args: &Arguments) -> Result<Verb, OaiError> {
    let verbs: Vec<&str> = args
        .iter()
        .filter(|(k, _)| k == "verb")
        .map(|(_, v)| v.as_str())
        .collect();
    let verb = match verbs.as_slice() {
        [] => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                "the verb argument is missing",
            ));
        }
        [one] => *one,
        _ => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                "the verb argument is repeated",
            ));
        }
    };
    let (required, optional): (&[&str], &[&str]) = match verb {
        "Identify" => (&[], &[]),
        "ListMetadataFormats" => (&[], &["identifier"]),
        "ListSets" => (&[], &["resumptionToken"]),
        "GetRecord" => (&["identifier", "metadataPrefix"], &[]),
        "ListIdentifiers" | "ListRecords" => (
            &[],
            &["metadataPrefix", "from", "until", "set", "resumptionToken"],
        ),
        other => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                format!("{other:?} is not an OAI-PMH verb"),
            ));
        }
    };
    let mut seen: Vec<&str> = Vec::new();
    for (k, _) in args.iter().filter(|(k, _)| k != "verb") {
        if !required.contains(&k.as_str()) && !optional.contains(&k.as_str()) {
            return Err(bad(format!("{verb} takes no argument {k:?}")));
        }
        if seen.contains(&k.as_str()) {
            return Err(bad(format!("the argument {k} is repeated")));
        }
        seen.push(k);
    }
    let get = |name: &str| args.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    for name in required {
        if get(name).is_none() {
            return Err(bad(format!("{verb} needs the argument {name}")));
        }
    }
    Ok(match verb {
        "Identify" => Verb::Identify,
        "ListMetadataFormats" => Verb::ListMetadataFormats {
            identifier: get("identifier"),
        },
        "ListSets" => Verb::ListSets {
            resumption_token: get("resumptionToken"),
        },
        "GetRecord" => Verb::GetRecord {
            identifier: get("identifier").unwrap_or_default(),
            format: Format::parse(&get("metadataPrefix").unwrap_or_default())?,
        },
        list => {
            let verb = if list == "ListRecords" {
                ListVerb::ListRecords
            } else {
                ListVerb::ListIdentifiers
            };
            if let Some(token) = get("resumptionToken") {
                if seen.len() > 1 {
                    return Err(bad("resumptionToken is an exclusive argument"));
                }
                return Ok(Verb::List {
                    verb,
                    query: ListQuery::Resume(token),
                });
            }
            let Some(prefix) = get("metadataPrefix") else {
                return Err(bad(format!(
                    "{list} needs metadataPrefix (or a resumptionToken)"
                )));
            };
            let from = get("from")
                .map(|v| datestamp("from", &v, false))
                .transpose()?;
            let until = get("until")
                .map(|v| datestamp("until", &v, true))
                .transpose()?;
            if let (Some((f, fine_f)), Some((u, fine_u))) = (from, until) {
                if fine_f != fine_u {
                    return Err(bad("from and until must have the same granularity"));
                }
                if f > u {
                    return Err(bad("from is later than until"));
                }
            }
            let set = match get("set") {
                None => None,
                Some(s) => Some(
                    s.strip_prefix("project:")
                        .filter(|code| !code.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            OaiError::new(
                                ErrorCode::NoRecordsMatch,
                                format!("no set {s:?}: sets are project:<code>"),
                            )
                        })?,
                ),
            };
            // The format is checked after the arguments' syntax: a bad date
            // is badArgument whatever the format.
            let format = Format::parse(&prefix)?;
            Verb::List {
                verb,
                query: ListQuery::New {
                    format,
                    from: from.map(|f| f.0),
                    until: until.map(|u| u.0),
                    set,
                },
            }
        }
    })
}

/// Whether `value` fits the XSD type the `<request>` attribute `name` has,
/// so that an error answer echoing it stays valid.
pub fn echoable(name: &str, value: &str) -> bool {
    let token_chars = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c))
    };
    match name {
        "verb" | "resumptionToken" => true,
        "identifier" => !value.is_empty() && !value.chars().any(char::is_whitespace),
        "metadataPrefix" => token_chars(value),
        "set" => value.split(':').all(token_chars),
        "from" | "until" => datestamp(name, value, false).is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> Arguments {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn code(pairs: &[(&str, &str)]) -> ErrorCode {
        parse(&args(pairs)).expect_err("an error").code
    }

    #[test]
    fn verbs_and_arguments_are_checked() {
        use ErrorCode::*;
        assert_eq!(code(&[]), BadVerb);
        assert_eq!(code(&[("verb", "Frobnicate")]), BadVerb);
        assert_eq!(code(&[("verb", "Identify"), ("verb", "Identify")]), BadVerb);
        assert_eq!(code(&[("verb", "Identify"), ("set", "x")]), BadArgument);
        assert_eq!(code(&[("verb", "ListRecords")]), BadArgument);
        assert_eq!(
            code(&[("verb", "GetRecord"), ("identifier", "x")]),
            BadArgument
        );
        assert_eq!(
            code(&[("verb", "ListRecords"), ("metadataPrefix", "marc")]),
            CannotDisseminateFormat
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("metadataPrefix", "oai_dc")
            ]),
            BadArgument
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("resumptionToken", "x"),
                ("metadataPrefix", "oai_dc")
            ]),
            BadArgument
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2026-01-01"),
                ("until", "2026-01-02T00:00:00Z")
            ]),
            BadArgument
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2026-02-01"),
                ("until", "2026-01-01")
            ]),
            BadArgument
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2026-1-1")
            ]),
            BadArgument
        );
    }

    #[test]
    fn until_covers_the_day_or_second_it_names() {
        let Verb::List {
            query: ListQuery::New { from, until, .. },
            ..
        } = parse(&args(&[
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_datacite"),
            ("from", "2026-03-04"),
            ("until", "2026-03-04"),
        ]))
        .unwrap()
        else {
            panic!("a list request")
        };
        assert_eq!(from.unwrap().to_rfc3339(), "2026-03-04T00:00:00+00:00");
        assert_eq!(
            until.unwrap().to_rfc3339(),
            "2026-03-04T23:59:59.999999+00:00"
        );
    }
}
