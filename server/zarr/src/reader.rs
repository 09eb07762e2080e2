//! Reading subsets of a written image back as frames (partial downloads,
//! verification).
//!
//! Only the group `zarr.json` is read for metadata (the arrays' metadata is
//! consolidated in it), then only the inner chunks of the selected planes:
//! a selection costs what it covers, not what the shards hold. Memory is
//! bounded by one batch of planes (≤ [`BATCH_BYTES`]) whatever the selection.
//!
//! Like the writer, this blocks and uses rayon: not on an async executor.

use std::collections::VecDeque;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use strata_frames::{Dims, Dtype, Frame};
use zarrs::array::{Array, ArrayBytes, ArrayMetadata, ArraySubset, CodecOptions};
use zarrs::filesystem::FilesystemStore;

use crate::error::{Result, ZarrError};
use crate::layout::LevelLayout;
use crate::ome::OME_VERSION;

/// Most bytes of pixels decoded at once (several planes of one t and c).
pub const BATCH_BYTES: usize = 32 << 20;

/// Which frames to read: every `t` in `t`, every channel listed in `c` (in that
/// order), every `z` in `z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub t: Range<usize>,
    pub c: Vec<usize>,
    pub z: Range<usize>,
}

impl Selection {
    /// Every frame of a stack of `dims`.
    pub fn all(dims: &Dims) -> Self {
        Selection {
            t: 0..dims.t,
            c: (0..dims.c).collect(),
            z: 0..dims.z,
        }
    }

    fn frames(&self) -> usize {
        self.t.len() * self.c.len() * self.z.len()
    }
}

struct Inner {
    dir: PathBuf,
    dtype: Dtype,
    position: usize,
    channel_names: Vec<String>,
    levels: Vec<LevelLayout>,
    arrays: Vec<Array<FilesystemStore>>,
}

/// An image written by [`ImageWriter`](crate::ImageWriter), opened for reading.
#[derive(Clone)]
pub struct ImageReader {
    inner: Arc<Inner>,
}

impl ImageReader {
    /// Opens the image in `dir` from its group `zarr.json` alone.
    pub fn open(dir: &Path) -> Result<Self> {
        let group_path = dir.join("zarr.json");
        let bytes = std::fs::read(&group_path).map_err(|e| ZarrError::io(&group_path, e))?;
        let group: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ZarrError::metadata(&group_path, format!("invalid JSON: {e}")))?;
        let bad = |reason: &str| ZarrError::metadata(&group_path, reason.to_string());

        let attributes = &group["attributes"];
        if attributes["ome"]["version"] != OME_VERSION {
            return Err(bad("attributes.ome.version is not \"0.5\""));
        }
        let strata = &attributes["strata"];
        let levels: Vec<LevelLayout> = serde_json::from_value(strata["levels"].clone())
            .map_err(|e| bad(&format!("attributes.strata.levels: {e}")))?;
        let dtype: Dtype = serde_json::from_value(strata["dtype"].clone())
            .map_err(|e| bad(&format!("attributes.strata.dtype: {e}")))?;
        let position = strata["position"]
            .as_u64()
            .ok_or_else(|| bad("attributes.strata.position is missing"))?
            as usize;
        let channel_names: Vec<String> = serde_json::from_value(strata["channel_names"].clone())
            .map_err(|e| bad(&format!("attributes.strata.channel_names: {e}")))?;
        if levels.is_empty() {
            return Err(bad("no levels"));
        }

        let store = Arc::new(FilesystemStore::new(dir).map_err(|e| ZarrError::zarr(dir, e))?);
        let consolidated = &group["consolidated_metadata"]["metadata"];
        let arrays = levels
            .iter()
            .map(|level| {
                let path = dir.join(&level.path);
                // Consolidated metadata first (what an HTTP reader uses); the
                // array's own zarr.json if a tool rewrote the group without it.
                let doc = match consolidated.get(&level.path) {
                    Some(doc) => doc.clone(),
                    None => {
                        let file = path.join("zarr.json");
                        let bytes = std::fs::read(&file).map_err(|e| ZarrError::io(&file, e))?;
                        serde_json::from_slice(&bytes)
                            .map_err(|e| ZarrError::metadata(&file, e.to_string()))?
                    }
                };
                let metadata: ArrayMetadata = serde_json::from_value(doc)
                    .map_err(|e| ZarrError::metadata(&path, e.to_string()))?;
                let array =
                    Array::new_with_metadata(store.clone(), &format!("/{}", level.path), metadata)
                        .map_err(|e| ZarrError::zarr(&path, e))?;
                if array.shape() != level.shape {
                    return Err(ZarrError::metadata(
                        &path,
                        format!(
                            "array shape {:?} differs from the level's {:?}",
                            array.shape(),
                            level.shape
                        ),
                    ));
                }
                Ok(array)
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(ImageReader {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                dtype,
                position,
                channel_names,
                levels,
                arrays,
            }),
        })
    }

    pub fn dtype(&self) -> Dtype {
        self.inner.dtype
    }

    pub fn position(&self) -> usize {
        self.inner.position
    }

    pub fn channel_names(&self) -> &[String] {
        &self.inner.channel_names
    }

    pub fn levels(&self) -> &[LevelLayout] {
        &self.inner.levels
    }

    /// Dimensions of `level` (y and x shrink with the level).
    pub fn dims(&self, level: usize) -> Option<Dims> {
        self.inner.levels.get(level).map(|l| {
            let [t, c, z, y, x] = l.shape.map(|n| n as usize);
            Dims { t, c, z, y, x }
        })
    }

    /// The selected frames of `level`, in (t, then listed c, then z) order.
    pub fn read_frames(&self, selection: &Selection, level: usize) -> Result<Frames> {
        let inner = &self.inner;
        let dims = self.dims(level).ok_or_else(|| {
            ZarrError::invalid(
                &inner.dir,
                format!(
                    "level {level} does not exist ({} levels)",
                    inner.levels.len()
                ),
            )
        })?;
        let out_of = |what: &str| {
            ZarrError::invalid(
                &inner.dir,
                format!("selection {selection:?}: {what} outside {dims:?}"),
            )
        };
        if selection.t.end > dims.t || selection.t.start > selection.t.end {
            return Err(out_of("t"));
        }
        if selection.z.end > dims.z || selection.z.start > selection.z.end {
            return Err(out_of("z"));
        }
        if selection.c.iter().any(|&c| c >= dims.c) {
            return Err(out_of("c"));
        }
        let plane_bytes = dims.y * dims.x * inner.dtype.size();
        let per_batch = (BATCH_BYTES / plane_bytes.max(1)).max(1);
        let mut batches = VecDeque::new();
        if selection.frames() > 0 {
            for t in selection.t.clone() {
                for &c in &selection.c {
                    let mut z = selection.z.start;
                    while z < selection.z.end {
                        let end = (z + per_batch).min(selection.z.end);
                        batches.push_back((t, c, z..end));
                        z = end;
                    }
                }
            }
        }
        Ok(Frames {
            inner: self.inner.clone(),
            level,
            dims,
            batches,
            ready: VecDeque::new(),
        })
    }
}

/// Opens `dir` and reads `selection` of `level`; see [`ImageReader::read_frames`].
pub fn read_frames(dir: &Path, selection: &Selection, level: usize) -> Result<Frames> {
    ImageReader::open(dir)?.read_frames(selection, level)
}

/// Frames of a selection, decoded a batch of planes at a time.
pub struct Frames {
    inner: Arc<Inner>,
    level: usize,
    dims: Dims,
    batches: VecDeque<(usize, usize, Range<usize>)>,
    ready: VecDeque<Frame>,
}

impl Frames {
    fn decode_batch(&mut self, t: usize, c: usize, z: Range<usize>) -> Result<()> {
        let inner = &self.inner;
        let level = &inner.levels[self.level];
        let path = inner.dir.join(&level.path);
        let (y, x) = (self.dims.y as u64, self.dims.x as u64);
        let (tt, cc) = (t as u64, c as u64);
        let subset = ArraySubset::new_with_ranges(&[
            tt..tt + 1,
            cc..cc + 1,
            z.start as u64..z.end as u64,
            0..y,
            0..x,
        ]);
        let bytes: ArrayBytes<'static> = inner.arrays[self.level]
            .retrieve_array_subset_opt(&subset, &CodecOptions::default())
            .map_err(|e| ZarrError::zarr(&path, e))?;
        let bytes = bytes.into_fixed().map_err(|e| ZarrError::zarr(&path, e))?;
        let plane = (y * x) as usize * inner.dtype.size();
        if bytes.len() != plane * z.len() {
            return Err(ZarrError::zarr(
                &path,
                format!(
                    "decoded {} bytes for {} planes of {plane}",
                    bytes.len(),
                    z.len()
                ),
            ));
        }
        for (zi, pixels) in z.zip(bytes.chunks_exact(plane)) {
            self.ready.push_back(Frame {
                position: inner.position,
                t,
                c,
                z: zi,
                pixels: pixels.to_vec(),
                metadata: Value::Null,
            });
        }
        Ok(())
    }
}

impl Iterator for Frames {
    type Item = Result<Frame>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Some(Ok(frame));
            }
            let (t, c, z) = self.batches.pop_front()?;
            if let Err(e) = self.decode_batch(t, c, z) {
                self.batches.clear();
                return Some(Err(e));
            }
        }
    }
}
