//! Writing one position's frames as an OME-Zarr 0.5 image.
//!
//! Memory is bounded by a few frames whatever the stack size or frame order:
//! each frame is encoded and appended to its shard as it arrives, through
//! zarrs' partial encoding of `sharding_indexed` (the new inner chunks are
//! written after the last ones and the shard index is rewritten behind them).
//! Nothing is buffered per open shard, so orders that touch many shards at
//! once (OME `XYZCT`, ImageJ's c-fastest, shuffled) cost no memory either.
//! Because every inner chunk is written once, shards hold no dead bytes.
//!
//! zarrs blocks (file I/O) and uses rayon: call from a blocking thread, never
//! from an async executor's worker.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use strata_frames::{Dtype, Frame, StackInfo};
use zarrs::array::{Array, ArrayBytes, ArrayMetadata, ArraySubset, CodecOptions};

use crate::digest::file_sha256;
use crate::error::{Result, ZarrError};
use crate::layout::{LevelLayout, WriterOptions, array_metadata, plan_levels};
use crate::ome::{GroupDoc, scale};
use crate::pyramid::{downsample_mean, min_max};
use crate::store::AppendStore;

/// The digest of one written frame, over its pixel bytes exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameDigest {
    pub t: usize,
    pub c: usize,
    pub z: usize,
    /// Lower-case hex SHA-256 of the frame's little-endian pixel bytes ([`frame_sha256`]).
    pub sha256: String,
}

/// One file of the written image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    /// Relative to the image directory, `/`-separated (`zarr.json`, `0/c/0/0/0/0/0`).
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the stored bytes.
    pub sha256: String,
}

impl StoredObject {
    /// Whether this object holds pixels (a shard) rather than metadata.
    pub fn is_pixels(&self) -> bool {
        !(self.path == "zarr.json" || self.path.ends_with("/zarr.json"))
    }
}

/// One level of the written pyramid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelInfo {
    #[serde(flatten)]
    pub layout: LevelLayout,
    /// The OME scale of each axis (t, c, z, y, x).
    pub scale: [f64; 5],
}

/// What [`ImageWriter::finish`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrittenImage {
    pub dtype: Dtype,
    /// Level 0 shape (t, c, z, y, x).
    pub shape: [u64; 5],
    /// Level 0 inner chunk shape.
    pub chunk_shape: [u64; 5],
    /// Level 0 shard shape.
    pub shard_shape: [u64; 5],
    pub levels: Vec<LevelInfo>,
    pub channel_names: Vec<String>,
    /// Every file written, sorted by path.
    pub objects: Vec<StoredObject>,
    /// Every frame's digest, in (t, c, z) order.
    pub frames: Vec<FrameDigest>,
    /// Bytes of level 0 uncompressed (t·c·z·y·x·size).
    pub raw_bytes: u64,
}

impl WrittenImage {
    /// Bytes on disk, metadata included.
    pub fn stored_bytes(&self) -> u64 {
        self.objects.iter().map(|o| o.size).sum()
    }

    /// The objects that hold pixels (shards), every level included.
    pub fn pixel_objects(&self) -> impl Iterator<Item = &StoredObject> {
        self.objects.iter().filter(|o| o.is_pixels())
    }
}

/// A frame's SHA-256 and its (min, max) finite value.
type FrameStats = ([u8; 32], Option<(f64, f64)>);

/// Writes the frames of one position, in any order, then [`finish`](Self::finish)es the image.
pub struct ImageWriter {
    dir: PathBuf,
    info: StackInfo,
    position: usize,
    levels: Vec<LevelLayout>,
    array_docs: Vec<Value>,
    arrays: Vec<Array<AppendStore>>,
    /// One slot per frame, (t, c, z) order; `Some` once written.
    digests: Vec<Option<[u8; 32]>>,
    written: usize,
    windows: Vec<Option<(f64, f64)>>,
    codec_options: CodecOptions,
}

impl ImageWriter {
    /// Prepares an empty (or absent) directory `dir` for the image of `position`.
    pub fn create(
        dir: &Path,
        info: &StackInfo,
        position: usize,
        options: WriterOptions,
    ) -> Result<Self> {
        validate_info(dir, info, position)?;
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| ZarrError::io(dir, e))?;
            if entries.next().is_some() {
                return Err(ZarrError::invalid(
                    dir,
                    "the directory is not empty; an image is written into a fresh one",
                ));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| ZarrError::io(dir, e))?;
        let store = Arc::new(AppendStore::new(dir).map_err(|e| ZarrError::zarr(dir, e))?);

        let mut info = info.clone();
        // The source's metadata may be large (OME-XML) and is not written here.
        info.metadata = Value::Null;
        let levels = plan_levels(&info.dims, info.dtype, &options);
        let array_docs: Vec<Value> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                // Browsers draw the smallest level: an image too small for a
                // preview is its own, and is encoded as previews are.
                let compression = match (i, levels.len()) {
                    (0, 1) => options.compression.for_preview(),
                    (0, _) => options.compression,
                    _ => options.compression.for_preview(),
                };
                array_metadata(l, info.dtype, compression)
            })
            .collect();
        let arrays = levels
            .iter()
            .zip(&array_docs)
            .map(|(level, doc)| {
                let path = dir.join(&level.path);
                let metadata: ArrayMetadata =
                    serde_json::from_value(doc.clone()).map_err(|e| ZarrError::zarr(&path, e))?;
                Array::new_with_metadata(store.clone(), &format!("/{}", level.path), metadata)
                    .map_err(|e| ZarrError::zarr(&path, e))
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(ImageWriter {
            dir: dir.to_path_buf(),
            digests: vec![None; info.dims.frames()],
            windows: vec![None; info.dims.c],
            info,
            position,
            levels,
            array_docs,
            arrays,
            written: 0,
            // Partial encoding is what lets a frame go straight into its shard.
            codec_options: CodecOptions::default().with_experimental_partial_encoding(true),
        })
    }

    /// The levels this writer produces.
    pub fn levels(&self) -> &[LevelLayout] {
        &self.levels
    }

    /// Encodes `frame` into every level. Frames may come in any order, each once.
    pub fn write_frame(&mut self, frame: &Frame) -> Result<FrameDigest> {
        let index = self.check(frame)?;
        let (t, c, z) = (frame.t, frame.c, frame.z);
        let pixels = frame.pixels.as_slice();
        let dtype = self.info.dtype;

        // Level 0 (most of the work) on one side; digest, display range and the
        // preview levels on the other: the two cores are both busy.
        let (level0, rest) = rayon::join(
            || self.store_plane(0, t, c, z, pixels),
            || -> Result<FrameStats> {
                let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(pixels).into();
                let range = min_max(pixels, dtype);
                let mut plane = Cow::Borrowed(pixels);
                for level in 1..self.levels.len() {
                    let prev = &self.levels[level - 1];
                    let down = downsample_mean(
                        &plane,
                        prev.shape[3] as usize,
                        prev.shape[4] as usize,
                        (self.levels[level].factor / prev.factor) as usize,
                        dtype,
                    );
                    self.store_plane(level, t, c, z, &down)?;
                    plane = Cow::Owned(down);
                }
                Ok((digest, range))
            },
        );
        level0?;
        let (digest, range) = rest?;

        if let Some((lo, hi)) = range {
            let window = &mut self.windows[c];
            *window = Some(match *window {
                Some((a, b)) => (a.min(lo), b.max(hi)),
                None => (lo, hi),
            });
        }
        self.digests[index] = Some(digest);
        self.written += 1;
        Ok(FrameDigest {
            t,
            c,
            z,
            sha256: hex::encode(digest),
        })
    }

    /// Writes the metadata (group last, so its presence means the image is
    /// complete) and describes every object written. Fails if a frame is missing.
    pub fn finish(self) -> Result<WrittenImage> {
        let total = self.digests.len();
        if self.written < total {
            let first = self
                .digests
                .iter()
                .position(Option::is_none)
                .expect("a frame is missing");
            let (t, c, z) = self.unravel(first);
            return Err(ZarrError::MissingFrames {
                path: self.dir.clone(),
                missing: total - self.written,
                total,
                t,
                c,
                z,
            });
        }
        for (level, doc) in self.levels.iter().zip(&self.array_docs) {
            write_json(&self.dir.join(&level.path).join("zarr.json"), doc)?;
        }
        let group = GroupDoc {
            info: &self.info,
            position: self.position,
            levels: &self.levels,
            arrays: &self.array_docs,
            windows: &self.windows,
        };
        write_json(&self.dir.join("zarr.json"), &group.to_json())?;

        let objects = describe_objects(&self.dir)?;
        let frames = self
            .digests
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (t, c, z) = self.unravel(i);
                FrameDigest {
                    t,
                    c,
                    z,
                    sha256: hex::encode(d.expect("all frames written")),
                }
            })
            .collect();
        let level0 = &self.levels[0];
        Ok(WrittenImage {
            dtype: self.info.dtype,
            shape: level0.shape,
            chunk_shape: level0.chunk_shape,
            shard_shape: level0.shard_shape,
            levels: self
                .levels
                .iter()
                .map(|l| LevelInfo {
                    layout: l.clone(),
                    scale: scale(&self.info, l),
                })
                .collect(),
            channel_names: self.info.channel_names.clone(),
            objects,
            frames,
            raw_bytes: level0.shape.iter().product::<u64>() * self.info.dtype.size() as u64,
        })
    }

    /// Validates a frame and returns its slot.
    fn check(&self, frame: &Frame) -> Result<usize> {
        let d = &self.info.dims;
        let (t, c, z) = (frame.t, frame.c, frame.z);
        let path = self.dir.clone();
        if frame.position != self.position {
            return Err(ZarrError::WrongPosition {
                path,
                t,
                c,
                z,
                found: frame.position,
                expected: self.position,
            });
        }
        if t >= d.t || c >= d.c || z >= d.z {
            return Err(ZarrError::OutOfRange {
                path,
                t,
                c,
                z,
                nt: d.t,
                nc: d.c,
                nz: d.z,
            });
        }
        let expected = d.y * d.x * self.info.dtype.size();
        if frame.pixels.len() != expected {
            return Err(ZarrError::PixelLength {
                path,
                t,
                c,
                z,
                found: frame.pixels.len(),
                expected,
                y: d.y,
                x: d.x,
                dtype: self.info.dtype.zarr_name(),
            });
        }
        let index = (t * d.c + c) * d.z + z;
        if self.digests[index].is_some() {
            return Err(ZarrError::Duplicate { path, t, c, z });
        }
        Ok(index)
    }

    fn unravel(&self, index: usize) -> (usize, usize, usize) {
        let d = &self.info.dims;
        (index / (d.c * d.z), index / d.z % d.c, index % d.z)
    }

    fn store_plane(&self, level: usize, t: usize, c: usize, z: usize, plane: &[u8]) -> Result<()> {
        let shape = self.levels[level].shape;
        let (t, c, z) = (t as u64, c as u64, z as u64);
        let subset =
            ArraySubset::new_with_ranges(&[t..t + 1, c..c + 1, z..z + 1, 0..shape[3], 0..shape[4]]);
        self.arrays[level]
            .store_array_subset_opt(&subset, ArrayBytes::new_flen(plane), &self.codec_options)
            .map_err(|e| ZarrError::zarr(self.dir.join(&self.levels[level].path), e))
    }
}

fn validate_info(dir: &Path, info: &StackInfo, position: usize) -> Result<()> {
    let d = &info.dims;
    if d.t == 0 || d.c == 0 || d.z == 0 || d.y == 0 || d.x == 0 {
        return Err(ZarrError::invalid(
            dir,
            format!("the stack has an empty dimension: {d:?}"),
        ));
    }
    if position >= info.positions.max(1) {
        return Err(ZarrError::invalid(
            dir,
            format!(
                "position {position} is outside the source's {} positions",
                info.positions
            ),
        ));
    }
    if info.channel_names.len() != d.c {
        return Err(ZarrError::invalid(
            dir,
            format!(
                "{} channel names for {} channels",
                info.channel_names.len(),
                d.c
            ),
        ));
    }
    Ok(())
}

/// Writes a JSON document through a temporary file and a rename, so a reader
/// never sees half of one.
fn write_json(path: &Path, value: &Value) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| ZarrError::zarr(path, e))?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| ZarrError::io(parent, e))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).map_err(|e| ZarrError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| ZarrError::io(path, e))
}

/// Every file under `dir`, synced to disk, with size and digest (in parallel), sorted by path.
fn describe_objects(dir: &Path) -> Result<Vec<StoredObject>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
        for entry in std::fs::read_dir(dir).map_err(|e| ZarrError::io(dir, e))? {
            let entry = entry.map_err(|e| ZarrError::io(dir, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| ZarrError::io(&path, e))?;
            if kind.is_dir() {
                walk(root, &path, out)?;
                // New entries are durable once their directory is synced too.
                let handle = std::fs::File::open(&path).map_err(|e| ZarrError::io(&path, e))?;
                handle.sync_all().map_err(|e| ZarrError::io(&path, e))?;
            } else {
                let rel = path.strip_prefix(root).expect("under the root");
                let rel: Vec<_> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push((rel.join("/"), path));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    files
        .into_par_iter()
        .map(|(rel, path)| {
            // The one durability point of the image: the store does not fsync per write.
            let (size, sha256) = file_sha256(&path, true)?;
            Ok(StoredObject {
                path: rel,
                size,
                sha256,
            })
        })
        .collect()
}
