use std::path::PathBuf;

use strata_catalog::CatalogError;
use strata_frames::FrameError;
use strata_storage::StorageError;

/// Why an ingest did not happen; each names the row, file or key at fault.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: line {line}{}: {reason}", path.display(), if column.is_empty() { String::new() } else { format!(", column {column}") })]
    Manifest {
        path: PathBuf,
        line: usize,
        column: String,
        reason: String,
    },
    #[error("upload configuration{}: {reason}", path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    Config {
        path: Option<PathBuf>,
        reason: String,
    },
    #[error("{}: {reason}", path.display())]
    Source { path: PathBuf, reason: String },
    #[error("{identifier}: {source}")]
    Catalog {
        identifier: String,
        source: CatalogError,
    },
    #[error("{identifier}: {source}")]
    Storage {
        identifier: String,
        source: StorageError,
    },
    #[error("{identifier}: {source}")]
    Frames {
        identifier: String,
        source: FrameError,
    },
    #[error("{identifier}: {reason}")]
    Zarr { identifier: String, reason: String },
    /// A request names something that cannot be done (`field` is its path
    /// inside the request: `frames[3]`, `identifier`, `job`).
    #[error("{field}: {reason}")]
    Request { field: String, reason: String },
    /// A source frame read back does not hash to the digest the catalog recorded.
    #[error("{identifier}: frame {index} (position {position}, t {t}, c {c}, z {z}) {reason}")]
    CorruptFrame {
        identifier: String,
        index: usize,
        position: usize,
        t: usize,
        c: usize,
        z: usize,
        reason: String,
    },
}
