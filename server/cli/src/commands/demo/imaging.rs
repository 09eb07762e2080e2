//! The other samples: a 5D confocal OME-TIFF of dividing cells, a SAXS curve
//! of lysozyme in solution, and an MX rotation sweep of a lysozyme crystal.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::Context as _;
use tiff::encoder::{TiffEncoder, colortype};
use tiff::tags::Tag;

use super::rng::Rng;

pub const LM: (usize, usize, usize, usize) = (3, 2, 10, 256); // t, c, z, y = x
pub const LM_PIXEL_UM: f64 = 0.2;
pub const LM_Z_STEP_UM: f64 = 1.0;
const LM_INTERVAL_S: f64 = 120.0;
const LM_CHANNELS: [(&str, u32, u32, f64); 2] =
    [("DAPI", 405, 461, 50.0), ("mEGFP-tubulin", 488, 510, 80.0)];

/// Writes the confocal stack as OME-TIFF: DimensionOrder XYZCT, one page per plane.
pub fn light_microscopy(path: &Path, rng: &mut Rng) -> anyhow::Result<()> {
    let (nt, nc, nz, n) = LM;
    // Three cells: (x, y) in µm, nucleus radius, the spindle's angle.
    let mut cells: Vec<[f64; 4]> = Vec::new();
    while cells.len() < 3 {
        let cell = [
            rng.range(9.0, 42.0),
            rng.range(9.0, 42.0),
            rng.range(4.5, 6.0),
            rng.range(0.0, std::f64::consts::PI),
        ];
        if cells
            .iter()
            .all(|c| (c[0] - cell[0]).hypot(c[1] - cell[1]) > 17.0)
        {
            cells.push(cell);
        }
    }
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" Creator="strata demo (synthetic)"><Instrument ID="Instrument:0"><Microscope Manufacturer="Zeiss" Model="LSM 980"/><Objective ID="Objective:0" Model="Plan-Apochromat 63x/1.40 Oil" NominalMagnification="63" LensNA="1.4" Immersion="Oil"/></Instrument><Image ID="Image:0" Name="HeLa mitosis, field 1"><AcquisitionDate>2025-02-03T15:22:47</AcquisitionDate><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint16" SizeX="{n}" SizeY="{n}" SizeZ="{nz}" SizeC="{nc}" SizeT="{nt}" PhysicalSizeX="{LM_PIXEL_UM}" PhysicalSizeXUnit="&#181;m" PhysicalSizeY="{LM_PIXEL_UM}" PhysicalSizeYUnit="&#181;m" PhysicalSizeZ="{LM_Z_STEP_UM}" PhysicalSizeZUnit="&#181;m" TimeIncrement="{LM_INTERVAL_S}" TimeIncrementUnit="s">"#
    );
    for (c, (name, ex, em, _)) in LM_CHANNELS.iter().enumerate() {
        let _ = write!(
            xml,
            r#"<Channel ID="Channel:0:{c}" Name="{name}" SamplesPerPixel="1" ExcitationWavelength="{ex}" EmissionWavelength="{em}"/>"#
        );
    }
    let _ = write!(xml, r#"<TiffData IFD="0" PlaneCount="{}"/>"#, nt * nc * nz);
    for t in 0..nt {
        for (c, (.., exposure)) in LM_CHANNELS.iter().enumerate() {
            for z in 0..nz {
                let _ = write!(
                    xml,
                    r#"<Plane TheT="{t}" TheC="{c}" TheZ="{z}" DeltaT="{:.2}" DeltaTUnit="s" ExposureTime="{exposure}" ExposureTimeUnit="ms" PositionZ="{:.1}" PositionZUnit="&#181;m"/>"#,
                    t as f64 * LM_INTERVAL_S + c as f64 * 0.6 + z as f64 * 0.15,
                    12.0 + z as f64 * LM_Z_STEP_UM
                );
            }
        }
    }
    xml.push_str("</Pixels></Image></OME>");

    let file =
        BufWriter::new(File::create(path).with_context(|| format!("creating {}", path.display()))?);
    let mut tiff = TiffEncoder::new(file).context("starting the OME-TIFF")?;
    for t in 0..nt {
        for c in 0..nc {
            for z in 0..nz {
                let plane = lm_plane(&cells, t, c, z, rng);
                let mut image = tiff
                    .new_image::<colortype::Gray16>(n as u32, n as u32)
                    .context("an OME-TIFF page")?;
                if (t, c, z) == (0, 0, 0) {
                    image
                        .encoder()
                        .write_tag(Tag::ImageDescription, xml.as_str())
                        .context("the OME-XML")?;
                }
                image
                    .write_data(&plane)
                    .context("an OME-TIFF page's pixels")?;
            }
        }
    }
    Ok(())
}

/// One plane: nuclei (DAPI) condense into chromosomes at the metaphase
/// plate; the spindle (tubulin) elongates from t to t. Out of focus light
/// spreads with the distance to the cells' mid-plane.
fn lm_plane(cells: &[[f64; 4]], t: usize, c: usize, z: usize, rng: &mut Rng) -> Vec<u16> {
    let n = LM.3;
    let dz = (z as f64 - 4.5) * LM_Z_STEP_UM;
    let focus = (-dz * dz / 18.0).exp();
    let blur = 1.0 + dz.abs() * 0.35;
    let mut out = Vec::with_capacity(n * n);
    for y in 0..n {
        for x in 0..n {
            let (px, py) = (x as f64 * LM_PIXEL_UM, y as f64 * LM_PIXEL_UM);
            let mut signal = 0.0;
            for [cx, cy, r, angle] in cells {
                let (u, v) = (
                    (px - cx) * angle.cos() + (py - cy) * angle.sin(),
                    -(px - cx) * angle.sin() + (py - cy) * angle.cos(),
                );
                if c == 0 {
                    // A round nucleus condensing into a metaphase plate (thin across u).
                    let across = r * (1.0 - 0.3 * t as f64) + 0.4 * dz.abs();
                    let along = r + 0.4 * dz.abs();
                    let e = (u / across).powi(2) + (v / along).powi(2);
                    signal += 2600.0 * focus / (1.0 + (8.0 * (e - 1.0)).exp());
                } else {
                    // Two asters and the spindle between them, a dim cytoplasm around.
                    let half = 3.0 + 1.5 * t as f64;
                    for pole in [-half, half] {
                        signal +=
                            1800.0 * focus * (-((u - pole).powi(2) + v * v) / (0.8 * blur)).exp();
                    }
                    if u.abs() < half {
                        signal += 900.0
                            * focus
                            * (-(v * v) / (1.6 * blur * (1.0 - (u / half).powi(2)).max(0.05)))
                                .exp();
                    }
                    let e = (u * u + v * v) / (2.2 * r).powi(2);
                    signal += 180.0 / (1.0 + (6.0 * (e - 1.0)).exp());
                }
            }
            let mean = 100.0 + signal;
            out.push((mean + rng.normal() * (mean * 2.0).sqrt()).clamp(0.0, 65535.0) as u16);
        }
    }
    out
}

/// The SAXS curve and what a Guinier fit of it gives: (Rg in nm, I(0)).
pub fn saxs(path: &Path, rng: &mut Rng) -> anyhow::Result<(f64, f64)> {
    // Lysozyme as a sphere of R = Rg / sqrt(3/5), Rg = 1.43 nm.
    let radius = 14.3 / 0.6f64.sqrt();
    let i0 = 0.0342;
    let points: Vec<(f64, f64, f64)> = (0..480)
        .map(|k| {
            let q = 0.008 + k as f64 * 0.001;
            let x = q * radius;
            let form = 3.0 * (x.sin() - x * x.cos()) / x.powi(3);
            let ideal = i0 * form * form + 2.0e-5;
            let sigma = 0.004 * ideal + 1.5e-5 * (1.0 + 8.0 * q);
            (q, ideal + rng.normal() * sigma, sigma)
        })
        .collect();
    // Guinier: ln I = ln I0 − (Rg² / 3) q², over q·Rg < 1.3 (iterated once from a guess).
    let mut rg = 14.0;
    let mut fitted_i0 = 0.0;
    for _ in 0..3 {
        let fit: Vec<(f64, f64)> = points
            .iter()
            .filter(|(q, i, _)| q * rg < 1.3 && *i > 0.0)
            .map(|(q, i, _)| (q * q, i.ln()))
            .collect();
        let n = fit.len() as f64;
        let (sx, sy) = fit.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        let sxx = fit.iter().map(|(x, _)| (x - sx / n).powi(2)).sum::<f64>();
        let sxy = fit
            .iter()
            .map(|(x, y)| (x - sx / n) * (y - sy / n))
            .sum::<f64>();
        let slope = sxy / sxx;
        rg = (-3.0 * slope).sqrt();
        fitted_i0 = (sy / n - slope * sx / n).exp();
    }
    let mut out = String::from("### HEADER:\n");
    out.push_str(
        "# Sample: hen egg-white lysozyme, 5.0 mg/mL, buffer-subtracted, average of 10 frames\n",
    );
    out.push_str("# Buffer: HEPES 20 mM pH 7.5, NaCl 150 mM\n");
    out.push_str("# Instrument: BM29 BioSAXS (strata demo, synthetic data)\n");
    out.push_str("# Energy: 12.5 keV ; Exposure: 10 x 1.0 s ; Temperature: 20 C ; Detector distance: 2.81 m\n");
    let _ = writeln!(
        out,
        "# Guinier: Rg = {:.2} A, I(0) = {fitted_i0:.5} 1/cm",
        rg
    );
    out.push_str("# q in 1/A, I(q) in 1/cm (absolute, water-calibrated)\n");
    out.push_str("#   q            I(q)           Sigma\n");
    for (q, i, s) in &points {
        let _ = writeln!(out, "{q:.6e}  {i:.6e}  {s:.6e}");
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    Ok((rg / 10.0, fitted_i0))
}

pub const MX_IMAGES: usize = 10;
pub const MX_WAVELENGTH: f64 = 0.9763;
pub const MX_DISTANCE_MM: f64 = 120.0;
pub const MX_OSCILLATION: f64 = 1.0;
const MX_SIZE: usize = 256;
const MX_PIXEL_MM: f64 = 0.6;

/// Resolution (Å) at the detector's edge.
pub fn mx_edge_resolution() -> f64 {
    let r = MX_SIZE as f64 / 2.0 * MX_PIXEL_MM;
    MX_WAVELENGTH / (2.0 * ((r / MX_DISTANCE_MM).atan() / 2.0).sin())
}

/// A rotation sweep of a tetragonal lysozyme crystal (P4₃2₁2, a = 79.1, c = 37.9 Å):
/// each reciprocal-lattice point that crosses the Ewald sphere during an
/// image's oscillation is a spot where its diffracted ray meets the detector.
pub fn mx(path: &Path, rng: &mut Rng) -> anyhow::Result<()> {
    let (a, c) = (79.1, 37.9);
    let dmin = mx_edge_resolution();
    let inv = 1.0 / MX_WAVELENGTH;
    let mut reflections = Vec::new();
    let (hmax, lmax) = ((a / dmin) as i32, (c / dmin) as i32);
    for h in -hmax..=hmax {
        for k in -hmax..=hmax {
            for l in -lmax..=lmax {
                let v = [h as f64 / a, k as f64 / a, l as f64 / c];
                let s2 = v.iter().map(|x| x * x).sum::<f64>();
                // P4₃2₁2: 00l with l = 4n, h00 and 0k0 with h, k = 2n.
                let absent = (h == 0 && k == 0 && l % 4 != 0)
                    || (k == 0 && l == 0 && h % 2 != 0)
                    || (h == 0 && l == 0 && k % 2 != 0);
                if s2 == 0.0 || s2 > 1.0 / (dmin * dmin) || absent {
                    continue;
                }
                let intensity = -rng.uniform().max(1e-9).ln() * 9000.0 * (-12.0 * s2).exp();
                reflections.push((v, intensity));
            }
        }
    }
    let file =
        BufWriter::new(File::create(path).with_context(|| format!("creating {}", path.display()))?);
    let mut tiff = TiffEncoder::new(file).context("starting the MX images")?;
    let centre = MX_SIZE as f64 / 2.0 + 0.5;
    for image in 0..MX_IMAGES {
        let (phi0, phi1) = (
            image as f64 * MX_OSCILLATION,
            (image + 1) as f64 * MX_OSCILLATION,
        );
        let mut pixels: Vec<f64> = (0..MX_SIZE * MX_SIZE)
            .map(|i| {
                let (x, y) = ((i % MX_SIZE) as f64 - centre, (i / MX_SIZE) as f64 - centre);
                let r = (x * x + y * y).sqrt() * MX_PIXEL_MM;
                let d = MX_WAVELENGTH / (2.0 * ((r / MX_DISTANCE_MM).atan() / 2.0).sin().max(1e-6));
                // Air scatter falling off from the beam, and the water ring at 3.7 Å.
                let shadow = if r < 4.0 || (x.abs() < 2.5 && y > 0.0) {
                    0.15
                } else {
                    1.0
                };
                shadow * (40.0 + 900.0 / (1.0 + r) + 60.0 * (-((d - 3.7) / 0.35).powi(2)).exp())
            })
            .collect();
        for (v, intensity) in &reflections {
            // The rotation axis is x: the lattice point at angle φ, and Ewald's condition.
            let at = |phi: f64| {
                let (s, cs) = phi.to_radians().sin_cos();
                [v[0], v[1] * cs - v[2] * s, v[1] * s + v[2] * cs]
            };
            let excess = |p: [f64; 3]| p.iter().map(|x| x * x).sum::<f64>() + 2.0 * p[2] * inv;
            if excess(at(phi0)).signum() == excess(at(phi1)).signum() {
                continue;
            }
            let p = at((phi0 + phi1) / 2.0);
            let ray = [p[0], p[1], p[2] + inv];
            if ray[2] <= 0.0 {
                continue;
            }
            let (sx, sy) = (
                MX_DISTANCE_MM * ray[0] / ray[2] / MX_PIXEL_MM + centre,
                MX_DISTANCE_MM * ray[1] / ray[2] / MX_PIXEL_MM + centre,
            );
            for y in (sy as i64 - 2).max(0)..(sy as i64 + 3).min(MX_SIZE as i64) {
                for x in (sx as i64 - 2).max(0)..(sx as i64 + 3).min(MX_SIZE as i64) {
                    let d2 = (x as f64 + 0.5 - sx).powi(2) + (y as f64 + 0.5 - sy).powi(2);
                    pixels[y as usize * MX_SIZE + x as usize] += intensity * (-d2 / 1.2).exp();
                }
            }
        }
        let counts: Vec<u16> = pixels
            .iter()
            .map(|m| (m + rng.normal() * m.sqrt()).clamp(0.0, 65535.0) as u16)
            .collect();
        tiff.write_image::<colortype::Gray16>(MX_SIZE as u32, MX_SIZE as u32, &counts)
            .context("an MX image")?;
    }
    Ok(())
}
