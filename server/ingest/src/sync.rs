//! `strata sync`: keeps an S3 mirror of the local store in step, as imagingDB's
//! daily sync did, but checked: what is copied is read back verified from the
//! source first (corrupt bytes are never mirrored), the mirror's digest of
//! each copy must equal the catalog's, and objects already mirrored are
//! rehashed so that a damaged copy is replaced.

use indicatif::ProgressBar;
use strata_catalog::{Catalog, Scope};
use strata_storage::{ObjectKey, ObjectStore, StorageError, fetch_verified};

use crate::IngestError;
use crate::verify::{Problem, VerifyTarget, datasets_of};

#[derive(Debug, Default)]
pub struct SyncReport {
    pub objects: usize,
    /// Copied because the mirror lacked them or held a damaged copy.
    pub copied: usize,
    pub bytes_copied: u64,
    /// Damaged copies found in the mirror (and replaced).
    pub repaired: usize,
    pub problems: Vec<Problem>,
}

pub async fn sync(
    catalog: &Catalog,
    source: &dyn ObjectStore,
    mirror: &dyn ObjectStore,
    scope: &Scope,
    target: &VerifyTarget,
    staging: &std::path::Path,
    progress: &ProgressBar,
) -> Result<SyncReport, IngestError> {
    let mut report = SyncReport::default();
    std::fs::create_dir_all(staging).map_err(|e| IngestError::Source {
        path: staging.to_owned(),
        reason: e.to_string(),
    })?;
    for identifier in datasets_of(catalog, scope, target).await? {
        let (_, objects) = catalog
            .stored_objects(scope, &identifier)
            .await
            .map_err(|source| IngestError::Catalog {
                identifier: identifier.clone(),
                source,
            })?;
        progress.set_message(identifier.clone());
        for object in objects {
            let Some(key) = object
                .storage_key
                .as_deref()
                .and_then(|k| ObjectKey::parse(k).ok())
            else {
                continue;
            };
            report.objects += 1;
            let storage = |source| IngestError::Storage {
                identifier: identifier.clone(),
                source,
            };
            let mirrored = mirror.head(&key).await.map_err(storage)?;
            if mirrored.is_some_and(|m| m.size as i64 == object.size_bytes) {
                match strata_storage::verify(mirror, &key, &object.sha256).await {
                    Ok(_) => {
                        progress.inc(object.size_bytes as u64);
                        continue;
                    }
                    Err(StorageError::Corrupt { .. }) => report.repaired += 1,
                    Err(e) => return Err(storage(e)),
                }
            }
            // Fetch from the source, verified, then copy and check the mirror's digest.
            let local = staging.join(format!("sync-{}", std::process::id()));
            match fetch_verified(source, &key, &object.sha256, &local).await {
                Ok(_) => {}
                Err(StorageError::Missing { .. }) => {
                    report.problems.push(Problem::Missing {
                        identifier: identifier.clone(),
                        path: object.path,
                        key: key.to_string(),
                    });
                    continue;
                }
                Err(StorageError::Corrupt {
                    expected, actual, ..
                }) => {
                    report.problems.push(Problem::Corrupt {
                        identifier: identifier.clone(),
                        path: object.path,
                        key: key.to_string(),
                        expected,
                        actual,
                    });
                    continue;
                }
                Err(e) => return Err(storage(e)),
            }
            let copied = mirror.put_file(&key, &local).await;
            let _ = std::fs::remove_file(&local);
            let copied = copied.map_err(storage)?;
            if copied.sha256 != object.sha256 {
                report.problems.push(Problem::Corrupt {
                    identifier: identifier.clone(),
                    path: object.path,
                    key: key.to_string(),
                    expected: object.sha256.clone(),
                    actual: copied.sha256,
                });
                continue;
            }
            report.copied += 1;
            report.bytes_copied += copied.size;
            progress.inc(copied.size);
        }
    }
    Ok(report)
}
