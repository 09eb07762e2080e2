//! Stacks and frames for the tests: deterministic pseudo-random pixels.
#![allow(dead_code)]

use strata_frames::{Dims, Dtype, Frame, StackInfo};

pub fn info(dims: Dims, dtype: Dtype) -> StackInfo {
    StackInfo {
        format: "test".into(),
        dims,
        dtype,
        positions: 2,
        channel_names: (0..dims.c).map(|c| format!("ch-{c}")).collect(),
        pixel_size_um: Some([0.1625, 0.1625, 0.5]),
        metadata: serde_json::json!({"source": "generated"}),
    }
}

/// xorshift64*: a fixed, fast, seedable stream.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A frame whose bytes depend on (t, c, z): a smooth part plus noise, so
/// that a misplaced plane or tile is caught.
pub fn frame(info: &StackInfo, position: usize, t: usize, c: usize, z: usize) -> Frame {
    let d = info.dims;
    let mut rng = Rng::new(((t * 131 + c) * 131 + z) as u64 + 7);
    let size = info.dtype.size();
    let mut pixels = Vec::with_capacity(d.y * d.x * size);
    for yy in 0..d.y {
        for xx in 0..d.x {
            let smooth = ((yy + 3 * xx + 17 * z + 101 * c + 1009 * t) % 1024) as f64;
            let noise = (rng.next() % 64) as f64;
            let v = smooth + noise;
            match info.dtype {
                Dtype::U8 => pixels.push((v as u64 % 251) as u8 + 1),
                Dtype::U16 => pixels.extend_from_slice(&(v as u16 + 1).to_le_bytes()),
                Dtype::U32 => pixels.extend_from_slice(&(v as u32 * 70_000 + 1).to_le_bytes()),
                Dtype::I8 => pixels.push(((v as i64 % 200) - 100) as u8),
                Dtype::I16 => pixels.extend_from_slice(&((v as i16) - 500).to_le_bytes()),
                Dtype::I32 => pixels.extend_from_slice(&((v as i32) - 500).to_le_bytes()),
                Dtype::F32 => pixels.extend_from_slice(&((v as f32) * 0.37 - 11.0).to_le_bytes()),
                Dtype::F64 => pixels.extend_from_slice(&(v * 1e-3 - 0.25).to_le_bytes()),
            }
        }
    }
    Frame {
        position,
        t,
        c,
        z,
        pixels,
        metadata: serde_json::Value::Null,
    }
}

/// Every (t, c, z) of `dims` in a fixed shuffled order.
pub fn shuffled(dims: &Dims, seed: u64) -> Vec<(usize, usize, usize)> {
    let mut all: Vec<_> = (0..dims.t)
        .flat_map(|t| (0..dims.c).flat_map(move |c| (0..dims.z).map(move |z| (t, c, z))))
        .collect();
    let mut rng = Rng::new(seed);
    for i in (1..all.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        all.swap(i, j);
    }
    all
}
