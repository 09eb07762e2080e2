//! Closed sets of terms. Each is stored as its `as_str` text in the catalog.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A term that is not one of a closed set; the message lists the accepted ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {got:?} is not one of: {}", expected.join(", "))]
pub struct UnknownTerm {
    pub what: &'static str,
    pub got: String,
    pub expected: &'static [&'static str],
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            const TEXTS: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownTerm;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownTerm { what: $what, got: s.to_owned(), expected: Self::TEXTS }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// The imaging techniques strata catalogs.
    Technique, "technique" {
        CryoEm => "cryo-em",
        CryoEt => "cryo-et",
        Mx => "mx",
        Saxs => "saxs",
        LightMicroscopy => "light-microscopy",
    }
);

vocabulary!(
    /// Raw data as acquired, or data processed from other datasets.
    DatasetKind, "dataset kind" { Raw => "raw", Processed => "processed" }
);

vocabulary!(
    /// Where a dataset is in its life: bytes arriving, all there, or cleared by a cleanup.
    DatasetStatus, "dataset status" {
        Ingesting => "ingesting",
        Complete => "complete",
        Cleared => "cleared",
    }
);

vocabulary!(
    /// A project's attachment to this instance (CryoSPARC's data management).
    ProjectState, "project state" {
        Attached => "attached",
        Archived => "archived",
        Detached => "detached",
    }
);

vocabulary!(
    /// What a member may do in a project; each role includes the ones before it.
    Role, "role" { Viewer => "viewer", Depositor => "depositor", Manager => "manager" }
);

vocabulary!(
    /// How a dataset relates to another one it names.
    ///
    /// `DerivedFrom`: a processed dataset and one of its inputs (ICAT);
    /// `Parent`: imagingDB's parent link, a dataset and the one it belongs to.
    LinkKind, "link kind" { DerivedFrom => "derived-from", Parent => "parent" }
);

vocabulary!(
    /// The type of a parameter's values.
    ValueType, "value type" {
        Number => "number",
        Integer => "integer",
        String => "string",
        Boolean => "boolean",
    }
);

impl Role {
    pub fn can_deposit(self) -> bool {
        self >= Role::Depositor
    }
    pub fn can_manage(self) -> bool {
        self >= Role::Manager
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_round_trip_through_text() {
        for t in Technique::ALL {
            assert_eq!(t.as_str().parse::<Technique>().unwrap(), *t);
        }
        for r in Role::ALL {
            assert_eq!(r.to_string().parse::<Role>().unwrap(), *r);
        }
    }

    #[test]
    fn unknown_terms_list_what_is_accepted() {
        let err = "xray".parse::<Technique>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "technique \"xray\" is not one of: cryo-em, cryo-et, mx, saxs, light-microscopy"
        );
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Manager.can_deposit() && Role::Manager.can_manage());
        assert!(Role::Depositor.can_deposit() && !Role::Depositor.can_manage());
        assert!(!Role::Viewer.can_deposit());
    }
}
