//! Fixture writers shared by the tests: TIFFs through the `tiff` crate's
//! encoder, MRC bytes by hand, with pixels that depend on (position, t, c, z, y, x).
#![allow(dead_code)]

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use strata_frames::{Frame, FrameError, FrameSource};
use tiff::encoder::{Rational, TiffEncoder, colortype};
use tiff::tags::{ResolutionUnit, Tag};

/// A value no two (position, t, c, z, y, x) of the fixtures share.
pub fn value(p: usize, t: usize, c: usize, z: usize, y: usize, x: usize) -> u16 {
    (((((p * 5 + t) * 7 + c) * 11 + z) * 13 + y) * 17 + x) as u16
}

/// One frame's pixels, `w`×`h`, row-major.
pub fn plane(p: usize, t: usize, c: usize, z: usize, w: usize, h: usize) -> Vec<u16> {
    (0..h)
        .flat_map(|y| (0..w).map(move |x| value(p, t, c, z, y, x)))
        .collect()
}

pub fn le_bytes(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A page to write: pixels and string tags.
pub struct Page {
    pub w: u32,
    pub h: u32,
    pub pixels: Vec<u16>,
    pub tags: Vec<(Tag, String)>,
    /// ImageJ-style pixels per unit (x, y), written with ResolutionUnit none.
    pub resolution: Option<(Rational, Rational)>,
}

impl Page {
    pub fn new(w: usize, h: usize, pixels: Vec<u16>) -> Self {
        Page {
            w: w as u32,
            h: h as u32,
            pixels,
            tags: Vec::new(),
            resolution: None,
        }
    }

    pub fn tag(mut self, tag: Tag, value: impl Into<String>) -> Self {
        self.tags.push((tag, value.into()));
        self
    }
}

/// Writes 16-bit grayscale pages. `header_blob` lands at byte 32 (MicroManager's summary).
pub fn write_tiff(path: &Path, pages: &[Page], header_blob: Option<&[u8]>) {
    let file = BufWriter::new(File::create(path).unwrap());
    let mut enc = TiffEncoder::new(file).unwrap();
    if let Some(blob) = header_blob {
        let mut dir = enc.extra_directory().unwrap();
        let mut bytes = vec![0u8; 24];
        bytes.extend_from_slice(blob);
        let at = dir.write_data(bytes.as_slice()).unwrap();
        assert_eq!(at, 8, "the blob must start right after the TIFF header");
        dir.finish().unwrap();
    }
    for page in pages {
        let mut image = enc.new_image::<colortype::Gray16>(page.w, page.h).unwrap();
        for (tag, value) in &page.tags {
            image.encoder().write_tag(*tag, value.as_str()).unwrap();
        }
        if let Some((x, y)) = &page.resolution {
            image.resolution_unit(ResolutionUnit::None);
            image.x_resolution(Rational { n: x.n, d: x.d });
            image.y_resolution(Rational { n: y.n, d: y.d });
        }
        image.write_data(&page.pixels).unwrap();
    }
}

/// Drains a source, stopping at the first error.
pub fn drain(source: &mut dyn FrameSource) -> Result<Vec<Frame>, FrameError> {
    let mut frames = Vec::new();
    while let Some(frame) = source.next_frame() {
        frames.push(frame?);
    }
    Ok(frames)
}

/// A MicroManager summary header blob: magic, length, JSON.
pub fn mm_summary_blob(json: &str) -> Vec<u8> {
    let mut blob = 2_355_492u32.to_le_bytes().to_vec();
    blob.extend_from_slice(&(json.len() as u32).to_le_bytes());
    blob.extend_from_slice(json.as_bytes());
    blob
}

/// MRC header fields the tests set.
pub struct MrcSpec {
    pub nx: i32,
    pub ny: i32,
    pub nz: i32,
    pub mode: i32,
    pub big_endian: bool,
    pub cella: [f32; 3],
    pub ext: Vec<u8>,
    pub exttyp: [u8; 4],
    pub label: &'static str,
}

pub fn mrc_header(spec: &MrcSpec) -> Vec<u8> {
    let mut h = vec![0u8; 1024];
    let put_i = |h: &mut Vec<u8>, at: usize, v: i32| {
        let b = if spec.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        h[at..at + 4].copy_from_slice(&b);
    };
    let put_f = |h: &mut Vec<u8>, at: usize, v: f32| {
        let b = if spec.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        h[at..at + 4].copy_from_slice(&b);
    };
    put_i(&mut h, 0, spec.nx);
    put_i(&mut h, 4, spec.ny);
    put_i(&mut h, 8, spec.nz);
    put_i(&mut h, 12, spec.mode);
    put_i(&mut h, 28, spec.nx);
    put_i(&mut h, 32, spec.ny);
    put_i(&mut h, 36, spec.nz);
    for (i, v) in spec.cella.iter().enumerate() {
        put_f(&mut h, 40 + 4 * i, *v);
    }
    for (i, v) in [90.0f32; 3].iter().enumerate() {
        put_f(&mut h, 52 + 4 * i, *v);
    }
    put_i(&mut h, 64, 1);
    put_i(&mut h, 68, 2);
    put_i(&mut h, 72, 3);
    put_i(&mut h, 92, spec.ext.len() as i32);
    h[104..108].copy_from_slice(&spec.exttyp);
    put_i(&mut h, 108, 20140);
    h[208..212].copy_from_slice(b"MAP ");
    let stamp: [u8; 4] = if spec.big_endian {
        [0x11, 0x11, 0, 0]
    } else {
        [0x44, 0x44, 0, 0]
    };
    h[212..216].copy_from_slice(&stamp);
    put_i(&mut h, 220, 1);
    h[224..224 + spec.label.len()].copy_from_slice(spec.label.as_bytes());
    h.extend_from_slice(&spec.ext);
    h
}
