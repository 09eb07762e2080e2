//! A real world for the tests and the bench: a SQLite catalog, a local store,
//! and datasets put there by strata-ingest from fixtures written with the
//! `tiff` encoder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;
use strata_catalog::{Catalog, NewProject, Scope};
use strata_download::{DownloadError, DownloadOptions, DownloadReport};
use strata_ingest::{IngestReport, Ingestor, SourceRoots, UploadConfig, UploadType, read_manifest};
use strata_storage::{LocalStore, ObjectStore};
use tiff::encoder::{TiffEncoder, colortype};
use tiff::tags::Tag;

pub const ID: &str = "ML-2022-10-01-14-03-22-0001";
pub const OTHER: &str = "ML-2022-10-01-15-00-00-0002";

pub struct World {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub catalog: Catalog,
    pub store: Arc<LocalStore>,
    pub ingestor: Ingestor,
    pub sources: PathBuf,
    /// Where downloads go.
    pub dest: PathBuf,
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
    catalog
        .create_project(
            &Scope::system(),
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
    let dest = root.join("downloads");
    World {
        _dir: dir,
        root,
        catalog,
        store,
        ingestor,
        sources,
        dest,
    }
}

impl World {
    /// Ingests `file` (under `sources`) as dataset `id` with `upload_type`.
    pub async fn ingest(&self, id: &str, file: &str, upload_type: UploadType) -> IngestReport {
        let manifest = self.sources.join(format!("{id}.csv"));
        std::fs::write(
            &manifest,
            format!("dataset_id,file_name,description,parent_dataset_id,positions\n{id},{file},fixture,,\n"),
        )
        .unwrap();
        let config = UploadConfig {
            upload_type,
            ..UploadConfig::default()
        };
        let roots = SourceRoots::new([self.sources.clone()]).unwrap();
        let row = read_manifest(&manifest).unwrap().remove(0);
        self.ingestor
            .ingest_row(
                &Scope::system(),
                &row,
                &config,
                &roots,
                &ProgressBar::hidden(),
            )
            .await
            .unwrap()
    }

    pub async fn download(
        &self,
        id: &str,
        options: &DownloadOptions,
    ) -> Result<DownloadReport, DownloadError> {
        self.download_as(&Scope::system(), id, options).await
    }

    pub async fn download_as(
        &self,
        scope: &Scope,
        id: &str,
        options: &DownloadOptions,
    ) -> Result<DownloadReport, DownloadError> {
        strata_download::download(
            &self.catalog,
            self.store.as_ref(),
            scope,
            id,
            &self.dest,
            options,
            &ProgressBar::hidden(),
        )
        .await
    }

    /// The stored objects of `id`: (path in the dataset, key, file in the store).
    pub async fn objects(&self, id: &str) -> Vec<(String, String, PathBuf)> {
        let (_, records) = self
            .catalog
            .stored_objects(&Scope::system(), id)
            .await
            .unwrap();
        records
            .into_iter()
            .map(|r| {
                let key = r.storage_key.unwrap();
                let file = self.root.join("store").join(&key);
                (r.path, key, file)
            })
            .collect()
    }

    /// Deletes every stored object of `id` (the catalog still records them).
    pub async fn delete_all(&self, id: &str) {
        for (_, key, _) in self.objects(id).await {
            self.store.delete(&key.parse().unwrap()).await.unwrap();
        }
    }

    /// Everything under `dest`, relative, sorted (hidden entries included).
    pub fn dest_entries(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.dest, &self.dest, &mut out);
        out.sort();
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        out.push(path.strip_prefix(root).unwrap().display().to_string());
        if path.is_dir() {
            walk(root, &path, out);
        }
    }
}

/// Flips one bit of the file at `offset` (from the end when negative).
pub fn flip_byte(path: &Path, offset: i64) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = if offset < 0 {
        bytes.len() - (-offset) as usize
    } else {
        offset as usize
    };
    bytes[at] ^= 0x10;
    std::fs::write(path, bytes).unwrap();
}

/// A 12-bit camera-like value: noisy, and different in every plane.
pub fn value(t: usize, c: usize, z: usize, y: usize, x: usize) -> u16 {
    let mut h = ((((t * 3 + c) * 16 + z) * 4096 + y) * 4096 + x) as u64;
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (100 + (h % 400) + (y as u64 * 7 + x as u64) % 3000) as u16
}

pub struct Stack {
    pub t: usize,
    pub c: usize,
    pub z: usize,
    pub y: usize,
    pub x: usize,
    pub channels: Vec<&'static str>,
}

impl Stack {
    pub fn small() -> Self {
        Stack {
            t: 2,
            c: 3,
            z: 4,
            y: 256,
            x: 320,
            channels: vec!["DAPI", "GFP", "mCherry"],
        }
    }

    pub fn plane(&self, t: usize, c: usize, z: usize) -> Vec<u16> {
        (0..self.y)
            .flat_map(|y| (0..self.x).map(move |x| value(t, c, z, y, x)))
            .collect()
    }

    pub fn plane_bytes(&self, t: usize, c: usize, z: usize) -> Vec<u8> {
        self.plane(t, c, z)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect()
    }
}

/// A single-image OME-TIFF of `stack` (uint16, DimensionOrder XYZCT, named
/// channels, one Plane with an exposure time per plane), written by hand.
pub fn write_ome_tiff(path: &Path, s: &Stack) {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" Creator="fixture"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint16" SizeX="{}" SizeY="{}" SizeZ="{}" SizeC="{}" SizeT="{}" PhysicalSizeX="0.25" PhysicalSizeY="0.25" PhysicalSizeZ="1.5">"#,
        s.x, s.y, s.z, s.c, s.t
    );
    for (i, name) in s.channels.iter().enumerate() {
        xml.push_str(&format!(
            r#"<Channel ID="Channel:0:{i}" Name="{name}" SamplesPerPixel="1"/>"#
        ));
    }
    xml.push_str(&format!(
        r#"<TiffData IFD="0" PlaneCount="{}"/>"#,
        s.t * s.c * s.z
    ));
    for t in 0..s.t {
        for c in 0..s.c {
            for z in 0..s.z {
                xml.push_str(&format!(
                    r#"<Plane TheT="{t}" TheC="{c}" TheZ="{z}" ExposureTime="{}"/>"#,
                    10 + t * 100 + c * 10 + z
                ));
            }
        }
    }
    xml.push_str("</Pixels></Image></OME>");
    let mut encoder = TiffEncoder::new(std::fs::File::create(path).unwrap()).unwrap();
    let mut first = true;
    for t in 0..s.t {
        for c in 0..s.c {
            for z in 0..s.z {
                let mut image = encoder
                    .new_image::<colortype::Gray16>(s.x as u32, s.y as u32)
                    .unwrap();
                if first {
                    image
                        .encoder()
                        .write_tag(Tag::ImageDescription, xml.as_str())
                        .unwrap();
                    first = false;
                }
                image.write_data(&s.plane(t, c, z)).unwrap();
            }
        }
    }
}

/// An ImageJ hyperstack (c fastest, then z, then t) of 16-bit planes made by `plane`.
pub fn write_imagej(
    path: &Path,
    (t, c, z, y, x): (usize, usize, usize, usize, usize),
    mut plane: impl FnMut(usize, usize, usize) -> Vec<u16>,
) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut encoder = TiffEncoder::new(file).unwrap();
    let mut first = true;
    for tt in 0..t {
        for zz in 0..z {
            for cc in 0..c {
                let pixels = plane(tt, cc, zz);
                let mut image = encoder
                    .new_image::<colortype::Gray16>(x as u32, y as u32)
                    .unwrap();
                if first {
                    let description = format!(
                        "ImageJ=1.54f\nimages={}\nchannels={c}\nslices={z}\nframes={t}\nhyperstack=true\n",
                        t * c * z
                    );
                    image
                        .encoder()
                        .write_tag(Tag::ImageDescription, description.as_str())
                        .unwrap();
                    first = false;
                }
                image.write_data(&pixels).unwrap();
            }
        }
    }
}
