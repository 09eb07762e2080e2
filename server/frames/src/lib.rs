//! Image stacks read as streams of 2D frames.
//!
//! A reader yields the frames of a file (or folder) one at a time, in the
//! order they are stored, with the stack's dimensions and metadata known up
//! front. Memory stays bounded by one frame, whatever the size of the stack:
//! nothing here reads a whole stack into memory.
//!
//! Dimensions follow OME's order (t, c, z, y, x), one stack per position.
//!
//! [`open`] reads, by [`FramesFormat`] or by telling from the name and content:
//! - multi-page TIFF (a z stack) and ImageJ hyperstacks (`ImageJ=` description,
//!   c fastest, then z, then t; also ImageJ's one-IFD contiguous stacks over 4 GiB);
//! - single-file OME-TIFF (DimensionOrder, TiffData, Plane metadata, Images as positions);
//! - MicroManager: MMStack TIFFs (per-image JSON in tag 51123, summary at byte 32)
//!   and 1.4 folders of single-image TIFFs with `metadata.txt`;
//! - MRC2014 (modes 0, 1, 2, 6 and 12, either byte order; every section a z plane),
//!   with the SerialEM autodoc beside a tilt series (`TS_01.mrc.mdoc`, else
//!   `TS_01.mdoc` for `.mrc`/`.st`/`.ali`): its global keys and `titles` under
//!   `mdoc` in the stack's metadata, each `[ZValue = N]` section's keys under
//!   `mdoc` in frame N's metadata (numbers as numbers, `StagePosition` and the
//!   like as arrays). An autodoc naming a section the stack lacks is
//!   [`FrameError::Inconsistent`]; a line it cannot parse, [`FrameError::Malformed`].
//!
//! Pixels come out little-endian in the stack's dtype. Files whose metadata
//! disagrees with their pages are refused at open with
//! [`FrameError::Inconsistent`] wherever counting pages can tell; damage found
//! later ends the stream with an error naming the frame.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod convert;
mod detect;
mod imagej;
mod mdoc;
mod micromanager;
mod mrc;
mod ome;
mod stack;
mod tiff;

pub use detect::{FramesFormat, open};

/// Pixel types strata stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    U8,
    U16,
    U32,
    I8,
    I16,
    I32,
    F32,
    F64,
}

impl Dtype {
    pub fn size(self) -> usize {
        match self {
            Dtype::U8 | Dtype::I8 => 1,
            Dtype::U16 | Dtype::I16 => 2,
            Dtype::U32 | Dtype::I32 | Dtype::F32 => 4,
            Dtype::F64 => 8,
        }
    }

    /// The Zarr v3 data type name.
    pub fn zarr_name(self) -> &'static str {
        match self {
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::U32 => "uint32",
            Dtype::I8 => "int8",
            Dtype::I16 => "int16",
            Dtype::I32 => "int32",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
        }
    }
}

/// The extent of one position's stack along t, c, z, y and x.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dims {
    pub t: usize,
    pub c: usize,
    pub z: usize,
    pub y: usize,
    pub x: usize,
}

impl Dims {
    pub fn frames(&self) -> usize {
        self.t * self.c * self.z
    }
}

/// What is known of a stack before its first frame is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackInfo {
    /// The reader that understood the source (`tiff`, `imagej`, `ome-tiff`, `micromanager`, `mrc`).
    pub format: String,
    pub dims: Dims,
    pub dtype: Dtype,
    /// How many positions (fields of view) the source holds; each has `dims`.
    pub positions: usize,
    /// One name per channel (`c` of them); made up (`C0`, `C1`, …) when the source names none.
    pub channel_names: Vec<String>,
    /// Physical pixel size in micrometres (x, y, z), when the source says; z is 1 when the source gives x and y only.
    pub pixel_size_um: Option<[f64; 3]>,
    /// Everything else the source says about the whole stack (OME-XML, MicroManager summary, MRC header and SerialEM .mdoc …).
    pub metadata: serde_json::Value,
}

/// One 2D frame: its place in the stack, its pixels and what the source says of it alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub position: usize,
    pub t: usize,
    pub c: usize,
    pub z: usize,
    /// `y * x` pixels, row-major, little-endian, `dtype.size()` bytes each.
    pub pixels: Vec<u8>,
    /// Per-frame metadata (MicroManager per-image keys, MRC extended header and .mdoc section, TIFF tags …).
    pub metadata: serde_json::Value,
}

/// Why a stack could not be read; each names the file and what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a readable {format} file: {reason}")]
    Malformed {
        path: PathBuf,
        format: &'static str,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Unsupported { path: PathBuf, reason: String },
    #[error("{path}: the file says {expected} but holds {found}")]
    Inconsistent {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

/// A source of frames, read one at a time.
pub trait FrameSource: Send {
    fn info(&self) -> &StackInfo;
    /// The next frame in storage order, `None` after the last.
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>>;
}
