pub mod export_schema;
pub mod instrument;
pub mod query;
pub mod serve;
pub mod token;
