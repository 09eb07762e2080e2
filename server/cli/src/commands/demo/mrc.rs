//! MRC2014 bytes as IMOD and SerialEM write them: a 1024-byte header, no
//! extended header, little-endian sections.

/// An MRC2014 header for an image stack (ispg 0) with one label.
pub fn mrc_header(n: [usize; 3], mode: i32, pixel: f64, stats: [f32; 4], label: &str) -> Vec<u8> {
    let mut h = vec![0u8; 1024];
    let put = |h: &mut Vec<u8>, at: usize, b: [u8; 4]| h[at..at + 4].copy_from_slice(&b);
    for (i, v) in n.iter().enumerate() {
        put(&mut h, 4 * i, (*v as i32).to_le_bytes());
        put(&mut h, 28 + 4 * i, (*v as i32).to_le_bytes());
        put(
            &mut h,
            40 + 4 * i,
            ((*v as f64 * pixel) as f32).to_le_bytes(),
        );
        put(&mut h, 52 + 4 * i, 90f32.to_le_bytes());
        put(&mut h, 64 + 4 * i, (i as i32 + 1).to_le_bytes());
    }
    put(&mut h, 12, mode.to_le_bytes());
    for (i, v) in stats[..3].iter().enumerate() {
        put(&mut h, 76 + 4 * i, v.to_le_bytes());
    }
    put(&mut h, 108, 20140i32.to_le_bytes());
    h[208..212].copy_from_slice(b"MAP ");
    h[212..216].copy_from_slice(&[0x44, 0x44, 0, 0]);
    put(&mut h, 216, stats[3].to_le_bytes());
    put(&mut h, 220, 1i32.to_le_bytes());
    let label = &label.as_bytes()[..label.len().min(80)];
    h[224..224 + label.len()].copy_from_slice(label);
    h
}

pub fn stats(values: &[f64]) -> [f32; 4] {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let rms = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    [min as f32, max as f32, mean as f32, rms as f32]
}
