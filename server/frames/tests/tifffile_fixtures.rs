//! Files written by tifffile (tests/fixtures/make_fixtures.py), as the field writes them.

mod common;

use std::path::PathBuf;

use common::{drain, le_bytes, plane};
use strata_frames::{Dims, FramesFormat, open};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn tifffile_imagej_hyperstack() {
    let mut source = open(&fixture("tifffile_imagej.tif"), FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "imagej");
    assert_eq!(
        info.dims,
        Dims {
            t: 2,
            c: 2,
            z: 3,
            y: 5,
            x: 7
        }
    );
    assert_eq!(info.pixel_size_um, Some([0.25, 0.25, 0.5]));
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), 12);
    assert_eq!((frames[1].t, frames[1].c, frames[1].z), (0, 1, 0));
    for f in &frames {
        assert_eq!(
            f.pixels,
            le_bytes(&plane(0, f.t, f.c, f.z, 7, 5)),
            "t={} c={} z={}",
            f.t,
            f.c,
            f.z
        );
    }
}

#[test]
fn tifffile_ome_tiff_with_two_series() {
    let mut source = open(&fixture("tifffile_ome.ome.tif"), FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "ome-tiff");
    assert_eq!(
        info.dims,
        Dims {
            t: 2,
            c: 3,
            z: 2,
            y: 5,
            x: 7
        }
    );
    assert_eq!(info.positions, 2);
    assert_eq!(info.channel_names, ["DAPI", "GFP", "RFP"]);
    assert_eq!(info.pixel_size_um, Some([0.2, 0.2, 1.0]));
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), 24);
    for f in &frames {
        assert_eq!(f.pixels, le_bytes(&plane(f.position, f.t, f.c, f.z, 7, 5)));
        assert_eq!(f.metadata["plane"]["DeltaT"], f.t as f64 * 10.0);
        assert_eq!(f.metadata["plane"]["ExposureTime"], 5.0 + f.c as f64);
    }
    assert_eq!(frames[12].position, 1);
}
