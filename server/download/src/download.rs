//! One download, start to finish, in the order that keeps it safe: the
//! dataset and its frames are looked up (scoped), the selection resolved and
//! the destination checked before any byte is fetched; everything is written
//! into a partial folder that becomes `dest/<identifier>/` only once complete.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use strata_catalog::{Catalog, Scope, StoredRecord};
use strata_storage::{ObjectStore, StorageError};

use crate::destination::{Partial, Scratch};
use crate::error::DownloadError;
use crate::fetch::{FetchedImage, Fetcher, complete_image, prepare_image};
use crate::metadata::{FRAMES_CSV, METADATA_JSON};
use crate::options::DownloadOptions;
use crate::plan::PositionPlan;
use crate::{files, frames, metadata, plan};

/// What a download delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadReport {
    /// Stored objects read from, wholly or (shards of a partial download) in part.
    pub objects: usize,
    /// Bytes read from the store.
    pub bytes: u64,
    /// Frames delivered (each checked against its digest unless `verify` was off).
    pub frames: usize,
    /// The download folder, `dest/<identifier>`.
    pub path: PathBuf,
}

/// Downloads the dataset `identifier` (whole, or the frames `options`
/// select) into `dest/<identifier>/`. See the crate documentation.
pub async fn download(
    catalog: &Catalog,
    store: &dyn ObjectStore,
    scope: &Scope,
    identifier: &str,
    dest: &Path,
    options: &DownloadOptions,
    progress: &ProgressBar,
) -> Result<DownloadReport, DownloadError> {
    let catalog_error = |source| DownloadError::Catalog {
        identifier: identifier.to_owned(),
        source,
    };
    let (dataset, records) = catalog
        .stored_objects(scope, identifier)
        .await
        .map_err(catalog_error)?;
    let sets = catalog
        .frame_sets(scope, identifier)
        .await
        .map_err(catalog_error)?;
    let id = dataset.identifier.to_string();
    let image_prefixes: Vec<String> = sets
        .iter()
        .map(|(s, _)| format!("{}/", s.array_path.trim_end_matches('/')))
        .collect();
    let plans = plan::plan(&id, sets, options)?;
    let files: Vec<&StoredRecord> = records
        .iter()
        .filter(|r| !image_prefixes.iter().any(|p| r.path.starts_with(p)))
        .collect();
    let writes_metadata = options.metadata || options.metadata_only;
    if writes_metadata
        && let Some(clash) = files
            .iter()
            .find(|f| f.path == METADATA_JSON || (!plans.is_empty() && f.path == FRAMES_CSV))
    {
        return Err(DownloadError::selection(
            "metadata",
            format!(
                "{id} holds a file named {}, which the metadata would overwrite; download without metadata",
                clash.path
            ),
        ));
    }
    let partial = Partial::create(dest, &id, options.overwrite)?;
    if writes_metadata {
        let output = (!options.metadata_only).then_some(options.format);
        metadata::write(partial.path(), &dataset, &files, &plans, output)?;
    }

    let mut fetcher = Fetcher {
        store,
        identifier: &id,
        verify: options.verify,
        progress,
        objects: Default::default(),
        bytes: 0,
    };
    let mut delivered = 0;
    if !options.metadata_only {
        let scratch = if plans.is_empty() {
            None
        } else {
            Some(Scratch::new(options.scratch.as_deref(), dest, &id)?)
        };
        // Image metadata and shard indexes first: then the total is known.
        let mut fetches = Vec::with_capacity(plans.len());
        if let Some(scratch) = &scratch {
            for plan in &plans {
                fetches.push(prepare_image(&mut fetcher, plan, &records, scratch.path()).await?);
            }
        }
        let file_bytes: u64 = files.iter().map(|f| f.size_bytes.max(0) as u64).sum();
        let pending: u64 = fetches.iter().map(|f| f.pending_bytes()).sum();
        progress.set_length(fetcher.bytes + file_bytes + pending);
        progress.set_position(fetcher.bytes);

        files::download(&mut fetcher, &files, partial.path()).await?;
        for (plan, fetch) in plans.iter().zip(fetches) {
            let image = complete_image(&mut fetcher, fetch).await?;
            delivered += deliver(&fetcher, plan, image, partial.path(), options).await?;
        }
    }
    let path = partial.commit()?;
    tracing::info!(identifier = %id, objects = fetcher.objects.len(), bytes = fetcher.bytes, frames = delivered, path = %path.display(), "downloaded");
    Ok(DownloadReport {
        objects: fetcher.objects.len(),
        bytes: fetcher.bytes,
        frames: delivered,
        path,
    })
}

/// Reads, checks and writes one position on a blocking thread. A shard read
/// only in part that fails to decode is then checked whole, so that damage
/// is reported as the corrupt object it is.
async fn deliver(
    fetcher: &Fetcher<'_>,
    plan: &PositionPlan,
    image: FetchedImage,
    out_dir: &Path,
    options: &DownloadOptions,
) -> Result<usize, DownloadError> {
    let (id, owned_plan, out_dir) = (
        fetcher.identifier.to_owned(),
        plan.clone(),
        out_dir.to_path_buf(),
    );
    let (format, verify) = (options.format, options.verify);
    let (image, result) = tokio::task::spawn_blocking(move || {
        let result = frames::deliver(&id, &owned_plan, &image, &out_dir, format, verify);
        (image, result)
    })
    .await
    .map_err(|e| {
        DownloadError::inconsistent(fetcher.identifier, format!("the frame reader stopped: {e}"))
    })?;
    match result {
        Err(err @ DownloadError::Zarr { .. }) if verify && !image.ranged.is_empty() => {
            for record in &image.ranged {
                let key = fetcher.key(record)?;
                if let Err(e @ (StorageError::Corrupt { .. } | StorageError::Missing { .. })) =
                    strata_storage::verify(fetcher.store, &key, &record.sha256).await
                {
                    return Err(fetcher.storage(e));
                }
            }
            Err(err)
        }
        other => other,
    }
}
