//! End-to-end tests of the API through the real server over HTTP, each with a
//! fresh database (SQLite, or PostgreSQL with STRATA_TEST_DATABASE_URL).

mod access;
mod bad_input;
mod data;
mod datasets;
mod doi_negotiation;
mod facets;
mod health;
mod jobs;
mod lineage;
mod oai;
mod parameters;
mod portal;
mod portal_browser;
mod projects;
mod publications;
mod restack;
mod round_trip;
mod schema;
mod search;
mod sessions;
mod subscription;
