//! Ingest: datasets in from a manifest (or one upload), their bytes into
//! storage and their records into the catalog, all or nothing.
//!
//! The order is what keeps it whole: the identifier is claimed in the catalog
//! first (a duplicate is refused before any byte is written), the bytes are
//! written under the dataset's keys and made durable, and only then are the
//! files, frames and digests recorded, in one transaction that makes the
//! dataset visible. A failure removes what was written and gives up the claim;
//! a killed process leaves an invisible claim that the next ingest of the same
//! identifier clears and replaces.

mod config;
mod error;
mod extract;
mod frames;
mod ingestor;
mod manifest;
mod restack;
pub mod settings;
mod sources;
mod sync;
mod verify;

pub use config::{UploadConfig, UploadType};
pub use error::IngestError;
/// The progress bar ingests and restacks report to (`ProgressBar::hidden()` for none).
pub use indicatif::ProgressBar;
pub use ingestor::{IngestReport, Ingestor};
pub use manifest::{ManifestRow, read_manifest};
pub use restack::{RestackReport, RestackRequest, parse_frame_list};
pub use sources::SourceRoots;
pub use sync::{SyncReport, sync};
pub use verify::{Problem, VerifyReport, VerifyTarget, verify};
