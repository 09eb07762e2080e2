//! What the caller asks for: which frames, in which format, with what checks.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::str::FromStr;

/// A channel, by name or by index (imagingDB's `-c`: strings are names, integers indices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelRef {
    Index(usize),
    Name(String),
}

impl FromStr for ChannelRef {
    type Err = std::convert::Infallible;

    /// Digits are an index, anything else a name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.parse::<usize>() {
            Ok(i) => ChannelRef::Index(i),
            Err(_) => ChannelRef::Name(s.to_owned()),
        })
    }
}

impl fmt::Display for ChannelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelRef::Index(i) => write!(f, "{i}"),
            ChannelRef::Name(n) => write!(f, "{n:?}"),
        }
    }
}

/// How frames are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// One `<position>.ome.tif` per position (OME-XML on the first page, one gray page per plane).
    #[default]
    OmeTiff,
    /// One `<position>.ome.zarr` OME-Zarr image per position, holding only the selection.
    Zarr,
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ome-tiff" | "ome_tiff" | "ometiff" | "tiff" | "tif" => Ok(OutputFormat::OmeTiff),
            "zarr" | "ome-zarr" | "ome_zarr" => Ok(OutputFormat::Zarr),
            other => Err(format!("format {other:?} is not one of: ome-tiff, zarr")),
        }
    }
}

/// What to download and how. `Default` is a whole download as OME-TIFF, with
/// metadata, every byte checked, refusing to replace an existing folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadOptions {
    /// Channels to keep, in this order (frame datasets only); `None` keeps all.
    pub channels: Option<Vec<ChannelRef>>,
    /// z indices to keep, end exclusive; `None` keeps all.
    pub z: Option<Range<usize>>,
    /// t indices to keep, end exclusive; `None` keeps all.
    pub t: Option<Range<usize>>,
    /// Positions to keep; `None` keeps all.
    pub positions: Option<Vec<usize>>,
    pub format: OutputFormat,
    /// Write `metadata.json` and `frames.csv` beside the data (imagingDB's `--metadata`).
    pub metadata: bool,
    /// Write only `metadata.json` and `frames.csv` (imagingDB's `--no-download`).
    pub metadata_only: bool,
    /// Check every object against its SHA-256 and every frame against its
    /// digest. `false` (`--no-verify`) skips both and delivers what is stored.
    pub verify: bool,
    /// Replace `dest/<identifier>/` if it exists and is not empty.
    pub overwrite: bool,
    /// Where fetched Zarr objects are staged before reading; `None` is a
    /// hidden temporary folder inside `dest` (removed at the end).
    pub scratch: Option<PathBuf>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            channels: None,
            z: None,
            t: None,
            positions: None,
            format: OutputFormat::OmeTiff,
            metadata: true,
            metadata_only: false,
            verify: true,
            overwrite: false,
            scratch: None,
        }
    }
}

impl DownloadOptions {
    /// Whether any frame option narrows the download.
    pub fn selects_frames(&self) -> bool {
        self.channels.is_some() || self.z.is_some() || self.t.is_some() || self.positions.is_some()
    }
}
