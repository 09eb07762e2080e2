pub mod export_schema;
pub mod ingest;
pub mod instrument;
pub mod progress;
pub mod query;
pub mod serve;
pub mod token;
pub mod verify;
