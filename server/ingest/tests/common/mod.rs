//! The world the ingest tests share: a SQLite catalog with project ML, a local
//! store, a sources folder, and fixture writers.
#![allow(dead_code, unused_imports)] // each test binary uses a different subset

pub use std::path::{Path, PathBuf};
pub use std::sync::Arc;

pub use indicatif::ProgressBar;
pub use sea_orm::{ConnectionTrait, Statement};
pub use sha2::{Digest, Sha256};
pub use strata_catalog::{Catalog, NewDataset, NewProject, Scope};
pub use strata_domain::{DatasetKind, Technique};
pub use strata_ingest::{
    IngestError, Ingestor, Problem, SourceRoots, UploadConfig, UploadType, VerifyTarget,
    read_manifest, verify,
};
pub use strata_storage::{LocalStore, ObjectKey, ObjectStore, S3Config, S3Store};
pub use tiff::encoder::{TiffEncoder, colortype};
pub use tiff::tags::Tag;

pub struct World {
    pub _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub catalog: Catalog,
    pub store: Arc<LocalStore>,
    pub ingestor: Ingestor,
    pub sources: PathBuf,
}

pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let catalog = Catalog::open(
        &format!(
            "sqlite://{}?mode=rwc",
            root.join("catalog.sqlite").display()
        ),
        root.join("projects"),
    )
    .await
    .unwrap();
    let scope = Scope::system();
    catalog
        .create_project(
            &scope,
            NewProject {
                code: "ML".parse().unwrap(),
                title: "Membranes".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    let store = Arc::new(LocalStore::open(root.join("store")).await.unwrap());
    let ingestor = Ingestor::new(catalog.clone(), store.clone(), root.join("staging"));
    let sources = root.join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    World {
        _dir: dir,
        root,
        catalog,
        store,
        ingestor,
        sources,
    }
}

impl World {
    pub async fn rows(&self, table: &str) -> i64 {
        let db = self.catalog.connection();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    pub async fn objects(&self) -> Vec<String> {
        self.store
            .list("")
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.key.to_string())
            .collect()
    }

    pub fn manifest(&self, rows: &[(&str, &str)]) -> PathBuf {
        let path = self.sources.join("files_for_upload.csv");
        let mut text =
            String::from("dataset_id,file_name,description,parent_dataset_id,positions\n");
        for (id, file) in rows {
            text.push_str(&format!("{id},{file},test data,,\n"));
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    pub async fn ingest(
        &self,
        manifest: &Path,
        config: &UploadConfig,
    ) -> Vec<Result<strata_ingest::IngestReport, IngestError>> {
        let roots = SourceRoots::new([self.sources.clone()]).unwrap();
        let mut results = Vec::new();
        for row in read_manifest(manifest).unwrap() {
            results.push(
                self.ingestor
                    .ingest_row(
                        &Scope::system(),
                        &row,
                        config,
                        &roots,
                        &ProgressBar::hidden(),
                    )
                    .await,
            );
        }
        results
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn noisy(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

/// An ImageJ hyperstack claiming `declared` images but holding `pages` of them (c fastest).
pub fn imagej(
    path: &Path,
    channels: usize,
    slices: usize,
    declared: usize,
    pages: usize,
) -> Vec<Vec<u16>> {
    let (w, h) = (40u32, 24u32);
    let mut encoder = TiffEncoder::new(std::fs::File::create(path).unwrap()).unwrap();
    let mut planes = Vec::new();
    for i in 0..pages {
        let plane: Vec<u16> = (0..w * h)
            .map(|p| ((p as usize * 7 + i * 131) % 4096) as u16)
            .collect();
        let mut image = encoder.new_image::<colortype::Gray16>(w, h).unwrap();
        if i == 0 {
            let description = format!(
                "ImageJ=1.54f\nimages={declared}\nchannels={channels}\nslices={slices}\nhyperstack=true\n"
            );
            image
                .encoder()
                .write_tag(Tag::ImageDescription, description.as_str())
                .unwrap();
        }
        image.write_data(&plane).unwrap();
        planes.push(plane);
    }
    planes
}

pub const A: &str = "ML-2022-10-01-14-03-22-0001";
pub const B: &str = "ML-2022-10-01-15-00-00-0002";

/// Bytes of every file below `dir`.
pub fn walk(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// A SerialEM tilt series: an MRC stack (uint16) and its `.mdoc`.
pub fn tilt_series(path: &Path, angles: &[f64]) {
    let (nx, ny, nz) = (8i32, 6i32, angles.len() as i32);
    let mut h = vec![0u8; 1024];
    let mut put = |at: usize, b: [u8; 4]| h[at..at + 4].copy_from_slice(&b);
    for (at, v) in [
        (0, nx),
        (4, ny),
        (8, nz),
        (12, 6),
        (28, nx),
        (32, ny),
        (36, nz),
    ] {
        put(at, v.to_le_bytes());
    }
    for (i, v) in [nx as f32 * 10.0, ny as f32 * 10.0, nz as f32 * 10.0]
        .iter()
        .enumerate()
    {
        put(40 + 4 * i, v.to_le_bytes());
    }
    for (i, v) in [1i32, 2, 3].iter().enumerate() {
        put(64 + 4 * i, v.to_le_bytes());
    }
    put(108, 20140i32.to_le_bytes());
    put(208, *b"MAP ");
    put(212, [0x44, 0x44, 0, 0]);
    let mut bytes = h;
    for i in 0..nx * ny * nz {
        bytes.extend_from_slice(&((i * 7) as u16).to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
    let mut mdoc = String::from(
        "PixelSpacing = 1.35\nVoltage = 300\nImageFile = ts.mrc\n\n[T = SerialEM: Digitized on Krios]\n\n",
    );
    for (z, angle) in angles.iter().enumerate() {
        mdoc.push_str(&format!(
            "[ZValue = {z}]\nTiltAngle = {angle:.2}\nExposureDose = 2\nDefocus = -3.1\nMagnification = 64000\n\n"
        ));
    }
    std::fs::write(path.with_extension("mrc.mdoc"), mdoc).unwrap();
}
