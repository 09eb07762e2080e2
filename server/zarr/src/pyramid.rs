//! Preview levels: block-mean downsampling of one plane (f×f pixels to one),
//! and per-plane min/max for the OMERO display window.
//!
//! The mean (not pick-one-of-f) is used for every type: it costs little, and
//! a preview of noisy data looks far better averaged than decimated.
//! Integers are rounded to nearest (halves away from zero); a partial block
//! at the bottom or right edge is averaged over the pixels that exist.

use strata_frames::Dtype;

/// A pixel type as little-endian bytes.
trait Px: Copy + PartialOrd {
    const SIZE: usize;
    fn read(b: &[u8]) -> Self;
    fn write(self, out: &mut [u8]);
    fn to_f64(self) -> f64;
    fn is_finite(self) -> bool;
}

/// Integer pixels: averaged exactly in `i64` (a float `round` per pixel costs
/// more than everything else in the pyramid).
trait IntPx: Px {
    fn to_i64(self) -> i64;
    fn from_i64(v: i64) -> Self;
}

/// Float pixels: averaged in `f64`.
trait FloatPx: Px {
    fn from_f64(v: f64) -> Self;
}

macro_rules! px {
    ($finite:expr; $($t:ty),*) => {$(
        impl Px for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn read(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("pixel width"))
            }
            #[inline(always)]
            fn write(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                let finite: fn($t) -> bool = $finite;
                finite(self)
            }
        }
    )*};
}
px!(|_| true; u8, u16, u32, i8, i16, i32);
px!(|v| v.is_finite(); f32, f64);

macro_rules! int_px {
    ($($t:ty),*) => {$(
        impl IntPx for $t {
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t // a mean of values of the type is within its range
            }
        }
    )*};
}
int_px!(u8, u16, u32, i8, i16, i32);

impl FloatPx for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl FloatPx for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
}

/// Halves a `height`×`width` plane (little-endian bytes of `dtype`) in y and x,
/// rounding the output size up: [`downsample_mean`] with a factor of 2.
pub fn downsample_2x2(plane: &[u8], height: usize, width: usize, dtype: Dtype) -> Vec<u8> {
    downsample_mean(plane, height, width, 2, dtype)
}

/// Divides a `height`×`width` plane (little-endian bytes of `dtype`) by
/// `factor` in y and x, rounding the output size up: each output pixel is the
/// mean of a `factor`×`factor` block (of what exists of it at the edges).
pub fn downsample_mean(
    plane: &[u8],
    height: usize,
    width: usize,
    factor: usize,
    dtype: Dtype,
) -> Vec<u8> {
    debug_assert_eq!(plane.len(), height * width * dtype.size());
    let f = factor.max(1);
    match dtype {
        Dtype::U8 => downsample_int::<u8>(plane, height, width, f),
        Dtype::U16 => downsample_int::<u16>(plane, height, width, f),
        Dtype::U32 => downsample_int::<u32>(plane, height, width, f),
        Dtype::I8 => downsample_int::<i8>(plane, height, width, f),
        Dtype::I16 => downsample_int::<i16>(plane, height, width, f),
        Dtype::I32 => downsample_int::<i32>(plane, height, width, f),
        Dtype::F32 => downsample_float::<f32>(plane, height, width, f),
        Dtype::F64 => downsample_float::<f64>(plane, height, width, f),
    }
}

/// Sums each band of `f` rows into `sums` (one per output pixel, `f` columns
/// each, fewer in the last), calling `emit` with the band's sums and its row
/// count. Inlined, so a constant `f` gives loops the compiler unrolls.
#[inline(always)]
fn block_sums<T: Px, A: Copy + Default + std::ops::AddAssign>(
    plane: &[u8],
    width: usize,
    f: usize,
    value: impl Fn(T) -> A,
    mut emit: impl FnMut(usize, &[A], usize),
) {
    let row_bytes = width * T::SIZE;
    let mut sums = vec![A::default(); width.div_ceil(f)];
    for (oy, band) in plane.chunks(f * row_bytes).enumerate() {
        sums.fill(A::default());
        let rows = band.len() / row_bytes;
        for row in band.chunks_exact(row_bytes) {
            let blocks = row.chunks_exact(f * T::SIZE);
            let rest = blocks.remainder();
            for (sum, block) in sums.iter_mut().zip(blocks) {
                let mut s = A::default();
                for px in block.chunks_exact(T::SIZE) {
                    s += value(T::read(px));
                }
                *sum += s;
            }
            if !rest.is_empty() {
                let sum = sums.last_mut().expect("a partial block");
                for px in rest.chunks_exact(T::SIZE) {
                    *sum += value(T::read(px));
                }
            }
        }
        emit(oy, &sums, rows);
    }
}

/// Integer means, exact in `i64`, rounded to nearest with halves away from
/// zero; the usual factors as constants (unrolled loops).
fn downsample_int<T: IntPx>(plane: &[u8], height: usize, width: usize, f: usize) -> Vec<u8> {
    match f {
        2 => int_means::<T>(plane, height, width, 2),
        4 => int_means::<T>(plane, height, width, 4),
        _ => int_means::<T>(plane, height, width, f),
    }
}

#[inline(always)]
fn int_means<T: IntPx>(plane: &[u8], height: usize, width: usize, f: usize) -> Vec<u8> {
    let (h2, w2) = (height.div_ceil(f), width.div_ceil(f));
    let mut out = vec![0u8; h2 * w2 * T::SIZE];
    // Columns in the last block of a row (the others have `f`).
    let last_cols = width - (w2 - 1) * f;
    block_sums::<T, i64>(plane, width, f, T::to_i64, |oy, sums, rows| {
        let out_row = &mut out[oy * w2 * T::SIZE..][..w2 * T::SIZE];
        for (ox, (out_px, &sum)) in out_row.chunks_exact_mut(T::SIZE).zip(sums).enumerate() {
            let cols = if ox + 1 == w2 { last_cols } else { f };
            let n = (rows * cols) as i64;
            let q = (2 * sum.abs() + n) / (2 * n);
            T::from_i64(if sum < 0 { -q } else { q }).write(out_px);
        }
    });
    out
}

/// Float means, summed in `f64`.
fn downsample_float<T: FloatPx>(plane: &[u8], height: usize, width: usize, f: usize) -> Vec<u8> {
    let (h2, w2) = (height.div_ceil(f), width.div_ceil(f));
    let mut out = vec![0u8; h2 * w2 * T::SIZE];
    let last_cols = width - (w2 - 1) * f;
    block_sums::<T, f64>(plane, width, f, T::to_f64, |oy, sums, rows| {
        let out_row = &mut out[oy * w2 * T::SIZE..][..w2 * T::SIZE];
        for (ox, (out_px, &sum)) in out_row.chunks_exact_mut(T::SIZE).zip(sums).enumerate() {
            let cols = if ox + 1 == w2 { last_cols } else { f };
            T::from_f64(sum / (rows * cols) as f64).write(out_px);
        }
    });
    out
}

/// Smallest and largest finite value of a plane; `None` if it has none.
pub fn min_max(plane: &[u8], dtype: Dtype) -> Option<(f64, f64)> {
    match dtype {
        Dtype::U8 => min_max_typed::<u8>(plane),
        Dtype::U16 => min_max_typed::<u16>(plane),
        Dtype::U32 => min_max_typed::<u32>(plane),
        Dtype::I8 => min_max_typed::<i8>(plane),
        Dtype::I16 => min_max_typed::<i16>(plane),
        Dtype::I32 => min_max_typed::<i32>(plane),
        Dtype::F32 => min_max_typed::<f32>(plane),
        Dtype::F64 => min_max_typed::<f64>(plane),
    }
}

/// Compares in the pixel type itself (vectorisable); NaN never wins a `<`/`>`
/// and infinities are skipped, so only finite values count.
fn min_max_typed<T: Px>(plane: &[u8]) -> Option<(f64, f64)> {
    let mut values = plane
        .chunks_exact(T::SIZE)
        .map(T::read)
        .filter(|v| v.is_finite());
    let first = values.next()?;
    let (lo, hi) = values.fold((first, first), |(lo, hi), v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    });
    Some((lo.to_f64(), hi.to_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16s(v: &[u16]) -> Vec<u8> {
        v.iter().flat_map(|p| p.to_le_bytes()).collect()
    }

    #[test]
    fn mean_of_2x2_with_odd_edges() {
        // 3×3: the last row and column average over what exists.
        let plane = u16s(&[1, 2, 10, 3, 5, 20, 7, 8, 9]);
        let out = downsample_2x2(&plane, 3, 3, Dtype::U16);
        // (1+2+3+5)/4 = 2.75 → 3; (10+20)/2 = 15; (7+8)/2 = 7.5 → 8; 9.
        assert_eq!(out, u16s(&[3, 15, 8, 9]));
    }

    #[test]
    fn mean_of_4x4_with_partial_edges() {
        // 5×6, value = 6y + x: blocks of 4×4, 4×2, 1×4 and 1×2 pixels.
        let plane = u16s(&(0..30).collect::<Vec<_>>());
        let out = downsample_mean(&plane, 5, 6, 4, Dtype::U16);
        // 10.5 → 11, 13.5 → 14, 25.5 → 26, 28.5 → 29.
        assert_eq!(out, u16s(&[11, 14, 26, 29]));
        // Any factor: one 3×3 block of floats.
        let plane: Vec<u8> = (1..=9).flat_map(|v| (v as f32).to_le_bytes()).collect();
        let out = downsample_mean(&plane, 3, 3, 3, Dtype::F32);
        assert_eq!(out, 5.0f32.to_le_bytes());
        // Rounding of negative means, halves away from zero.
        let plane: Vec<u8> = [-1i16, -2, 0, 0]
            .iter()
            .flat_map(|p| p.to_le_bytes())
            .collect();
        assert_eq!(
            downsample_mean(&plane, 1, 4, 4, Dtype::I16),
            (-1i16).to_le_bytes()
        );
    }

    #[test]
    fn signed_and_float_means() {
        let plane: Vec<u8> = [-3i16, -4, 5, 6]
            .iter()
            .flat_map(|p| p.to_le_bytes())
            .collect();
        let out = downsample_2x2(&plane, 2, 2, Dtype::I16);
        assert_eq!(i16::from_le_bytes([out[0], out[1]]), 1); // 4/4
        let plane: Vec<u8> = [0.5f32, 1.5, 2.5, 3.5]
            .iter()
            .flat_map(|p| p.to_le_bytes())
            .collect();
        let out = downsample_2x2(&plane, 1, 4, Dtype::F32);
        assert_eq!(out.len(), 8);
        assert_eq!(f32::from_le_bytes(out[4..8].try_into().unwrap()), 3.0);
    }

    #[test]
    fn min_max_ignores_nan() {
        let plane: Vec<u8> = [f32::NAN, 2.0, -1.0]
            .iter()
            .flat_map(|p| p.to_le_bytes())
            .collect();
        assert_eq!(min_max(&plane, Dtype::F32), Some((-1.0, 2.0)));
        assert_eq!(
            min_max(&u16s(&[7, 3, 4095]), Dtype::U16),
            Some((3.0, 4095.0))
        );
        let nan: Vec<u8> = f64::NAN.to_le_bytes().to_vec();
        assert_eq!(min_max(&nan, Dtype::F64), None);
    }
}
