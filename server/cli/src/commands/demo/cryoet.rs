//! The cryo-ET sample: a tilt series as a Krios with SerialEM records it (an
//! MRC stack with its `.mdoc`), the motion-corrected, aligned stack made from
//! it, and CTFFIND4's per-tilt estimates. A FIB-milled lamella with ribosomes
//! and gold fiducials is projected at each tilt, so the images show real
//! structure, thicken with tilt and drift from tilt to tilt (the raw stack)
//! or not (the aligned one).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;

use super::mrc::{mrc_header, stats};
use super::rng::Rng;

/// Tilts from −60° to +60° in 3° steps.
pub const TILTS: usize = 41;
const STEP: f64 = 3.0;
const SIZE: usize = 256;
/// Å per pixel of the raw stack (binned 2 on a K3).
pub const PIXEL: f64 = 5.35;
pub const DOSE_PER_TILT: f64 = 3.0;
pub const TILT_AXIS: f64 = 85.3;
pub const TARGET_DEFOCUS_UM: f64 = -3.0;
const START: (u32, u32, u32) = (9, 12, 5);

/// What the generator made, for the parameters the depositor records.
pub struct TiltSeries {
    pub raw: String,
    pub aligned: String,
    pub ctf: String,
    /// Mean total motion per tilt (Å) and per frame (Å).
    pub motion: (f64, f64),
    /// Means over the tilts: defocus U and V (Å), astigmatism angle, CC, fit resolution (Å).
    pub ctf_means: [f64; 5],
}

/// A sphere in the lamella: centre (x, y, z) in raw pixels, radius, density.
struct Sphere {
    at: [f64; 3],
    r: f64,
    density: f64,
}

fn lamella(rng: &mut Rng) -> Vec<Sphere> {
    let mut spheres = Vec::new();
    // Ribosomes (~25 nm): placed without overlap where possible.
    let mut tries = 0;
    while spheres.len() < 22 && tries < 2000 {
        tries += 1;
        let at = [
            rng.range(-110.0, 110.0),
            rng.range(-110.0, 110.0),
            rng.range(-45.0, 45.0),
        ];
        let r = rng.range(17.0, 22.0);
        if spheres.iter().any(|s: &Sphere| {
            let d: f64 = (0..3).map(|i| (s.at[i] - at[i]).powi(2)).sum();
            d.sqrt() < s.r + r + 2.0
        }) {
            continue;
        }
        spheres.push(Sphere {
            at,
            r,
            density: rng.range(0.9, 1.1),
        });
    }
    // 10 nm gold fiducials on both surfaces of the lamella: small and dense.
    for i in 0..8 {
        let z = if i % 2 == 0 { -62.0 } else { 62.0 };
        spheres.push(Sphere {
            at: [rng.range(-120.0, 120.0), rng.range(-120.0, 120.0), z],
            r: 4.5,
            density: 25.0,
        });
    }
    spheres
}

/// Projected mass at each pixel for a tilt (about the image's y axis), in
/// `size`² pixels of `scale` raw pixels each, shifted by `shift` raw pixels.
fn project(
    spheres: &[Sphere],
    tilt_deg: f64,
    size: usize,
    scale: f64,
    shift: [f64; 2],
) -> Vec<f64> {
    let (sin, cos) = tilt_deg.to_radians().sin_cos();
    let mut mass = vec![0.0; size * size];
    let half = size as f64 / 2.0;
    for s in spheres {
        let cx = (s.at[0] * cos + s.at[2] * sin + shift[0]) / scale + half;
        let cy = (s.at[1] + shift[1]) / scale + half;
        let r = s.r / scale;
        let (x0, x1) = (
            (cx - r).floor().max(0.0) as usize,
            (cx + r).ceil().min(size as f64) as usize,
        );
        let (y0, y1) = (
            (cy - r).floor().max(0.0) as usize,
            (cy + r).ceil().min(size as f64) as usize,
        );
        for y in y0..y1 {
            for x in x0..x1 {
                let d2 = (x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2);
                if d2 < r * r {
                    mass[y * size + x] += s.density * 2.0 * (r * r - d2).sqrt() * scale;
                }
            }
        }
    }
    mass
}

/// Dose-symmetric acquisition (Hagen): 0°, then alternating sides in pairs.
fn acquisition_order() -> Vec<f64> {
    let mut order = vec![0.0];
    for k in 1..=((TILTS - 1) / 2) {
        let a = k as f64 * STEP;
        if k % 2 == 1 {
            order.extend([a, -a]);
        } else {
            order.extend([-a, a]);
        }
    }
    order
}

/// SerialEM's `DateTime` format: `14-Mar-25  09:12:05`.
fn serialem_time(seconds_after_start: u32) -> String {
    let (h, m, s) = START;
    let t = h * 3600 + m * 60 + s + seconds_after_start;
    format!(
        "14-Mar-25  {:02}:{:02}:{:02}",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// One tilt's record in the stack's order.
struct Tilt {
    angle: f64,
    /// Index in the acquisition order.
    acquired: usize,
    defocus_um: f64,
    shift: [f64; 2],
    motion: f64,
    ctf: [f64; 5],
}

/// Writes `TS_01.mrc` + `.mdoc`, `TS_01_ali.mrc` + `.mdoc` and `TS_01_ctffind4.txt` into `dir`.
pub fn generate(dir: &Path, rng: &mut Rng) -> anyhow::Result<TiltSeries> {
    let spheres = lamella(rng);
    let order = acquisition_order();
    let mut drift = [0.0, 0.0];
    let mut by_acquisition = Vec::with_capacity(TILTS);
    for (acquired, angle) in order.iter().enumerate() {
        drift[0] += rng.normal() * 1.5;
        drift[1] += rng.normal() * 1.5;
        let tilt_factor = 1.0 / angle.to_radians().cos();
        let defocus_um = TARGET_DEFOCUS_UM + rng.normal() * 0.08;
        let u = -defocus_um * 1e4 + rng.normal() * 150.0 * tilt_factor;
        let astig = rng.range(250.0, 550.0);
        by_acquisition.push(Tilt {
            angle: *angle,
            acquired,
            defocus_um,
            shift: drift,
            // The first exposure of a session drifts most.
            motion: rng.range(4.0, 9.0) * if acquired == 0 { 1.6 } else { 1.0 },
            ctf: [
                u,
                u - astig,
                rng.range(-60.0, 60.0),
                (0.22 / tilt_factor + rng.normal() * 0.01).clamp(0.02, 0.5),
                (11.5 * tilt_factor.powf(0.8) + rng.normal() * 0.4).max(9.0),
            ],
        });
    }
    let mut tilts = by_acquisition;
    tilts.sort_by(|a, b| a.angle.total_cmp(&b.angle));

    // The raw stack: int16 counts, the slab thickening as 1/cos(tilt), dose noise.
    let mut raw = Vec::with_capacity(TILTS * SIZE * SIZE);
    for t in &tilts {
        let mass = project(&spheres, t.angle, SIZE, 1.0, t.shift);
        let slab = (-140.0 / 650.0 / t.angle.to_radians().cos()).exp();
        let counts = DOSE_PER_TILT * PIXEL * PIXEL * 10.0;
        for m in mass {
            let mean = counts * slab * (-m * 0.0065).exp();
            raw.push((mean + rng.normal() * (mean * 10.0).sqrt()).round());
        }
    }
    let mut bytes = mrc_header(
        [SIZE, SIZE, TILTS],
        1,
        PIXEL,
        stats(&raw),
        "SerialEM: Krios-G4 tilt series TS_01 (strata demo, synthetic)",
    );
    for v in &raw {
        bytes.extend_from_slice(&(v.clamp(-32768.0, 32767.0) as i16).to_le_bytes());
    }
    std::fs::write(dir.join("TS_01.mrc"), bytes).context("writing TS_01.mrc")?;
    std::fs::write(dir.join("TS_01.mrc.mdoc"), mdoc(&tilts, false))
        .context("writing TS_01.mrc.mdoc")?;

    // The aligned stack: binned 2, drift removed, dose-weighted, normalised float32.
    let half = SIZE / 2;
    let mut aligned = Vec::with_capacity(TILTS * half * half);
    for t in &tilts {
        let mass = project(&spheres, t.angle, half, 2.0, [0.0, 0.0]);
        let slab = 140.0 / t.angle.to_radians().cos() * 0.004;
        for m in mass {
            aligned.push(-(m * 0.0065 + slab) * 8.0 + rng.normal() * 0.35);
        }
    }
    let (mean, sd) = {
        let s = stats(&aligned);
        (f64::from(s[2]), f64::from(s[3]))
    };
    aligned.iter_mut().for_each(|v| *v = (*v - mean) / sd);
    let mut bytes = mrc_header(
        [half, half, TILTS],
        2,
        PIXEL * 2.0,
        stats(&aligned),
        "MotionCor2 + IMOD alignment of TS_01, binned 2 (strata demo, synthetic)",
    );
    for v in &aligned {
        bytes.extend_from_slice(&(*v as f32).to_le_bytes());
    }
    std::fs::write(dir.join("TS_01_ali.mrc"), bytes).context("writing TS_01_ali.mrc")?;
    std::fs::write(dir.join("TS_01_ali.mrc.mdoc"), mdoc(&tilts, true))
        .context("writing TS_01_ali.mrc.mdoc")?;
    std::fs::write(dir.join("TS_01_ctffind4.txt"), ctffind(&tilts))
        .context("writing TS_01_ctffind4.txt")?;

    let n = TILTS as f64;
    let mut ctf_means = [0.0; 5];
    for t in &tilts {
        for (m, v) in ctf_means.iter_mut().zip(t.ctf) {
            *m += v / n;
        }
    }
    let motion = tilts.iter().map(|t| t.motion).sum::<f64>() / n;
    Ok(TiltSeries {
        raw: "TS_01.mrc".into(),
        aligned: "TS_01_ali.mrc".into(),
        ctf: "TS_01_ctffind4.txt".into(),
        motion: (motion, motion / 10.0),
        ctf_means,
    })
}

/// SerialEM's autodoc: global keys, titles, one `[ZValue]` per section in
/// stack order. The aligned stack's copy adds the per-tilt motion and CTF.
fn mdoc(tilts: &[Tilt], processed: bool) -> String {
    let (pixel, size, file) = if processed {
        (PIXEL * 2.0, SIZE / 2, "TS_01_ali.mrc")
    } else {
        (PIXEL, SIZE, "TS_01.mrc")
    };
    let mut out = format!(
        "PixelSpacing = {pixel:.3}\nVoltage = 300\nImageFile = {file}\nImageSize = {size} {size}\nDataMode = {}\n\n",
        if processed { 2 } else { 1 }
    );
    let _ = writeln!(
        out,
        "[T = SerialEM: Krios-G4 (strata demo, synthetic data)    {}]\n",
        serialem_time(0)
    );
    let _ = writeln!(
        out,
        "[T =     Tilt axis angle = {TILT_AXIS}, binning = 2  spot = 7  camera = 0]\n"
    );
    for (z, t) in tilts.iter().enumerate() {
        let _ = writeln!(out, "[ZValue = {z}]");
        let _ = writeln!(out, "TiltAngle = {:.2}", t.angle);
        let _ = writeln!(
            out,
            "StagePosition = {:.3} {:.3}",
            -152.318 + t.shift[0] * 1e-4,
            48.902 + t.shift[1] * 1e-4
        );
        let _ = writeln!(
            out,
            "StageZ = -41.27\nMagnification = 42000\nIntensity = 0.168532"
        );
        let _ = writeln!(out, "ExposureDose = {DOSE_PER_TILT:.3}");
        let _ = writeln!(out, "PixelSpacing = {pixel:.3}\nSpotSize = 7");
        let _ = writeln!(out, "Defocus = {:.4}", t.defocus_um);
        let _ = writeln!(
            out,
            "ImageShift = {:.4} {:.4}",
            t.shift[0] * 0.01,
            t.shift[1] * 0.01
        );
        let _ = writeln!(out, "RotationAngle = {:.1}", TILT_AXIS - 90.0);
        let _ = writeln!(
            out,
            "ExposureTime = 1.2\nBinning = 2\nMagIndex = 31\nCountsPerElectron = 1"
        );
        let _ = writeln!(out, "TargetDefocus = {TARGET_DEFOCUS_UM:.1}");
        let _ = writeln!(
            out,
            "PriorRecordDose = {:.2}",
            t.acquired as f64 * DOSE_PER_TILT
        );
        let _ = writeln!(
            out,
            "SubFramePath = X:\\TS_01_{:03}_{:.1}.tif",
            t.acquired + 1,
            t.angle
        );
        let _ = writeln!(out, "NumSubFrames = 10\nFrameDosesAndNumber = 0.3 10");
        let _ = writeln!(out, "DateTime = {}", serialem_time(t.acquired as u32 * 27));
        if processed {
            let _ = writeln!(out, "MotionTotalShift = {:.2}", t.motion);
            let _ = writeln!(
                out,
                "CtfDefocusU = {:.1}\nCtfDefocusV = {:.1}",
                t.ctf[0], t.ctf[1]
            );
            let _ = writeln!(out, "CtfAstigmatismAngle = {:.2}", t.ctf[2]);
            let _ = writeln!(out, "CtfCrossCorrelation = {:.4}", t.ctf[3]);
            let _ = writeln!(out, "CtfFitResolution = {:.2}", t.ctf[4]);
        }
        out.push('\n');
    }
    out
}

/// CTFFIND4's diagnostic output: one row per tilt, in stack order.
fn ctffind(tilts: &[Tilt]) -> String {
    let mut out = String::from(
        "# Output from CTFFind version 4.1.14, run on 2025-03-14 11:52:10 (strata demo, synthetic)\n",
    );
    let _ = writeln!(
        out,
        "# Input file: TS_01_ali.mrc ; Number of micrographs: {TILTS}"
    );
    let _ = writeln!(
        out,
        "# Pixel size: {:.3} Angstroms ; acceleration voltage: 300.0 keV ; spherical aberration: 2.70 mm ; amplitude contrast: 0.07",
        PIXEL * 2.0
    );
    out.push_str("# Box size: 256 pixels ; min. res.: 50.0 Angstroms ; max. res.: 22.0 Angstroms ; min. def.: 5000.0 um; max. def. 60000.0 um\n");
    out.push_str("# Columns: #1 - micrograph number; #2 - defocus 1 [Angstroms]; #3 - defocus 2; #4 - azimuth of astigmatism; #5 - additional phase shift [radians]; #6 - cross correlation; #7 - spacing (in Angstroms) up to which CTF rings were fit successfully\n");
    for (i, t) in tilts.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:.6} {:.2} {:.2} {:.2} 0.000000 {:.6} {:.4}",
            (i + 1) as f64,
            t.ctf[0],
            t.ctf[1],
            t.ctf[2],
            t.ctf[3],
            t.ctf[4]
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dose_symmetric_order_covers_every_tilt_once() {
        let mut order = acquisition_order();
        assert_eq!(order.len(), TILTS);
        assert_eq!(&order[..5], &[0.0, 3.0, -3.0, -6.0, 6.0]);
        order.sort_by(f64::total_cmp);
        assert_eq!((order[0], order[TILTS - 1]), (-60.0, 60.0));
    }
}
