//! Where the pixels go: pyramid levels, shard and inner-chunk shapes, and the
//! Zarr v3 array metadata (codecs) of each level.
//!
//! Arrays are always 5-D in OME order (t, c, z, y, x).
//!
//! * Inner chunks are single-plane tiles (1, 1, 1, ≤tile, ≤tile): a partial read
//!   of a few planes, or a viewer's tile request, decodes only what it shows,
//!   and the tiles of one frame are compressed in parallel.
//! * Shards cover whole planes and grow along z, then c, then t, up to a byte
//!   budget, so a stack is a handful of objects. Shards are written
//!   incrementally (see `writer.rs`), so their size does not cost memory; the
//!   budget only bounds the size of one object for upload and caching.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strata_frames::{Dims, Dtype};

/// Axis names, in array order; also the arrays' `dimension_names`.
pub const AXES: [&str; 5] = ["t", "c", "z", "y", "x"];

/// Lossless compression of the inner chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Compression {
    /// Blosc with bit-shuffle then zstd. Bit-shuffle puts the mostly-constant
    /// high bit planes of 12-bit-in-16 camera data together so zstd squeezes
    /// them to almost nothing, while the noisy low planes pass through cheaply.
    BloscZstdBitshuffle { level: u8 },
    /// Blosc with byte-shuffle then zstd: the low bytes of every pixel
    /// together, then the high bytes.
    BloscZstdShuffle { level: u8 },
    /// Blosc with bit-shuffle then LZ4: faster, a little larger.
    BloscLz4Bitshuffle { level: u8 },
    /// Plain zstd on the little-endian bytes, no pre-filter.
    Zstd { level: i32 },
    /// Pcodec (Zarr v3 `numcodecs.pcodec`, an array-to-bytes codec in place
    /// of `bytes`): entropy-codes the values themselves (binned, with ANS), so
    /// noisy integer data lands far closer to its entropy than bit-plane
    /// schemes do. `level` 0–12 (more bins: smaller, slower). Differences of
    /// x-neighbours (delta order 1) are coded rather than values: neighbouring
    /// pixels of an image share their signal, and fixing the order skips
    /// pcodec's per-tile delta search (~10% of its time, same size on camera
    /// data). The mode stays automatic, so e.g. 12-bit data shifted into the
    /// high bits (multiples of 16) is found and costs no extra bits.
    ///
    /// Pcodec has no 8-bit types: u8/i8 arrays get
    /// [`Compression::FALLBACK_8BIT`] instead.
    Pcodec { level: u8 },
    /// Pcodec choosing the delta encoding per tile too (none, order 1–7 or
    /// lookback): for data whose neighbours are unrelated, ~10% slower.
    PcodecAutoDelta { level: u8 },
}

impl Default for Compression {
    fn default() -> Self {
        // Chosen by `benches/ingest.rs` on noisy 12-bit camera data (see the
        // crate docs): the lowest pcodec level whose whole image (level 0
        // plus the ÷4 preview) stays within 56% of the raw pixels (53.7%).
        // Blosc bit-shuffle + zstd is ~2.5× faster but stores 56.1–56.3%
        // for level 0 alone (levels 1–3), 59.8% with the preview.
        Compression::Pcodec { level: 4 }
    }
}

impl Compression {
    /// What the pcodec variants use for 8-bit pixels.
    pub const FALLBACK_8BIT: Compression = Compression::BloscZstdBitshuffle { level: 1 };

    /// The codec of the preview levels. Previews are what browsers draw (the
    /// portal's viewers read them with zarrita), and no browser decodes
    /// pcodec: they get blosc, whose share of the stored size is small (a
    /// ÷4 preview is 1/16 of the pixels).
    pub const fn for_preview(self) -> Compression {
        match self {
            Compression::Pcodec { .. } | Compression::PcodecAutoDelta { .. } => {
                Compression::BloscZstdBitshuffle { level: 1 }
            }
            other => other,
        }
    }

    /// The inner chunks' codec chain: an array-to-bytes codec, then any bytes-to-bytes.
    fn codecs(self, dtype: Dtype) -> Vec<Value> {
        match self {
            Compression::Pcodec { .. } | Compression::PcodecAutoDelta { .. }
                if dtype.size() == 1 =>
            {
                Compression::FALLBACK_8BIT.codecs(dtype)
            }
            Compression::Pcodec { level } => vec![pcodec(level, "try_consecutive", Some(1))],
            Compression::PcodecAutoDelta { level } => vec![pcodec(level, "auto", None)],
            Compression::BloscZstdBitshuffle { level } => {
                vec![
                    bytes_codec(dtype),
                    blosc("zstd", level, "bitshuffle", dtype),
                ]
            }
            Compression::BloscZstdShuffle { level } => {
                vec![bytes_codec(dtype), blosc("zstd", level, "shuffle", dtype)]
            }
            Compression::BloscLz4Bitshuffle { level } => {
                vec![bytes_codec(dtype), blosc("lz4", level, "bitshuffle", dtype)]
            }
            Compression::Zstd { level } => vec![
                bytes_codec(dtype),
                json!({"name": "zstd", "configuration": {"level": level, "checksum": false}}),
            ],
        }
    }
}

/// The configuration both zarrs and numcodecs (`numcodecs.zarr3.PCodec`) read.
/// One page per tile (tiles are at most 65,536 pixels by default).
fn pcodec(level: u8, delta_spec: &str, delta_encoding_order: Option<u8>) -> Value {
    json!({
        "name": "numcodecs.pcodec",
        "configuration": {
            "level": level.min(12),
            "mode_spec": "auto",
            "delta_spec": delta_spec,
            "paging_spec": "equal_pages_up_to",
            "delta_encoding_order": delta_encoding_order,
            "equal_pages_up_to": 262144
        }
    })
}

fn blosc(cname: &str, level: u8, shuffle: &str, dtype: Dtype) -> Value {
    json!({
        "name": "blosc",
        "configuration": {
            "cname": cname,
            "clevel": level,
            "shuffle": shuffle,
            "typesize": dtype.size(),
            "blocksize": 0
        }
    })
}

/// How a stack is laid out; `Default` is what strata uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    pub compression: Compression,
    /// Longest side of an inner chunk (tile), in pixels.
    pub tile: usize,
    /// Upper bound on the raw (uncompressed) bytes one shard covers.
    pub shard_bytes: u64,
    /// Most levels, full resolution included.
    pub max_levels: usize,
    /// Stop adding levels once the longer side of a plane is at most this.
    pub min_side: usize,
    /// How much each level after the first shrinks y and x (≥ 2): each of
    /// its pixels is the mean of a `preview_factor`² block of the level above.
    pub preview_factor: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            compression: Compression::default(),
            tile: 256,
            // ~128 MiB raw is ~70 MiB stored: a single PUT, a small index
            // (one 16-byte entry per 128 KiB tile), few objects per stack.
            shard_bytes: 128 << 20,
            max_levels: 3,
            min_side: 256,
            // A preview is for a glance (a thumbnail, a viewer's first
            // paint): 512² gets one 128² preview of 1/16 the pixels (2.9%
            // of the raw size with pcodec) rather than a 256² one of 1/4
            // (11.7%; 13.6% with blosc).
            preview_factor: 4,
        }
    }
}

/// One pyramid level: its array path, shape, shard and chunk shapes, and its
/// downsampling factor relative to level 0 (applied to y and x only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelLayout {
    pub path: String,
    pub factor: u64,
    pub shape: [u64; 5],
    pub shard_shape: [u64; 5],
    pub chunk_shape: [u64; 5],
}

impl LevelLayout {
    pub fn plane_len(&self) -> usize {
        (self.shape[3] * self.shape[4]) as usize
    }
}

/// Levels for a stack: level 0 is full resolution; each further level divides
/// y and x by `preview_factor` (rounding up) until the longer side is ≤
/// `min_side` or there are `max_levels`.
pub fn plan_levels(dims: &Dims, dtype: Dtype, options: &WriterOptions) -> Vec<LevelLayout> {
    let (mut y, mut x) = (dims.y as u64, dims.x as u64);
    let mut levels = Vec::new();
    let mut factor = 1u64;
    loop {
        let shape = [dims.t as u64, dims.c as u64, dims.z as u64, y, x];
        levels.push(LevelLayout {
            path: levels.len().to_string(),
            factor,
            shape,
            shard_shape: shard_shape(shape, chunk_shape(shape, options), dtype, options),
            chunk_shape: chunk_shape(shape, options),
        });
        if levels.len() >= options.max_levels.max(1) || y.max(x) <= options.min_side as u64 {
            return levels;
        }
        let f = options.preview_factor.max(2) as u64;
        y = y.div_ceil(f);
        x = x.div_ceil(f);
        factor *= f;
    }
}

fn chunk_shape(shape: [u64; 5], options: &WriterOptions) -> [u64; 5] {
    let tile = options.tile.max(1) as u64;
    [1, 1, 1, shape[3].clamp(1, tile), shape[4].clamp(1, tile)]
}

/// Whole planes, as many along z, then c, then t, as fit `shard_bytes`; the
/// count along a dimension is balanced (50 planes that fit 40 at a time make
/// two shards of 25, not 40 + 10). Planes larger than the budget are split
/// into bands of whole tiles. Sharding requires a shard to be a whole number
/// of tiles, so y and x are rounded up to the tile (the edge tiles are
/// padded, which compresses to almost nothing).
fn shard_shape(
    shape: [u64; 5],
    chunk: [u64; 5],
    dtype: Dtype,
    options: &WriterOptions,
) -> [u64; 5] {
    let [t, c, z, y, x] = shape.map(|n| n.max(1));
    let (ty, tx) = (chunk[3], chunk[4]);
    let (y, x) = (y.div_ceil(ty) * ty, x.div_ceil(tx) * tx);
    let size = dtype.size() as u64;
    let budget = options.shard_bytes.max(1);
    let plane = y * x * size;
    if plane > budget {
        let row = x * size;
        let rows = (budget / row / ty * ty).clamp(ty, y);
        let cols = if rows * row > budget {
            (budget / (rows * size) / tx * tx).clamp(tx, x)
        } else {
            x
        };
        return [1, 1, 1, rows, cols];
    }
    let fit = budget / plane; // planes per shard, ≥ 1
    let balanced = |n: u64, fit: u64| n.div_ceil(n.div_ceil(fit.max(1)));
    if fit < z {
        return [1, 1, balanced(z, fit), y, x];
    }
    let fit_c = fit / z;
    if fit_c < c {
        return [1, balanced(c, fit_c), z, y, x];
    }
    let fit_t = fit_c / c;
    [balanced(t, fit_t), c, z, y, x]
}

fn bytes_codec(dtype: Dtype) -> Value {
    if dtype.size() == 1 {
        json!({"name": "bytes"})
    } else {
        json!({"name": "bytes", "configuration": {"endian": "little"}})
    }
}

/// The `zarr.json` of one level's array, exactly as written to disk and into
/// the group's consolidated metadata.
pub fn array_metadata(level: &LevelLayout, dtype: Dtype, compression: Compression) -> Value {
    let fill_value = match dtype {
        Dtype::F32 | Dtype::F64 => json!(0.0),
        _ => json!(0),
    };
    json!({
        "zarr_format": 3,
        "node_type": "array",
        "shape": level.shape,
        "data_type": dtype.zarr_name(),
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": level.shard_shape}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": fill_value,
        "codecs": [{
            "name": "sharding_indexed",
            "configuration": {
                "chunk_shape": level.chunk_shape,
                "codecs": compression.codecs(dtype),
                "index_codecs": [
                    {"name": "bytes", "configuration": {"endian": "little"}},
                    {"name": "crc32c"}
                ],
                "index_location": "end"
            }
        }],
        "attributes": {},
        "dimension_names": AXES,
        "storage_transformers": []
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(t: usize, c: usize, z: usize, y: usize, x: usize) -> Dims {
        Dims { t, c, z, y, x }
    }

    #[test]
    fn levels_stop_at_256_or_three() {
        // Default: each level is a quarter of the one above in y and x.
        let o = WriterOptions::default();
        let l = plan_levels(&dims(1, 1, 1, 512, 512), Dtype::U16, &o);
        assert_eq!(
            l.iter().map(|l| (l.shape[4], l.factor)).collect::<Vec<_>>(),
            vec![(512, 1), (128, 4)]
        );
        let l = plan_levels(&dims(1, 1, 1, 4096, 3001), Dtype::U16, &o);
        assert_eq!(l.len(), 3);
        assert_eq!(l[1].shape, [1, 1, 1, 1024, 751]);
        assert_eq!(l[2].shape, [1, 1, 1, 256, 188]);
        assert_eq!(l[2].factor, 16);
        let l = plan_levels(&dims(1, 1, 1, 200, 100), Dtype::U16, &o);
        assert_eq!(l.len(), 1);
        // Halving, as before.
        let halves = WriterOptions {
            preview_factor: 2,
            ..o
        };
        let l = plan_levels(&dims(1, 1, 1, 512, 512), Dtype::U16, &halves);
        assert_eq!(
            l.iter().map(|l| l.shape[4]).collect::<Vec<_>>(),
            vec![512, 256]
        );
        let l = plan_levels(&dims(1, 1, 1, 4096, 3001), Dtype::U16, &halves);
        assert_eq!(l.len(), 3);
        assert_eq!(l[2].shape, [1, 1, 1, 1024, 751]);
        assert_eq!(l[2].factor, 4);
    }

    #[test]
    fn codecs_per_compression_and_dtype() {
        let level =
            |dtype| plan_levels(&dims(1, 1, 1, 64, 64), dtype, &WriterOptions::default()).remove(0);
        let inner = |dtype, compression| {
            let doc = array_metadata(&level(dtype), dtype, compression);
            doc["codecs"][0]["configuration"]["codecs"].clone()
        };
        let pco = inner(Dtype::U16, Compression::default());
        assert_eq!(pco.as_array().unwrap().len(), 1, "{pco}");
        assert_eq!(pco[0]["name"], "numcodecs.pcodec");
        assert_eq!(pco[0]["configuration"]["level"], 4);
        assert_eq!(pco[0]["configuration"]["delta_spec"], "try_consecutive");
        assert_eq!(pco[0]["configuration"]["delta_encoding_order"], 1);
        // Pcodec has no 8-bit types.
        let u8s = inner(Dtype::U8, Compression::default());
        assert_eq!(u8s[0]["name"], "bytes");
        assert_eq!(u8s[1]["name"], "blosc");
        let blosc = inner(Dtype::U16, Compression::BloscZstdBitshuffle { level: 1 });
        assert_eq!(blosc[0]["name"], "bytes");
        assert_eq!(blosc[1]["configuration"]["shuffle"], "bitshuffle");
    }

    #[test]
    fn shards_grow_z_then_c_then_t_within_budget() {
        let o = WriterOptions::default();
        // 512×512 u16 = 0.5 MiB a plane; 128 MiB fits 256 planes.
        let l = plan_levels(&dims(2, 3, 50, 512, 512), Dtype::U16, &o);
        assert_eq!(l[0].shard_shape, [1, 3, 50, 512, 512]);
        assert_eq!(l[1].shard_shape, [2, 3, 50, 128, 128]);
        assert_eq!(l[0].chunk_shape, [1, 1, 1, 256, 256]);
        assert_eq!(l[1].chunk_shape, [1, 1, 1, 128, 128]);
        // 300 planes fitting 256 at a time: two balanced shards of 150.
        let l = plan_levels(&dims(1, 1, 300, 512, 512), Dtype::U16, &o);
        assert_eq!(l[0].shard_shape, [1, 1, 150, 512, 512]);
        // Shards are whole tiles: 300×520 in 256-tiles is padded to 512×768.
        let l = plan_levels(&dims(2, 3, 4, 300, 520), Dtype::U16, &o);
        assert_eq!(l[0].shard_shape, [2, 3, 4, 512, 768]);
        assert_eq!(l[1].shard_shape, [2, 3, 4, 75, 130]);
        let halves = WriterOptions {
            preview_factor: 2,
            ..o
        };
        let l = plan_levels(&dims(2, 3, 4, 300, 520), Dtype::U16, &halves);
        assert_eq!(l[1].shard_shape, [2, 3, 4, 150, 260 + 252]);
        // A plane over budget is split into bands of whole tiles.
        let small = WriterOptions {
            shard_bytes: 1 << 20,
            ..o
        };
        let l = plan_levels(&dims(1, 1, 2, 2048, 2048), Dtype::U16, &small);
        assert_eq!(l[0].shard_shape, [1, 1, 1, 256, 2048]);
        for level in &l {
            let bytes: u64 = level.shard_shape.iter().product::<u64>() * 2;
            assert!(bytes <= 1 << 20, "{level:?}");
        }
    }
}
