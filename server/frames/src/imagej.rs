//! ImageJ hyperstacks: the `ImageJ=…` ImageDescription of the first page.
//! Pages are ordered c fastest, then z, then t.

use serde_json::{Map, Value, json};

use crate::stack::{Loc, PageMeta, Slot, TiffStack};
use crate::tiff::{Shape, TiffPages, common_shape};
use crate::{Dims, FrameError, StackInfo};

/// The keys of an ImageJ description, as written.
#[derive(Debug, Clone)]
pub(crate) struct ImageJDescription {
    pub keys: Map<String, Value>,
}

impl ImageJDescription {
    /// `Some` when `text` is an ImageJ description (first line `ImageJ=…`).
    pub fn parse(text: &str) -> Option<Self> {
        if !text.trim_start().starts_with("ImageJ=") {
            return None;
        }
        let mut keys = Map::new();
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            let json = match value.parse::<f64>() {
                Ok(n) if n.is_finite() && !value.is_empty() => json!(n),
                _ => match value {
                    "true" => json!(true),
                    "false" => json!(false),
                    _ => json!(value),
                },
            };
            keys.insert(key.trim().to_string(), json);
        }
        Some(ImageJDescription { keys })
    }

    fn count(&self, key: &str) -> Option<f64> {
        self.keys.get(key).and_then(Value::as_f64)
    }
}

/// Micrometres per `unit` (ImageJ's spellings), `None` when it is no length.
pub(crate) fn um_per_unit(unit: &str) -> Option<f64> {
    match unit.trim() {
        "micron" | "microns" | "um" | "µm" | "μm" | "\\u00B5m" | "\\u00b5m" => Some(1.0),
        "nm" | "nanometer" | "nanometre" => Some(1e-3),
        "Å" | "A" | "angstrom" | "\\u00C5" => Some(1e-4),
        "mm" | "millimeter" | "millimetre" => Some(1e3),
        "cm" | "centimeter" => Some(1e4),
        "m" | "meter" | "metre" => Some(1e6),
        "inch" | "in" => Some(25_400.0),
        _ => None,
    }
}

pub(crate) fn open(pages: TiffPages, desc: ImageJDescription) -> Result<TiffStack, FrameError> {
    let path = pages.path.clone();
    let bad = |reason: String| FrameError::Malformed {
        path: path.clone(),
        format: "ImageJ",
        reason,
    };
    let dim = |key: &str| -> Result<usize, FrameError> {
        match desc.count(key) {
            None => Ok(1),
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= 1e9 => Ok(n as usize),
            Some(n) => Err(bad(format!("{key}={n} is no count"))),
        }
    };
    let (c, mut z, t) = (dim("channels")?, dim("slices")?, dim("frames")?);
    let images = match desc.count("images") {
        None => c * z * t,
        Some(_) => dim("images")?,
    };
    if c * z * t == 1 && images > 1 {
        z = images; // a plain ImageJ stack: images are slices
    }
    if c * z * t != images {
        return Err(FrameError::Inconsistent {
            path,
            expected: format!("images={images} (the description's count)"),
            found: format!("channels={c} × slices={z} × frames={t} = {}", c * z * t),
        });
    }
    let n_pages = pages.shapes.len();
    let (locs, (dtype, w, h)) = if n_pages == 1 && images > 1 {
        contiguous(&pages, images)?
    } else {
        if n_pages != images {
            let mut found = format!("{n_pages} pages");
            if let Some(broken) = &pages.broken {
                found.push_str(&format!(" ({broken})"));
            }
            return Err(FrameError::Inconsistent {
                path,
                expected: format!("images={images} pages"),
                found,
            });
        }
        let shape = common_shape(&pages, 0..n_pages, None, "the first page")?;
        ((0..n_pages).map(Loc::Page).collect::<Vec<_>>(), shape)
    };
    let unit_um = desc
        .keys
        .get("unit")
        .and_then(Value::as_str)
        .map_or(Some(1.0), um_per_unit);
    let first = &pages.first;
    let pixel_size_um = match (unit_um, first.x_resolution, first.y_resolution) {
        (Some(u), Some(xr), Some(yr)) => {
            let zs = desc.count("spacing").unwrap_or(1.0);
            Some([u / xr, u / yr, zs * u])
        }
        _ => None,
    };
    let slots = locs
        .into_iter()
        .enumerate()
        .map(|(k, loc)| Slot {
            loc,
            position: 0,
            t: k / (c * z),
            c: k % c,
            z: (k / c) % z,
            extra: None,
        })
        .collect();
    let info = StackInfo {
        format: "imagej".into(),
        dims: Dims {
            t,
            c,
            z,
            y: h as usize,
            x: w as usize,
        },
        dtype,
        positions: 1,
        channel_names: (0..c).map(|i| format!("C{i}")).collect(),
        pixel_size_um,
        metadata: json!({ "imagej": desc.keys }),
    };
    Ok(TiffStack::new(pages, info, slots, PageMeta::Tags))
}

/// ImageJ writes stacks over 4 GiB with one IFD: the frames follow the first
/// page's (uncompressed) pixels back to back.
fn contiguous(pages: &TiffPages, images: usize) -> Result<(Vec<Loc>, Shape), FrameError> {
    let path = pages.path.clone();
    let (dtype, w, h) = common_shape(pages, [0], None, "the first page")?;
    let first = &pages.first;
    let frame_bytes = w as u64 * h as u64 * dtype.size() as u64;
    let found_one = || FrameError::Inconsistent {
        path: path.clone(),
        expected: format!("images={images} pages"),
        found: "1 page".into(),
    };
    // Contiguous only when uncompressed with back-to-back strips.
    let back_to_back = first.strip_offsets.len() == first.strip_byte_counts.len()
        && first
            .strip_offsets
            .windows(2)
            .zip(&first.strip_byte_counts)
            .all(|(o, n)| o[0].checked_add(*n) == Some(o[1]));
    let start = match (first.compression, first.strip_offsets.first()) {
        (Some(1) | None, Some(&start)) if back_to_back => start,
        _ => return Err(found_one()),
    };
    let len = std::fs::metadata(&path)
        .map_err(|source| FrameError::Io {
            path: path.clone(),
            source,
        })?
        .len();
    let need = (images as u64)
        .checked_mul(frame_bytes)
        .and_then(|b| b.checked_add(start));
    match need {
        Some(need) if need <= len => {}
        _ => {
            return Err(FrameError::Inconsistent {
                path,
                expected: format!(
                    "images={images} frames of {frame_bytes} bytes from byte {start} (one IFD, contiguous)"
                ),
                found: format!("a file of {len} bytes"),
            });
        }
    }
    let locs = (0..images as u64)
        .map(|k| Loc::Raw(start + k * frame_bytes))
        .collect();
    Ok((locs, (dtype, w, h)))
}
