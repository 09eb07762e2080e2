//! MicroManager: 1.4 folders with metadata.txt, and MMStack TIFFs with per-page JSON.

mod common;

use common::{Page, drain, le_bytes, mm_summary_blob, plane, write_tiff};
use serde_json::{Value, json};
use strata_frames::{Dims, Dtype, FrameError, FramesFormat, open};
use tiff::tags::Tag;

const W: usize = 5;
const H: usize = 3;
const MM_TAG: Tag = Tag::Unknown(51123);

fn summary(t: usize, c: usize, z: usize) -> Value {
    json!({
        "Frames": t, "Slices": z, "Channels": c, "Positions": 1,
        "ChNames": (["DAPI", "FITC", "Cy5"][..c]),
        "Width": W, "Height": H, "PixelType": "GRAY16",
        "PixelSize_um": 0.108, "z-step_um": 0.3,
        "MicroManagerVersion": "1.4.23", "Prefix": "run1",
    })
}

fn image_json(t: usize, c: usize, z: usize, file: &str) -> Value {
    json!({
        "FileName": file, "FrameIndex": t, "ChannelIndex": c, "SliceIndex": z, "PositionIndex": 0,
        "ElapsedTime-ms": t as f64 * 1000.0 + z as f64 * 20.0, "Exposure-ms": 10 + c * 5,
        "Channel": (["DAPI", "FITC", "Cy5"][c]), "Camera": "Andor",
    })
}

/// A MicroManager 1.4 folder: one TIFF per image and metadata.txt.
fn write_folder(dir: &std::path::Path, t: usize, c: usize, z: usize, summary: Value) {
    let mut meta = serde_json::Map::new();
    meta.insert("Summary".into(), summary);
    for ti in 0..t {
        for ci in 0..c {
            for zi in 0..z {
                let file = format!("img_{ti:09}_{ci}_{zi:03}.tif");
                write_tiff(
                    &dir.join(&file),
                    &[Page::new(W, H, plane(0, ti, ci, zi, W, H))],
                    None,
                );
                meta.insert(
                    format!("FrameKey-{ti}-{ci}-{zi}"),
                    image_json(ti, ci, zi, &file),
                );
            }
        }
    }
    std::fs::write(
        dir.join("metadata.txt"),
        serde_json::to_string_pretty(&meta).unwrap(),
    )
    .unwrap();
}

#[test]
fn micromanager_folder_reads_summary_and_per_image_json() {
    let dir = tempfile::tempdir().unwrap();
    let (t, c, z) = (2, 2, 3);
    write_folder(dir.path(), t, c, z, summary(t, c, z));

    let mut source = open(dir.path(), FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "micromanager");
    assert_eq!(
        info.dims,
        Dims {
            t,
            c,
            z,
            y: H,
            x: W
        }
    );
    assert_eq!(info.dtype, Dtype::U16);
    assert_eq!(info.channel_names, ["DAPI", "FITC"]);
    assert_eq!(info.pixel_size_um, Some([0.108, 0.108, 0.3]));
    assert_eq!(info.metadata["summary"]["MicroManagerVersion"], "1.4.23");
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), t * c * z);
    assert_eq!(
        (frames[1].t, frames[1].c, frames[1].z),
        (0, 1, 0),
        "c fastest, then z, then t"
    );
    for f in &frames {
        assert_eq!(f.pixels, le_bytes(&plane(0, f.t, f.c, f.z, W, H)));
        let file = format!("img_{:09}_{}_{:03}.tif", f.t, f.c, f.z);
        assert_eq!(f.metadata, image_json(f.t, f.c, f.z, &file));
    }

    // metadata.txt itself names the folder too.
    let source = open(&dir.path().join("metadata.txt"), FramesFormat::MicroManager).unwrap();
    assert_eq!(source.info().dims.frames(), 12);
}

#[test]
fn micromanager_folder_with_missing_images_is_inconsistent() {
    let dir = tempfile::tempdir().unwrap();
    // The summary says 3 time points; 2 were acquired.
    write_folder(dir.path(), 2, 1, 2, summary(3, 1, 2));
    let err = open(dir.path(), FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { path, found, .. } if path.ends_with("metadata.txt") && found.contains("FrameKey-2-0-0")),
        "{err:?}"
    );

    // An image file listed but gone.
    let dir = tempfile::tempdir().unwrap();
    write_folder(dir.path(), 1, 1, 2, summary(1, 1, 2));
    std::fs::remove_file(dir.path().join("img_000000000_0_001.tif")).unwrap();
    let err = open(dir.path(), FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { expected, .. } if expected.contains("img_000000000_0_001.tif")),
        "{err:?}"
    );
}

/// MMStack pages in acquisition order but with a scrambled z, each placed by its own JSON.
fn mmstack_pages(t: usize, c: usize, z: usize, first_description: Option<String>) -> Vec<Page> {
    let mut pages = Vec::new();
    for ti in 0..t {
        for zi in (0..z).rev() {
            for ci in 0..c {
                let mut page = Page::new(W, H, plane(0, ti, ci, zi, W, H)).tag(
                    MM_TAG,
                    image_json(ti, ci, zi, "run1_MMStack_Pos0.ome.tif").to_string(),
                );
                if let (true, Some(d)) = (pages.is_empty(), &first_description) {
                    page = page.tag(Tag::ImageDescription, d.clone());
                }
                pages.push(page);
            }
        }
    }
    pages
}

#[test]
fn mmstack_tiff_places_pages_by_their_json_and_reads_the_header_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run1_MMStack_Pos0.tif");
    let (t, c, z) = (2, 3, 2);
    let blob = mm_summary_blob(&summary(t, c, z).to_string());
    write_tiff(&path, &mmstack_pages(t, c, z, None), Some(&blob));

    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "micromanager");
    assert_eq!(
        info.dims,
        Dims {
            t,
            c,
            z,
            y: H,
            x: W
        }
    );
    assert_eq!(info.channel_names, ["DAPI", "FITC", "Cy5"]);
    assert_eq!(info.metadata["summary"]["Prefix"], "run1");
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), t * c * z);
    assert_eq!(
        frames[0].z, 1,
        "storage order is kept: z was written backwards"
    );
    for f in &frames {
        assert_eq!(f.pixels, le_bytes(&plane(0, f.t, f.c, f.z, W, H)));
        assert_eq!(
            f.metadata,
            image_json(f.t, f.c, f.z, "run1_MMStack_Pos0.ome.tif")
        );
    }
}

#[test]
fn mmstack_ome_tiff_takes_dims_from_ome_and_frame_metadata_from_page_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run1_MMStack_Pos0.ome.tif");
    let (t, c, z) = (1, 2, 2);
    // Pages are t, z(reversed), c: describe them with one TiffData per page.
    let mut tiff_data = String::new();
    let mut k = 0;
    for ti in 0..t {
        for zi in (0..z).rev() {
            for ci in 0..c {
                tiff_data += &format!(
                    r#"<TiffData IFD="{k}" FirstT="{ti}" FirstC="{ci}" FirstZ="{zi}" PlaneCount="1"/>"#
                );
                k += 1;
            }
        }
    }
    let xml = format!(
        r#"<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="{W}" SizeY="{H}" SizeZ="{z}" SizeC="{c}" SizeT="{t}" PhysicalSizeX="0.108" PhysicalSizeY="0.108"><Channel ID="Channel:0:0" Name="DAPI"/><Channel ID="Channel:0:1" Name="FITC"/>{tiff_data}</Pixels></Image></OME>"#
    );
    let blob = mm_summary_blob(&summary(t, c, z).to_string());
    write_tiff(&path, &mmstack_pages(t, c, z, Some(xml)), Some(&blob));

    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "micromanager");
    assert_eq!(
        info.dims,
        Dims {
            t,
            c,
            z,
            y: H,
            x: W
        }
    );
    assert_eq!(info.channel_names, ["DAPI", "FITC"]);
    assert_eq!(info.metadata["summary"]["Frames"], 1);
    for f in drain(source.as_mut()).unwrap() {
        assert_eq!(f.pixels, le_bytes(&plane(0, f.t, f.c, f.z, W, H)));
        assert_eq!(f.metadata["ChannelIndex"], f.c);
        assert_eq!(f.metadata["SliceIndex"], f.z);
    }
}

#[test]
fn mmstack_summary_claiming_more_images_than_pages_is_inconsistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short_MMStack_Pos0.tif");
    let blob = mm_summary_blob(&summary(5, 1, 2).to_string());
    write_tiff(&path, &mmstack_pages(2, 1, 2, None), Some(&blob));
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { found, .. } if found.contains("4 pages")),
        "{err:?}"
    );
}

#[test]
fn mmstack_without_summary_falls_back_to_the_imagej_description_keeping_page_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old_MMStack.tif");
    // ImageJ order (c fastest, then z) with the per-image JSON on every page.
    let (c, z) = (2, 2);
    let mut pages = Vec::new();
    for zi in 0..z {
        for ci in 0..c {
            let mut page = Page::new(W, H, plane(0, 0, ci, zi, W, H))
                .tag(MM_TAG, image_json(0, ci, zi, "old_MMStack.tif").to_string());
            if pages.is_empty() {
                page = page.tag(
                    Tag::ImageDescription,
                    "ImageJ=1.47\nimages=4\nchannels=2\nslices=2\nhyperstack=true\n",
                );
            }
            pages.push(page);
        }
    }
    write_tiff(&path, &pages, None);
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    assert_eq!(source.info().format, "micromanager");
    assert_eq!(
        source.info().dims,
        Dims {
            t: 1,
            c,
            z,
            y: H,
            x: W
        }
    );
    for f in drain(source.as_mut()).unwrap() {
        assert_eq!(f.pixels, le_bytes(&plane(0, 0, f.c, f.z, W, H)));
        assert_eq!(f.metadata, image_json(0, f.c, f.z, "old_MMStack.tif"));
    }
}
