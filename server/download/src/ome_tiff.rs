//! OME-TIFF output: one file per position, one gray page per plane in
//! `XYZCT` order (z fastest, then the selected channels, then t), the
//! OME-XML in the first page's ImageDescription with one `TiffData` per
//! plane. BigTIFF when the pixels would not fit a classic TIFF's 4 GiB.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use strata_frames::{Dims, Dtype};
use tiff::TiffResult;
use tiff::encoder::{TiffEncoder, TiffKind, colortype};
use tiff::tags::Tag;

use crate::error::DownloadError;

const OME_NS: &str = "http://www.openmicroscopy.org/Schemas/OME/2016-06";

/// Classic TIFF offsets are 32-bit; keep a margin for the directories.
const CLASSIC_LIMIT: u64 = (u32::MAX as u64) - (64 << 20);

/// What the OME-XML says of the image.
pub(crate) struct OmeImage<'a> {
    pub name: &'a str,
    /// The written stack (the selection), not the stored one.
    pub dims: Dims,
    pub dtype: Dtype,
    pub channel_names: &'a [String],
    /// Physical pixel size (x, y, z) in µm.
    pub pixel_size_um: Option<[f64; 3]>,
}

fn ome_type(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::U8 => "uint8",
        Dtype::I8 => "int8",
        Dtype::U16 => "uint16",
        Dtype::I16 => "int16",
        Dtype::U32 => "uint32",
        Dtype::I32 => "int32",
        Dtype::F32 => "float",
        Dtype::F64 => "double",
    }
}

/// XML-escaped, with anything outside ASCII as a character reference
/// (ImageDescription is a TIFF ASCII field).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            c if !c.is_ascii() => out.push_str(&format!("&#x{:X};", c as u32)),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The OME-XML of one image whose planes are the file's pages in `XYZCT` order.
pub(crate) fn ome_xml(image: &OmeImage) -> String {
    let d = image.dims;
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><OME xmlns="{OME_NS}" Creator="strata {}"><Image ID="Image:0" Name="{}"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="{}" SizeX="{}" SizeY="{}" SizeZ="{}" SizeC="{}" SizeT="{}" BigEndian="false""#,
        env!("CARGO_PKG_VERSION"),
        escape(image.name),
        ome_type(image.dtype),
        d.x,
        d.y,
        d.z,
        d.c,
        d.t,
    );
    // No `PhysicalSize*Unit`: the OME default is µm, and TIFF ASCII cannot carry `µ`.
    if let Some([x, y, z]) = image.pixel_size_um {
        xml.push_str(&format!(
            r#" PhysicalSizeX="{x}" PhysicalSizeY="{y}" PhysicalSizeZ="{z}""#
        ));
    }
    xml.push('>');
    for (c, name) in image.channel_names.iter().enumerate() {
        xml.push_str(&format!(
            r#"<Channel ID="Channel:0:{c}" Name="{}" SamplesPerPixel="1"/>"#,
            escape(name)
        ));
    }
    let mut ifd = 0;
    for t in 0..d.t {
        for c in 0..d.c {
            for z in 0..d.z {
                xml.push_str(&format!(
                    r#"<TiffData IFD="{ifd}" FirstT="{t}" FirstC="{c}" FirstZ="{z}" PlaneCount="1"/>"#
                ));
                ifd += 1;
            }
        }
    }
    xml.push_str("</Pixels></Image></OME>");
    xml
}

/// Writes `image` to `path`, one page per plane that `next_plane` yields
/// (little-endian pixels, in `XYZCT` order), until it yields `None`.
pub(crate) fn write(
    path: &Path,
    image: &OmeImage,
    mut next_plane: impl FnMut() -> Option<Result<Vec<u8>, DownloadError>>,
) -> Result<usize, DownloadError> {
    let xml = ome_xml(image);
    let d = image.dims;
    let file = File::create(path).map_err(|e| DownloadError::io(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let pixel_bytes = (d.t * d.c * d.z * d.y * d.x * image.dtype.size()) as u64;
    let planes = if pixel_bytes + xml.len() as u64 > CLASSIC_LIMIT {
        let encoder = TiffEncoder::new_big(&mut out).map_err(|e| tiff_error(path, e))?;
        pages(path, encoder, image, &xml, &mut next_plane)?
    } else {
        let encoder = TiffEncoder::new(&mut out).map_err(|e| tiff_error(path, e))?;
        pages(path, encoder, image, &xml, &mut next_plane)?
    };
    out.flush().map_err(|e| DownloadError::io(path, e))?;
    Ok(planes)
}

fn pages<W: Write + Seek, K: TiffKind>(
    path: &Path,
    mut encoder: TiffEncoder<W, K>,
    image: &OmeImage,
    xml: &str,
    next_plane: &mut impl FnMut() -> Option<Result<Vec<u8>, DownloadError>>,
) -> Result<usize, DownloadError> {
    let (w, h) = (image.dims.x as u32, image.dims.y as u32);
    let expected = image.dims.frames();
    let mut written = 0;
    while let Some(plane) = next_plane() {
        let plane = plane?;
        let description = (written == 0).then_some(xml);
        page(&mut encoder, image.dtype, w, h, &plane, description)
            .map_err(|e| tiff_error(path, e))?;
        written += 1;
    }
    if written != expected {
        return Err(DownloadError::Tiff {
            path: path.to_path_buf(),
            reason: format!("{written} planes written, the OME-XML declares {expected}"),
        });
    }
    Ok(written)
}

fn tiff_error(path: &Path, e: tiff::TiffError) -> DownloadError {
    match e {
        tiff::TiffError::IoError(source) => DownloadError::io(path, source),
        other => DownloadError::Tiff {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}

/// Little-endian bytes as samples of `N` bytes.
fn samples<T, const N: usize>(bytes: &[u8], from: fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|b| from(b.try_into().expect("N bytes")))
        .collect()
}

fn page<W: Write + Seek, K: TiffKind>(
    encoder: &mut TiffEncoder<W, K>,
    dtype: Dtype,
    w: u32,
    h: u32,
    pixels: &[u8],
    description: Option<&str>,
) -> TiffResult<()> {
    macro_rules! gray {
        ($color:ty, $data:expr) => {{
            let data = $data;
            let mut image = encoder.new_image::<$color>(w, h)?;
            if let Some(text) = description {
                image.encoder().write_tag(Tag::ImageDescription, text)?;
            }
            image.write_data(&data)
        }};
    }
    match dtype {
        Dtype::U8 => gray!(colortype::Gray8, pixels),
        Dtype::I8 => gray!(colortype::GrayI8, samples(pixels, i8::from_le_bytes)),
        Dtype::U16 => gray!(colortype::Gray16, samples(pixels, u16::from_le_bytes)),
        Dtype::I16 => gray!(colortype::GrayI16, samples(pixels, i16::from_le_bytes)),
        Dtype::U32 => gray!(colortype::Gray32, samples(pixels, u32::from_le_bytes)),
        Dtype::I32 => gray!(colortype::GrayI32, samples(pixels, i32::from_le_bytes)),
        Dtype::F32 => gray!(colortype::Gray32Float, samples(pixels, f32::from_le_bytes)),
        Dtype::F64 => gray!(colortype::Gray64Float, samples(pixels, f64::from_le_bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_declares_sizes_channels_and_one_tiffdata_per_plane() {
        let names = vec!["DAPI µ".to_owned(), "GFP <488>".to_owned()];
        let xml = ome_xml(&OmeImage {
            name: "ML-1 position 0",
            dims: Dims {
                t: 2,
                c: 2,
                z: 3,
                y: 4,
                x: 5,
            },
            dtype: Dtype::U16,
            channel_names: &names,
            pixel_size_um: Some([0.1, 0.1, 0.5]),
        });
        for needle in [
            r#"DimensionOrder="XYZCT""#,
            r#"Type="uint16""#,
            r#"SizeX="5" SizeY="4" SizeZ="3" SizeC="2" SizeT="2""#,
            r#"Name="GFP &lt;488&gt;""#,
            r#"Name="DAPI &#xB5;""#,
            r#"<TiffData IFD="11" FirstT="1" FirstC="1" FirstZ="2" PlaneCount="1"/>"#,
            r#"PhysicalSizeZ="0.5""#,
        ] {
            assert!(xml.contains(needle), "{needle} not in {xml}");
        }
        assert_eq!(xml.matches("<TiffData").count(), 12);
        assert!(xml.is_ascii());
    }
}
