//! Bad input: unreadable, truncated, shrinking, unsupported and garbage files
//! give errors naming the file, never panics.

mod common;

use std::path::{Path, PathBuf};

use common::{MrcSpec, Page, drain, le_bytes, mm_summary_blob, mrc_header, plane, write_tiff};
use strata_frames::{FrameError, FramesFormat, open};
use tiff::encoder::{TiffEncoder, colortype};
use tiff::tags::Tag;

const W: usize = 16;
const H: usize = 8;

fn plain_tiff(path: &Path, pages: usize) {
    let pages: Vec<Page> = (0..pages)
        .map(|z| Page::new(W, H, plane(0, 0, 0, z, W, H)))
        .collect();
    write_tiff(path, &pages, None);
}

fn names_file(err: &FrameError, path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(
        err.to_string().contains(name.as_ref()),
        "{err} does not name {name}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for format in [
        FramesFormat::Auto,
        FramesFormat::Tiff,
        FramesFormat::OmeTiff,
        FramesFormat::Mrc,
    ] {
        let path = dir.path().join("absent.tif");
        let err = open(&path, format).err().unwrap();
        assert!(
            matches!(&err, FrameError::Io { path: p, .. } if p == &path),
            "{err:?}"
        );
    }
    let err = open(dir.path(), FramesFormat::MicroManager).err().unwrap();
    assert!(
        matches!(&err, FrameError::Io { path, .. } if path.ends_with("metadata.txt")),
        "{err:?}"
    );
}

#[test]
fn a_tiff_cut_off_mid_strip_fails_at_open_naming_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.tif");
    plain_tiff(&full, 4);
    let bytes = std::fs::read(&full).unwrap();
    // The encoder writes each page's pixels then its directory: cutting in the
    // middle of the third page's strip loses pages 2 and 3.
    let page_bytes = bytes.len() / 4;
    let cut = dir.path().join("cut.tif");
    std::fs::write(&cut, &bytes[..page_bytes * 2 + page_bytes / 3]).unwrap();
    let err = open(&cut, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Malformed { reason, .. } if reason.contains("page 2")),
        "{err:?}"
    );
    names_file(&err, &cut);
}

#[test]
fn a_file_truncated_after_open_fails_at_the_frame_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrinking.tif");
    plain_tiff(&path, 4);
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    let first = source.next_frame().unwrap().unwrap();
    assert_eq!(first.pixels, le_bytes(&plane(0, 0, 0, 0, W, H)));
    // The file is cut to its first page while the reader holds it open.
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 4)
        .unwrap();
    let err = loop {
        match source.next_frame() {
            Some(Ok(_)) => continue,
            Some(Err(e)) => break e,
            None => panic!("a truncated file must not end quietly"),
        }
    };
    assert!(
        matches!(err, FrameError::Malformed { .. } | FrameError::Io { .. }),
        "{err:?}"
    );
    names_file(&err, &path);
    assert!(source.next_frame().is_none(), "no frames after an error");

    // The same for MRC: the section that is gone is named.
    let path = dir.path().join("shrinking.mrc");
    let spec = MrcSpec {
        nx: 8,
        ny: 8,
        nz: 4,
        mode: 2,
        big_endian: false,
        cella: [0.0; 3],
        ext: Vec::new(),
        exttyp: [0; 4],
        label: "",
    };
    let mut bytes = mrc_header(&spec);
    bytes.extend(vec![0u8; 8 * 8 * 4 * 4]);
    std::fs::write(&path, &bytes).unwrap();
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    assert!(source.info().pixel_size_um.is_none());
    source.next_frame().unwrap().unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1024 + 256 * 2 + 10)
        .unwrap();
    source.next_frame().unwrap().unwrap();
    let err = source.next_frame().unwrap().unwrap_err();
    assert!(
        matches!(&err, FrameError::Malformed { reason, .. } if reason.contains("section 2")),
        "{err:?}"
    );
    names_file(&err, &path);
}

#[test]
fn colour_and_unusual_sample_types_are_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rgb.tif");
    let mut enc = TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
    enc.write_image::<colortype::RGB8>(4, 4, &[7u8; 48])
        .unwrap();
    drop(enc);
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Unsupported { reason, .. } if reason.contains("RGB")),
        "{err:?}"
    );
    names_file(&err, &path);

    let path = dir.path().join("i64.tif");
    let mut enc = TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
    enc.write_image::<colortype::GrayI64>(4, 4, &[-7i64; 16])
        .unwrap();
    drop(enc);
    let err = open(&path, FramesFormat::Auto).err().unwrap();
    assert!(
        matches!(&err, FrameError::Unsupported { reason, .. } if reason.contains("64-bit signed")),
        "{err:?}"
    );
}

#[test]
fn other_sample_types_read_with_their_own_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f32.tif");
    let mut enc = TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
    let px: Vec<f32> = (0..12).map(|i| i as f32 * -0.5).collect();
    enc.write_image::<colortype::Gray32Float>(4, 3, &px)
        .unwrap();
    enc.write_image::<colortype::Gray32Float>(4, 3, &px)
        .unwrap();
    drop(enc);
    let mut source = open(&path, FramesFormat::Auto).unwrap();
    assert_eq!(source.info().dtype, strata_frames::Dtype::F32);
    let frames = drain(source.as_mut()).unwrap();
    assert_eq!(
        frames[1].pixels,
        px.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>()
    );
}

/// A small xorshift generator: the garbage is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Opens and drains; any outcome but a panic is fine, and errors name the file.
fn must_not_panic(path: &Path) {
    for format in [
        FramesFormat::Auto,
        FramesFormat::Tiff,
        FramesFormat::OmeTiff,
        FramesFormat::MicroManager,
        FramesFormat::Mrc,
    ] {
        match open(path, format) {
            Err(e) => names_file(&e, path),
            Ok(mut source) => {
                let limit = source.info().dims.frames() * source.info().positions;
                let mut n = 0;
                while let Some(frame) = source.next_frame() {
                    n += 1;
                    assert!(n <= limit, "more frames than the stack holds");
                    match frame {
                        Ok(f) => {
                            let info = source.info();
                            assert_eq!(
                                f.pixels.len(),
                                info.dims.x * info.dims.y * info.dtype.size()
                            );
                        }
                        Err(e) => names_file(&e, path),
                    }
                }
            }
        }
    }
}

fn valid_files(dir: &Path) -> Vec<PathBuf> {
    let plain = dir.join("plain.tif");
    plain_tiff(&plain, 3);
    let imagej = dir.join("imagej.tif");
    let pages: Vec<Page> = (0..4)
        .map(|k| {
            let p = Page::new(W, H, plane(0, k / 2, k % 2, 0, W, H));
            if k == 0 {
                p.tag(
                    Tag::ImageDescription,
                    "ImageJ=1.54f\nimages=4\nchannels=2\nframes=2\nhyperstack=true\n",
                )
            } else {
                p
            }
        })
        .collect();
    write_tiff(&imagej, &pages, None);
    let ome = dir.join("x.ome.tif");
    let xml = format!(
        r#"<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint16" SizeX="{W}" SizeY="{H}" SizeZ="2" SizeC="1" SizeT="1"><Channel ID="Channel:0:0" Name="a"/><TiffData IFD="0" PlaneCount="2"/><Plane TheZ="1" TheT="0" TheC="0" DeltaT="1"/></Pixels></Image></OME>"#
    );
    let pages: Vec<Page> = (0..2)
        .map(|z| {
            let p = Page::new(W, H, plane(0, 0, 0, z, W, H));
            if z == 0 {
                p.tag(Tag::ImageDescription, xml.clone())
            } else {
                p
            }
        })
        .collect();
    write_tiff(&ome, &pages, None);
    let mm = dir.join("mm_MMStack.tif");
    let pages: Vec<Page> = (0..2)
        .map(|z| {
            Page::new(W, H, plane(0, 0, 0, z, W, H)).tag(
                Tag::Unknown(51123),
                format!(r#"{{"FrameIndex":0,"ChannelIndex":0,"SliceIndex":{z}}}"#),
            )
        })
        .collect();
    write_tiff(
        &mm,
        &pages,
        Some(&mm_summary_blob(
            r#"{"Frames":1,"Slices":2,"Channels":1,"Width":16,"Height":8}"#,
        )),
    );
    let mrc = dir.join("x.mrc");
    let spec = MrcSpec {
        nx: 8,
        ny: 4,
        nz: 2,
        mode: 1,
        big_endian: false,
        cella: [8.0, 4.0, 2.0],
        ext: [16i32.to_le_bytes(), 1i32.to_le_bytes(), [0; 4], [0; 4]]
            .repeat(2)
            .concat(),
        exttyp: *b"FEI1",
        label: "x",
    };
    let mut bytes = mrc_header(&spec);
    bytes.extend((0..64u16).flat_map(|v| v.to_le_bytes()));
    std::fs::write(&mrc, bytes).unwrap();
    for f in [&plain, &imagej, &ome, &mm, &mrc] {
        let mut source = open(f, FramesFormat::Auto).unwrap_or_else(|e| panic!("{e}"));
        drain(source.as_mut()).unwrap_or_else(|e| panic!("{e}"));
    }
    vec![plain, imagej, ome, mm, mrc]
}

#[test]
fn garbage_truncations_and_bit_flips_give_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let target = dir.path().join("garbage.bin");

    // Pure noise, with and without a TIFF or MRC signature.
    for i in 0..200 {
        let len = (rng.next() % 3000) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        match i % 4 {
            0 if len >= 4 => bytes[..4].copy_from_slice(b"II*\0"),
            1 if len >= 4 => bytes[..4].copy_from_slice(b"MM\0*"),
            2 if len >= 212 => bytes[208..212].copy_from_slice(b"MAP "),
            _ => {}
        }
        std::fs::write(&target, &bytes).unwrap();
        must_not_panic(&target);
    }

    for valid in valid_files(dir.path()) {
        let bytes = std::fs::read(&valid).unwrap();
        let name = valid.file_name().unwrap().to_string_lossy().to_string();
        let damaged = dir.path().join(format!("damaged-{name}"));
        // Every truncation on a coarse grid, and near the ends.
        let step = (bytes.len() / 150).max(1);
        for cut in (0..bytes.len())
            .step_by(step)
            .chain(bytes.len().saturating_sub(16)..bytes.len())
        {
            std::fs::write(&damaged, &bytes[..cut]).unwrap();
            must_not_panic(&damaged);
        }
        // Random byte changes.
        for _ in 0..150 {
            let mut b = bytes.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = (rng.next() as usize) % b.len();
                b[at] = rng.next() as u8;
            }
            std::fs::write(&damaged, &b).unwrap();
            must_not_panic(&damaged);
        }
    }
}
