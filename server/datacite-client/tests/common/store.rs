//! The fake DataCite's memory and rules, kept apart from HTTP so the rules read
//! like DataCite's documentation:
//! - support.datacite.org/docs/api-create-dois: create with `doi`, or with only
//!   `prefix` for a random suffix; the prefix must belong to the repository.
//! - support.datacite.org/docs/how-do-i-make-a-findable-doi-with-the-rest-api:
//!   `register` draft → registered, `publish` draft/registered → findable, `hide`
//!   findable → registered; register/publish need `url` and the mandatory metadata
//!   (creators, titles, publisher, publicationYear, types.resourceTypeGeneral);
//!   findable and registered DOIs cannot be deleted.
//! - DataCite's server (lupo): events that do not apply are ignored (the state
//!   machine is not "whiny"); DOIs are unique case-insensitively ("This DOI has
//!   already been taken"); DELETE of a non-draft answers 405 Method not allowed;
//!   PUT of an unknown DOI creates it.

use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Draft,
    Registered,
    Findable,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Registered => "registered",
            Self::Findable => "findable",
        }
    }
}

/// A failure the next requests get instead of their answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500.
    ServerError,
    /// HTTP 429 with `Retry-After: 1`.
    TooManyRequests,
    /// No answer for longer than any test client waits.
    Hang,
    /// The request is carried out, but the answer is lost (HTTP 502 instead), as
    /// when a proxy fails on the way back.
    LoseAnswer,
}

/// A request as it arrived, for tests that count attempts or check encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    /// The raw (still percent-encoded) path.
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct StoredDoi {
    /// Lower case, as DataCite answers.
    pub doi: String,
    pub state: State,
    pub attributes: Map<String, Value>,
}

/// An answer other than success: status and JSON:API `errors[]`.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub errors: Vec<Value>,
}

impl Refusal {
    fn new(status: u16, errors: Vec<Value>) -> Self {
        Self { status, errors }
    }

    fn forbidden() -> Self {
        Self::new(
            403,
            vec![
                json!({"status": "403", "title": "You are not authorized to access this resource."}),
            ],
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            404,
            vec![
                json!({"status": "404", "title": "The resource you are looking for doesn't exist."}),
            ],
        )
    }
}

pub struct Store {
    pub repository_id: String,
    pub password: String,
    pub prefixes: Vec<String>,
    /// Keyed by the upper-cased DOI: DOIs are case-insensitive.
    dois: HashMap<String, StoredDoi>,
    faults: VecDeque<Fault>,
    pub seen: Vec<Seen>,
    next_suffix: u32,
}

/// The metadata DataCite requires before a DOI may leave the draft state, in the
/// order the errors list them.
const MANDATORY: [&str; 5] = [
    "creators",
    "titles",
    "publisher",
    "publicationYear",
    "types.resourceTypeGeneral",
];

impl Store {
    pub fn new(repository_id: &str, password: &str, prefixes: &[&str]) -> Self {
        Self {
            repository_id: repository_id.into(),
            password: password.into(),
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            dois: HashMap::new(),
            faults: VecDeque::new(),
            seen: Vec::new(),
            next_suffix: 0,
        }
    }

    pub fn inject(&mut self, fault: Fault, times: usize) {
        self.faults.extend(std::iter::repeat_n(fault, times));
    }

    pub fn take_fault(&mut self) -> Option<Fault> {
        self.faults.pop_front()
    }

    pub fn get(&self, doi: &str) -> Option<&StoredDoi> {
        self.dois.get(&doi.to_uppercase())
    }

    fn owns(&self, doi: &str) -> bool {
        let prefix = doi.split('/').next().unwrap_or_default();
        self.prefixes.iter().any(|p| p == prefix)
    }

    /// POST /dois
    pub fn create(&mut self, mut attrs: Map<String, Value>) -> Result<StoredDoi, Refusal> {
        let doi = match (
            attrs.get("doi").and_then(Value::as_str),
            attrs.get("prefix").and_then(Value::as_str),
        ) {
            (Some(doi), _) => doi.to_lowercase(),
            (None, Some(prefix)) => {
                if !self.prefixes.iter().any(|p| p == prefix) {
                    return Err(Refusal::forbidden());
                }
                self.next_suffix += 1;
                // DataCite's generated suffixes look like "abcd-1234".
                let n = self.next_suffix.wrapping_mul(2_654_435_761);
                format!("{prefix}/{:04x}-{:04x}", n >> 16, n & 0xffff)
            }
            (None, None) => {
                return Err(Refusal::new(
                    422,
                    vec![json!({"source": "doi", "title": "Can't be blank"})],
                ));
            }
        };
        if !valid_doi(&doi) {
            return Err(Refusal::new(
                422,
                vec![json!({"source": "doi", "uid": doi, "title": "Is invalid"})],
            ));
        }
        if !self.owns(&doi) {
            return Err(Refusal::forbidden());
        }
        if self.get(&doi).is_some() {
            return Err(Refusal::new(
                422,
                vec![
                    json!({"source": "doi", "uid": doi, "title": "This DOI has already been taken"}),
                ],
            ));
        }
        attrs.remove("prefix");
        let event = attrs.remove("event");
        let stored = StoredDoi {
            doi: doi.clone(),
            state: State::Draft,
            attributes: Map::new(),
        };
        let stored = transition(stored, attrs, event)?;
        self.dois.insert(doi.to_uppercase(), stored.clone());
        Ok(stored)
    }

    /// PUT /dois/{doi}; the bool says whether it was created.
    pub fn update(
        &mut self,
        doi: &str,
        mut attrs: Map<String, Value>,
    ) -> Result<(StoredDoi, bool), Refusal> {
        if !self.owns(doi) {
            return Err(Refusal::forbidden());
        }
        if self.get(doi).is_none() {
            attrs.insert("doi".into(), Value::String(doi.to_owned()));
            return self.create(attrs).map(|d| (d, true));
        }
        let current = self.get(doi).cloned().expect("checked above");
        let event = attrs.remove("event");
        attrs.remove("doi");
        attrs.remove("prefix");
        let updated = transition(current, attrs, event)?;
        self.dois.insert(doi.to_uppercase(), updated.clone());
        Ok((updated, false))
    }

    /// DELETE /dois/{doi}
    pub fn delete(&mut self, doi: &str) -> Result<(), Refusal> {
        let Some(current) = self.get(doi) else {
            return Err(Refusal::not_found());
        };
        if !self.owns(doi) {
            return Err(Refusal::forbidden());
        }
        if current.state != State::Draft {
            return Err(Refusal::new(
                405,
                vec![json!({"status": "405", "title": "Method not allowed"})],
            ));
        }
        self.dois.remove(&doi.to_uppercase());
        Ok(())
    }
}

/// Merges `attrs` into the DOI and applies `event`. Like a failed Rails save, a
/// refusal leaves the stored DOI unchanged (the caller only stores on success).
fn transition(
    mut doi: StoredDoi,
    attrs: Map<String, Value>,
    event: Option<Value>,
) -> Result<StoredDoi, Refusal> {
    for (key, value) in attrs {
        // The state is DataCite's to set, through events only.
        if key != "state" {
            doi.attributes.insert(key, value);
        }
    }
    let next = match (event.as_ref().and_then(Value::as_str), doi.state) {
        (Some("register"), State::Draft) => State::Registered,
        (Some("publish"), State::Draft | State::Registered) => State::Findable,
        (Some("hide"), State::Findable) => State::Registered,
        // Not applicable or unknown: DataCite ignores it.
        _ => doi.state,
    };
    if next != State::Draft {
        let missing = missing_metadata(&doi.attributes);
        if !missing.is_empty() {
            let errors = missing
                .into_iter()
                .map(|m| json!({"source": m, "uid": doi.doi, "title": "Can't be blank"}))
                .collect();
            return Err(Refusal::new(422, errors));
        }
    }
    doi.state = next;
    Ok(doi)
}

fn missing_metadata(attrs: &Map<String, Value>) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let url_ok = attrs
        .get("url")
        .and_then(Value::as_str)
        .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
    if !url_ok {
        missing.push("url");
    }
    for name in MANDATORY {
        let value = match name.split_once('.') {
            Some((outer, inner)) => attrs.get(outer).and_then(|o| o.get(inner)),
            None => attrs.get(name),
        };
        if !present(value) {
            missing.push(name);
        }
    }
    missing
}

fn present(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

/// Crossref's pattern for modern DOIs, which DataCite's validation follows.
fn valid_doi(doi: &str) -> bool {
    let Some((prefix, suffix)) = doi.split_once('/') else {
        return false;
    };
    let digits = prefix.strip_prefix("10.").unwrap_or_default();
    (4..=9).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !suffix.is_empty()
        && suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._;()/:".contains(c))
}

/// The JSON:API document DataCite answers with.
pub fn document(doi: &StoredDoi) -> Value {
    let mut attrs = doi.attributes.clone();
    let (prefix, suffix) = doi.doi.split_once('/').unwrap_or((&doi.doi, ""));
    attrs.insert("doi".into(), json!(doi.doi));
    attrs.insert("prefix".into(), json!(prefix));
    attrs.insert("suffix".into(), json!(suffix));
    attrs.insert("state".into(), json!(doi.state.as_str()));
    attrs.entry("url").or_insert(Value::Null);
    json!({"data": {"id": doi.doi, "type": "dois", "attributes": attrs}})
}
