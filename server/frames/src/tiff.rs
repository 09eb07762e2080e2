//! Page-level access to a TIFF file: the chain of pages (IFDs) walked once at
//! open, then one page decoded at a time; and the plain multi-page reader.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ::tiff::ColorType;
use ::tiff::decoder::{Decoder, DecodingResult, Limits};
use ::tiff::tags::Tag;
use ::tiff::{TiffError, TiffFormatError};
use serde_json::{Map, Value, json};

use crate::convert::{decoded_to_le, swap_in_place};
use crate::stack::{PageMeta, Slot, TiffStack};
use crate::{Dims, Dtype, FrameError, StackInfo};

/// Tags kept as per-frame metadata when a page has them.
const FRAME_TAGS: &[(Tag, &str)] = &[
    (Tag::DateTime, "DateTime"),
    (Tag::Unknown(285), "PageName"),
    (Tag::Unknown(269), "DocumentName"),
    (Tag::Unknown(286), "XPosition"),
    (Tag::Unknown(287), "YPosition"),
];

/// What one page holds, as its directory says.
#[derive(Debug, Clone)]
pub(crate) struct PageShape {
    pub width: u32,
    pub height: u32,
    /// The page's pixel type, or why it is not one strata reads.
    pub dtype: Result<Dtype, String>,
}

pub(crate) type TiffDecoder = Decoder<BufReader<File>>;

/// An open TIFF file whose pages are known.
pub(crate) struct TiffPages {
    pub path: PathBuf,
    dec: TiffDecoder,
    pub shapes: Vec<PageShape>,
    /// What the first page says beyond its shape.
    pub first: FirstPage,
    /// Why the chain of pages ended before its last link (a directory that could not be read).
    pub broken: Option<String>,
    buf: DecodingResult,
}

impl TiffPages {
    /// Opens the file and walks its pages, calling `on_page` with each page loaded.
    pub fn open(
        path: &Path,
        mut on_page: impl FnMut(usize, &mut TiffDecoder) -> Result<(), FrameError>,
    ) -> Result<Self, FrameError> {
        let file = File::open(path).map_err(|source| FrameError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut limits = Limits::default();
        // One frame may be large (the memory bound is a frame); OME-XML may exceed 1 MiB.
        limits.decoding_buffer_size = 1 << 31;
        limits.intermediate_buffer_size = 1 << 30;
        limits.ifd_value_size = 64 << 20;
        let mut dec = Decoder::new(BufReader::new(file))
            .map_err(|e| tiff_error(path, "not a TIFF file or its first page cannot be read", e))?
            .with_limits(limits);
        let mut shapes = Vec::new();
        let mut broken = None;
        let first = FirstPage::read(&mut dec);
        loop {
            let index = shapes.len();
            shapes.push(page_shape(&mut dec));
            on_page(index, &mut dec)?;
            if !dec.more_images() {
                break;
            }
            if let Err(e) = dec.next_image() {
                broken = Some(format!(
                    "the directory of page {} cannot be read ({e})",
                    index + 1
                ));
                break;
            }
        }
        Ok(TiffPages {
            path: path.to_path_buf(),
            dec,
            shapes,
            first,
            broken,
            buf: DecodingResult::U8(Vec::new()),
        })
    }

    /// Moves to page `index`, so that its tags can be read.
    pub fn seek(&mut self, index: usize) -> Result<(), FrameError> {
        self.dec
            .seek_to_image(index)
            .map_err(|e| tiff_error(&self.path, &format!("page {index}"), e))
    }

    pub fn decoder(&mut self) -> &mut TiffDecoder {
        &mut self.dec
    }

    /// Decodes the current page as `dtype` pixels, little-endian.
    pub fn read_current(&mut self, index: usize, dtype: Dtype) -> Result<Vec<u8>, FrameError> {
        let context = format!("page {index}");
        let shape = self
            .shapes
            .get(index)
            .cloned()
            .ok_or_else(|| FrameError::Malformed {
                path: self.path.clone(),
                format: "TIFF",
                reason: format!("{context} does not exist"),
            })?;
        self.dec
            .read_image_to_buffer(&mut self.buf)
            .map_err(|e| tiff_error(&self.path, &context, e))?;
        let count = shape.width as usize * shape.height as usize;
        decoded_to_le(&self.buf, dtype, count).ok_or_else(|| FrameError::Malformed {
            path: self.path.clone(),
            format: "TIFF",
            reason: format!("{context} decodes to other pixels than {count} {dtype:?} samples"),
        })
    }

    /// Reads `len` bytes at `offset` (ImageJ's contiguous stacks), little-endian.
    pub fn read_raw(
        &mut self,
        offset: u64,
        len: usize,
        dtype: Dtype,
        context: &str,
    ) -> Result<Vec<u8>, FrameError> {
        let big_endian = matches!(self.dec.byte_order(), ::tiff::tags::ByteOrder::BigEndian);
        let path = self.path.clone();
        let inner = self.dec.inner();
        let mut out = vec![0u8; len];
        inner
            .seek(SeekFrom::Start(offset))
            .and_then(|_| inner.read_exact(&mut out))
            .map_err(|e| io_in_frame(&path, context, e))?;
        if big_endian {
            swap_in_place(&mut out, dtype.size());
        }
        Ok(out)
    }

    /// The current page's tags worth keeping per frame.
    pub fn frame_tags(&mut self) -> Map<String, Value> {
        let mut tags = Map::new();
        for &(tag, name) in FRAME_TAGS {
            if let Ok(Some(value)) = self.dec.find_tag(tag) {
                tags.insert(name.to_string(), value_to_json(value));
            }
        }
        tags
    }
}

/// The tags of the first page that readers look at.
#[derive(Debug, Clone, Default)]
pub(crate) struct FirstPage {
    pub description: Option<String>,
    pub software: Option<String>,
    /// Pixels per resolution unit.
    pub x_resolution: Option<f64>,
    pub y_resolution: Option<f64>,
    /// 1 none, 2 inch, 3 centimetre.
    pub resolution_unit: Option<u16>,
    pub compression: Option<u16>,
    pub strip_offsets: Vec<u64>,
    pub strip_byte_counts: Vec<u64>,
    /// MicroManager's per-image JSON (tag 51123).
    pub micromanager: Option<String>,
}

impl FirstPage {
    fn read(dec: &mut TiffDecoder) -> Self {
        let f64_tag = |dec: &mut TiffDecoder, tag| match dec.find_tag(tag) {
            Ok(Some(v)) => value_to_json(v)
                .as_f64()
                .filter(|x| x.is_finite() && *x > 0.0),
            _ => None,
        };
        let u64s = |dec: &mut TiffDecoder, tag| match dec.find_tag(tag) {
            Ok(Some(v)) => v.into_u64_vec().unwrap_or_default(),
            _ => Vec::new(),
        };
        FirstPage {
            description: ascii_tag(dec, Tag::ImageDescription),
            software: ascii_tag(dec, Tag::Software),
            x_resolution: f64_tag(dec, Tag::XResolution),
            y_resolution: f64_tag(dec, Tag::YResolution),
            resolution_unit: dec
                .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
                .ok()
                .flatten(),
            compression: dec
                .find_tag_unsigned::<u16>(Tag::Compression)
                .ok()
                .flatten(),
            strip_offsets: u64s(dec, Tag::StripOffsets),
            strip_byte_counts: u64s(dec, Tag::StripByteCounts),
            micromanager: ascii_tag(dec, Tag::Unknown(crate::micromanager::MM_TAG)),
        }
    }
}

/// A page's ASCII tag, if present and readable.
pub(crate) fn ascii_tag(dec: &mut TiffDecoder, tag: Tag) -> Option<String> {
    match dec.find_tag(tag) {
        Ok(Some(value)) => value.into_string().ok(),
        Ok(None) => None,
        // Not ASCII nor UTF-8 (Latin-1 µ …): the raw bytes, decoded leniently.
        Err(_) => {
            let mut ifd = dec.image_ifd();
            let count = usize::try_from(ifd.find_entry(tag)?.count())
                .ok()
                .filter(|&n| n <= 64 << 20)?;
            let mut buf = vec![0u8; count];
            ifd.find_tag_bytes(tag, &mut buf, 0).ok()??;
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            Some(
                buf[..end]
                    .iter()
                    .map(|&b| char::from(b))
                    .collect::<String>(),
            )
            .map(|latin1| {
                std::str::from_utf8(&buf[..end])
                    .map(str::to_string)
                    .unwrap_or(latin1)
            })
        }
    }
}

fn page_shape(dec: &mut TiffDecoder) -> PageShape {
    let (width, height) = dec.dimensions().unwrap_or((0, 0));
    PageShape {
        width,
        height,
        dtype: page_dtype(dec),
    }
}

fn page_dtype(dec: &mut TiffDecoder) -> Result<Dtype, String> {
    let colortype = dec.colortype().map_err(|e| e.to_string())?;
    let format = match dec.find_tag(Tag::SampleFormat) {
        Ok(Some(v)) => v
            .into_u16_vec()
            .ok()
            .and_then(|v| v.first().copied())
            .unwrap_or(1),
        _ => 1,
    };
    let ColorType::Gray(bits) = colortype else {
        return Err(format!(
            "{colortype:?} pixels (only single-sample grayscale pages are read)"
        ));
    };
    Ok(match (bits, format) {
        (8, 1) => Dtype::U8,
        (8, 2) => Dtype::I8,
        (16, 1) => Dtype::U16,
        (16, 2) => Dtype::I16,
        (32, 1) => Dtype::U32,
        (32, 2) => Dtype::I32,
        (32, 3) => Dtype::F32,
        (64, 3) => Dtype::F64,
        _ => {
            let kind = match format {
                1 => "unsigned integer",
                2 => "signed integer",
                3 => "floating point",
                _ => "undefined",
            };
            return Err(format!("{bits}-bit {kind} samples"));
        }
    })
}

fn value_to_json(value: ::tiff::decoder::ifd::Value) -> Value {
    use ::tiff::decoder::ifd::Value as V;
    match value {
        V::Ascii(s) => Value::String(s.trim_end_matches('\0').to_string()),
        V::Byte(v) => json!(v),
        V::Short(v) => json!(v),
        V::SignedByte(v) => json!(v),
        V::SignedShort(v) => json!(v),
        V::Signed(v) => json!(v),
        V::SignedBig(v) => json!(v),
        V::Unsigned(v) => json!(v),
        V::UnsignedBig(v) => json!(v),
        V::Float(v) => json!(v),
        V::Double(v) => json!(v),
        V::Rational(n, d) => json!(if d == 0 {
            None
        } else {
            Some(f64::from(n) / f64::from(d))
        }),
        V::SRational(n, d) => json!(if d == 0 {
            None
        } else {
            Some(f64::from(n) / f64::from(d))
        }),
        V::List(items) => Value::Array(items.into_iter().map(value_to_json).collect()),
        _ => Value::Null,
    }
}

/// A TIFF decoding error as a `FrameError`, `context` saying where.
pub(crate) fn tiff_error(path: &Path, context: &str, e: TiffError) -> FrameError {
    match e {
        TiffError::IoError(io) => io_in_frame(path, context, io),
        TiffError::UnsupportedError(u) => FrameError::Unsupported {
            path: path.to_path_buf(),
            reason: format!("{context}: {u}"),
        },
        TiffError::FormatError(TiffFormatError::TiffSignatureNotFound) => FrameError::Malformed {
            path: path.to_path_buf(),
            format: "TIFF",
            reason: "no TIFF signature (II*/MM*) at the start".into(),
        },
        other => FrameError::Malformed {
            path: path.to_path_buf(),
            format: "TIFF",
            reason: format!("{context}: {other}"),
        },
    }
}

/// An I/O error while reading pixels: an early end of file is a malformed
/// (truncated) file, named with the frame; anything else is the OS's error.
pub(crate) fn io_in_frame(path: &Path, context: &str, e: std::io::Error) -> FrameError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        FrameError::Malformed {
            path: path.to_path_buf(),
            format: "TIFF",
            reason: format!(
                "{context}: the file ends before the page's pixel data does (truncated?)"
            ),
        }
    } else {
        FrameError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// A stack's pixel type, width and height.
pub(crate) type Shape = (Dtype, u32, u32);

/// The dtype all of `pages` share, checking each is `width`×`height`.
pub(crate) fn common_shape(
    pages: &TiffPages,
    used: impl IntoIterator<Item = usize>,
    expect: Option<(u32, u32)>,
    declared_by: &str,
) -> Result<Shape, FrameError> {
    let path = || pages.path.clone();
    let mut first: Option<Shape> = None;
    for index in used {
        let shape = pages
            .shapes
            .get(index)
            .ok_or_else(|| FrameError::Inconsistent {
                path: path(),
                expected: format!("page {index} ({declared_by})"),
                found: format!("{} pages", pages.shapes.len()),
            })?;
        let dtype = shape
            .dtype
            .clone()
            .map_err(|reason| FrameError::Unsupported {
                path: path(),
                reason: format!("page {index}: {reason}"),
            })?;
        let (ew, eh) = match (expect, first) {
            (Some(e), _) => e,
            (None, Some((_, w, h))) => (w, h),
            (None, None) => (shape.width, shape.height),
        };
        if (shape.width, shape.height) != (ew, eh) {
            return Err(FrameError::Inconsistent {
                path: path(),
                expected: format!("{ew}×{eh} pixel pages ({declared_by})"),
                found: format!("page {index} of {}×{}", shape.width, shape.height),
            });
        }
        match first {
            Some((d, _, _)) if d != dtype => {
                return Err(FrameError::Inconsistent {
                    path: path(),
                    expected: format!("{d:?} pages like the first"),
                    found: format!("page {index} of {dtype:?}"),
                });
            }
            Some(_) => {}
            None => first = Some((dtype, shape.width, shape.height)),
        }
    }
    first.ok_or_else(|| FrameError::Malformed {
        path: path(),
        format: "TIFF",
        reason: "no pages".into(),
    })
}

/// A plain multi-page TIFF: every page a z section, t = c = 1.
pub(crate) fn open_plain(pages: TiffPages) -> Result<TiffStack, FrameError> {
    if let Some(broken) = &pages.broken {
        return Err(FrameError::Malformed {
            path: pages.path.clone(),
            format: "TIFF",
            reason: format!(
                "after {} readable pages, {broken} (truncated file?)",
                pages.shapes.len()
            ),
        });
    }
    let n = pages.shapes.len();
    let (dtype, w, h) = common_shape(&pages, 0..n, None, "the first page")?;
    let first = &pages.first;
    // Only centimetre resolutions are taken as a pixel size: inch ones are mostly 72 dpi defaults.
    let pixel_size_um = match (
        first.resolution_unit,
        first.x_resolution,
        first.y_resolution,
    ) {
        (Some(3), Some(xr), Some(yr)) => Some([1e4 / xr, 1e4 / yr, 1.0]),
        _ => None,
    };
    let info = StackInfo {
        format: "tiff".into(),
        dims: Dims {
            t: 1,
            c: 1,
            z: n,
            y: h as usize,
            x: w as usize,
        },
        dtype,
        positions: 1,
        channel_names: vec!["C0".into()],
        pixel_size_um,
        metadata: json!({ "pages": n, "software": first.software, "description": first.description }),
    };
    let slots = (0..n).map(|i| Slot::page(i, 0, 0, 0, i)).collect();
    Ok(TiffStack::new(pages, info, slots, PageMeta::Tags))
}
