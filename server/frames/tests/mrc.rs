//! MRC2014: modes, byte order, pixel size, extended header, lying headers, SerialEM .mdoc.

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

/// An int16 tilt series of NZ sections at `path`.
fn write_tilt_series(path: &std::path::Path) {
    let mut bytes = mrc_header(&spec(1, false));
    for z in 0..NZ {
        for y in 0..NY {
            for x in 0..NX {
                bytes.extend_from_slice(&sample(z, y, x).to_le_bytes());
            }
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// What SerialEM writes beside a tilt series (CRLF, as on its Windows hosts),
/// with sections out of order and an irregular `=`.
const TILT_MDOC: &str = "PixelSpacing = 1.35\r\n\
Voltage = 300\r\n\
ImageFile = TS_01.mrc\r\n\
ImageSize = 6 4\r\n\
DataMode = 1\r\n\
\r\n\
[T = SerialEM: Digitized on EMBL Krios    21-Nov-26  10:11:12    ]\r\n\
\r\n\
[T =     Tilt axis angle = 85.3, binning = 1  spot = 8  camera = 0]\r\n\
\r\n\
[ZValue = 1]\r\n\
TiltAngle = -0.00\r\n\
StagePosition = 12.3 -45.6\r\n\
StageZ = 1.2\r\n\
Magnification = 64000\r\n\
ExposureDose = 3.1\r\n\
DateTime = 21-Nov-26  10:11:12\r\n\
SubFramePath = X:\\frames\\TS_01_001_0.0.tif\r\n\
\r\n\
[ZValue = 0]\r\n\
TiltAngle=-3.00\r\n\
ExposureDose = 3.0\r\n\
\r\n\
[ZValue = 2]\r\n\
TiltAngle   =   3.00\r\n\
ExposureDose = 3.2\r\n";

#[test]
fn mrc_tilt_series_reads_its_serialem_mdoc() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("TS_01.mrc");
    write_tilt_series(&path);
    std::fs::write(dir.path().join("TS_01.mrc.mdoc"), TILT_MDOC).unwrap();

    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let meta = source.info().metadata.clone();
    assert_eq!(meta["mrc"]["nz"], NZ);
    assert_eq!(meta.pointer("/mdoc/Voltage"), Some(&300.into()));
    assert_eq!(meta.pointer("/mdoc/PixelSpacing").unwrap(), 1.35);
    assert_eq!(meta["mdoc"]["ImageSize"], serde_json::json!([6, 4]));
    assert_eq!(meta["mdoc"]["ImageFile"], "TS_01.mrc");
    let titles = meta["mdoc"]["titles"].as_array().unwrap();
    assert_eq!(titles.len(), 2);
    assert_eq!(
        titles[0],
        "SerialEM: Digitized on EMBL Krios    21-Nov-26  10:11:12"
    );
    assert!(
        titles[1]
            .as_str()
            .unwrap()
            .starts_with("Tilt axis angle = 85.3")
    );

    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(frames.len(), NZ);
    for (f, (tilt, dose)) in frames.iter().zip([(-3.0, 3.0), (0.0, 3.1), (3.0, 3.2)]) {
        assert_eq!(f.metadata["section"], f.z);
        let m = &f.metadata["mdoc"];
        assert_eq!(m["TiltAngle"].as_f64(), Some(tilt), "z={}", f.z);
        assert_eq!(m["ExposureDose"].as_f64(), Some(dose), "z={}", f.z);
    }
    let m = &frames[1].metadata["mdoc"];
    assert_eq!(m["StagePosition"], serde_json::json!([12.3, -45.6]));
    assert_eq!(m["Magnification"], 64000);
    assert_eq!(m["DateTime"], "21-Nov-26  10:11:12");
    assert_eq!(m["SubFramePath"], "X:\\frames\\TS_01_001_0.0.tif");
}

#[test]
fn mrc_mdoc_named_by_stem_and_missing_sections_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("TS_02.st");
    write_tilt_series(&path);
    std::fs::write(
        dir.path().join("TS_02.mdoc"),
        "Voltage = 200\n[ZValue = 2]\nTiltAngle = 60\n[MontSection = 0]\nPieceCoordinates = 0 0 0\n",
    )
    .unwrap();
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    assert_eq!(source.info().metadata["mdoc"]["Voltage"], 200);
    assert_eq!(
        source.info().metadata["mdoc"]["titles"],
        serde_json::json!([])
    );
    let frames = drain(source.as_mut()).unwrap();
    assert!(frames[0].metadata.get("mdoc").is_none());
    assert!(frames[1].metadata.get("mdoc").is_none());
    assert_eq!(frames[2].metadata.pointer("/mdoc/TiltAngle").unwrap(), 60);
}

#[test]
fn mrc_mdoc_with_a_section_past_the_stack_is_inconsistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("TS_03.mrc");
    write_tilt_series(&path);
    let lying = format!("{TILT_MDOC}\r\n[ZValue = 7]\r\nTiltAngle = 21.00\r\n");
    std::fs::write(dir.path().join("TS_03.mrc.mdoc"), lying).unwrap();
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Inconsistent { path, expected, found }
            if path.ends_with("TS_03.mrc.mdoc") && expected.contains("ZValue = 7") && found.contains("3 sections")),
        "{err:?}"
    );
}

#[test]
fn mrc_mdoc_with_a_malformed_line_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("TS_04.mrc");
    write_tilt_series(&path);
    std::fs::write(
        dir.path().join("TS_04.mdoc"),
        "Voltage = 300\n\n[ZValue = 0]\nTiltAngle -3.00\n",
    )
    .unwrap();
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Malformed { path, reason, .. }
            if path.ends_with("TS_04.mdoc") && reason.contains("line 4")),
        "{err:?}"
    );
    assert!(err.to_string().contains("TS_04.mdoc"), "{err}");
}

#[test]
fn mrc_without_mdoc_has_no_mdoc_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("TS_05.mrc");
    write_tilt_series(&path);
    // An autodoc of another stack in the same folder is not this one's.
    std::fs::write(dir.path().join("TS_06.mrc.mdoc"), TILT_MDOC).unwrap();
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let meta = source.info().metadata.as_object().unwrap();
    assert_eq!(meta.keys().collect::<Vec<_>>(), ["mrc"]);
    for f in drain(source.as_mut()).unwrap() {
        assert_eq!(f.metadata, serde_json::json!({ "section": f.z }));
    }
}
