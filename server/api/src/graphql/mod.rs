//! The GraphQL schema: queries and mutations split by entity and merged, the
//! per-request context (who is asking, and the DataLoaders), and the limits.

mod cleanup;
mod context;
mod dataset;
mod facets;
mod filter;
mod frames;
mod instrument;
mod job;
mod limits;
mod lineage;
mod loaders;
mod me;
mod parameter;
mod project;
mod project_lifecycle;
mod publication;
mod restack;
mod scalars;
mod session;
mod subscription;
mod vocabulary;

use async_graphql::{MergedObject, MergedSubscription, Schema};

pub use context::RequestContext;
pub use limits::MAX_BODY_BYTES;

#[derive(MergedObject, Default)]
pub struct Query(
    dataset::DatasetQuery,
    facets::FacetQuery,
    project::ProjectQuery,
    instrument::InstrumentQuery,
    parameter::ParameterQuery,
    lineage::LineageQuery,
    me::MeQuery,
    job::JobQuery,
    session::SessionQuery,
    publication::PublicationQuery,
    cleanup::CleanupQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    dataset::DatasetMutation,
    project::ProjectMutation,
    project_lifecycle::ProjectLifecycleMutation,
    instrument::InstrumentMutation,
    job::JobMutation,
    session::SessionMutation,
    publication::PublicationMutation,
    cleanup::CleanupMutation,
    restack::RestackMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(subscription::DatasetSubscription);

pub type StrataSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits. Per-request data (the caller's scope and the
/// loaders) is added to each request, not here.
pub fn schema() -> StrataSchema {
    schema_builder().finish()
}

/// The schema serving live searches from `landings`.
pub fn schema_with(landings: crate::landings::Landings) -> StrataSchema {
    schema_builder().data(landings).finish()
}

fn schema_builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(limits::MAX_DEPTH)
    .limit_complexity(limits::MAX_COMPLEXITY)
    .limit_recursive_depth(limits::MAX_RECURSIVE_DEPTH)
    .limit_directives(limits::MAX_DIRECTIVES)
    .extension(limits::AliasLimit)
}

/// The SDL, as checked in at `schema/strata.graphql`.
pub fn sdl() -> String {
    schema().sdl()
}
