//! The catalog's schema, one dated migration per file. Every migration runs
//! unchanged on SQLite and PostgreSQL; only portable column types are used.

// Iden enums name tables and their columns; a column may well repeat its table's name.
#![allow(clippy::enum_variant_names)]

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_access;
mod m20261121_000002_create_projects;
mod m20261121_000003_create_datasets;
mod m20261121_000004_create_parameters;
mod m20261121_000005_create_jobs;
mod m20261121_000006_create_publications;
mod m20261121_000007_create_events;
mod m20261121_000008_denormalise_parameters;
mod m20261121_000009_frame_parameters;
mod m20261121_000010_instance_and_project_storage;
mod m20261121_000011_job_results;
mod m20261122_000001_sessions;
mod m20261122_000002_publication_lifecycle;
mod m20261203_000001_result_readers;
mod util;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_access::Migration),
            Box::new(m20261121_000002_create_projects::Migration),
            Box::new(m20261121_000003_create_datasets::Migration),
            Box::new(m20261121_000004_create_parameters::Migration),
            Box::new(m20261121_000005_create_jobs::Migration),
            Box::new(m20261121_000006_create_publications::Migration),
            Box::new(m20261121_000007_create_events::Migration),
            Box::new(m20261121_000008_denormalise_parameters::Migration),
            Box::new(m20261121_000009_frame_parameters::Migration),
            Box::new(m20261121_000010_instance_and_project_storage::Migration),
            Box::new(m20261121_000011_job_results::Migration),
            Box::new(m20261122_000001_sessions::Migration),
            Box::new(m20261122_000002_publication_lifecycle::Migration),
            Box::new(m20261203_000001_result_readers::Migration),
        ]
    }
}
