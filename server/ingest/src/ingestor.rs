//! One dataset at a time, all or nothing (see the crate docs for the order).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;
use strata_catalog::{
    Catalog, IngestClaim, NewDataset, NewFrameSet, NewLink, NewParameter, Scope, StoredFile,
};
use strata_domain::LinkKind;
use strata_frames::FramesFormat;
use strata_storage::{ObjectKey, ObjectStore, StoredObject};
use tokio::io::AsyncRead;

use crate::{IngestError, ManifestRow, SourceRoots, UploadConfig, UploadType};

/// What one ingest stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestReport {
    pub identifier: String,
    pub objects: usize,
    pub bytes: u64,
    pub frames: usize,
}

/// Ingests into one catalog and one store.
#[derive(Clone)]
pub struct Ingestor {
    pub(crate) catalog: Catalog,
    pub(crate) store: Arc<dyn ObjectStore>,
    /// Where frames are assembled before they are stored.
    pub(crate) staging: PathBuf,
}

/// Where an ingest's bytes come from.
enum Payload<'a> {
    File(&'a Path),
    Link(&'a Path),
    Frames {
        source: &'a Path,
        format: FramesFormat,
        positions: &'a [usize],
    },
    Stream {
        file_name: &'a str,
        reader: &'a mut (dyn AsyncRead + Send + Unpin),
    },
}

/// What an ingest wrote so far, so that a failure can take it back.
#[derive(Default)]
pub(crate) struct Written {
    pub objects: Vec<StoredObject>,
    pub files: Vec<StoredFile>,
    pub frame_sets: Vec<NewFrameSet>,
    /// Dataset parameters read from the files.
    pub extracted: Vec<NewParameter>,
}

impl Ingestor {
    pub fn new(catalog: Catalog, store: Arc<dyn ObjectStore>, staging: PathBuf) -> Self {
        crate::frames::clear_dead_staging(&staging);
        Self {
            catalog,
            store,
            staging,
        }
    }

    fn prefix(&self, claim: &IngestClaim) -> String {
        dataset_prefix(&self.catalog, &claim.folder)
    }

    pub(crate) fn key(&self, claim: &IngestClaim, path: &str) -> Result<ObjectKey, IngestError> {
        ObjectKey::parse(format!("{}{path}", self.prefix(claim))).map_err(|source| {
            IngestError::Storage {
                identifier: claim.identifier.to_string(),
                source,
            }
        })
    }

    /// Ingests one manifest row.
    pub async fn ingest_row(
        &self,
        scope: &Scope,
        row: &ManifestRow,
        config: &UploadConfig,
        roots: &SourceRoots,
        progress: &ProgressBar,
    ) -> Result<IngestReport, IngestError> {
        config
            .check()
            .map_err(|reason| IngestError::Config { path: None, reason })?;
        let source = roots.check(&row.file_name)?;
        let links = row
            .parent_dataset_id
            .iter()
            .map(|parent| NewLink {
                kind: LinkKind::Parent,
                target: parent.clone(),
            })
            .collect();
        let new = NewDataset {
            identifier: row.dataset_id.clone(),
            kind: config.kind,
            technique: config.technique,
            instrument: config.microscope.clone(),
            sample: None,
            description: row.description.clone(),
            parameters: crate::settings::merged(
                &config
                    .parameter_settings()
                    .map_err(|reason| IngestError::Config { path: None, reason })?,
                &row.parameters,
            ),
            links,
        };
        match config.upload_type {
            UploadType::File | UploadType::Link if source.is_dir() => {
                return Err(IngestError::Source {
                    path: row.file_name.clone(),
                    reason: "is a folder; only the frames upload type reads folders (MicroManager)"
                        .into(),
                });
            }
            _ => {}
        }
        let payload = match config.upload_type {
            UploadType::File => Payload::File(&source),
            UploadType::Link => Payload::Link(&source),
            UploadType::Frames => Payload::Frames {
                source: &source,
                format: config
                    .frames_format()
                    .map_err(|reason| IngestError::Config { path: None, reason })?,
                positions: &row.positions,
            },
        };
        self.ingest(scope, new, payload, progress).await
    }

    /// Ingests one file arriving as a stream (an HTTP upload): it is never
    /// held whole in memory.
    pub async fn ingest_stream(
        &self,
        scope: &Scope,
        new: NewDataset,
        file_name: &str,
        reader: &mut (dyn AsyncRead + Send + Unpin),
    ) -> Result<IngestReport, IngestError> {
        if file_name.is_empty() || file_name.contains('/') || file_name == "." || file_name == ".."
        {
            return Err(IngestError::Source {
                path: file_name.into(),
                reason: "must be a plain file name (no '/', not '.' or '..')".into(),
            });
        }
        self.ingest(
            scope,
            new,
            Payload::Stream { file_name, reader },
            &ProgressBar::hidden(),
        )
        .await
    }

    /// Claim, store, record, or take everything back.
    async fn ingest(
        &self,
        scope: &Scope,
        new: NewDataset,
        payload: Payload<'_>,
        progress: &ProgressBar,
    ) -> Result<IngestReport, IngestError> {
        let identifier = new.identifier.to_string();
        let technique = new.technique;
        let claim = self
            .catalog
            .begin_ingest(scope, new)
            .await
            .map_err(|source| IngestError::Catalog {
                identifier: identifier.clone(),
                source,
            })?;
        let mut written = Written::default();
        let outcome = async {
            if claim.replaced_unfinished {
                self.clear_unfinished(&claim).await?;
            }
            match payload {
                Payload::File(source) => {
                    self.store_file(&claim, source, &mut written, progress)
                        .await?
                }
                Payload::Link(source) => {
                    self.link_file(&claim, source, &mut written, progress)
                        .await?
                }
                Payload::Frames {
                    source,
                    format,
                    positions,
                } => {
                    self.store_frames(
                        &claim,
                        technique,
                        source,
                        format,
                        positions,
                        &mut written,
                        progress,
                    )
                    .await?
                }
                Payload::Stream { file_name, reader } => {
                    let key = self.key(&claim, file_name)?;
                    let stored = self
                        .store
                        .put_stream(&key, reader)
                        .await
                        .map_err(|source| IngestError::Storage {
                            identifier: identifier.clone(),
                            source,
                        })?;
                    written.files.push(stored_file(
                        &stored,
                        file_name.to_owned(),
                        format_of(Path::new(file_name)),
                        self.store.backend(),
                    ));
                    written.objects.push(stored);
                }
            }
            let frames = written.frame_sets.iter().map(|s| s.frames.len()).sum();
            let report = IngestReport {
                identifier: identifier.clone(),
                objects: written.objects.len(),
                bytes: written.objects.iter().map(|o| o.size).sum(),
                frames,
            };
            self.catalog
                .complete_ingest(
                    scope,
                    &claim,
                    std::mem::take(&mut written.files),
                    std::mem::take(&mut written.frame_sets),
                    std::mem::take(&mut written.extracted),
                )
                .await
                .map_err(|source| IngestError::Catalog {
                    identifier: identifier.clone(),
                    source,
                })?;
            Ok::<_, IngestError>(report)
        }
        .await;
        if let Err(err) = &outcome {
            self.take_back(scope, &claim, &written, err).await;
        }
        outcome
    }

    /// A stored file, as is, under the dataset's folder.
    async fn store_file(
        &self,
        claim: &IngestClaim,
        source: &Path,
        written: &mut Written,
        progress: &ProgressBar,
    ) -> Result<(), IngestError> {
        let name = file_name(source)?;
        let key = self.key(claim, &name)?;
        progress.set_message(format!("{} {name}", claim.identifier));
        let stored =
            self.store
                .put_file(&key, source)
                .await
                .map_err(|source| IngestError::Storage {
                    identifier: claim.identifier.to_string(),
                    source,
                })?;
        progress.inc(stored.size);
        written.files.push(stored_file(
            &stored,
            name,
            format_of(source),
            self.store.backend(),
        ));
        written.objects.push(stored);
        Ok(())
    }

    /// Raw data registered in place: a symlink in the dataset's folder, hashed, not copied.
    async fn link_file(
        &self,
        claim: &IngestClaim,
        source: &Path,
        written: &mut Written,
        progress: &ProgressBar,
    ) -> Result<(), IngestError> {
        let name = file_name(source)?;
        let key = self.key(claim, &name)?;
        let stored =
            self.store
                .link_file(&key, source)
                .await
                .map_err(|source| IngestError::Storage {
                    identifier: claim.identifier.to_string(),
                    source,
                })?;
        progress.inc(stored.size);
        written
            .files
            .push(stored_file(&stored, name, format_of(source), "symlink"));
        written.objects.push(stored);
        Ok(())
    }

    /// Removes what an ingest killed earlier left under the dataset's keys.
    pub(crate) async fn clear_unfinished(&self, claim: &IngestClaim) -> Result<(), IngestError> {
        let storage = |source| IngestError::Storage {
            identifier: claim.identifier.to_string(),
            source,
        };
        let leftovers = self
            .store
            .list(&self.prefix(claim))
            .await
            .map_err(storage)?;
        for object in leftovers {
            self.store.delete(&object.key).await.map_err(storage)?;
        }
        tracing::info!(identifier = %claim.identifier, "cleared the bytes of an unfinished ingest");
        Ok(())
    }

    /// Undoes a failed ingest: its bytes are deleted and its claim given up.
    pub(crate) async fn take_back(
        &self,
        scope: &Scope,
        claim: &IngestClaim,
        written: &Written,
        err: &IngestError,
    ) {
        for object in &written.objects {
            if let Err(e) = self.store.delete(&object.key).await {
                tracing::error!(key = %object.key, error = %e, "could not delete the bytes of a failed ingest; `strata verify` lists them");
            }
        }
        if let Err(e) = self
            .catalog
            .abandon_ingest(scope, claim, &err.to_string())
            .await
        {
            tracing::error!(identifier = %claim.identifier, error = %e, "could not give up the claim of a failed ingest; rerunning it replaces the claim");
        }
    }
}

/// The key prefix of a dataset: `projects/`, then its folder below the projects root.
pub(crate) fn dataset_prefix(catalog: &Catalog, folder: &str) -> String {
    catalog.storage_prefix(folder)
}

pub(crate) fn stored_file(
    stored: &StoredObject,
    path: String,
    format: String,
    location: &str,
) -> StoredFile {
    StoredFile {
        path,
        size_bytes: stored.size as i64,
        sha256: stored
            .sha256
            .parse()
            .expect("storage hands out lowercase hex digests"),
        format,
        location: location.to_owned(),
        storage_key: stored.key.to_string(),
    }
}

fn file_name(source: &Path) -> Result<String, IngestError> {
    source
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| IngestError::Source {
            path: source.to_owned(),
            reason: "has no usable file name".into(),
        })
}

/// The format of a stored file, from its name (`ome.tif` before `tif`).
fn format_of(source: &Path) -> String {
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    for (suffix, format) in [
        (".ome.tif", "ome-tiff"),
        (".ome.tiff", "ome-tiff"),
        (".tif", "tiff"),
        (".tiff", "tiff"),
        (".mrc", "mrc"),
        (".mrcs", "mrc"),
    ] {
        if name.ends_with(suffix) {
            return format.to_owned();
        }
    }
    source
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_else(|| "binary".into())
}
