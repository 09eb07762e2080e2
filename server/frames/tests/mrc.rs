//! MRC2014: modes, byte order, pixel size, extended header, lying headers.

mod common;

use common::{MrcSpec, drain, mrc_header, value};
use strata_frames::{Dims, Dtype, FrameError, FramesFormat, open};

const NX: usize = 6;
const NY: usize = 4;
const NZ: usize = 3;

fn spec(mode: i32, big_endian: bool) -> MrcSpec {
    MrcSpec {
        nx: NX as i32,
        ny: NY as i32,
        nz: NZ as i32,
        mode,
        big_endian,
        cella: [NX as f32 * 1.5, NY as f32 * 1.5, NZ as f32 * 3.0],
        ext: Vec::new(),
        exttyp: *b"\0\0\0\0",
        label: "strata test map",
    }
}

fn sample(z: usize, y: usize, x: usize) -> i16 {
    value(0, 0, 0, z, y, x) as i16 - 3000
}

#[test]
fn mrc_int16_little_endian_with_fei_extended_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tilt.mrc");
    let mut s = spec(1, false);
    s.exttyp = *b"FEI1";
    // One 16-byte block per section: size, version, then a per-section value.
    for z in 0..NZ {
        s.ext.extend_from_slice(&16i32.to_le_bytes());
        s.ext.extend_from_slice(&2i32.to_le_bytes());
        s.ext.extend_from_slice(&(z as f64 * 10.0).to_le_bytes());
    }
    let mut bytes = mrc_header(&s);
    for z in 0..NZ {
        for y in 0..NY {
            for x in 0..NX {
                bytes.extend_from_slice(&sample(z, y, x).to_le_bytes());
            }
        }
    }
    std::fs::write(&path, bytes).unwrap();

    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    assert_eq!(info.format, "mrc");
    assert_eq!(
        info.dims,
        Dims {
            t: 1,
            c: 1,
            z: NZ,
            y: NY,
            x: NX
        }
    );
    assert_eq!(info.dtype, Dtype::I16);
    let [px, py, pz] = info.pixel_size_um.unwrap();
    assert!(
        (px - 1.5e-4).abs() < 1e-12 && (py - 1.5e-4).abs() < 1e-12 && (pz - 3e-4).abs() < 1e-12
    );
    assert_eq!(info.metadata["mrc"]["labels"][0], "strata test map");
    assert_eq!(info.metadata["mrc"]["exttyp"], "FEI1");
    assert_eq!(info.metadata["mrc"]["byte_order"], "little");
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), NZ);
    for (z, f) in frames.iter().enumerate() {
        assert_eq!(f.z, z);
        let expect: Vec<u8> = (0..NY)
            .flat_map(|y| (0..NX).flat_map(move |x| sample(z, y, x).to_le_bytes()))
            .collect();
        assert_eq!(f.pixels, expect);
        let ext = &f.metadata["extended_header"];
        assert_eq!(ext["type"], "FEI1");
        assert_eq!(ext["version"], 2);
        assert_eq!(ext["bytes"], 16);
        let block = hex::decode(ext["hex"].as_str().unwrap()).unwrap();
        assert_eq!(
            f64::from_le_bytes(block[8..16].try_into().unwrap()),
            z as f64 * 10.0
        );
    }
}

#[test]
fn mrc_float32_big_endian_is_converted_to_little_endian() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.map");
    let mut bytes = mrc_header(&spec(2, true));
    let f = |z: usize, y: usize, x: usize| value(0, 0, 0, z, y, x) as f32 * 0.25 - 7.0;
    for z in 0..NZ {
        for y in 0..NY {
            for x in 0..NX {
                bytes.extend_from_slice(&f(z, y, x).to_be_bytes());
            }
        }
    }
    std::fs::write(&path, bytes).unwrap();
    let mut source = open(&path, FramesFormat::Mrc).unwrap();
    assert_eq!(source.info().dtype, Dtype::F32);
    assert_eq!(source.info().metadata["mrc"]["byte_order"], "big");
    for frame in drain(source.as_mut()).unwrap() {
        let expect: Vec<u8> = (0..NY)
            .flat_map(|y| (0..NX).flat_map(move |x| f(frame.z, y, x).to_le_bytes()))
            .collect();
        assert_eq!(frame.pixels, expect);
    }
}

#[test]
fn mrc_mode_12_half_floats_read_as_float32_and_mode_6_as_uint16() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("half.mrcs");
    let mut bytes = mrc_header(&spec(12, false));
    // 1.0, -2.0, 0.5, 65504 cycling.
    let halves = [
        (0x3c00u16, 1.0f32),
        (0xc000, -2.0),
        (0x3800, 0.5),
        (0x7bff, 65504.0),
    ];
    for i in 0..NX * NY * NZ {
        bytes.extend_from_slice(&halves[i % 4].0.to_le_bytes());
    }
    std::fs::write(&path, bytes).unwrap();
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    assert_eq!(source.info().dtype, Dtype::F32);
    let frames = drain(source.as_mut()).unwrap();
    let first: Vec<f32> = frames[0]
        .pixels
        .chunks(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(&first[..4], &[1.0, -2.0, 0.5, 65504.0]);

    let path = dir.path().join("u16.mrc");
    let mut bytes = mrc_header(&spec(6, false));
    bytes.extend((0..NX * NY * NZ).flat_map(|i| (60000 + i as u16).to_le_bytes()));
    std::fs::write(&path, bytes).unwrap();
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    assert_eq!(source.info().dtype, Dtype::U16);
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(&frames[2].pixels[..2], &(60000u16 + 48).to_le_bytes());
}

#[test]
fn mrc_header_claiming_more_data_than_the_file_holds_is_inconsistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.mrc");
    let mut bytes = mrc_header(&spec(1, false));
    bytes.extend(vec![0u8; NX * NY * 2 * (NZ - 1)]); // one section short
    std::fs::write(&path, bytes).unwrap();
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { expected, found, .. } if expected.contains("6×4×3") && found.contains("bytes")),
        "{err:?}"
    );
    assert!(err.to_string().contains("short.mrc"));
}

#[test]
fn mrc_complex_and_unknown_modes_are_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [3, 4, 101, 99] {
        let path = dir.path().join(format!("mode{mode}.mrc"));
        let mut bytes = mrc_header(&spec(mode, false));
        bytes.extend(vec![0u8; NX * NY * NZ * 8]);
        std::fs::write(&path, bytes).unwrap();
        let err = open(&path, FramesFormat::Auto).err().unwrap();
        assert!(
            matches!(&err, FrameError::Unsupported { reason, .. } if reason.contains(&format!("mode {mode}"))),
            "{err:?}"
        );
    }
}
