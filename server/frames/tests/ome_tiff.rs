//! OME-TIFF: DimensionOrder, TiffData mapping, Plane metadata, positions, units.

mod common;

use common::{Page, drain, le_bytes, plane, write_tiff};
use strata_frames::{Dims, Dtype, FrameError, FramesFormat, open};
use tiff::tags::Tag;

const W: usize = 6;
const H: usize = 4;
const NS: &str = "http://www.openmicroscopy.org/Schemas/OME/2016-06";

/// (t, c, z) of plane `k` in `order` (e.g. "XYCZT").
fn coords(order: &str, k: usize, t: usize, c: usize, z: usize) -> (usize, usize, usize) {
    let (mut ct, mut cc, mut cz) = (0, 0, 0);
    let mut rest = k;
    for axis in order[2..].chars() {
        let (n, v) = match axis {
            'Z' => (z, &mut cz),
            'C' => (c, &mut cc),
            _ => (t, &mut ct),
        };
        *v = rest % n;
        rest /= n;
    }
    (ct, cc, cz)
}

struct Spec {
    order: &'static str,
    t: usize,
    c: usize,
    z: usize,
    positions: usize,
    size_x: usize,
    size_z_declared: usize,
}

fn ome_xml(s: &Spec, tiff_data: impl Fn(usize) -> String) -> String {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><OME xmlns="{NS}" Creator="strata tests">"#
    );
    for p in 0..s.positions {
        xml += &format!(
            r#"<Image ID="Image:{p}" Name="pos{p}"><AcquisitionDate>2024-05-0{}T10:00:00</AcquisitionDate><Pixels ID="Pixels:{p}" DimensionOrder="{}" Type="uint16" SizeX="{}" SizeY="{H}" SizeZ="{}" SizeC="{}" SizeT="{}" PhysicalSizeX="650" PhysicalSizeXUnit="nm" PhysicalSizeY="0.65" PhysicalSizeZ="2" PhysicalSizeZUnit="&#181;m">"#,
            p + 1,
            s.order,
            s.size_x,
            s.size_z_declared,
            s.c,
            s.t
        );
        for c in 0..s.c {
            xml += &format!(r#"<Channel ID="Channel:{p}:{c}" Name="ch{c}" SamplesPerPixel="1"/>"#);
        }
        xml += &tiff_data(p);
        for t in 0..s.t {
            for c in 0..s.c {
                for z in 0..s.z {
                    xml += &format!(
                        r#"<Plane TheT="{t}" TheC="{c}" TheZ="{z}" DeltaT="{}" DeltaTUnit="s" ExposureTime="{}" PositionX="{}"/>"#,
                        t as f64 * 30.0 + z as f64 * 0.5,
                        10 + c * 5,
                        p as f64 * 100.0
                    );
                }
            }
        }
        xml += "</Pixels></Image>";
    }
    xml + "</OME>"
}

/// Pages in storage order: position-major, planes in `order` within each.
fn pages(s: &Spec, xml: &str) -> Vec<Page> {
    let mut pages = Vec::new();
    for p in 0..s.positions {
        for k in 0..s.t * s.c * s.z {
            let (t, c, z) = coords(s.order, k, s.t, s.c, s.z);
            let mut page = Page::new(W, H, plane(p, t, c, z, W, H));
            if pages.is_empty() {
                page = page.tag(Tag::ImageDescription, xml);
            }
            pages.push(page);
        }
    }
    pages
}

fn spec(order: &'static str) -> Spec {
    Spec {
        order,
        t: 2,
        c: 2,
        z: 3,
        positions: 2,
        size_x: W,
        size_z_declared: 3,
    }
}

#[test]
fn ome_tiff_positions_channels_order_units_and_plane_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.ome.tif");
    let s = spec("XYCZT");
    let n = s.t * s.c * s.z;
    let xml = ome_xml(&s, |p| {
        format!(
            r#"<TiffData IFD="{}" PlaneCount="{n}"><UUID FileName="two.ome.tif">urn:uuid:1</UUID></TiffData>"#,
            p * n
        )
    });
    write_tiff(&path, &pages(&s, &xml), None);

    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "ome-tiff");
    assert_eq!(
        info.dims,
        Dims {
            t: 2,
            c: 2,
            z: 3,
            y: H,
            x: W
        }
    );
    assert_eq!(info.dtype, Dtype::U16);
    assert_eq!(info.positions, 2);
    assert_eq!(info.channel_names, ["ch0", "ch1"]);
    let [x, y, z] = info.pixel_size_um.unwrap();
    assert!((x - 0.65).abs() < 1e-9 && (y - 0.65).abs() < 1e-9 && (z - 2.0).abs() < 1e-9);
    assert_eq!(info.metadata["ome"]["images"][1]["Name"], "pos1");
    assert_eq!(
        info.metadata["ome"]["images"][1]["AcquisitionDate"],
        "2024-05-02T10:00:00"
    );

    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), 2 * n);
    // Storage order: XYCZT = c fastest, then z, then t; positions in sequence.
    assert_eq!((frames[1].t, frames[1].c, frames[1].z), (0, 1, 0));
    assert_eq!((frames[2].t, frames[2].c, frames[2].z), (0, 0, 1));
    assert_eq!(frames[n].position, 1);
    for f in &frames {
        assert_eq!(f.pixels, le_bytes(&plane(f.position, f.t, f.c, f.z, W, H)));
        let plane_meta = &f.metadata["plane"];
        assert_eq!(plane_meta["DeltaT"], f.t as f64 * 30.0 + f.z as f64 * 0.5);
        assert_eq!(plane_meta["ExposureTime"], (10 + f.c * 5) as f64);
        assert_eq!(plane_meta["PositionX"], f.position as f64 * 100.0);
    }
}

#[test]
fn ome_tiff_per_plane_tiffdata_in_any_order_places_each_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xyzct.ome.tif");
    let s = Spec {
        positions: 1,
        ..spec("XYZCT")
    };
    let n = s.t * s.c * s.z;
    // One TiffData per plane, listed backwards, each naming its page and (t, c, z).
    let xml = ome_xml(&s, |_| {
        (0..n)
            .rev()
            .map(|k| {
                let (t, c, z) = coords("XYZCT", k, s.t, s.c, s.z);
                format!(
                    r#"<TiffData IFD="{k}" FirstT="{t}" FirstC="{c}" FirstZ="{z}" PlaneCount="1"/>"#
                )
            })
            .collect()
    });
    write_tiff(&path, &pages(&s, &xml), None);
    let mut source = open(&path, FramesFormat::OmeTiff).unwrap();
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), n);
    // z fastest in storage.
    assert_eq!((frames[1].t, frames[1].c, frames[1].z), (0, 0, 1));
    assert_eq!((frames[3].t, frames[3].c, frames[3].z), (0, 1, 0));
    for (k, f) in frames.iter().enumerate() {
        assert_eq!(f.metadata["page"], k);
        assert_eq!(f.pixels, le_bytes(&plane(0, f.t, f.c, f.z, W, H)));
    }
}

#[test]
fn ome_tiff_declaring_other_plane_counts_or_sizes_is_inconsistent() {
    let dir = tempfile::tempdir().unwrap();
    // More z planes declared than pages hold.
    let s = Spec {
        positions: 1,
        ..spec("XYZCT")
    };
    let more = Spec {
        size_z_declared: 4,
        positions: 1,
        ..spec("XYZCT")
    };
    let path = dir.path().join("more.ome.tif");
    write_tiff(
        &path,
        &pages(&s, &ome_xml(&more, |_| r#"<TiffData/>"#.into())),
        None,
    );
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(matches!(err, FrameError::Inconsistent { .. }), "{err:?}");
    assert!(err.to_string().contains("more.ome.tif"));

    // Fewer planes declared than pages present.
    let fewer = Spec {
        size_z_declared: 2,
        z: 2,
        positions: 1,
        ..spec("XYZCT")
    };
    let path = dir.path().join("fewer.ome.tif");
    write_tiff(
        &path,
        &pages(&s, &ome_xml(&fewer, |_| r#"<TiffData/>"#.into())),
        None,
    );
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { found, .. } if found.contains("12 pages")),
        "{err:?}"
    );

    // SizeX other than the pages' width.
    let wide = Spec {
        size_x: W + 2,
        positions: 1,
        ..spec("XYZCT")
    };
    let path = dir.path().join("wide.ome.tif");
    write_tiff(
        &path,
        &pages(&s, &ome_xml(&wide, |_| r#"<TiffData/>"#.into())),
        None,
    );
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { expected, .. } if expected.contains("8×4")),
        "{err:?}"
    );
}

#[test]
fn multi_file_ome_tiff_is_refused_as_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let s = Spec {
        positions: 1,
        ..spec("XYZCT")
    };
    let path = dir.path().join("part0.ome.tif");
    let xml = ome_xml(&s, |_| {
        r#"<TiffData IFD="0" PlaneCount="12"><UUID FileName="part1.ome.tif">urn:uuid:2</UUID></TiffData>"#.into()
    });
    write_tiff(&path, &pages(&s, &xml), None);
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Unsupported { reason, .. } if reason.contains("part1.ome.tif")),
        "{err:?}"
    );
}
