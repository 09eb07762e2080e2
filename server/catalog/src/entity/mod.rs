//! sea-orm models, one per table; the first of the three type layers
//! (model → domain record → GraphQL object). Nothing outside the catalog sees them.

pub mod api_token;
pub mod datafile;
pub mod dataset;
pub mod dataset_link;
pub mod event;
pub mod frame;
pub mod frame_set;
pub mod instance;
pub mod instrument;
pub mod job;
pub mod job_dataset;
pub mod job_input;
pub mod job_result;
pub mod job_workspace;
pub mod membership;
pub mod parameter;
pub mod parameter_type;
pub mod project;
pub mod publication;
pub mod publication_dataset;
pub mod sample;
pub mod session;
pub mod session_result;
pub mod user;
pub mod workspace;
