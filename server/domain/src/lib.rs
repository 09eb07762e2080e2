//! The vocabulary of strata: validated identifiers and the closed sets of the
//! field (techniques, dataset kinds, roles …). A value of one of these types
//! that exists in the program is valid; parsing is the only way in.

mod identifier;
mod vocabulary;

pub use identifier::{DatasetIdentifier, IdentifierError, ProjectCode, Sha256Hex, UserName};
pub use vocabulary::{
    DatasetKind, DatasetStatus, LinkKind, ProjectState, Role, Technique, UnknownTerm, ValueType,
};

pub mod records;
