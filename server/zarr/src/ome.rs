//! The group's `zarr.json`: OME-Zarr 0.5 attributes (multiscales, omero) and
//! the arrays' metadata consolidated inline, as zarr-python 3 writes it, so a
//! reader over HTTP needs one request and no listing to know everything.

use serde_json::{Map, Value, json};
use strata_frames::{Dtype, StackInfo};

use crate::layout::{AXES, LevelLayout};

/// OME-Zarr version written.
pub const OME_VERSION: &str = "0.5";

/// Default channel colours (RRGGBB) when a stack has more than one channel.
const COLORS: [&str; 7] = [
    "00FF00", "FF00FF", "00FFFF", "FF0000", "0000FF", "FFFF00", "FFFFFF",
];

/// The physical scale of each axis at `level` (t, c, z, y, x), in micrometres
/// for space when the source gives a pixel size, else in pixels.
pub fn scale(info: &StackInfo, level: &LevelLayout) -> [f64; 5] {
    let f = level.factor as f64;
    match info.pixel_size_um {
        Some([px, py, pz]) => [1.0, 1.0, pz, py * f, px * f],
        None => [1.0, 1.0, 1.0, f, f],
    }
}

fn axes(info: &StackInfo) -> Vec<Value> {
    AXES.iter()
        .map(|&name| {
            let kind = match name {
                "t" => "time",
                "c" => "channel",
                _ => "space",
            };
            let mut axis = json!({"name": name, "type": kind});
            if kind == "space" && info.pixel_size_um.is_some() {
                axis["unit"] = json!("micrometer");
            }
            axis
        })
        .collect()
}

fn omero(info: &StackInfo, dtype: Dtype, windows: &[Option<(f64, f64)>]) -> Value {
    let channels: Vec<Value> = (0..info.dims.c)
        .map(|c| {
            let label = info
                .channel_names
                .get(c)
                .cloned()
                .unwrap_or_else(|| format!("C{c}"));
            let color = if info.dims.c == 1 {
                "FFFFFF"
            } else {
                COLORS[c % COLORS.len()]
            };
            // The data's own range: a viewer opens on something visible rather
            // than on 0..65535 for 12-bit data.
            let (lo, hi) = windows
                .get(c)
                .copied()
                .flatten()
                .unwrap_or_else(|| dtype_range(dtype));
            json!({
                "label": label,
                "color": color,
                "active": true,
                "coefficient": 1,
                "family": "linear",
                "inverted": false,
                "window": {"min": lo, "max": hi, "start": lo, "end": hi}
            })
        })
        .collect();
    json!({
        "channels": channels,
        "rdefs": {
            "defaultT": 0,
            "defaultZ": info.dims.z / 2,
            "model": if info.dims.c == 1 { "greyscale" } else { "color" }
        }
    })
}

fn dtype_range(dtype: Dtype) -> (f64, f64) {
    match dtype {
        Dtype::U8 => (0.0, u8::MAX as f64),
        Dtype::U16 => (0.0, u16::MAX as f64),
        Dtype::U32 => (0.0, u32::MAX as f64),
        Dtype::I8 => (i8::MIN as f64, i8::MAX as f64),
        Dtype::I16 => (i16::MIN as f64, i16::MAX as f64),
        Dtype::I32 => (i32::MIN as f64, i32::MAX as f64),
        Dtype::F32 | Dtype::F64 => (0.0, 1.0),
    }
}

/// Everything the group `zarr.json` says; `arrays` are the levels' own
/// `zarr.json` documents, consolidated under their paths.
pub struct GroupDoc<'a> {
    pub info: &'a StackInfo,
    pub position: usize,
    pub levels: &'a [LevelLayout],
    pub arrays: &'a [Value],
    pub windows: &'a [Option<(f64, f64)>],
}

impl GroupDoc<'_> {
    pub fn to_json(&self) -> Value {
        let info = self.info;
        let datasets: Vec<Value> = self
            .levels
            .iter()
            .map(|level| {
                json!({
                    "path": level.path,
                    "coordinateTransformations": [{"type": "scale", "scale": scale(info, level)}]
                })
            })
            .collect();
        // Each level's factor over the one above it (one for all levels:
        // `WriterOptions::preview_factor`).
        let step = self
            .levels
            .get(1)
            .map_or(2, |l| l.factor / self.levels[0].factor);
        let multiscale = json!({
            "name": format!("position {}", self.position),
            "axes": axes(info),
            "datasets": datasets,
            "type": "mean",
            "metadata": {
                "description": format!("{step}×{step} mean in y and x per level (integers rounded to nearest); t, c and z are not downsampled"),
                "method": "strata_zarr::pyramid::downsample_mean"
            }
        });
        let mut consolidated = Map::new();
        for (level, array) in self.levels.iter().zip(self.arrays) {
            consolidated.insert(level.path.clone(), array.clone());
        }
        json!({
            "zarr_format": 3,
            "node_type": "group",
            "attributes": {
                "ome": {
                    "version": OME_VERSION,
                    "multiscales": [multiscale],
                    "omero": omero(info, info.dtype, self.windows)
                },
                // strata's own block: what a reader needs beyond OME, e.g. which
                // position of the source file this image is.
                "strata": {
                    "position": self.position,
                    "source_format": info.format,
                    "dtype": info.dtype,
                    "channel_names": info.channel_names,
                    "levels": self.levels
                }
            },
            "consolidated_metadata": {
                "kind": "inline",
                "must_understand": false,
                "metadata": consolidated
            }
        })
    }
}
