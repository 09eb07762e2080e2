use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a string is not a valid identifier; the message names what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error(
        "project code {0:?} must be 1 to 16 characters, an uppercase letter then uppercase letters or digits (e.g. ML, MX2485)"
    )]
    ProjectCode(String),
    #[error(
        "dataset identifier {0:?} must look like <ID>-YYYY-MM-DD-HH-MM-SS-<NNNN> (e.g. ML-2022-10-01-14-03-22-0001)"
    )]
    DatasetShape(String),
    #[error("dataset identifier {identifier:?} has an impossible timestamp {timestamp:?}")]
    DatasetTimestamp {
        identifier: String,
        timestamp: String,
    },
    #[error("SHA-256 {0:?} must be 64 lowercase hexadecimal digits")]
    Sha256(String),
    #[error("user name {0:?} must be 1 to 64 characters of letters, digits, '.', '_', '-' or '@'")]
    UserName(String),
}

/// The `<ID>` part of dataset identifiers: a project's short code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProjectCode(String);

impl ProjectCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProjectCode {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.chars();
        let valid = (1..=16).contains(&s.len())
            && chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdentifierError::ProjectCode(s.to_owned()))
        }
    }
}

/// A dataset identifier as imagingDB defines it: `<ID>-YYYY-MM-DD-HH-MM-SS-<NNNN>`,
/// the project code, the acquisition timestamp (UTC) and a four-digit serial.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DatasetIdentifier {
    text: String,
    project: ProjectCode,
    acquired_at: DateTime<Utc>,
    serial: u16,
}

impl DatasetIdentifier {
    pub fn new(
        project: &ProjectCode,
        acquired_at: DateTime<Utc>,
        serial: u16,
    ) -> Result<Self, IdentifierError> {
        format!(
            "{}-{}-{serial:04}",
            project.as_str(),
            acquired_at.format("%Y-%m-%d-%H-%M-%S")
        )
        .parse()
    }
    pub fn as_str(&self) -> &str {
        &self.text
    }
    pub fn project(&self) -> &ProjectCode {
        &self.project
    }
    /// The timestamp part, stored in its own indexed column for time-window queries.
    pub fn acquired_at(&self) -> DateTime<Utc> {
        self.acquired_at
    }
    pub fn serial(&self) -> u16 {
        self.serial
    }
}

impl FromStr for DatasetIdentifier {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shape = || IdentifierError::DatasetShape(s.to_owned());
        // The code holds no '-', so the last seven '-'-separated parts are fixed.
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 8 {
            return Err(shape());
        }
        let widths = [4, 2, 2, 2, 2, 2, 4];
        let digits_ok = parts[1..]
            .iter()
            .zip(widths)
            .all(|(p, w)| p.len() == w && p.bytes().all(|b| b.is_ascii_digit()));
        if !digits_ok {
            return Err(shape());
        }
        let project: ProjectCode = parts[0].parse().map_err(|_| shape())?;
        let timestamp = parts[1..7].join("-");
        let acquired_at = NaiveDateTime::parse_from_str(&timestamp, "%Y-%m-%d-%H-%M-%S")
            .map_err(|_| IdentifierError::DatasetTimestamp {
                identifier: s.to_owned(),
                timestamp: timestamp.clone(),
            })?
            .and_utc();
        let serial = parts[7].parse().map_err(|_| shape())?;
        Ok(Self {
            text: s.to_owned(),
            project,
            acquired_at,
            serial,
        })
    }
}

/// Lower-case hexadecimal SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Sha256Hex {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdentifierError::Sha256(s.to_owned()))
        }
    }
}

/// The name of a strata user (a person or a pipeline).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(String);

impl UserName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for UserName {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = (1..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdentifierError::UserName(s.to_owned()))
        }
    }
}

macro_rules! string_newtype_impls {
    ($($t:ty => $field:tt),* $(,)?) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.$field)
            }
        }
        impl TryFrom<String> for $t {
            type Error = IdentifierError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.$field
            }
        }
    )*};
}
string_newtype_impls!(ProjectCode => 0, DatasetIdentifier => text, Sha256Hex => 0, UserName => 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_imagingdb_identifiers() {
        let id: DatasetIdentifier = "ML-2022-10-01-14-03-22-0042".parse().unwrap();
        assert_eq!(id.project().as_str(), "ML");
        assert_eq!(id.serial(), 42);
        assert_eq!(id.acquired_at().to_rfc3339(), "2022-10-01T14:03:22+00:00");
        assert_eq!(id.to_string(), "ML-2022-10-01-14-03-22-0042");
    }

    #[test]
    fn builds_identifiers_from_parts() {
        let code: ProjectCode = "MX2485".parse().unwrap();
        let at = "2024-02-29T23:59:59Z".parse().unwrap();
        let id = DatasetIdentifier::new(&code, at, 7).unwrap();
        assert_eq!(id.as_str(), "MX2485-2024-02-29-23-59-59-0007");
    }

    #[test]
    fn refuses_malformed_identifiers() {
        for bad in [
            "",
            "ML",
            "ml-2022-10-01-14-03-22-0001",
            "ML-2022-10-01-14-03-22-001",
            "ML-2022-10-01-14-03-22-00001",
            "ML-22-10-01-14-03-22-0001",
            "ML-2022-10-01-14-03-0001",
            "ML-2022-10-01T14-03-22-0001",
            "M-L-2022-10-01-14-03-22-0001",
            "ML-2022-10-01-14-03-22-0001-",
            "ML-2022-1a-01-14-03-22-0001",
        ] {
            let err = bad.parse::<DatasetIdentifier>().unwrap_err();
            assert!(
                matches!(err, IdentifierError::DatasetShape(_)),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn refuses_impossible_timestamps() {
        for bad in ["ML-2022-02-30-14-03-22-0001", "ML-2022-10-01-24-00-00-0001"] {
            let err = bad.parse::<DatasetIdentifier>().unwrap_err();
            assert!(
                matches!(err, IdentifierError::DatasetTimestamp { .. }),
                "{bad}"
            );
            assert!(err.to_string().contains(bad));
        }
    }

    #[test]
    fn project_codes() {
        assert!("ISP".parse::<ProjectCode>().is_ok());
        assert!("MX2485".parse::<ProjectCode>().is_ok());
        for bad in ["", "2MX", "mx", "M-X", "ABCDEFGHIJKLMNOPQ"] {
            assert!(bad.parse::<ProjectCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn sha256_and_user_names() {
        assert!("a".repeat(64).parse::<Sha256Hex>().is_ok());
        assert!("A".repeat(64).parse::<Sha256Hex>().is_err());
        assert!("a".repeat(63).parse::<Sha256Hex>().is_err());
        assert!("beamline-id30b@esrf".parse::<UserName>().is_ok());
        assert!("has space".parse::<UserName>().is_err());
        assert!("".parse::<UserName>().is_err());
    }
}
