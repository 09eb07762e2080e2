//! A Python 3.12 venv with zarr-python 3 (and fsspec's HTTP support) and the
//! Sickle OAI-PMH harvester, built
//! once from `python/requirements.txt` under `$STRATA_PY_CACHE` (default
//! `/var/tmp/strata-py`), keyed on the requirements' digest. If it cannot be
//! built, the test that needs it fails and says why.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

const REQUIREMENTS: &str = include_str!("python/requirements.txt");
const DEFAULT_PYTHON: &str = "/root/.pyenv/versions/3.12.1/bin/python3";

pub fn run(cmd: &mut Command, what: &str) -> Output {
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

/// The venv's python, built (under a temporary name, then renamed) if needed.
pub fn python() -> PathBuf {
    let root = PathBuf::from(
        std::env::var("STRATA_PY_CACHE").unwrap_or_else(|_| "/var/tmp/strata-py".into()),
    );
    let key = &hex::encode(Sha256::digest(REQUIREMENTS))[..12];
    let venv = root.join(format!("http-{key}"));
    let python = venv.join("bin/python");
    let works = |p: &Path| {
        Command::new(p)
            .args(["-c", "import zarr, fsspec, aiohttp"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(&python) {
        return python;
    }
    let base = std::env::var("STRATA_PYTHON").unwrap_or_else(|_| DEFAULT_PYTHON.into());
    std::fs::create_dir_all(&root)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
    let building = root.join(format!("http-{key}.building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    run(
        Command::new(&base).args(["-m", "venv"]).arg(&building),
        &format!(
            "creating a venv with {base} (zarr-python 3 needs Python 3.12; set STRATA_PYTHON)"
        ),
    );
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/requirements.txt");
    run(
        Command::new(building.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r tests/python/requirements.txt (needs PyPI)",
    );
    let _ = std::fs::remove_dir_all(&venv);
    if std::fs::rename(&building, &venv).is_err() {
        // Another test built it at the same time; use theirs.
        let _ = std::fs::remove_dir_all(&building);
    }
    assert!(
        works(&python),
        "the venv at {} cannot import zarr, fsspec and aiohttp",
        venv.display()
    );
    python
}

/// A script of `python/`, by file name.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name)
}
