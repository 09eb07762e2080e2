//! Frames out of a fetched image: read the selection, check every frame
//! against the catalog's digest, write it as OME-TIFF or OME-Zarr.
//!
//! Reading and encoding block (zarrs and the TIFF encoder, on rayon):
//! [`deliver`] runs on a blocking thread.

use std::path::Path;

use strata_frames::{Dims, Frame, StackInfo};
use strata_zarr::{ImageReader, ImageWriter, WriterOptions, ZarrError, frame_sha256};

use crate::error::DownloadError;
use crate::fetch::FetchedImage;
use crate::metadata::output_name;
use crate::ome_tiff::{self, OmeImage};
use crate::options::OutputFormat;
use crate::plan::PositionPlan;

/// Checks a read frame against the catalog's digest of it.
fn check(
    identifier: &str,
    plan: &PositionPlan,
    image: &FetchedImage,
    frame: &Frame,
) -> Result<(), DownloadError> {
    let (t, c, z) = (frame.t, frame.c, frame.z);
    let expected = plan
        .rows
        .get(&(t, c, z))
        .map(|r| r.sha256.to_ascii_lowercase())
        .unwrap_or_default();
    let actual = frame_sha256(&frame.pixels);
    if actual != expected {
        return Err(DownloadError::Integrity {
            identifier: identifier.to_owned(),
            position: plan.position(),
            t,
            c,
            z,
            key: image.keys_of_plane(t, c, z),
            expected,
            actual,
        });
    }
    Ok(())
}

/// Writes the selected frames of `plan` from the fetched `image` into
/// `out_dir`; returns how many frames were delivered.
pub(crate) fn deliver(
    identifier: &str,
    plan: &PositionPlan,
    image: &FetchedImage,
    out_dir: &Path,
    format: OutputFormat,
    verify: bool,
) -> Result<usize, DownloadError> {
    let position = plan.position();
    let zarr = |source: ZarrError| DownloadError::Zarr {
        identifier: identifier.to_owned(),
        position,
        source,
    };
    let reader = ImageReader::open(&image.dir).map_err(zarr)?;
    if reader.dtype() != plan.dtype || reader.position() as i64 != position as i64 {
        return Err(DownloadError::inconsistent(
            identifier,
            format!(
                "the stored image of position {position} holds position {} of {:?}, the catalog records {:?}",
                reader.position(),
                reader.dtype(),
                plan.dtype
            ),
        ));
    }
    let mut frames = reader.read_frames(&plan.selection, 0).map_err(zarr)?;
    let s = &plan.selection;
    let dims = Dims {
        t: s.t.len(),
        c: s.c.len(),
        z: s.z.len(),
        y: plan.dims.y,
        x: plan.dims.x,
    };
    let names = plan.selected_channel_names();
    let out = out_dir.join(output_name(position, format));
    let mut next = || -> Option<Result<Frame, DownloadError>> {
        let frame = frames.next()?;
        Some(frame.map_err(zarr).and_then(|f| {
            if verify {
                check(identifier, plan, image, &f)?;
            }
            Ok(f)
        }))
    };
    match format {
        OutputFormat::OmeTiff => {
            let name = format!("{identifier} position {position}");
            let ome = OmeImage {
                name: &name,
                dims,
                dtype: plan.dtype,
                channel_names: &names,
                pixel_size_um: plan.pixel_size_um(),
            };
            ome_tiff::write(&out, &ome, || next().map(|f| f.map(|f| f.pixels)))
        }
        OutputFormat::Zarr => {
            let source = &plan.set.metadata;
            let info = StackInfo {
                format: source["format"].as_str().unwrap_or("strata").to_owned(),
                dims,
                dtype: plan.dtype,
                positions: usize::try_from(position).unwrap_or(0) + 1,
                channel_names: names,
                pixel_size_um: plan.pixel_size_um(),
                metadata: source.get("source").cloned().unwrap_or_default(),
            };
            let p = usize::try_from(position).unwrap_or(0);
            let mut writer =
                ImageWriter::create(&out, &info, p, WriterOptions::default()).map_err(zarr)?;
            let mut count = 0;
            while let Some(frame) = next() {
                let f = frame?;
                let c =
                    s.c.iter()
                        .position(|&c| c == f.c)
                        .expect("a selected channel");
                let renumbered = Frame {
                    position: p,
                    t: f.t - s.t.start,
                    c,
                    z: f.z - s.z.start,
                    pixels: f.pixels,
                    metadata: serde_json::Value::Null,
                };
                writer.write_frame(&renumbered).map_err(zarr)?;
                count += 1;
            }
            writer.finish().map_err(zarr)?;
            Ok(count)
        }
    }
}
