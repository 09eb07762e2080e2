//! One position's frames as an OME-Zarr 0.5 image (Zarr v3) on local disk, and
//! subsets of it read back as frames.
//!
//! * [`ImageWriter`] takes the frames of a [`strata_frames::FrameSource`] in any
//!   order, digests each ([`frame_sha256`], over the bytes as given), writes
//!   full resolution plus block-mean preview levels (4×4 by default), and on
//!   [`finish`](ImageWriter::finish) writes the metadata and lists every
//!   object it wrote ([`WrittenImage`]).
//! * [`read_frames`] / [`ImageReader`] read a selection of (t, c, z) at a level.
//!
//! Layout (see `layout.rs`): arrays `0`, `1`, … in (t, c, z, y, x); inner chunks
//! are single-plane tiles of ≤ 256×256; shards cover whole planes and up to
//! 128 MiB of raw pixels; a 512×512 stack gets one 128×128 preview level.
//! Tiles are compressed with pcodec (`numcodecs.pcodec`, level 4, delta of
//! x-neighbours): on noisy 12-bit camera data the whole image is 53.7% of
//! the raw pixels (level 0 50.8%), where blosc (bit-shuffle + zstd) cannot go
//! below 56% for level 0 alone, though it is ~2.5× faster (numbers in
//! `benches/ingest.rs` output). Preview levels (and level 0 of an image too
//! small for a preview) are blosc-compressed all the same: browsers draw
//! them (zarrita) and none decodes pcodec. The group
//! `zarr.json` carries the OME
//! attributes and the arrays' metadata consolidated inline.
//!
//! Everything here blocks on file I/O and parallelises with rayon: call it
//! from `spawn_blocking` or a dedicated thread, never on an async worker.

#[cfg(target_endian = "big")]
compile_error!(
    "strata-zarr assumes a little-endian host: frames are little-endian and zarrs works in native order"
);

mod digest;
mod error;
mod layout;
mod ome;
mod pyramid;
mod reader;
mod store;
mod writer;

pub use digest::frame_sha256;
pub use error::{Result, ZarrError};
pub use layout::{Compression, LevelLayout, WriterOptions};
pub use ome::OME_VERSION;
pub use pyramid::{downsample_2x2, downsample_mean};
pub use reader::{BATCH_BYTES, Frames, ImageReader, Selection, read_frames};
pub use writer::{FrameDigest, ImageWriter, LevelInfo, StoredObject, WrittenImage};
