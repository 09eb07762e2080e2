//! A project's self-contained directory (seed 000, CryoSPARC's data
//! management): the dataset folders, a lock file naming the instance the
//! project is attached to, and the continuous export, from which the
//! directory alone can rebuild the project in any instance.
//!
//! ```text
//! ST-my-protein-october-2022/
//!   strata.lock                    the attaching instance (id, name, host, heartbeat)
//!   .strata/project.json           the project: code, title, members, samples, embargo
//!   .strata/datasets/<ID>.json     each dataset: parameters, links, files, frame sets, frames
//!   .strata/jobs/<uid>.json        each job: parameters, inputs, workspaces, results
//!   .strata/sessions/<uid>.json    each session: parameters, results (compacted ones too)
//!   .strata/publications/<n>.json  each publication: DOI, state, record, datasets
//!   publications/<n>/datacite.*    the DataCite XML and JSON as deposited
//!   <ID>/…                         each dataset's folder: its bytes (local storage)
//!   jobs/<uid>/…                   each job's folder: its outputs
//!   sessions/<uid>/…               each session's folder: its outputs
//! ```
//!
//! Every file is written whole under a temporary name, fsynced and renamed
//! over the previous one, so a crash mid-export leaves the previous export.

mod attach;
mod export;
pub mod format;
mod lifecycle;
pub mod lock;
mod processing;
mod publications;
mod read;
mod relink;
mod stats;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use attach::Attached;
pub use lifecycle::DetachReport;
pub use relink::RelinkReport;
pub use stats::ProjectStorage;

/// The lock file's name in a project directory.
pub const LOCK_FILE: &str = "strata.lock";
/// The export's folder in a project directory.
pub const EXPORT_DIR: &str = ".strata";

pub(crate) fn project_file(dir: &Path) -> PathBuf {
    dir.join(EXPORT_DIR).join("project.json")
}

pub(crate) fn datasets_dir(dir: &Path) -> PathBuf {
    dir.join(EXPORT_DIR).join("datasets")
}

pub(crate) fn jobs_dir(dir: &Path) -> PathBuf {
    dir.join(EXPORT_DIR).join("jobs")
}

pub(crate) fn sessions_dir(dir: &Path) -> PathBuf {
    dir.join(EXPORT_DIR).join("sessions")
}

pub(crate) fn publications_dir(dir: &Path) -> PathBuf {
    dir.join(EXPORT_DIR).join("publications")
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it,
/// fsynced, renamed over `path`, and the directory fsynced.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        uuid::Uuid::new_v4()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Runs blocking file work off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("file work does not panic")
}

/// Bytes under `path`, symlinks not followed.
pub(crate) fn bytes_on_disk(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        std::fs::read_dir(path)
            .map(|entries| entries.flatten().map(|e| bytes_on_disk(&e.path())).sum())
            .unwrap_or(0)
    } else {
        meta.len()
    }
}
