//! Plain multi-page TIFFs and ImageJ hyperstacks.

mod common;

use common::{Page, drain, le_bytes, plane, write_tiff};
use strata_frames::{Dims, Dtype, FrameError, FramesFormat, open};
use tiff::encoder::Rational;
use tiff::tags::Tag;

const W: usize = 7;
const H: usize = 5;

#[test]
fn plain_multipage_tiff_is_a_z_stack_with_page_tags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stack.tif");
    let pages: Vec<Page> = (0..4)
        .map(|z| {
            Page::new(W, H, plane(0, 0, 0, z, W, H))
                .tag(Tag::DateTime, format!("2024:01:02 03:04:0{z}"))
        })
        .collect();
    write_tiff(&path, &pages, None);

    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "tiff");
    assert_eq!(
        info.dims,
        Dims {
            t: 1,
            c: 1,
            z: 4,
            y: H,
            x: W
        }
    );
    assert_eq!(info.dtype, Dtype::U16);
    assert_eq!(info.channel_names, ["C0"]);
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), 4);
    for (z, f) in frames.iter().enumerate() {
        assert_eq!((f.position, f.t, f.c, f.z), (0, 0, 0, z));
        assert_eq!(f.pixels, le_bytes(&plane(0, 0, 0, z, W, H)));
        assert_eq!(f.metadata["page"], z);
        assert_eq!(
            f.metadata["tags"]["DateTime"],
            format!("2024:01:02 03:04:0{z}")
        );
    }
}

fn imagej_description(images: usize, c: usize, z: usize, t: usize, unit: &str) -> String {
    format!(
        "ImageJ=1.54f\nimages={images}\nchannels={c}\nslices={z}\nframes={t}\nhyperstack=true\nmode=grayscale\nunit={unit}\nspacing=1.5\nloop=false\n"
    )
}

/// Pages of an ImageJ hyperstack: c fastest, then z, then t.
fn imagej_pages(t: usize, c: usize, z: usize, description: &str) -> Vec<Page> {
    let mut pages = Vec::new();
    for ti in 0..t {
        for zi in 0..z {
            for ci in 0..c {
                let mut page = Page::new(W, H, plane(0, ti, ci, zi, W, H));
                if pages.is_empty() {
                    page = page.tag(Tag::ImageDescription, description);
                    // 2 pixels per unit: 0.5 unit pixels.
                    page.resolution = Some((Rational { n: 2, d: 1 }, Rational { n: 4, d: 1 }));
                }
                pages.push(page);
            }
        }
    }
    pages
}

#[test]
fn imagej_hyperstack_maps_pages_c_fastest_then_z_then_t() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hyper.tif");
    let (t, c, z) = (2, 3, 2);
    write_tiff(
        &path,
        &imagej_pages(t, c, z, &imagej_description(12, c, z, t, "micron")),
        None,
    );

    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "imagej");
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
    assert_eq!(info.pixel_size_um, Some([0.5, 0.25, 1.5]));
    assert_eq!(info.metadata["imagej"]["hyperstack"], true);
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), 12);
    let order: Vec<_> = frames.iter().map(|f| (f.t, f.c, f.z)).collect();
    assert_eq!(&order[..4], &[(0, 0, 0), (0, 1, 0), (0, 2, 0), (0, 0, 1)]);
    assert_eq!(order[6], (1, 0, 0));
    for f in &frames {
        assert_eq!(
            f.pixels,
            le_bytes(&plane(0, f.t, f.c, f.z, W, H)),
            "frame t={} c={} z={}",
            f.t,
            f.c,
            f.z
        );
    }
}

#[test]
fn imagej_units_are_converted_to_micrometres() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nm.tif");
    write_tiff(
        &path,
        &imagej_pages(1, 1, 2, &imagej_description(2, 1, 2, 1, "nm")),
        None,
    );
    let source = open(&path, FramesFormat::Tiff).unwrap();
    let [x, y, z] = source.info().pixel_size_um.unwrap();
    assert!(
        (x - 0.0005).abs() < 1e-12 && (y - 0.00025).abs() < 1e-12 && (z - 0.0015).abs() < 1e-12
    );
}

#[test]
fn imagej_claiming_more_or_fewer_images_than_pages_is_inconsistent_at_open() {
    let dir = tempfile::tempdir().unwrap();
    for (images, z) in [(6, 6), (3, 3)] {
        let path = dir.path().join(format!("lying{images}.tif"));
        // 4 pages on disk.
        let mut pages = imagej_pages(1, 1, 4, "");
        pages[0].tags = vec![(
            Tag::ImageDescription,
            imagej_description(images, 1, z, 1, "micron"),
        )];
        write_tiff(&path, &pages, None);
        let err = open(&path, FramesFormat::Auto)
            .err()
            .expect("a lying stack must not open");
        match &err {
            FrameError::Inconsistent {
                path: p,
                expected,
                found,
            } => {
                assert_eq!(p, &path);
                assert!(expected.contains(&format!("images={images}")), "{expected}");
                assert!(found.contains("4 pages"), "{found}");
            }
            other => panic!("expected Inconsistent, got {other:?}"),
        }
        assert!(err.to_string().contains(&format!("lying{images}.tif")));
    }
}

#[test]
fn pages_of_differing_sizes_are_inconsistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.tif");
    let pages = vec![
        Page::new(W, H, plane(0, 0, 0, 0, W, H)),
        Page::new(W - 1, H, plane(0, 0, 0, 1, W - 1, H)),
    ];
    write_tiff(&path, &pages, None);
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { found, .. } if found.contains("page 1 of 6×5")),
        "{err:?}"
    );
}

/// A little-endian TIFF with one IFD and `frames` frames back to back after
/// it, as ImageJ writes stacks over 4 GiB.
fn contiguous_imagej(frames_written: usize, images: usize) -> Vec<u8> {
    let desc = format!("ImageJ=1.54f\nimages={images}\nslices={images}\n\0");
    let entries: Vec<(u16, u16, u32, u32)> = vec![
        (256, 3, 1, W as u32),
        (257, 3, 1, H as u32),
        (258, 3, 1, 16),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (270, 2, desc.len() as u32, 0), // offset patched below
        (273, 4, 1, 0),                 // offset patched below
        (277, 3, 1, 1),
        (278, 3, 1, H as u32),
        (279, 4, 1, (W * H * 2) as u32),
    ];
    let ifd_len = 2 + entries.len() * 12 + 4;
    let desc_at = 8 + ifd_len as u32;
    let data_at = desc_at + desc.len() as u32;
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, count, value) in entries {
        let value = match tag {
            270 => desc_at,
            273 => data_at,
            _ => value,
        };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        if ty == 3 {
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(desc.as_bytes());
    for z in 0..frames_written {
        out.extend(le_bytes(&plane(0, 0, 0, z, W, H)));
    }
    out
}

#[test]
fn imagej_contiguous_stack_with_one_ifd_is_read_frame_by_frame() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.tif");
    std::fs::write(&path, contiguous_imagej(3, 3)).unwrap();
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    assert_eq!(source.info().dims.z, 3);
    let frames = drain(source.as_mut()).unwrap();
    for (z, f) in frames.iter().enumerate() {
        assert_eq!(f.z, z);
        assert_eq!(f.pixels, le_bytes(&plane(0, 0, 0, z, W, H)));
    }

    // The same layout claiming 5 images over 3 frames of data is caught at open.
    let lying = dir.path().join("short.tif");
    std::fs::write(&lying, contiguous_imagej(3, 5)).unwrap();
    let err = open(&lying, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { expected, .. } if expected.contains("images=5")),
        "{err:?}"
    );
}
