//! `strata verify`: every stored object is read back and hashed against the
//! digest the catalog recorded; what is missing, corrupt, unrecorded or left
//! by an unfinished ingest is listed.

use std::collections::BTreeSet;
use std::fmt;

use indicatif::ProgressBar;
use strata_catalog::{Catalog, DatasetFilter, DatasetOrder, PageRequest, Scope};
use strata_storage::{ObjectKey, ObjectStore, StorageError};

use crate::IngestError;
use crate::ingestor::dataset_prefix;

/// What to check: one dataset, one project, or everything.
#[derive(Debug, Clone, Default)]
pub struct VerifyTarget {
    pub project: Option<String>,
    pub identifier: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Missing {
        identifier: String,
        path: String,
        key: String,
    },
    Corrupt {
        identifier: String,
        path: String,
        key: String,
        expected: String,
        actual: String,
    },
    /// Bytes under a dataset's keys that no row records.
    Unrecorded { identifier: String, key: String },
    /// An ingest that never completed; rerun it.
    Unfinished { identifier: String },
    Unreadable {
        identifier: String,
        path: String,
        reason: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing {
                identifier,
                path,
                key,
            } => write!(f, "MISSING   {identifier} {path} (key {key})"),
            Problem::Corrupt {
                identifier,
                path,
                key,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "CORRUPT   {identifier} {path} (key {key}): SHA-256 {actual}, recorded {expected}"
                )
            }
            Problem::Unrecorded { identifier, key } => write!(
                f,
                "UNRECORDED {identifier}: {key} is stored but not recorded"
            ),
            Problem::Unfinished { identifier } => write!(
                f,
                "UNFINISHED {identifier}: an ingest never completed; rerun it"
            ),
            Problem::Unreadable {
                identifier,
                path,
                reason,
            } => write!(f, "UNREADABLE {identifier} {path}: {reason}"),
        }
    }
}

#[derive(Debug, Default)]
pub struct VerifyReport {
    pub datasets: usize,
    pub objects: usize,
    pub bytes: u64,
    pub problems: Vec<Problem>,
}

/// The identifiers a target names: one dataset, a project's, or all.
pub(crate) async fn datasets_of(
    catalog: &Catalog,
    scope: &Scope,
    target: &VerifyTarget,
) -> Result<Vec<String>, IngestError> {
    if let Some(id) = &target.identifier {
        return Ok(vec![id.clone()]);
    }
    let filter = DatasetFilter {
        project: target.project.clone(),
        ..DatasetFilter::default()
    };
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest {
            first: Some(500),
            after,
            ..PageRequest::default()
        };
        let found = catalog
            .search_datasets(scope, &filter, DatasetOrder::default(), &page)
            .await
            .map_err(|source| IngestError::Catalog {
                identifier: target.project.clone().unwrap_or_else(|| "catalog".into()),
                source,
            })?;
        after = found.items.last().map(|(c, _)| c.encode());
        all.extend(
            found
                .items
                .into_iter()
                .map(|(_, d)| d.identifier.to_string()),
        );
        if !found.has_next {
            return Ok(all);
        }
    }
}

pub async fn verify(
    catalog: &Catalog,
    store: &dyn ObjectStore,
    scope: &Scope,
    target: &VerifyTarget,
    progress: &ProgressBar,
) -> Result<VerifyReport, IngestError> {
    let catalog_error = |identifier: &str| {
        let identifier = identifier.to_owned();
        move |source| IngestError::Catalog {
            identifier: identifier.clone(),
            source,
        }
    };
    let mut report = VerifyReport::default();
    if target.identifier.is_none() {
        let unfinished = catalog
            .unfinished_ingests(scope, target.project.as_deref())
            .await
            .map_err(catalog_error("catalog"))?;
        report.problems.extend(
            unfinished
                .into_iter()
                .map(|identifier| Problem::Unfinished { identifier }),
        );
    }
    let identifiers = datasets_of(catalog, scope, target).await?;
    for identifier in identifiers {
        let (dataset, objects) = catalog
            .stored_objects(scope, &identifier)
            .await
            .map_err(catalog_error(&identifier))?;
        report.datasets += 1;
        progress.set_message(identifier.clone());
        let mut recorded = BTreeSet::new();
        let mut good = Vec::new();
        for object in objects {
            let Some(key) = object.storage_key.as_deref() else {
                continue;
            };
            recorded.insert(key.to_owned());
            let key = match ObjectKey::parse(key) {
                Ok(k) => k,
                Err(e) => {
                    report.problems.push(Problem::Unreadable {
                        identifier: identifier.clone(),
                        path: object.path,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            report.objects += 1;
            match strata_storage::verify(store, &key, &object.sha256).await {
                Ok(stored) => {
                    report.bytes += stored.size;
                    progress.inc(stored.size);
                    good.push(object.path);
                }
                Err(StorageError::Missing { .. }) => report.problems.push(Problem::Missing {
                    identifier: identifier.clone(),
                    path: object.path,
                    key: key.to_string(),
                }),
                Err(StorageError::Corrupt {
                    expected, actual, ..
                }) => report.problems.push(Problem::Corrupt {
                    identifier: identifier.clone(),
                    path: object.path,
                    key: key.to_string(),
                    expected,
                    actual,
                }),
                Err(e) => report.problems.push(Problem::Unreadable {
                    identifier: identifier.clone(),
                    path: object.path,
                    reason: e.to_string(),
                }),
            }
        }
        let prefix = dataset_prefix(catalog, &dataset.folder);
        let stored = store
            .list(&prefix)
            .await
            .map_err(|source| IngestError::Storage {
                identifier: identifier.clone(),
                source,
            })?;
        for meta in stored {
            if !recorded.contains(meta.key.as_str()) {
                report.problems.push(Problem::Unrecorded {
                    identifier: identifier.clone(),
                    key: meta.key.to_string(),
                });
            }
        }
        catalog
            .mark_verified(dataset.id, &good)
            .await
            .map_err(catalog_error(&identifier))?;
    }
    Ok(report)
}
