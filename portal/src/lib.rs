//! strata's static portal: runs the `.graphql` documents of
//! `portal/queries/` as an anonymous visitor, renders compile-time
//! templates, and writes a site any web server or bucket can host: home,
//! search (a static Pagefind index), project pages, dataset landing pages,
//! DOI landing pages and tombstones, and each record's metadata downloads.
//!
//! It reaches the data only through GraphQL ([`GraphqlSource`]): over HTTP
//! ([`HttpSource`]) or in-process (the `strata` binary supplies that one).

pub mod build;
pub mod error;
pub mod escape;
#[doc(hidden)]
pub mod fixtures;
pub mod lineage;
pub mod model;
pub mod pages;
pub mod queries;
pub mod search;
pub mod source;
pub mod viewers;

pub use build::{BuildOptions, BuildReport, NoProgress, Progress, build};
pub use error::PortalError;
pub use source::{GraphqlSource, HttpSource, data_of};
