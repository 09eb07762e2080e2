//! Preview levels: 2×2 mean downsampling of one plane, and per-plane min/max
//! for the OMERO display window.
//!
//! The mean (not pick-every-other) is used for every type: it costs little,
//! and a preview of noisy data looks far better averaged than decimated.
//! Integers are rounded to nearest (halves away from zero); an odd edge row or
//! column is averaged over the pixels that exist.

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
/// rounding the output size up.
pub fn downsample_2x2(plane: &[u8], height: usize, width: usize, dtype: Dtype) -> Vec<u8> {
    debug_assert_eq!(plane.len(), height * width * dtype.size());
    match dtype {
        Dtype::U8 => downsample::<u8>(plane, height, width, int_mean),
        Dtype::U16 => downsample::<u16>(plane, height, width, int_mean),
        Dtype::U32 => downsample::<u32>(plane, height, width, int_mean),
        Dtype::I8 => downsample::<i8>(plane, height, width, int_mean),
        Dtype::I16 => downsample::<i16>(plane, height, width, int_mean),
        Dtype::I32 => downsample::<i32>(plane, height, width, int_mean),
        Dtype::F32 => downsample::<f32>(plane, height, width, float_mean),
        Dtype::F64 => downsample::<f64>(plane, height, width, float_mean),
    }
}

/// Mean of 1, 2 or 4 integers, rounded to nearest with halves away from zero.
#[inline(always)]
fn int_mean<T: IntPx>(values: [T; 4], n: usize) -> T {
    let sum: i64 = values[..n].iter().map(|v| v.to_i64()).sum();
    let n = n as i64;
    let q = (2 * sum.abs() + n) / (2 * n);
    T::from_i64(if sum < 0 { -q } else { q })
}

#[inline(always)]
fn float_mean<T: FloatPx>(values: [T; 4], n: usize) -> T {
    let sum: f64 = values[..n].iter().map(|v| v.to_f64()).sum();
    T::from_f64(sum / n as f64)
}

fn downsample<T: Px>(
    plane: &[u8],
    height: usize,
    width: usize,
    mean: impl Fn([T; 4], usize) -> T,
) -> Vec<u8> {
    let (h2, w2) = (height.div_ceil(2), width.div_ceil(2));
    let mut out = vec![0u8; h2 * w2 * T::SIZE];
    let row_bytes = width * T::SIZE;
    let px = |row: &[u8], x: usize| T::read(&row[x * T::SIZE..(x + 1) * T::SIZE]);
    for (oy, out_row) in out.chunks_exact_mut(w2 * T::SIZE).enumerate() {
        let r0 = &plane[2 * oy * row_bytes..][..row_bytes];
        // An odd last row is averaged with itself only.
        let r1 = if 2 * oy + 1 < height {
            &plane[(2 * oy + 1) * row_bytes..][..row_bytes]
        } else {
            r0
        };
        let rows = if 2 * oy + 1 < height { 2 } else { 1 };
        let full = width / 2;
        for (ox, out_px) in out_row.chunks_exact_mut(T::SIZE).enumerate() {
            let (x0, x1) = (2 * ox, 2 * ox + 1);
            let value = if ox < full {
                mean([px(r0, x0), px(r0, x1), px(r1, x0), px(r1, x1)], 2 * rows)
            } else {
                // An odd last column.
                mean([px(r0, x0), px(r1, x0), px(r0, x0), px(r0, x0)], rows)
            };
            value.write(out_px);
        }
    }
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
