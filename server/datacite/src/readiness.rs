//! What a record still needs before a DOI can be registered, in words a curator can act on.
//!
//! DataCite rejects a registration without the six mandatory properties, and the
//! recommended ones are what make a dataset findable (DataCite counts them in its
//! completeness reports). Identifier syntax is checked here because DataCite does not
//! verify ORCID checksums or ROR ids itself and a typo would be published for good.

use serde::{Deserialize, Serialize};

use crate::model::{Creator, Resource};

/// How DataCite classes a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Obligation {
    Mandatory,
    Recommended,
}

/// One thing to fix. `property` is the DataCite property name (e.g. `Creator`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub property: &'static str,
    pub obligation: Obligation,
    /// What to do, as a sentence.
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// Mandatory or recommended properties that are absent or empty.
    pub missing: Vec<Finding>,
    /// Values present but malformed (DOI, ORCID, ROR, year).
    pub invalid: Vec<Finding>,
}

impl Readiness {
    /// True when every mandatory property is present and well-formed: DataCite will
    /// accept the record. Missing recommended properties do not block publishing.
    pub fn is_publishable(&self) -> bool {
        self.missing
            .iter()
            .chain(&self.invalid)
            .all(|f| f.obligation != Obligation::Mandatory)
    }

    pub fn missing_mandatory(&self) -> impl Iterator<Item = &Finding> {
        self.missing
            .iter()
            .filter(|f| f.obligation == Obligation::Mandatory)
    }

    pub fn missing_recommended(&self) -> impl Iterator<Item = &Finding> {
        self.missing
            .iter()
            .filter(|f| f.obligation == Obligation::Recommended)
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// `10.NNNN/suffix`: a `10.` directory prefix of four or more digits (dot-separated
/// sub-prefixes allowed), a slash, and a non-empty suffix without whitespace.
pub fn is_doi(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("10.") else {
        return false;
    };
    let Some((prefix, suffix)) = rest.split_once('/') else {
        return false;
    };
    let mut groups = prefix.split('.');
    let first_ok = groups
        .next()
        .is_some_and(|g| g.len() >= 4 && g.bytes().all(|b| b.is_ascii_digit()));
    first_ok
        && groups.all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && !suffix.is_empty()
        && !suffix.chars().any(char::is_whitespace)
}

/// An ORCID iD (bare or as `https://orcid.org/…` URL) with a correct ISO 7064 MOD 11-2
/// check character.
pub fn is_orcid(s: &str) -> bool {
    let s = s.trim();
    let id = s
        .strip_prefix("https://orcid.org/")
        .or_else(|| s.strip_prefix("http://orcid.org/"))
        .unwrap_or(s);
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 19 || [4, 9, 14].iter().any(|&i| chars[i] != '-') {
        return false;
    }
    let digits: Vec<char> = chars.iter().copied().filter(|c| *c != '-').collect();
    if digits[..15].iter().any(|c| !c.is_ascii_digit()) {
        return false;
    }
    let mut total = 0u32;
    for c in &digits[..15] {
        total = (total + c.to_digit(10).unwrap_or(0)) * 2;
    }
    let check = (12 - total % 11) % 11;
    let expected = if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10).unwrap_or('?')
    };
    digits[15] == expected
}

/// A ROR id (`0` + 6 characters of ROR's Crockford base32 + 2 check digits), bare or
/// as `https://ror.org/…`. Checks the shape only.
pub fn is_ror_id(s: &str) -> bool {
    let s = s.trim();
    let id = s
        .strip_prefix("https://ror.org/")
        .or_else(|| s.strip_prefix("http://ror.org/"))
        .or_else(|| s.strip_prefix("ror.org/"))
        .unwrap_or(s);
    let b = id.as_bytes();
    b.len() == 9
        && b[0] == b'0'
        && b[1..7]
            .iter()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_lowercase() && !b"ilou".contains(c)))
        && b[7..].iter().all(u8::is_ascii_digit)
}

/// `YYYY`, as the XSD's yearType requires.
pub fn is_year(s: &str) -> bool {
    let s = s.trim();
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

struct Check {
    r: Readiness,
}

impl Check {
    fn missing(&mut self, property: &'static str, obligation: Obligation, message: &str) {
        self.r.missing.push(Finding {
            property,
            obligation,
            message: message.to_owned(),
        });
    }

    fn invalid(&mut self, property: &'static str, obligation: Obligation, message: String) {
        self.r.invalid.push(Finding {
            property,
            obligation,
            message,
        });
    }

    fn parties(
        &mut self,
        property: &'static str,
        obligation: Obligation,
        parties: &[(&str, &Creator)],
    ) {
        for (label, p) in parties {
            for n in &p.name_identifiers {
                let scheme = n.scheme.trim();
                if scheme.eq_ignore_ascii_case("ORCID") && !is_orcid(&n.value) {
                    self.invalid(property, obligation, format!(
                        "The ORCID iD {:?} of {label} {:?} is not valid (wrong format or check digit); copy it from the person's ORCID record.",
                        n.value.trim(), p.name.value.trim()
                    ));
                }
                if scheme.eq_ignore_ascii_case("ROR") && !is_ror_id(&n.value) {
                    self.invalid(property, obligation, format!(
                        "The ROR id {:?} of {label} {:?} is not a ROR id (https://ror.org/0xxxxxxNN).",
                        n.value.trim(), p.name.value.trim()
                    ));
                }
            }
            for a in &p.affiliations {
                let is_ror = a
                    .identifier_scheme
                    .as_deref()
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("ROR"));
                if let (true, Some(id)) = (is_ror, &a.identifier)
                    && !is_ror_id(id)
                {
                    self.invalid(property, obligation, format!(
                        "The ROR id {:?} of the affiliation {:?} is not a ROR id (https://ror.org/0xxxxxxNN).",
                        id.trim(), a.name.trim()
                    ));
                }
            }
        }
    }
}
mod rules;

/// Checks a record against DataCite's mandatory and recommended properties.
pub fn readiness(r: &Resource) -> Readiness {
    let mut c = Check {
        r: Readiness::default(),
    };
    rules::mandatory(&mut c, r);
    rules::recommended(&mut c, r);
    c.r
}
