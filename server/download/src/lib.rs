//! Whole or partial dataset downloads: the job of imagingDB's
//! `data_downloader`.
//!
//! [`download`] writes a dataset the caller may see into `dest/<identifier>/`:
//!
//! - **Plain files** (upload type `file` or `link`) are fetched whole to
//!   their recorded relative paths, each through
//!   [`strata_storage::fetch_verified`]: a file that fails its SHA-256 never
//!   reaches the destination.
//! - **Frames** are delivered whole or narrowed by channel (names or
//!   indices), z range, t range and positions, as OME-TIFF (default, one
//!   `<position>.ome.tif` per position) or OME-Zarr (one `<position>.ome.zarr`
//!   per position holding just the selection). Only what the selection needs
//!   is fetched: the image's group `zarr.json`, then for each shard it
//!   touches either the whole shard (checked against its SHA-256) or, when
//!   it needs less than half of it, the shard index and the needed inner
//!   chunks by ranged reads (see `fetch.rs`). Every delivered frame is then
//!   re-hashed and compared with the catalog's digest of its pixels; a
//!   mismatch fails the download naming the dataset, position, t, c, z, the
//!   object and both digests.
//! - **Metadata** beside the data: `metadata.json` (the dataset record, its
//!   files, each delivered frame set's global metadata, shape, dtype, channel
//!   names and selection) and, for frame datasets, `frames.csv` (one row per
//!   delivered frame: position, t, c, channel, z, sha256, metadata as JSON).
//!   `metadata_only` writes only these.
//!
//! Guarantees:
//! - Bad selections (unknown channel, index or range out of bounds, absent
//!   position) and an existing non-empty destination are refused before any
//!   byte is fetched, naming the option and the valid values.
//! - Nothing half-written: the download is assembled in
//!   `dest/.<identifier>.partial-<pid>/` and renamed into place at the end;
//!   on any error (or if the future is dropped) the partial folder is removed.
//! - A dataset the scope may not see is `NotFound`, as if it did not exist.
//! - `verify = false` (`--no-verify`) skips both the object and the frame
//!   checks and delivers what is stored, silently: that is the opt-out.

mod destination;
mod download;
mod error;
mod fetch;
mod files;
mod frames;
mod metadata;
mod ome_tiff;
mod options;
mod plan;
mod shard;

pub use download::{DownloadReport, download};
pub use error::DownloadError;
pub use metadata::{FRAMES_CSV, FRAMES_CSV_HEADER, METADATA_JSON};
pub use options::{ChannelRef, DownloadOptions, OutputFormat};
