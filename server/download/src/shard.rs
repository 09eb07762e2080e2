//! Which shards and which inner chunks a selection needs, and the shard
//! index (Zarr v3 `sharding_indexed`, index at the end: one little-endian
//! (offset, nbytes) pair of u64 per inner chunk in C order, then a CRC32C of
//! those bytes).
//!
//! This is what makes a partial download cost what it covers: the index is
//! read with one ranged request, then only the inner chunks of the selected
//! planes, and they are placed at their own offsets in a sparse local copy
//! of the shard that the Zarr reader opens as if it were whole.

use std::collections::BTreeSet;
use std::ops::Range;

use serde_json::Value;
use strata_zarr::{LevelLayout, Selection};

/// Bytes of one index entry (offset and nbytes, u64 each).
const ENTRY: u64 = 16;
/// The CRC32C after the entries.
const CRC: u64 = 4;

/// Level 0 of an image, as far as finding its shards and chunks goes.
#[derive(Debug, Clone)]
pub(crate) struct ShardGrid {
    pub level: LevelLayout,
    /// Whether the array's codecs are the sharding layout this module reads
    /// (index at the end, bytes + crc32c): if not, shards are fetched whole.
    pub rangeable: bool,
}

impl ShardGrid {
    /// From the image's group `zarr.json` (strata levels and consolidated array metadata).
    pub fn from_group(group: &Value) -> Result<Self, String> {
        let levels: Vec<LevelLayout> =
            serde_json::from_value(group["attributes"]["strata"]["levels"].clone())
                .map_err(|e| format!("attributes.strata.levels: {e}"))?;
        let level = levels
            .into_iter()
            .next()
            .ok_or_else(|| "attributes.strata.levels is empty".to_owned())?;
        for i in 0..5 {
            if level.shard_shape[i] == 0
                || level.chunk_shape[i] == 0
                || level.shard_shape[i] % level.chunk_shape[i] != 0
            {
                return Err(format!(
                    "level 0: shard shape {:?} is not a whole number of chunks {:?}",
                    level.shard_shape, level.chunk_shape
                ));
            }
        }
        let array = &group["consolidated_metadata"]["metadata"][&level.path];
        let rangeable = is_end_indexed_with_crc(array);
        Ok(ShardGrid { level, rangeable })
    }

    fn chunks_per_shard(&self) -> [u64; 5] {
        std::array::from_fn(|i| self.level.shard_shape[i] / self.level.chunk_shape[i])
    }

    /// Inner chunks per shard.
    pub fn chunk_count(&self) -> u64 {
        self.chunks_per_shard().iter().product()
    }

    /// Length of the encoded index at the end of every shard.
    pub fn index_len(&self) -> u64 {
        self.chunk_count() * ENTRY + CRC
    }

    /// The shard grid coordinates covering a plane's (t, c, z).
    fn shards_of_plane(&self, t: usize, c: usize, z: usize) -> Vec<[u64; 5]> {
        let s = &self.level.shard_shape;
        let shape = &self.level.shape;
        let (ny, nx) = (shape[3].div_ceil(s[3]), shape[4].div_ceil(s[4]));
        let (st, sc, sz) = (t as u64 / s[0], c as u64 / s[1], z as u64 / s[2]);
        (0..ny)
            .flat_map(|y| (0..nx).map(move |x| [st, sc, sz, y, x]))
            .collect()
    }

    /// Every shard the selection touches, sorted.
    pub fn shards(&self, selection: &Selection) -> BTreeSet<[u64; 5]> {
        let mut out = BTreeSet::new();
        for t in selection.t.clone() {
            for &c in &selection.c {
                for z in selection.z.clone() {
                    out.extend(self.shards_of_plane(t, c, z));
                }
            }
        }
        out
    }

    /// The shard's path relative to the image (`0/c/1/0/0/0/0`).
    pub fn shard_path(&self, shard: [u64; 5]) -> String {
        let coords: Vec<String> = shard.iter().map(u64::to_string).collect();
        format!("{}/c/{}", self.level.path, coords.join("/"))
    }

    /// Paths of the shards holding the plane (t, c, z).
    pub fn plane_paths(&self, t: usize, c: usize, z: usize) -> Vec<String> {
        self.shards_of_plane(t, c, z)
            .into_iter()
            .map(|s| self.shard_path(s))
            .collect()
    }

    /// Indices (C order within the shard) of the inner chunks of `shard`
    /// that the selection needs.
    pub fn chunks(&self, shard: [u64; 5], selection: &Selection) -> Vec<usize> {
        let s = &self.level.shard_shape;
        let k = &self.level.chunk_shape;
        let n = self.chunks_per_shard();
        let local = |v: usize, axis: usize| -> Option<u64> {
            let v = v as u64;
            (v / s[axis] == shard[axis]).then_some((v % s[axis]) / k[axis])
        };
        let ts: BTreeSet<u64> = selection.t.clone().filter_map(|t| local(t, 0)).collect();
        let cs: BTreeSet<u64> = selection.c.iter().filter_map(|&c| local(c, 1)).collect();
        let zs: BTreeSet<u64> = selection.z.clone().filter_map(|z| local(z, 2)).collect();
        let mut out = Vec::new();
        for &t in &ts {
            for &c in &cs {
                for &z in &zs {
                    for y in 0..n[3] {
                        for x in 0..n[4] {
                            let i = (((t * n[1] + c) * n[2] + z) * n[3] + y) * n[4] + x;
                            out.push(i as usize);
                        }
                    }
                }
            }
        }
        out
    }
}

/// Whether an array's `zarr.json` shards with the index at the end, encoded
/// as little-endian bytes followed by a CRC32C.
fn is_end_indexed_with_crc(array: &Value) -> bool {
    let Some([codec]) = array["codecs"].as_array().map(Vec::as_slice) else {
        return false;
    };
    if codec["name"] != "sharding_indexed" {
        return false;
    }
    let config = &codec["configuration"];
    let location = config["index_location"].as_str().unwrap_or("end");
    let index = config["index_codecs"].as_array().map(Vec::as_slice);
    let little = |c: &Value| {
        c["name"] == "bytes"
            && matches!(c["configuration"]["endian"].as_str(), Some("little") | None)
    };
    matches!(index, Some([bytes, crc]) if little(bytes) && crc["name"] == "crc32c")
        && location == "end"
}

/// The (offset, nbytes) of each inner chunk (`None` for chunks never
/// written), or `None` when the index fails its CRC32C or has the wrong size.
pub(crate) fn parse_index(bytes: &[u8], chunks: u64) -> Option<Vec<Option<Range<u64>>>> {
    let body_len = usize::try_from(chunks * ENTRY).ok()?;
    if bytes.len() != body_len + CRC as usize {
        return None;
    }
    let (body, crc) = bytes.split_at(body_len);
    if crc32c(body) != u32::from_le_bytes(crc.try_into().ok()?) {
        return None;
    }
    let entries = body
        .chunks_exact(ENTRY as usize)
        .map(|e| {
            let offset = u64::from_le_bytes(e[..8].try_into().expect("8 bytes"));
            let len = u64::from_le_bytes(e[8..].try_into().expect("8 bytes"));
            (offset != u64::MAX || len != u64::MAX).then(|| offset..offset.saturating_add(len))
        })
        .collect();
    Some(entries)
}

/// Merges ranges that overlap or lie within `gap` bytes of each other
/// (reading a small gap costs less than another request).
pub(crate) fn coalesce(mut ranges: Vec<Range<u64>>, gap: u64) -> Vec<Range<u64>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(gap) => {
                last.end = last.end.max(r.end);
            }
            _ => out.push(r),
        }
    }
    out
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as Zarr's `crc32c` codec computes it.
pub(crate) fn crc32c(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut crc = i as u32;
            let mut k = 0;
            while k < 8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0x82F6_3B78
                } else {
                    crc >> 1
                };
                k += 1;
            }
            table[i] = crc;
            i += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(shape: [u64; 5], shard: [u64; 5], chunk: [u64; 5]) -> ShardGrid {
        ShardGrid {
            level: LevelLayout {
                path: "0".into(),
                factor: 1,
                shape,
                shard_shape: shard,
                chunk_shape: chunk,
            },
            rangeable: true,
        }
    }

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn index_round_trips_and_refuses_a_bad_crc() {
        let mut body = Vec::new();
        for (o, n) in [(0u64, 10u64), (u64::MAX, u64::MAX), (10, 5)] {
            body.extend_from_slice(&o.to_le_bytes());
            body.extend_from_slice(&n.to_le_bytes());
        }
        let mut bytes = body.clone();
        bytes.extend_from_slice(&crc32c(&body).to_le_bytes());
        assert_eq!(
            parse_index(&bytes, 3).unwrap(),
            vec![Some(0..10), None, Some(10..15)]
        );
        bytes[3] ^= 1;
        assert!(parse_index(&bytes, 3).is_none());
        assert!(parse_index(&bytes[1..], 3).is_none());
    }

    #[test]
    fn coalesce_merges_near_ranges_only() {
        assert_eq!(
            coalesce(vec![20..30, 0..10, 12..15, 100..110], 2),
            vec![0..15, 20..30, 100..110]
        );
    }

    #[test]
    fn selection_maps_to_its_shards_and_chunks() {
        // t=2, c=3, z=50 of 512×512 in shards of [1,3,50,512,512], tiles of 256.
        let g = grid(
            [2, 3, 50, 512, 512],
            [1, 3, 50, 512, 512],
            [1, 1, 1, 256, 256],
        );
        let sel = Selection {
            t: 1..2,
            c: vec![2],
            z: 10..12,
        };
        assert_eq!(
            g.shards(&sel).into_iter().collect::<Vec<_>>(),
            vec![[1, 0, 0, 0, 0]]
        );
        assert_eq!(g.shard_path([1, 0, 0, 0, 0]), "0/c/1/0/0/0/0");
        // chunk index = ((c * 50 + z) * 2 + y) * 2 + x
        let base = (2 * 50 + 10) * 4;
        assert_eq!(
            g.chunks([1, 0, 0, 0, 0], &sel),
            (base..base + 8).collect::<Vec<_>>()
        );
        assert!(g.chunks([0, 0, 0, 0, 0], &sel).is_empty());
        assert_eq!(g.index_len(), 600 * 16 + 4);
    }

    #[test]
    fn band_shards_split_a_plane() {
        let g = grid(
            [1, 1, 2, 600, 300],
            [1, 1, 1, 256, 512],
            [1, 1, 1, 256, 256],
        );
        assert_eq!(
            g.plane_paths(0, 0, 1),
            vec!["0/c/0/0/1/0/0", "0/c/0/0/1/1/0", "0/c/0/0/1/2/0"]
        );
    }
}
