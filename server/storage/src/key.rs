//! Validated object keys. Keys become file paths on local storage, so anything that could
//! escape the root or alias another key is refused here, before any I/O.

use std::fmt;
use std::str::FromStr;

use crate::error::{Result, StorageError};

/// Longest key accepted, in bytes (S3's own limit).
pub const MAX_KEY_LEN: usize = 1024;

/// Directory under a local store's root where uploads are staged. Keys may not start with it,
/// so a staged upload can never be mistaken for (or overwrite) an object.
pub(crate) const TMP_DIR: &str = ".strata-tmp";

/// A relative object key such as `projects/ST-1/ML-2022-001/file.tif`.
///
/// Non-empty `/`-separated segments, no `.` or `..` segment, no leading `/`, no backslash,
/// no NUL, at most [`MAX_KEY_LEN`] bytes. [`ObjectKey::parse`] is the only way to make one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Validates `key`; the error names the key and what is wrong with it.
    pub fn parse(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        match problem(&key, false) {
            Some(reason) => Err(StorageError::InvalidKey { key, reason }),
            None => Ok(ObjectKey(key)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key's segments, e.g. `["projects", "ST-1", "file.tif"]`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

/// Checks a list prefix: empty, or a key-like string that may end in `/`.
pub(crate) fn check_prefix(prefix: &str) -> Result<()> {
    if prefix.is_empty() {
        return Ok(());
    }
    match problem(prefix, true) {
        Some(reason) => Err(StorageError::InvalidKey {
            key: prefix.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

fn problem(key: &str, is_prefix: bool) -> Option<&'static str> {
    if key.is_empty() {
        return Some("key is empty");
    }
    if key.len() > MAX_KEY_LEN {
        return Some("key is longer than 1024 bytes");
    }
    if key.starts_with('/') {
        return Some("key must be relative (starts with '/')");
    }
    if key.contains('\\') {
        return Some("key contains a backslash");
    }
    if key.contains('\0') {
        return Some("key contains a NUL byte");
    }
    // A prefix may end in '/', which leaves one empty last segment: allow exactly that.
    let body = if is_prefix {
        key.strip_suffix('/').unwrap_or(key)
    } else {
        key
    };
    for (i, segment) in body.split('/').enumerate() {
        match segment {
            "" => return Some("key has an empty segment ('//' or trailing '/')"),
            "." => return Some("key has a '.' segment"),
            ".." => return Some("key has a '..' segment"),
            TMP_DIR if i == 0 => return Some("key starts with the reserved segment '.strata-tmp'"),
            _ => {}
        }
    }
    None
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectKey({:?})", self.0)
    }
}

impl FromStr for ObjectKey {
    type Err = StorageError;
    fn from_str(s: &str) -> Result<Self> {
        ObjectKey::parse(s)
    }
}

impl TryFrom<String> for ObjectKey {
    type Error = StorageError;
    fn try_from(s: String) -> Result<Self> {
        ObjectKey::parse(s)
    }
}

impl TryFrom<&str> for ObjectKey {
    type Error = StorageError;
    fn try_from(s: &str) -> Result<Self> {
        ObjectKey::parse(s)
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_keys() {
        for key in [
            "a",
            "projects/ST-x/ML-2022-001/file.tif",
            ".hidden/x",
            "a/..b/c..",
            "a b/ü.tif",
        ] {
            assert_eq!(ObjectKey::parse(key).unwrap().as_str(), key);
        }
        assert!(ObjectKey::parse("x".repeat(MAX_KEY_LEN)).is_ok());
    }

    #[test]
    fn refuses_bad_keys_naming_key_and_reason() {
        let long = "x".repeat(MAX_KEY_LEN + 1);
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("../x", "'..'"),
            ("a/../b", "'..'"),
            ("./a", "'.'"),
            ("/abs", "relative"),
            ("a//b", "empty segment"),
            ("a/", "empty segment"),
            ("a\\b", "backslash"),
            ("a\0b", "NUL"),
            (".strata-tmp/x", "reserved"),
            (&long, "1024"),
        ];
        for (key, why) in cases {
            let err = ObjectKey::parse(*key).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, StorageError::InvalidKey { .. }),
                "{key:?}: {err:?}"
            );
            assert!(msg.contains(why), "{key:?}: {msg}");
            if key.len() < 100 {
                assert!(
                    msg.contains(&format!("{key:?}")),
                    "message should name the key: {msg}"
                );
            }
        }
    }

    #[test]
    fn prefixes_may_end_in_slash_but_not_escape() {
        assert!(check_prefix("").is_ok());
        assert!(check_prefix("projects/").is_ok());
        assert!(check_prefix("projects/ST").is_ok());
        assert!(check_prefix("../").is_err());
        assert!(check_prefix("/projects").is_err());
        assert!(check_prefix("a//").is_err());
    }
}
