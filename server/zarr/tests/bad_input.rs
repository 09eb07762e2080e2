//! Bad input is refused with an error naming the path and the problem, and
//! does not spoil the image being written.

mod common;

use strata_frames::{Dims, Dtype};
use strata_zarr::{ImageWriter, Selection, WriterOptions, ZarrError, read_frames};

fn setup() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    strata_frames::StackInfo,
) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    let info = common::info(
        Dims {
            t: 1,
            c: 2,
            z: 3,
            y: 16,
            x: 24,
        },
        Dtype::U16,
    );
    (tmp, dir, info)
}

#[test]
fn wrong_pixel_length_is_refused_and_the_frame_can_be_retried() {
    let (_tmp, dir, info) = setup();
    let mut writer = ImageWriter::create(&dir, &info, 0, WriterOptions::default()).unwrap();
    let mut frame = common::frame(&info, 0, 0, 1, 2);
    let good = frame.pixels.clone();
    frame.pixels.pop();
    let err = writer.write_frame(&frame).unwrap_err();
    assert!(
        matches!(
            err,
            ZarrError::PixelLength {
                found: 767,
                expected: 768,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(dir.to_str().unwrap()) && text.contains("767") && text.contains("768"),
        "{text}"
    );
    frame.pixels = good;
    writer.write_frame(&frame).unwrap();
}

#[test]
fn out_of_range_and_wrong_position_are_refused() {
    let (_tmp, dir, info) = setup();
    let mut writer = ImageWriter::create(&dir, &info, 0, WriterOptions::default()).unwrap();
    for (t, c, z) in [(1, 0, 0), (0, 2, 0), (0, 0, 3)] {
        let mut frame = common::frame(&info, 0, 0, 0, 0);
        (frame.t, frame.c, frame.z) = (t, c, z);
        let err = writer.write_frame(&frame).unwrap_err();
        assert!(
            matches!(
                err,
                ZarrError::OutOfRange {
                    nt: 1,
                    nc: 2,
                    nz: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&format!("t={t}, c={c}, z={z}")),
            "{err}"
        );
    }
    let frame = common::frame(&info, 1, 0, 0, 0);
    let err = writer.write_frame(&frame).unwrap_err();
    assert!(
        matches!(
            err,
            ZarrError::WrongPosition {
                found: 1,
                expected: 0,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_frame_written_twice_is_refused() {
    let (_tmp, dir, info) = setup();
    let mut writer = ImageWriter::create(&dir, &info, 0, WriterOptions::default()).unwrap();
    let frame = common::frame(&info, 0, 0, 1, 1);
    writer.write_frame(&frame).unwrap();
    let err = writer.write_frame(&frame).unwrap_err();
    assert!(
        matches!(
            err,
            ZarrError::Duplicate {
                t: 0,
                c: 1,
                z: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("already written"), "{err}");
}

#[test]
fn finish_with_missing_frames_says_how_many() {
    let (_tmp, dir, info) = setup();
    let mut writer = ImageWriter::create(&dir, &info, 0, WriterOptions::default()).unwrap();
    for (t, c, z) in [(0, 0, 0), (0, 1, 2), (0, 0, 2)] {
        writer
            .write_frame(&common::frame(&info, 0, t, c, z))
            .unwrap();
    }
    let err = writer.finish().unwrap_err();
    assert!(
        matches!(
            err,
            ZarrError::MissingFrames {
                missing: 3,
                total: 6,
                t: 0,
                c: 0,
                z: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("3 of 6 frames"), "{err}");
    // No group metadata: the half-written directory is not mistaken for an image.
    assert!(!dir.join("zarr.json").exists());
    assert!(matches!(
        read_frames(&dir, &Selection::all(&info.dims), 0),
        Err(ZarrError::Io { .. })
    ));
}

#[test]
fn creating_into_a_used_directory_or_with_a_bad_stack_is_refused() {
    let (_tmp, dir, info) = setup();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("stale"), b"x").unwrap();
    let err = ImageWriter::create(&dir, &info, 0, WriterOptions::default())
        .err()
        .unwrap();
    assert!(err.to_string().contains("not empty"), "{err}");

    let other = dir.with_file_name("other");
    let err = ImageWriter::create(&other, &info, 2, WriterOptions::default())
        .err()
        .unwrap();
    assert!(err.to_string().contains("position 2"), "{err}");
    let mut bad = info.clone();
    bad.channel_names.pop();
    let err = ImageWriter::create(&other, &bad, 0, WriterOptions::default())
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("1 channel names for 2 channels"),
        "{err}"
    );
}

#[test]
fn bad_selections_and_levels_are_refused() {
    let (_tmp, dir, info) = setup();
    let mut writer = ImageWriter::create(&dir, &info, 0, WriterOptions::default()).unwrap();
    for (t, c, z) in common::shuffled(&info.dims, 3) {
        writer
            .write_frame(&common::frame(&info, 0, t, c, z))
            .unwrap();
    }
    writer.finish().unwrap();
    let err = read_frames(
        &dir,
        &Selection {
            t: 0..1,
            c: vec![2],
            z: 0..1,
        },
        0,
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("c outside"), "{err}");
    let err = read_frames(
        &dir,
        &Selection {
            t: 0..1,
            c: vec![0],
            z: 0..4,
        },
        0,
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("z outside"), "{err}");
    let err = read_frames(&dir, &Selection::all(&info.dims), 1)
        .err()
        .unwrap();
    assert!(err.to_string().contains("level 1 does not exist"), "{err}");
}

#[test]
fn a_damaged_group_is_reported() {
    let (_tmp, dir, info) = setup();
    let mut writer = ImageWriter::create(&dir, &info, 0, WriterOptions::default()).unwrap();
    for (t, c, z) in common::shuffled(&info.dims, 3) {
        writer
            .write_frame(&common::frame(&info, 0, t, c, z))
            .unwrap();
    }
    writer.finish().unwrap();
    let group = dir.join("zarr.json");
    let text = std::fs::read_to_string(&group)
        .unwrap()
        .replace("\"0.5\"", "\"0.4\"");
    std::fs::write(&group, text).unwrap();
    let err = read_frames(&dir, &Selection::all(&info.dims), 0)
        .err()
        .unwrap();
    assert!(matches!(err, ZarrError::Metadata { .. }), "{err:?}");
    assert!(err.to_string().contains("ome.version"), "{err}");
}
