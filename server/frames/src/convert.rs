//! Pixel conversions to little-endian row-major bytes.

use ::tiff::decoder::DecodingResult;

use crate::Dtype;

/// The pixels of a decoded TIFF page as little-endian bytes, or `None` when the
/// decoded type is not `dtype` (the page lied about its sample format).
pub(crate) fn decoded_to_le(
    result: &DecodingResult,
    dtype: Dtype,
    count: usize,
) -> Option<Vec<u8>> {
    fn le<T: Copy, const N: usize>(
        v: &[T],
        count: usize,
        f: impl Fn(T) -> [u8; N],
    ) -> Option<Vec<u8>> {
        let v = v.get(..count)?;
        let mut out = Vec::with_capacity(count * N);
        for &x in v {
            out.extend_from_slice(&f(x));
        }
        Some(out)
    }
    match (result, dtype) {
        (DecodingResult::U8(v), Dtype::U8) => v.get(..count).map(<[u8]>::to_vec),
        (DecodingResult::I8(v), Dtype::I8) => le(v, count, i8::to_le_bytes),
        (DecodingResult::U16(v), Dtype::U16) => le(v, count, u16::to_le_bytes),
        (DecodingResult::I16(v), Dtype::I16) => le(v, count, i16::to_le_bytes),
        (DecodingResult::U32(v), Dtype::U32) => le(v, count, u32::to_le_bytes),
        (DecodingResult::I32(v), Dtype::I32) => le(v, count, i32::to_le_bytes),
        (DecodingResult::F32(v), Dtype::F32) => le(v, count, f32::to_le_bytes),
        (DecodingResult::F64(v), Dtype::F64) => le(v, count, f64::to_le_bytes),
        _ => None,
    }
}

/// Reverses the byte order of each `size`-byte sample in place (big-endian → little-endian).
pub(crate) fn swap_in_place(bytes: &mut [u8], size: usize) {
    if size > 1 {
        for sample in bytes.chunks_exact_mut(size) {
            sample.reverse();
        }
    }
}

/// IEEE 754 binary16 → binary32 (exact: every half value is a float value).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = match (exp, mant) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = mant * 2^-24.
            let v = mant as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (mant << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (mant << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_convert_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
    }
}
