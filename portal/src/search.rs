//! The search index: Pagefind, built in-process from one record per page
//! (identifier, description, technique, instrument, sample, project and
//! every parameter's name, value and unit), written with its offline UI
//! under `pagefind/`.
//!
//! Pagefind's service API looks every added record's URL up among those
//! added before (a linear scan), so one index of 100,000 records takes
//! minutes to fill. The records are split into shards instead (`pagefind/`,
//! `pagefind-1/`, …), each built in the background as soon as it is full,
//! while pages are still rendered; the search page merges them (Pagefind's
//! `mergeIndex`), so a search covers them all.

use std::collections::BTreeMap;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::error::{PortalError, Result};

/// One searchable page.
#[derive(Debug, Clone)]
pub struct Record {
    /// From the site's root, with a leading `/` (the UI puts the site's
    /// base path in front).
    pub url: String,
    pub title: String,
    pub content: String,
    pub filters: BTreeMap<String, Vec<String>>,
}

/// The index's files, relative to `pagefind/`, and how long adding the
/// records took (the rest is Pagefind building and compressing the index).
pub struct Index {
    pub files: Vec<(String, Vec<u8>)>,
    pub adding: std::time::Duration,
}

/// Shards built while the pages are still being rendered: each fills up
/// with records and is indexed in the background (one at a time) as soon
/// as it is full, so most of the index is built by the time the last page
/// is written.
pub struct Shards {
    size: usize,
    pending: Vec<Record>,
    tasks: Vec<tokio::task::JoinHandle<Result<Index>>>,
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Shards {
    pub fn new(size: usize) -> Self {
        Self {
            size: size.max(1),
            pending: Vec::new(),
            tasks: Vec::new(),
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    pub fn add(&mut self, records: impl IntoIterator<Item = Record>) {
        for record in records {
            self.pending.push(record);
            if self.pending.len() >= self.size {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        let chunk = std::mem::take(&mut self.pending);
        let permits = self.permits.clone();
        self.tasks.push(tokio::spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .map_err(|e| PortalError::Search(e.to_string()))?;
            index(chunk).await
        }));
    }

    /// Indexes what is left; returns how many shards there are and their
    /// files (shard 0 under `pagefind/`, shard N under `pagefind-N/`).
    pub async fn finish(mut self) -> Result<(usize, Index)> {
        if !self.pending.is_empty() || self.tasks.is_empty() {
            self.flush();
        }
        let count = self.tasks.len();
        let mut files = Vec::new();
        let mut adding = std::time::Duration::ZERO;
        for (n, task) in self.tasks.into_iter().enumerate() {
            let shard = task
                .await
                .map_err(|e| PortalError::Search(e.to_string()))??;
            adding += shard.adding;
            let dir = if n == 0 {
                "pagefind".to_owned()
            } else {
                format!("pagefind-{n}")
            };
            files.extend(
                shard
                    .files
                    .into_iter()
                    .map(|(path, bytes)| (format!("{dir}/{path}"), bytes)),
            );
        }
        Ok((count, Index { files, adding }))
    }
}

/// Builds one index.
pub async fn index(records: Vec<Record>) -> Result<Index> {
    let started = std::time::Instant::now();
    let config = PagefindServiceConfig::builder()
        .keep_index_url(true)
        .force_language("en".to_owned())
        .build();
    let mut index =
        PagefindIndex::new(Some(config)).map_err(|e| PortalError::Search(e.to_string()))?;
    for record in records {
        let meta = BTreeMap::from([("title".to_owned(), record.title)]);
        index
            .add_custom_record(
                record.url,
                record.content,
                "en".to_owned(),
                Some(meta),
                Some(record.filters),
                None,
            )
            .await
            .map_err(|e| PortalError::Search(e.to_string()))?;
    }
    let adding = started.elapsed();
    let files = index
        .get_files()
        .await
        .map_err(|e| PortalError::Search(e.to_string()))?;
    Ok(Index {
        files: files
            .into_iter()
            .map(|f| (f.filename.to_string_lossy().into_owned(), f.contents))
            .collect(),
        adding,
    })
}
