//! Browser tests of the static portal: `browser/portal.mjs` drives Debian's
//! chromium (`/usr/bin/chromium`, or `$STRATA_CHROMIUM`) through
//! playwright-core and checks pages with axe-core.
//!
//! The node modules are installed once from `browser/package-lock.json`
//! (`npm ci`) under `$STRATA_NODE_CACHE` (default `/var/tmp/strata-node`),
//! keyed on the lockfile's digest, as [`crate::python`] does for its venv. If
//! they cannot be installed, or chromium is missing, the test that needs them
//! fails and says why.
//!
//! Use: serve a built site (or pass its directory as `"root"` and the script
//! serves it), then [`check`] with the checks `portal.mjs` documents:
//!
//! ```ignore
//! strata_tests::browser::check(&json!({
//!     "root": site_dir,
//!     "pages": [{"path": "index.html"}, {"path": "datasets/X/index.html", "viewers": ["frames"]}],
//!     "crawl": true,
//!     "search": {"path": "search/index.html", "term": "4.2", "expect": "X"},
//!     "forbidden": ["PRIVATE-1"],
//! }));
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::python::run;

const LOCKFILE: &str = include_str!("browser/package-lock.json");
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The browser tests' `node_modules`, installed (under a temporary name,
/// then renamed) if needed.
pub fn node_modules() -> PathBuf {
    let root = PathBuf::from(
        std::env::var("STRATA_NODE_CACHE").unwrap_or_else(|_| "/var/tmp/strata-node".into()),
    );
    let key = &hex::encode(Sha256::digest(LOCKFILE))[..12];
    let dir = root.join(key);
    let modules = dir.join("node_modules");
    let complete = |m: &Path| {
        m.join("playwright-core/package.json").is_file() && m.join("axe-core/axe.min.js").is_file()
    };
    // Tests of one binary run on threads of one process: one installs, the
    // others wait for it (other processes build under their own names).
    static INSTALL: Mutex<()> = Mutex::new(());
    let _installing = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if complete(&modules) {
        return modules;
    }
    std::fs::create_dir_all(&root)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
    let building = root.join(format!("{key}.building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    std::fs::create_dir_all(&building).expect("a build directory for node_modules");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(here().join("browser").join(file), building.join(file))
            .unwrap_or_else(|e| panic!("copying browser/{file}: {e}"));
    }
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&building),
        "npm ci in tests/browser (needs node, npm and the npm registry)",
    );
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::rename(&building, &dir).is_err() {
        // Another test installed them at the same time; use theirs.
        let _ = std::fs::remove_dir_all(&building);
    }
    assert!(
        complete(&modules),
        "{} lacks playwright-core or axe-core",
        modules.display()
    );
    modules
}

/// Debian's chromium (`apt-get install chromium`), or `$STRATA_CHROMIUM`.
pub fn chromium() -> PathBuf {
    let path =
        PathBuf::from(std::env::var("STRATA_CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.into()));
    assert!(
        path.is_file(),
        "no chromium at {} (apt-get install chromium, or set STRATA_CHROMIUM)",
        path.display()
    );
    path
}

/// Runs `portal.mjs` on `checks`; panics with its report if any check fails.
/// Returns the report (one `ok`/`FAIL` line per check, then `N passed, N failed`).
pub fn check(checks: &Value) -> String {
    let modules = node_modules();
    let chromium = chromium();
    let file = tempfile::NamedTempFile::new().expect("a temporary file for the checks");
    std::fs::write(
        file.path(),
        serde_json::to_vec_pretty(checks).expect("JSON"),
    )
    .expect("writing the checks");
    let out = Command::new("node")
        .arg(here().join("browser/portal.mjs"))
        .arg(file.path())
        .env("STRATA_NODE_MODULES", &modules)
        .env("STRATA_CHROMIUM", &chromium)
        .output()
        .unwrap_or_else(|e| panic!("could not run node (is it installed?): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the portal's browser checks failed ({}):\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The portal's viewer scripts and styles (`portal/assets/viewers`).
pub fn viewer_assets() -> PathBuf {
    here().join("../portal/assets/viewers")
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("creating {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copying {}: {e}", entry.path().display()));
        }
    }
}

/// Lays out the viewers' fixture site in `dir`: `browser/fixtures/index.html`
/// (one figure of every viewer kind, in the generator's markup), a stand-in
/// search page (`search.html`, to test the harness's search check), the viewer
/// assets under `assets/viewers/`, and under `data/` an OME-Zarr image written
/// by zarr-python 3, a SAXS curve and two PNGs (`make_fixtures.py`).
pub fn fixture_site(dir: &Path) {
    copy_dir(&viewer_assets(), &dir.join("assets/viewers"));
    for page in ["index.html", "search.html"] {
        std::fs::copy(here().join("browser/fixtures").join(page), dir.join(page))
            .unwrap_or_else(|e| panic!("copying the fixture page {page}: {e}"));
    }
    run(
        Command::new(crate::python::python())
            .arg(here().join("browser/fixtures/make_fixtures.py"))
            .arg(dir.join("data")),
        "writing the viewers' fixture data with zarr-python",
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// Every viewer mounts and draws on real data, without the generator:
    /// frames from a sharded blosc/zstd OME-Zarr (each slider changes the
    /// image), a clear message for pcodec, tilt cards with thumbnails (and
    /// without, on a pcodec image), the
    /// SAXS curve and its Guinier fit (Rg of the spheres written: 30 Å), the
    /// MX table and images; axe-core finds nothing; no console errors.
    #[test]
    fn viewers_draw_on_the_fixture_page() {
        let site = tempfile::tempdir().expect("a temporary directory");
        super::fixture_site(site.path());
        let report = super::check(&json!({
            "root": site.path(),
            "pages": [{"path": "index.html", "viewers": [
                {"kind": "frames", "id": "frames"},
                {"kind": "frames", "id": "frames-pcodec", "state": "error", "error": "numcodecs.pcodec"},
                {"kind": "tilt-series", "id": "tilts"},
                {"kind": "tilt-series", "id": "tilts-pcodec", "thumbnails": false},
                {"kind": "saxs", "rg": [29.0, 31.5]},
                "mx",
            ]}],
            "crawl": true,
            "search": {"path": "search.html", "term": "exposure 120", "expect": "FIX-0001", "results": "#results"},
            "forbidden": ["PRIVATE-FIXTURE"],
        }));
        assert!(report.contains(" 0 failed"), "{report}");
    }
}
