//! zarr-python 3 reads what strata writes: OME attributes, consolidated
//! metadata, shapes, codecs (pcodec through numcodecs, and blosc), and every
//! plane of every level bit for bit.
//!
//! The Python environment is a venv built once from `tests/requirements.txt`
//! (pinned) under `$STRATA_PY_CACHE` (default `/var/tmp/strata-py`), keyed on
//! the requirements' digest and reused afterwards. If it cannot be built the
//! test fails, saying why.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use strata_frames::{Dims, Dtype};
use strata_zarr::{Compression, ImageWriter, WriterOptions, downsample_mean};

const REQUIREMENTS: &str = include_str!("requirements.txt");
const DEFAULT_PYTHON: &str = "/root/.pyenv/versions/3.12.1/bin/python3";

fn run(cmd: &mut Command, what: &str) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The venv's python, built if needed (once per test process).
fn python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON.get_or_init(build_python).clone()
}

/// Built under a temporary name and renamed into place, so a concurrent or
/// interrupted build never leaves a half-made venv where a later run would
/// reuse it.
fn build_python() -> PathBuf {
    let root = PathBuf::from(
        std::env::var("STRATA_PY_CACHE").unwrap_or_else(|_| "/var/tmp/strata-py".into()),
    );
    let key = &hex::encode(Sha256::digest(REQUIREMENTS))[..12];
    let venv = root.join(format!("zarr-{key}"));
    let python = venv.join("bin/python");
    let works = |python: &Path| {
        Command::new(python)
            .args(["-c", "import zarr, numpy, pcodec, numcodecs.zarr3"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if works(&python) {
        return python;
    }
    let base = std::env::var("STRATA_PYTHON").unwrap_or_else(|_| DEFAULT_PYTHON.into());
    std::fs::create_dir_all(&root)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
    let tmp = root.join(format!("zarr-{key}.building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    run(
        Command::new(&base).args(["-m", "venv"]).arg(&tmp),
        &format!(
            "creating a venv with {base} (zarr-python 3 needs Python ≥ 3.12; set STRATA_PYTHON)"
        ),
    );
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/requirements.txt");
    run(
        Command::new(tmp.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r tests/requirements.txt (needs PyPI)",
    );
    let _ = std::fs::remove_dir_all(&venv);
    if std::fs::rename(&tmp, &venv).is_err() {
        // Another process put its venv in place first: use that one.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    assert!(
        works(&python),
        "the venv at {} cannot import zarr, numpy and pcodec",
        venv.display()
    );
    python
}

#[test]
fn zarr_python_reads_the_image_and_every_plane() {
    // The default layout: pcodec tiles and one preview level of a quarter,
    // in blosc so that browsers can draw it.
    read_with_zarr_python(
        WriterOptions::default(),
        &[&["numcodecs.pcodec"], &["bytes", "blosc"]],
        &["0", "1"],
    );
}

#[test]
fn zarr_python_reads_blosc_and_three_halving_levels() {
    // The other codec family and a deeper pyramid.
    let options = WriterOptions {
        compression: Compression::BloscZstdBitshuffle { level: 1 },
        preview_factor: 2,
        ..WriterOptions::default()
    };
    let blosc: &[&str] = &["bytes", "blosc"];
    read_with_zarr_python(options, &[blosc, blosc, blosc], &["0", "1", "2"]);
}

/// Writes a stack with `options` (and small shards), has zarr-python read
/// it, and checks what it saw: metadata, codecs, and every plane of every level.
/// `inner_codecs` names each level's codecs, level 0 first.
fn read_with_zarr_python(options: WriterOptions, inner_codecs: &[&[&str]], datasets: &[&str]) {
    // Odd sizes, several shards and tiles.
    let dims = Dims {
        t: 2,
        c: 2,
        z: 3,
        y: 301,
        x: 530,
    };
    let info = common::info(dims, Dtype::U16);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img.ome.zarr");
    let options = WriterOptions {
        shard_bytes: 1 << 20,
        ..options
    };
    let mut writer = ImageWriter::create(&dir, &info, 0, options).unwrap();
    for (t, c, z) in common::shuffled(&dims, 9) {
        writer
            .write_frame(&common::frame(&info, 0, t, c, z))
            .unwrap();
    }
    let image = writer.finish().unwrap();
    assert_eq!(image.levels.len(), datasets.len());

    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_ome_zarr.py");
    let out = run(
        Command::new(&python).arg(&script).arg(&dir),
        "reading the image with zarr-python",
    );
    let seen: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the script prints JSON");

    assert!(
        seen["zarr_version"].as_str().unwrap().starts_with('3'),
        "{}",
        seen["zarr_version"]
    );
    assert_eq!(seen["ome_version"], "0.5");
    assert_eq!(seen["axes"], serde_json::json!(["t", "c", "z", "y", "x"]));
    assert_eq!(seen["datasets"], serde_json::json!(datasets));
    assert_eq!(seen["consolidated"], serde_json::json!(datasets));
    assert_eq!(seen["labels"], serde_json::json!(["ch-0", "ch-1"]));
    // Each level's OME scale is its downsampling factor times the pixel size.
    let scales: Vec<_> = image.levels.iter().map(|l| l.scale).collect();
    assert_eq!(seen["scales"], serde_json::json!(scales));

    for (level, inner_codecs) in image.levels.iter().zip(inner_codecs) {
        let layout = &level.layout;
        let seen = &seen["levels"][&layout.path];
        assert_eq!(
            seen["shape"],
            serde_json::json!(layout.shape),
            "level {}",
            layout.path
        );
        assert_eq!(
            seen["shards"],
            serde_json::json!(layout.shard_shape),
            "level {}",
            layout.path
        );
        assert_eq!(
            seen["chunks"],
            serde_json::json!(layout.chunk_shape),
            "level {}",
            layout.path
        );
        assert_eq!(seen["dtype"], "uint16");
        assert_eq!(
            seen["dimension_names"],
            serde_json::json!(["t", "c", "z", "y", "x"])
        );
        assert_eq!(
            seen["inner_codecs"],
            serde_json::json!(inner_codecs),
            "level {}",
            layout.path
        );
    }
    // Level 0: Python's digests of the planes are the writer's frame digests.
    for digest in &image.frames {
        let key = format!("{},{},{}", digest.t, digest.c, digest.z);
        assert_eq!(
            seen["levels"]["0"]["planes"][&key], digest.sha256,
            "level 0 plane {key}"
        );
    }
    // Preview levels: Python's planes are the Rust downsampling of the originals.
    for (t, c, z) in common::shuffled(&dims, 1) {
        let mut plane = common::frame(&info, 0, t, c, z).pixels;
        let (mut h, mut w) = (dims.y, dims.x);
        for level in 1..image.levels.len() {
            let step = (image.levels[level].layout.factor / image.levels[level - 1].layout.factor)
                as usize;
            plane = downsample_mean(&plane, h, w, step, Dtype::U16);
            (h, w) = (h.div_ceil(step), w.div_ceil(step));
            let key = format!("{t},{c},{z}");
            assert_eq!(
                seen["levels"][level.to_string()]["planes"][&key],
                hex::encode(Sha256::digest(&plane)),
                "level {level} plane {key}"
            );
        }
    }
}
