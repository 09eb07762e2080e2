//! GraphQL enums mirroring the domain's closed sets (`remote` derives the
//! conversions both ways, so the two cannot drift apart silently).

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_domain::Technique")]
pub enum Technique {
    CryoEm,
    CryoEt,
    Mx,
    Saxs,
    LightMicroscopy,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_domain::DatasetKind")]
pub enum DatasetKind {
    Raw,
    Processed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_domain::DatasetStatus")]
pub enum DatasetStatus {
    Ingesting,
    Complete,
    Cleared,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_domain::ProjectState")]
pub enum ProjectState {
    Attached,
    Archived,
    Detached,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_domain::Role")]
pub enum Role {
    Viewer,
    Depositor,
    Manager,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_domain::LinkKind")]
pub enum LinkKind {
    /// A processed dataset and one of its inputs.
    DerivedFrom,
    /// imagingDB's parent link: a dataset and the one it belongs to.
    Parent,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_domain::ValueType")]
pub enum ValueType {
    Number,
    Integer,
    String,
    Boolean,
}
